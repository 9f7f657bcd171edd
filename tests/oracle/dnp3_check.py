#!/usr/bin/env python3
"""DNP3 oracle: `otwatch analyze` against tshark.

  dnp3_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)
  dnp3_check.py --norm < `tshark -T json --no-duplicate-keys`  (dnp3_gen.sh)

Expected file tests/expected/dnp3/<capture-stem>.ops:
  req  client server unit func count      requests per application function
                                          (unit = destination = outstation)
  resp client server unit responses exceptions unsolicited
                                          response fragments (functions 129,
                                          130, 131) per outstation (unit =
                                          source address); exceptions = IIN2
                                          bits 0-2 (no function code support,
                                          object unknown, parameter error)
  range client server unit lo hi           union of the index ranges of the
                                          first object header of every
                                          request and response (otwatch:
                                          union of its ops' addr_lo..hi)
  attr ip key value                       proto_addr of every station, role
                                          rtu of stations sending responses
otwatch reports a response under its request's function when it pairs them
by application sequence number (docs/protocols/dnp3.md), so responses are
compared per outstation, summed over functions; unsolicited responses are
their own function (130) in both.

client = the master (the sender of frames with the link DIR bit set),
server = the outstation, whoever opened the connection (as otwatch does).

Corrected here: tshark 4.0 reassembles application fragments per DNP3
address pair, not per connection, so a FIR segment can be merged with a
stale segment of another TCP connection ("Conflicting data in fragment
overlap", emre-dnp3-dataset-capture); the function of such a frame is read
from its own first data chunk instead (own_fragment).

Also corrected: tshark 4.0 drops a fragment whose transport sequence
number wraps from 63 to 0 inside it ("Unreassembled fragment" at the FIN
segment, icsnpp-dnp3-example); such a fragment is counted from its FIR
segment when its FIN segment is seen.

Counting: tshark counts an application fragment once it is reassembled from
its transport segments; otwatch counts it at its FIR segment (which always
holds the application header). They differ only for a fragment whose FIN
segment is not in the capture: there are none in dnp3.list.
"""
import ipaddress
import json
import os
import subprocess
import sys



def norm_ip(s):
    a = ipaddress.ip_address(s)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def first(d, k):
    v = d.get(k)
    return v[0] if isinstance(v, list) else v


def sub(d, prefix):
    """Sub-trees of d whose key starts with prefix (tshark text labels)."""
    out = []
    for k, v in d.items():
        if k.startswith(prefix):
            out.extend(x for x in as_list(v) if isinstance(x, dict))
    return out


# functions otwatch reports (requests 0-33, responses 129-131)
FUNCS = set(range(0, 34)) | {0x81, 0x82, 0x83}


def walk(obj):
    """(key, value) pairs of a tshark JSON tree in document order."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


def first_range(al):
    """Index range of the first object header of an application layer
    tree: start..stop for range qualifiers 0-5, the first index for
    index-prefixed counts (7-9 with prefix 1-3), else None."""
    for k, v in al.items():
        if not k.endswith("Data Objects") or not isinstance(v, dict):
            continue
        tree = v.get("dnp3.al.obj_tree")
        tree = tree[0] if isinstance(tree, list) else tree
        if not isinstance(tree, dict):
            return None
        kv = {}
        for kk, vv in walk(tree):
            if isinstance(vv, str) and kk not in kv:
                kv[kk] = vv
        pre = int(kv.get("dnp3.al.objq.prefix", "-1"))
        rc = int(kv.get("dnp3.al.objq.range", "-1"))
        if 0 <= rc <= 5 and "dnp3.al.range.start" in kv:
            a, b = int(kv["dnp3.al.range.start"]), int(kv["dnp3.al.range.stop"])
            return (a, b) if b >= a else None
        if 7 <= rc <= 9 and 1 <= pre <= 3 and "dnp3.al.index" in kv:
            i = int(kv["dnp3.al.index"])
            return (i, i)
        return None
    return None


def own_fragment(d):
    """Application header of this frame's own FIR segment, from its first
    data chunk: TH, AC, FC, IIN. Used where tshark 4.0 merged the segment
    with one of another TCP connection between the same DNP3 addresses
    ("Conflicting data in fragment overlap"): its application-layer
    fields then describe the other connection's fragment."""
    chunks = sub(d, "Data Chunks")
    if not chunks:
        return []
    c0 = chunks[0].get("Data Chunk: 0")
    if not isinstance(c0, dict):
        return []
    b = bytes.fromhex(first(c0, "dnp.data_chunk").replace(":", ""))
    if len(b) < 3 or not b[0] & 0x40:
        return []
    fc = b[2]
    if fc >= 0x81:
        if len(b) < 5:
            return []
        return [(fc, b[3] << 8 | b[4], None)]
    return [(fc, 0, None)]


def norm(inp, out):
    req, resp, attrs, pending, ranges = {}, {}, set(), {}, {}
    for pkt in json.load(inp):
        ly = pkt["_source"]["layers"]
        ip = ly.get("ip") or ly.get("ipv6")
        l4 = ly.get("tcp") or ly.get("udp")
        if ip is None or l4 is None:
            continue
        v = "ip" if "ip" in ly else "ipv6"
        src, dst = norm_ip(first(ip, v + ".src")), norm_ip(first(ip, v + ".dst"))
        t = "tcp" if "tcp" in ly else "udp"
        for d in as_list(ly.get("dnp3")):
            if not isinstance(d, dict):
                continue
            links = sub(d, "Data Link Layer")
            if not links:
                continue
            ln = links[-1]
            if first(ln, "dnp.hdr.CRC.status") not in (None, "1"):
                continue
            lsrc, ldst = int(first(ln, "dnp3.src")), int(first(ln, "dnp3.dst"))
            dirbit = first(ln.get("dnp3.ctl_tree", {}), "dnp3.ctl.dir") == "1"
            client, server = (src, dst) if dirbit else (dst, src)
            attrs.add((src, "proto_addr", str(lsrc)))
            als = []
            for al in sub(d, "Application Layer"):
                fc = first(al, "dnp3.al.func")
                if fc is not None:
                    als.append((int(fc), int(first(al, "dnp3.al.iin") or "0",
                                                16), first_range(al)))
            frag = d.get("dnp3.al.fragments")
            if isinstance(frag, dict) and first(
                    frag.get("dnp3.al.fragment.error_tree", {}),
                    "dnp3.al.fragment.overlap.conflict") == "1":
                als = own_fragment(d)
            tr = int(first(d, "dnp3.tr.ctl") or "0", 16)
            pk = (t, first(l4, t + ".stream"), src)
            if tr & 0x40:
                pending[pk] = own_fragment(d)
            if als:
                pending.pop(pk, None)
            elif tr & 0x80 and pk in pending:
                als = pending.pop(pk)   # transport sequence wrap 63 -> 0
            for fc, iin, rng in als:
                unit = ldst if fc < 0x80 else lsrc
                if rng is not None and fc in FUNCS:
                    a = ranges.get((client, server, unit))
                    ranges[(client, server, unit)] = rng if a is None else \
                        (min(a[0], rng[0]), max(a[1], rng[1]))
                if fc < 0x80:
                    k = (client, server, ldst, fc)
                    req[k] = req.get(k, 0) + 1
                elif fc in (0x81, 0x82, 0x83):
                    r = resp.setdefault((client, server, lsrc), [0, 0, 0])
                    r[0] += 1
                    r[1] += 1 if iin & 0x0007 else 0
                    r[2] += 1 if fc == 0x82 else 0
                    attrs.add((src, "role", "rtu"))
    for k in sorted(req):
        out.write("req %s %s %d %d %d\n" % (k + (req[k],)))
    for k in sorted(resp):
        out.write("resp %s %s %d %d %d %d\n" % (k + tuple(resp[k])))
    for k in sorted(ranges):
        out.write("range %s %s %d %d %d\n" % (k + ranges[k]))
    for a in sorted(attrs):
        out.write("attr %s %s %s\n" % a)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), p.returncode,
                                             p.stderr))
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--norm":
        norm(sys.stdin, sys.stdout)
        return 0
    if len(sys.argv) != 4:
        sys.exit("usage: dnp3_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    pcap = os.path.join(pcaps, rel)
    if not os.path.isfile(pcap):
        sys.exit("FAIL: capture %s not found" % pcap)
    name = os.path.splitext(os.path.basename(rel))[0]
    exp_req, exp_resp, exp_attr, exp_rng = {}, {}, set(), {}
    with open(os.path.join(root, "tests", "expected", "dnp3",
                           name + ".ops")) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "req":
                exp_req[(w[1], w[2], int(w[3]), int(w[4]))] = int(w[5])
            elif w[0] == "resp":
                exp_resp[(w[1], w[2], int(w[3]))] = tuple(
                    int(x) for x in w[4:7])
            elif w[0] == "range":
                exp_rng[(w[1], w[2], int(w[3]))] = (int(w[4]), int(w[5]))
            elif w[0] == "attr":
                exp_attr.add((w[1], w[2], " ".join(w[3:])))

    got_rng = {}
    got_req, got_resp = {}, {}
    for o in run([exe, "analyze", "--json", pcap]):
        if o.get("type") != "op" or o.get("app") != "dnp3":
            continue
        c, s = norm_ip(o["src_ip"]), norm_ip(o["dst_ip"])
        u, fc = int(o["unit"]), int(o["func"])
        if o["count"]:
            k = (c, s, u, fc)
            got_req[k] = got_req.get(k, 0) + o["count"]
        if "addr_lo" in o:
            k = (c, s, u)
            a = got_rng.get(k)
            got_rng[k] = (o["addr_lo"], o["addr_hi"]) if a is None else \
                (min(a[0], o["addr_lo"]), max(a[1], o["addr_hi"]))
        if o.get("responses", 0):
            r = got_resp.setdefault((c, s, u), [0, 0, 0])
            r[0] += o["responses"]
            r[1] += o.get("exceptions", 0)
            r[2] += o["responses"] if fc == 0x82 else 0
    got_attr = set()
    for o in run([exe, "analyze", "--events", pcap]):
        if o.get("ev") == "attr" and o.get("app") == "dnp3" and "ip" in o:
            got_attr.add((norm_ip(o["ip"]), o["key"], o["value"]))

    errs = []
    for k in sorted(set(exp_req) | set(got_req)):
        e, g = exp_req.get(k, 0), got_req.get(k, 0)
        if e != g:
            errs.append("dnp3 %s -> %s unit %d func %d: tshark %d requests, "
                        "otwatch %d" % (k + (e, g)))
    for k in sorted(set(exp_resp) | set(got_resp)):
        e = exp_resp.get(k, (0, 0, 0))
        g = tuple(got_resp.get(k, (0, 0, 0)))
        if e != g:
            errs.append("dnp3 %s -> %s unit %d: responses/exceptions/"
                        "unsolicited tshark %s, otwatch %s" % (k + (e, g)))
    for k in sorted(set(exp_rng) | set(got_rng)):
        e, g = exp_rng.get(k), got_rng.get(k)
        if e != g:
            errs.append("dnp3 %s -> %s unit %d: index range of first objects "
                        "tshark %s, otwatch %s" % (k + (e, g)))
    for a in sorted(exp_attr ^ got_attr):
        errs.append("attr %s %s=%s: %s" % (a + (
            "tshark only" if a in exp_attr else "otwatch only",)))
    for e in errs:
        print(e)
    if errs:
        print("FAIL: %s: %d mismatches" % (name, len(errs)))
        return 1
    print("OK: %s: %d requests, %d responses, %d facts match tshark"
          % (name, sum(exp_req.values()),
             sum(r[0] for r in exp_resp.values()), len(exp_attr)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
