#!/usr/bin/env python3
"""BACnet/IP oracle: otwatch against tshark.

  bacnet_check.py OTWATCH SOURCE_ROOT CAPTURE   compare (CAPTURE relative
                                                to shared/pcaps)
  bacnet_check.py --gen < tshark-fields         normalise tshark output
                                                (bacnet_gen.sh) to the
                                                expected file

Compared, per (requester IP, responder IP, func) with func encoded as in
docs/protocols/bacnet.md: requests, responses (acks + errors) and
exceptions (error, reject, abort, BVLC NAK); and the I-Am identity facts
(proto_addr = device instance, vendor_id) and the device-object strings of
ReadProperty(-Multiple) acks (vendor, model, firmware, description = app
software version, name) of senders that are not behind a router (no SNET)
and not forwarded by a BBMD.

Where the two legitimately differ:
  - tshark names no service in Reject/Abort PDUs: the normaliser pairs them
    with the confirmed request of the same invoke id, as otwatch does; an
    unpaired one is func 0x4ff on both sides.
  - segments after the first of a segmented request/ack are not operations
    (otwatch counts the first segment only); the normaliser skips
    sequence numbers other than 0.
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "ip.src", "ip.dst", "bvlc.function", "bvlc.result",
          "bacnet.control_net", "bacnet.mesgtyp", "bacnet.snet", "bacapp.type",
          "bacapp.confirmed_service", "bacapp.unconfirmed_service",
          "bacapp.invoke_id", "bacapp.sequence_number", "bacapp.SRV",
          "bacapp.instance_number", "bacapp.vendor_identifier",
          "bacapp.segmented_request"]


def vendor_table():
    """The small vendor-id table of dissect/bacnet.c (the names are checked
    against Wireshark's in the C comment; here they are only re-used)."""
    import re
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "dissect", "bacnet.c")
    try:
        text = open(src).read()
    except OSError:
        return {}
    body = text[text.index("bac_vendors[] = {"):]
    body = body[:body.index("};")]
    return {int(a): b for a, b in re.findall(r'\{ (\d+), "([^"]*)" \}', body)}


VENDORS = vendor_table()


def num(s):
    s = s.strip()
    if s == "":
        return None
    if s in ("True", "true"):
        return 1
    if s in ("False", "false"):
        return 0
    return int(s, 0)


def gen():
    ops = {}
    pend = {}
    ident = set()

    def add(cli, srv, func, kind):
        o = ops.setdefault((cli, srv, "bacnet", func), [0, 0, 0])
        if kind == "req":
            o[0] += 1
        else:
            o[1] += 1
        if kind == "exc":
            o[2] += 1

    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        if len(f) < len(FIELDS):
            f += [""] * (len(FIELDS) - len(f))
        r = dict(zip(FIELDS, f))
        src, dst = r["ip.src"], r["ip.dst"]
        fn = num(r["bvlc.function"])
        if fn is None or src == "":
            continue
        if fn in (0x01, 0x02, 0x05, 0x06, 0x08, 0x0c):
            add(src, dst, 0x200 | fn, "req")
            continue
        if fn in (0x03, 0x07):
            add(dst, src, 0x200 | (fn - 1), "resp")
            continue
        if fn == 0x00:
            res = num(r["bvlc.result"]) or 0
            naks = {0x10: 1, 0x20: 2, 0x30: 5, 0x40: 6, 0x50: 8, 0x60: 9}
            if res in naks:
                add(dst, src, 0x200 | naks[res], "exc")
            else:
                add(dst, src, 0x200, "resp")
            continue
        if num(r["bacnet.control_net"]):
            add(src, dst, 0x300 | num(r["bacnet.mesgtyp"]), "req")
            continue
        t = num(r["bacapp.type"])
        if t is None:
            continue
        inv = num(r["bacapp.invoke_id"])
        seq = num(r["bacapp.sequence_number"]) or 0
        csvc = num(r["bacapp.confirmed_service"])
        if t == 0:
            if seq != 0:
                continue
            pend[(src, dst, inv)] = csvc
            add(src, dst, csvc, "req")
        elif t == 1:
            usvc = num(r["bacapp.unconfirmed_service"])
            add(src, dst, 0x100 | usvc, "req")
            if usvc == 0 and fn != 0x04 and r["bacnet.snet"] == "":
                inst = num(r["bacapp.instance_number"])
                ven = num(r["bacapp.vendor_identifier"])
                if inst is not None:
                    ident.add((src, "proto_addr", str(inst)))
                if ven is not None:
                    ident.add((src, "vendor_id", str(ven)))
                    if ven in VENDORS:
                        ident.add((src, "vendor", VENDORS[ven]))
        elif t in (2, 3, 5):
            if seq != 0:
                continue
            pend.pop((dst, src, inv), None)
            add(dst, src, csvc, "exc" if t == 5 else "resp")
        elif t == 4:
            add(src, dst, 0x400, "req")
        elif t in (6, 7):
            if t == 7 and not num(r["bacapp.SRV"]):
                svc = pend.pop((src, dst, inv), 0x4ff)
                add(src, dst, svc, "exc")
            else:
                svc = pend.pop((dst, src, inv), 0x4ff)
                add(dst, src, svc, "exc")
    emit(ops, ident)


def emit(ops, ident):
    """Print the expected file: op and attr lines."""
    for k in sorted(ops):
        print("op %s %s %s %d %d %d %d" % (k + tuple(ops[k])))
    for k in sorted(ident):
        print("attr %s %s %s" % k)


PROPS = {"vendor-name": "vendor", "model-name": "model",
         "firmware-revision": "firmware",
         "application-software-version": "description",
         "object-name": "name"}


def gen_strings():
    """Device-object strings of ReadProperty(-Multiple) acks, from tshark
    -T json (the value is only in the tree's text)."""
    import json as js
    import re
    pat = re.compile(r"^(%s): UTF-8 '(.*)'$" % "|".join(PROPS))
    ident = set()

    def walk(o, out):
        if isinstance(o, dict):
            for k, v in o.items():
                m = pat.match(k)
                if m:
                    out.append((m.group(1), m.group(2)))
                elif k == "bacapp.object_name":
                    out.append(("object-name", v))
                walk(v, out)
        elif isinstance(o, list):
            for v in o:
                walk(v, out)

    for pkt in js.load(sys.stdin):
        lay = pkt["_source"]["layers"]
        src = lay.get("ip", {}).get("ip.src")
        if (src is None or "bacnet.snet" in js.dumps(lay.get("bacnet", {})) or
                lay.get("bvlc", {}).get("bvlc.function") == "0x04"):
            continue
        app = lay.get("bacapp", {})
        if "device," not in js.dumps(app):
            continue
        found = []
        walk(app, found)
        for prop, val in found:
            ident.add((src, PROPS[prop], val[:48]))
    for k in sorted(ident):
        print("attr %s %s %s" % k)


def run_otwatch(exe, pcap, apps):
    out = subprocess.run([exe, "analyze", "--events", pcap], check=True,
                         capture_output=True, text=True).stdout
    ops, attrs = {}, set()
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        e = json.loads(line)
        if e.get("app") not in apps:
            continue
        if e.get("ev") == "op":
            k = (e["src_ip"], e["dst_ip"], e["app"], e["func"])
            o = ops.setdefault(k, [0, 0, 0])
            o[0] += e["count"]
            o[1] += e["responses"]
            o[2] += e["exceptions"]
        elif e.get("ev") == "attr":
            attrs.add((e.get("ip") or e.get("mac"), e["key"], e["value"]))
    return ops, attrs


def read_expected(path):
    ops, attrs = {}, set()
    with open(path) as f:
        for line in f:
            p = line.split(None, 3)
            if not p:
                continue
            if p[0] == "op":
                q = line.split()
                ops[(q[1], q[2], q[3], int(q[4]))] = [int(q[5]), int(q[6]),
                                                       int(q[7])]
            elif p[0] == "attr":
                attrs.add((p[1], p[2], p[3].rstrip("\n")))
    return ops, attrs


def compare(exe, root, rel, subdir, apps, ext, attr_keys, only=None,
            attr_filter=None):
    """Compare a capture's otwatch ops/facts of apps with
    tests/expected/<subdir>/<stem><ext>; exit 0/1 (77: no captures).
    only(key) may drop otwatch op keys the expected file cannot have."""
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at", pcaps)
        sys.exit(77)
    stem = os.path.splitext(os.path.basename(rel))[0]
    exp_ops, exp_attrs = read_expected(
        os.path.join(root, "tests", "expected", subdir, stem + ext))
    got_ops, got_attrs = run_otwatch(exe, os.path.join(pcaps, rel), apps)
    if only is not None:
        got_ops = {k: v for k, v in got_ops.items() if only(k)}
    got_attrs = {a for a in got_attrs if a[1] in attr_keys and
                 (attr_filter is None or attr_filter(a))}
    bad = 0
    for k in sorted(set(exp_ops) | set(got_ops), key=str):
        e, g = exp_ops.get(k, [0, 0, 0]), got_ops.get(k, [0, 0, 0])
        if e != g:
            print("MISMATCH op %s -> %s %s func %#x: tshark req/resp/exc %s,"
                  " otwatch %s" % (k[0], k[1], k[2], k[3], e, g))
            bad += 1
    for a in sorted(exp_attrs - got_attrs):
        print("MISSING attr", *a)
        bad += 1
    for a in sorted(got_attrs - exp_attrs):
        print("EXTRA attr", *a)
        bad += 1
    n = sum(sum(v[:2]) for v in exp_ops.values())
    print("%s: %d op keys, %d PDUs, %d facts, %d mismatches" %
          (stem, len(exp_ops), n, len(exp_attrs), bad))
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--gen":
        gen()
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--gen-strings":
        gen_strings()
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--fields":
        print(" ".join("-e " + f for f in FIELDS))
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    compare(sys.argv[1], sys.argv[2], sys.argv[3], "bacnet", {"bacnet"},
            ".ops", {"proto_addr", "vendor_id"} | set(PROPS.values()))


if __name__ == "__main__":
    main()
