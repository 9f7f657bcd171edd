"""Shared comparison of the UDP IT plug-in oracles (dhcp, dns, ntp, snmp,
ssdp): `otwatch analyze --events` against tshark-made expected files."""
import ipaddress
import json
import os
import subprocess
import sys

VAL_MAX = 48  # OTW_ATTR_VAL_MAX: the engine cuts identity values here


def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def pair(a, b):
    a, b = norm_ip(a), norm_ip(b)
    return tuple(sorted([a, b], key=lambda s: (ipaddress.ip_address(s).version,
                                                int(ipaddress.ip_address(s)))))


def norm_val(v):
    """What otw_attr_report keeps of a value: 48 bytes, no trailing blanks."""
    b = v.encode("utf-8", "replace")[:VAL_MAX]
    b = bytes(c if 0x20 <= c < 0x7f or c >= 0x80 else ord("?") for c in b)
    return b.rstrip(b" ?\0").decode("utf-8", "replace")


def read_expected(path):
    """op APP A B UNIT FUNC REQ RESP EXC / attr APP WHO KEY VALUE /
    scope APP KEY... (attribute keys compared for APP)."""
    ops, attrs, scope = {}, set(), {}
    with open(path) as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            if w[0] == "op":
                ops[(w[1], w[2], w[3], int(w[4]), int(w[5]))] = \
                    [int(w[6]), int(w[7]), int(w[8])]
            elif w[0] == "attr":
                attrs.add((w[1], w[2], w[3], " ".join(w[4:])))
            elif w[0] == "scope":
                scope[w[1]] = set(w[2:])
    return ops, attrs, scope


def run_otwatch(exe, pcap):
    cmd = [exe, "analyze", "--events", pcap]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                             p.stderr))
    ops, attrs = {}, set()
    for line in p.stdout.splitlines():
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        if o.get("ev") == "op":
            try:
                a, b = pair(o["src_ip"], o["dst_ip"])
            except ValueError:  # L2 ops: MAC pseudo-addresses, not ours
                continue
            k = (o["app"], a, b, int(o["unit"]), int(o["func"]))
            c = ops.setdefault(k, [0, 0, 0])
            c[0] += o["count"]
            c[1] += o["responses"]
            c[2] += o["exceptions"]
        elif o.get("ev") == "attr" and ("ip" in o or "mac" in o):
            who = norm_ip(o["ip"]) if "ip" in o else o["mac"]
            attrs.add((o["app"], who, o["key"], o["value"]))
    return ops, attrs


def compare(exe, root, rel, ext, fix_ops=None):
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    pcap = os.path.join(pcaps, rel)
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found" % pcap)
    plugin = os.path.basename(sys.argv[0]).split("_check")[0]
    name = os.path.splitext(os.path.basename(rel))[0]
    exp_ops, exp_attrs, scope = read_expected(
        os.path.join(root, "tests", "expected", plugin, name + "." + ext))
    got_ops, got_attrs = run_otwatch(exe, pcap)
    apps = {k[0] for k in exp_ops} | set(scope)
    got_ops = {k: v for k, v in got_ops.items() if k[0] in apps}
    if fix_ops:
        fix_ops(exp_ops, got_ops)
    bad = 0
    for k in sorted(set(exp_ops) | set(got_ops)):
        e, g = exp_ops.get(k, [0, 0, 0]), got_ops.get(k, [0, 0, 0])
        if e != g:
            bad += 1
            print("op %s %s<->%s unit %d func %d: tshark req/resp/exc %s, "
                  "otwatch %s" % (k + (e, g)))
    got_attrs = {a for a in got_attrs if a[2] in scope.get(a[0], ())}
    for a in sorted(exp_attrs - got_attrs):
        bad += 1
        print("missing attr %s %s %s=%r" % a)
    for a in sorted(got_attrs - exp_attrs):
        bad += 1
        print("extra attr %s %s %s=%r" % a)
    n_ops = sum(sum(v[:2]) for v in exp_ops.values())
    print("%s: %d op keys (%d messages), %d facts; %d mismatches"
          % (name, len(exp_ops), n_ops, len(exp_attrs), bad))
    return 1 if bad else 0


