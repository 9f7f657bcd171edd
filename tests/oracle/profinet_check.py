#!/usr/bin/env python3
"""PROFINET oracle (DCP/RT/alarms on 0x8892 and PN-IO CM on UDP): otwatch
against tshark.

  profinet_check.py OTWATCH SOURCE_ROOT CAPTURE   compare
  profinet_check.py --gen < tshark-fields         normalise (profinet_gen.sh)

Compared per (requester, responder, app, func) as encoded in
docs/protocols/profinet.md (L2 ends are MAC addresses): requests, responses
and exceptions (DCP "not supported" / block errors; CM fault, reject or a
non-zero PNIOStatus); and the DCP identity facts of responders (name,
model, vendor_id, product_code, role, mgmt_addr) plus the CM initiator's
station name.
Legitimate differences: none known; later fragments of a fragmented
DCE/RPC call are not operations on either side.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bacnet_check import compare, emit, num  # noqa: E402

FIELDS = ["frame.number", "eth.src", "eth.dst", "ip.src", "ip.dst",
          "pn_rt.frame_id", "pn_dcp.service_id", "pn_dcp.service_type",
          "pn_dcp.block_error", "pn_dcp.suboption_device_nameofstation",
          "pn_dcp.suboption_device_devicevendorvalue",
          "pn_dcp.suboption_vendor_id", "pn_dcp.suboption_device_id",
          "pn_dcp.suboption_device_role", "pn_dcp.suboption_ip_ip",
          "dcerpc.pkt_type", "dcerpc.dg_if_id", "dcerpc.opnum",
          "dcerpc.dg_frag_num", "pn_io.error_code", "pn_io.error_decode",
          "pn_io.error_code1", "pn_io.error_code2",
          "pn_io.cminitiator_station_name"]


def gen():
    ops, ident = {}, set()

    def add(cli, srv, app, func, kind):
        o = ops.setdefault((cli, srv, app, func), [0, 0, 0])
        if kind == "req":
            o[0] += 1
        else:
            o[1] += 1
        if kind == "exc":
            o[2] += 1

    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        f += [""] * (len(FIELDS) - len(f))
        r = dict(zip(FIELDS, f))
        fid = num(r["pn_rt.frame_id"])
        src, dst = r["eth.src"], r["eth.dst"]
        if fid is not None and r["ip.src"] == "":
            if 0xfefc <= fid <= 0xfeff and r["pn_dcp.service_id"]:
                svc = num(r["pn_dcp.service_id"])
                typ = num(r["pn_dcp.service_type"])
                resp = bool(typ & 5)
                err = bool(typ & 4) or any(
                    int(b, 0) != 0 for b in r["pn_dcp.block_error"].split(",")
                    if b)
                kind = "exc" if err else "resp" if resp else "req"
                if resp:
                    add(dst, src, "profinet", 0x100 + svc, kind)
                else:
                    add(src, dst, "profinet", 0x100 + svc, kind)
                if (resp and svc != 4) or svc == 6:
                    if r["pn_dcp.suboption_device_nameofstation"]:
                        ident.add((src, "name",
                                   r["pn_dcp.suboption_device_nameofstation"]))
                    if r["pn_dcp.suboption_device_devicevendorvalue"]:
                        ident.add((src, "model", r[
                            "pn_dcp.suboption_device_devicevendorvalue"]))
                    if r["pn_dcp.suboption_vendor_id"]:
                        ident.add((src, "vendor_id",
                                   str(num(r["pn_dcp.suboption_vendor_id"]))))
                    if r["pn_dcp.suboption_device_id"]:
                        ident.add((src, "product_code", "0x%04x" % num(
                            r["pn_dcp.suboption_device_id"])))
                    if r["pn_dcp.suboption_device_role"]:
                        role = num(r["pn_dcp.suboption_device_role"])
                        name = ("plc" if role & 2 else "io" if role & 1
                                else "engineering" if role & 8 else None)
                        if name:
                            ident.add((src, "role", name))
                    ip = r["pn_dcp.suboption_ip_ip"]
                    if ip and ip != "0.0.0.0":
                        ident.add((src, "mgmt_addr", ip))
            elif fid in (0xfc01, 0xfe01):
                pass  # no alarms in the captures: covered by unit tests
            elif 0xc000 <= fid <= 0xfbff:
                add(src, dst, "profinet", 1, "req")
            elif 0x8000 <= fid <= 0xbfff:
                add(src, dst, "profinet", 2, "req")
            elif 0x0100 <= fid < 0x8000:
                add(src, dst, "profinet", 3, "req")
            continue
        pt = num(r["dcerpc.pkt_type"])
        if pt not in (0, 2, 3, 6) or r["ip.src"] == "":
            continue
        if (num(r["dcerpc.dg_frag_num"]) or 0) != 0:
            continue
        src, dst = r["ip.src"], r["ip.dst"]
        iface = r["dcerpc.dg_if_id"]
        pnio = (iface.startswith("dea0000") and
                iface.endswith("-6c97-11d1-8271-00a02442df7d") and
                iface[7] in "1234")
        op = num(r["dcerpc.opnum"]) or 0
        func = op if pnio else 0x100 + op
        if pt == 0:
            add(src, dst, "pnio-cm", func, "req")
            st = r["pn_io.cminitiator_station_name"]
            if st and op == 0 and iface[7] == "1":
                ident.add((src, "name", st))
            continue
        st = [num(r[k]) or 0 for k in ("pn_io.error_code", "pn_io.error_decode",
                                      "pn_io.error_code1", "pn_io.error_code2")]
        exc = pt in (3, 6) or (pnio and any(st))
        add(dst, src, "pnio-cm", func, "exc" if exc else "resp")
    emit(ops, ident)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--gen":
        gen()
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--fields":
        print(" ".join("-e " + f for f in FIELDS))
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    compare(sys.argv[1], sys.argv[2], sys.argv[3], "profinet",
            {"profinet", "pnio-cm"}, ".ops",
            {"name", "model", "vendor_id", "product_code", "role",
             "mgmt_addr"},
            attr_filter=lambda a: a[1] == "name" or ":" in a[0])


if __name__ == "__main__":
    main()
