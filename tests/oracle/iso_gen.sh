#!/bin/sh
# Regenerate tests/expected/iso/<capture>.ops (and .attrs) from tshark for
# every capture in tests/oracle/iso.list, read in place from ../shared/pcaps.
#   usage: tests/oracle/iso_gen.sh [PCAP_DIR]
# .ops lines: app client server func requests responses exceptions, with
# func in otwatch's encoding (docs/protocols/s7comm.md, mms.md; PLC control
# folded to 0x28). .attrs lines: ip key value (identity facts tshark shows:
# SZL 0x0011/0x001C, MMS identify, MMS domain names).
# tshark 4.0 has no S7comm-plus dissector: for those flows the ICSNPP
# s7comm_plus.log next to the capture (an independent Zeek parser) is the
# reference, when there is one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=${1:-$root/../shared/pcaps}
out=$root/tests/expected/iso
[ -d "$pcaps" ] || { echo "iso_gen: no capture dir $pcaps" >&2; exit 1; }
mkdir -p "$out"
# tshark -T json (layers ip ipv6 tcp s7comm mms) on stdin -> .ops/.attrs
NORM='
import json, os, sys
from collections import defaultdict

ops = defaultdict(lambda: [0, 0, 0])
attrs = set()
pend = {}

def lst(v):
    return v if isinstance(v, list) else [v]

def walk(d):
    """(key, value) pairs of a tshark json tree, in document order."""
    if isinstance(d, dict):
        for k, v in d.items():
            if isinstance(v, (dict, list)):
                yield k, None
                yield from walk(v)
            else:
                yield k, v
    elif isinstance(d, list):
        for e in d:
            yield from walk(e)

def num(s):
    return int(s, 0)

def add(app, cli, srv, func, kind):
    o = ops[(app, cli, srv, func)]
    if kind == 0:
        o[0] += 1
    else:
        o[1] += 1
    if kind == 2:
        o[2] += 1

def s7(pdu, cli, srv, from_cli, flow, src):
    kv = dict((k, v) for k, v in walk(pdu) if v is not None)
    ros = int(kv.get("s7comm.header.rosctr", "0"))
    ref = kv.get("s7comm.header.pduref")
    if ros == 1 and "s7comm.param.func" in kv:
        f = num(kv["s7comm.param.func"])
        pend[(flow, ref)] = f
        add("s7comm", cli, srv, f, 0)
    elif ros in (2, 3):
        f = num(kv["s7comm.param.func"]) if "s7comm.param.func" in kv \
            else pend.get((flow, ref))
        if f is None:
            return
        err = num(kv.get("s7comm.header.errcls", "0")) or \
            num(kv.get("s7comm.header.errcod", "0"))
        add("s7comm", cli, srv, f, 2 if err else 1)
    elif ros == 7 and "s7comm.param.userdata.type" in kv:
        f = 0x1000 | num(kv["s7comm.param.userdata.funcgroup"]) << 8 | \
            num(kv["s7comm.param.userdata.subfunc"])
        t = int(kv["s7comm.param.userdata.type"])
        err = num(kv.get("s7comm.param.errcod", "0"))
        add("s7comm", cli, srv, f, 0 if t == 4 else 2 if err else 1)
    for k, v in walk(pdu):
        if v is None:
            continue
        if k.endswith(".0001.anz") and v.startswith("6ES7"):
            attrs.add((src, "product_code", v.strip()))
        for suf, key in ((".001c.0001.name", "name"),
                         (".001c.0002.name", "model"),
                         (".001c.0005.serialn", "serial")):
            if k.endswith(suf) and v.strip():
                attrs.add((src, key, v.strip()))

PDUS = {"mms.confirmed_RequestPDU_element": "req",
        "mms.confirmed_ResponsePDU_element": "resp",
        "mms.confirmed_ErrorPDU_element": "err",
        "mms.unconfirmed_PDU_element": "unc",
        "mms.rejectPDU_element": "rej",
        "mms.initiate_RequestPDU_element": (0x200, 0),
        "mms.initiate_ResponsePDU_element": (0x200, 1),
        "mms.initiate_ErrorPDU_element": (0x200, 2),
        "mms.conclude_RequestPDU_element": (0x201, 0),
        "mms.conclude_RequestPDU": (0x201, 0),
        "mms.conclude_ResponsePDU_element": (0x201, 1),
        "mms.conclude_ResponsePDU": (0x201, 1),
        "mms.conclude_ErrorPDU_element": (0x201, 2)}

gnl = set()  # (flow, invokeID) of getNameList requests of class domain

def mms(pdu, cli, srv, from_cli, flow, src):
    cur, inv, svc = None, None, None
    for k, v in walk(pdu):
        # domain (logical device) names: domainId of the variables of a
        # Read/Write request, identifiers of a getNameList response whose
        # request asked for the domain class (basicObjectClass 9)
        if svc == ("req", 1) and k == "mms.basicObjectClass" and v == "9":
            gnl.add((flow, inv))
        elif svc in (("req", 4), ("req", 5)) and k == "mms.domainId" and v:
            attrs.add((srv, "domain", v.strip()))
        elif svc == ("resp", 1) and (flow, inv) in gnl and \
                k == "mms.Identifier" and v:
            attrs.add((srv, "domain", v.strip()))
        if k in PDUS:
            p = PDUS[k]
            if isinstance(p, tuple):
                add("mms", cli, srv, p[0], p[1])
                cur = None
            elif p == "rej":
                add("mms", cli, srv, 0x203, 2)
                cur = None
            else:
                cur, inv = p, None
        elif k == "mms.invokeID" and v is not None:
            inv = v
            if cur == "err":
                add("mms", cli, srv, pend.get((flow, inv), 0xff), 2)
                cur = None
        elif k == "mms.confirmedServiceRequest" and cur == "req":
            svc = ("req", int(v))
            pend[(flow, inv)] = int(v)
            add("mms", cli, srv, int(v), 0)
            cur = None
        elif k == "mms.confirmedServiceResponse" and cur == "resp":
            svc = ("resp", int(v))
            add("mms", cli, srv, int(v), 1)
            cur = None
        elif k == "mms.unconfirmedService" and cur == "unc":
            add("mms", cli, srv, 0x100 | int(v), 0 if from_cli else 1)
            cur = None
        elif k in ("mms.vendorName", "mms.modelName", "mms.revision") and v:
            attrs.add((src, {"mms.vendorName": "vendor", "mms.modelName":
                             "model", "mms.revision": "firmware"}[k],
                       v.strip()))

for pkt in json.load(sys.stdin):
    ly = pkt["_source"]["layers"]
    ip = ly.get("ip") or ly.get("ipv6")
    tcp = ly.get("tcp")
    if not ip or not tcp:
        continue
    ip, tcp = lst(ip)[-1], lst(tcp)[-1]
    s = ip.get("ip.src") or ip.get("ipv6.src")
    d = ip.get("ip.dst") or ip.get("ipv6.dst")
    sp, dp = int(tcp["tcp.srcport"]), int(tcp["tcp.dstport"])
    from_cli = dp == 102
    cli, srv = (s, d) if from_cli else (d, s)
    flow = (cli, sp if from_cli else dp, srv)
    for pdu in lst(ly.get("s7comm", [])):
        s7(pdu, cli, srv, from_cli, flow, s)
    for pdu in lst(ly.get("mms", [])):
        mms(pdu, cli, srv, from_cli, flow, s)

# S7comm-plus: the ICSNPP (Zeek) log, when there is one
if os.path.isfile(sys.argv[3]):
    for line in open(sys.argv[3]):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(f) < 16:
            continue
        cli, srv, orig, op, fc = f[2], f[4], f[6] == "T", f[12], f[14]
        if op == "0x33":
            add("s7comm-plus", cli, srv, 0, 1)
        elif fc != "-":
            add("s7comm-plus", cli, srv, int(fc, 16),
                0 if op == "0x31" else 1)

with open(sys.argv[1], "w") as o:
    for k in sorted(ops):
        o.write("%s %s %s %d %d %d %d\n" % (k + tuple(ops[k])))
with open(sys.argv[2], "w") as o:
    for a in sorted(attrs):
        o.write("%s %s %s\n" % a)
'
grep -v '^[[:space:]]*\(#\|$\)' "$here/iso.list" | while read -r rel; do
	f=$pcaps/$rel
	name=$(basename "$rel"); name=${name%.*}
	[ -f "$f" ] || { echo "iso_gen: missing $f" >&2; exit 1; }
	tshark -n -o ip.defragment:FALSE -r "$f" -Y "s7comm or mms" -T json \
		--no-duplicate-keys -J "ip ipv6 tcp s7comm mms" 2>/dev/null |
		python3 -c "$NORM" "$out/$name.ops" "$out/$name.attrs" \
			"${f%.*}.expected/s7comm_plus.log"
	echo "$name: $(wc -l <"$out/$name.ops") op rows, $(wc -l <"$out/$name.attrs") facts"
done
