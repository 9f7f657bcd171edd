#!/usr/bin/env python3
"""`otwatch simulate` self-check (stdlib only).

  sim_check.py OTWATCH WORKDIR

Same seed -> same bytes; a different seed -> different bytes; the truth
JSON agrees with the pcap (frame count); `otwatch analyze --json` finds
exactly the truth's Modbus requests/exceptions per (client, server, unit,
func) and the same frame count.

Inventory precision/recall against the truth's device list (seeds 5 and
6): devices are matched by MAC, types by the truth role mapped onto the
inventory's types (gateway -> router, dhcp-server/dns-server -> server;
the attacker has no type in that vocabulary and is left out of the type
figures). Thresholds: devices precision = recall = 1.0, because every
simulated host ARPs and talks, so a missing host is a bug and an extra one
(0.0.0.0, broadcast, a merged router subnet) is the regression this
guards; types precision and recall >= 0.9: each role has its own
observable evidence in the plant (Modbus/S7comm/BACnet/CIP server, DNP3
outstation or IEC-104 controlled station, MMS server / GOOSE publisher,
OPC UA server, LLDP bridge capability, polling with writes, read-only
polling, polling five servers, a sporadic full read, DHCP/DNS service,
gateway, a host name), so at most two of the 21 typed hosts may be missed
before this fails (measured: none). Vendors: the first word must agree on
every device; model (else the product code, the inventory's precedence)
and firmware must equal the truth's wherever a protocol states them, and
no device may report one the truth does not state.

The other OT apps (DNP3, S7comm, IEC-104, BACnet, EtherNet/IP, its
implicit I/O, OPC UA, MMS) are checked like Modbus:
requests per (app, client, server, unit, func) from the truth's "ops" list
against `analyze --json`, and 0 malformed for each in the summary (and
for the L2/IT apps the plant emits: GOOSE, PROFINET, LLDP, SNMP).
"""
import filecmp
import json
import os
import subprocess
import sys


def sim(exe, out, seed):
    subprocess.run([exe, "simulate", "--out", out, "--seed", str(seed),
                    "--packets", "30000"], check=True)
    with open(out + ".truth.json") as f:
        return json.load(f)


TYPE_OF_ROLE = {"gateway": "router", "dhcp-server": "server",
                "dns-server": "server", "plc": "plc", "hmi": "hmi",
                "historian": "historian", "engineering": "engineering",
                "rtu": "rtu", "scada": "scada", "io": "plc", "ied": "ied",
                "switch": "switch"}
APPS = ("dnp3", "s7comm", "iec104", "bacnet", "enip", "enip-io", "opcua",
        "mms")
# apps with no IP conversation in the truth ("ops" are per IP pair): the
# capture must hold them, parsed without a malformed frame
L2_APPS = ("goose", "profinet", "lldp", "snmp")
BAD_IPS = {"0.0.0.0", "255.255.255.255", "::"}


def inventory_scores(exe, pcap, truth, errs, label):
    """Device and type precision/recall of `analyze --json` on pcap."""
    p = subprocess.run([exe, "analyze", "--json", pcap], check=True,
                       stdout=subprocess.PIPE, universal_newlines=True)
    devs = [json.loads(l) for l in p.stdout.splitlines()]
    devs = [o for o in devs if o["type"] == "device"]
    want = {d["mac"]: d for d in truth["devices"]}
    local = [o for o in devs if not o.get("internet")]
    got = {o["mac"]: o for o in local if "mac" in o}
    for o in devs:
        for ip in o["ips"]:
            if ip in BAD_IPS or ip.startswith("224.") or ip.startswith("ff"):
                errs.append("%s: device %s lists IP %s"
                            % (label, o.get("mac"), ip))
    hit = set(want) & set(got)
    dp = len(hit) / len(local) if local else 0.0
    dr = len(hit) / len(want) if want else 0.0
    for m in sorted(set(want) - set(got)):
        errs.append("%s: missing device %s (%s)"
                    % (label, m, want[m]["name"]))
    for o in local:
        if o.get("mac") not in want:
            errs.append("%s: extra device %s %s"
                        % (label, o.get("mac"), o["ips"]))
    for m in sorted(hit):
        if want[m]["ip"] not in got[m]["ips"]:
            errs.append("%s: %s lacks IP %s" % (label, m, want[m]["ip"]))
    typed = correct = 0
    relevant = [m for m in want if want[m]["role"] in TYPE_OF_ROLE]
    lines = []
    for m in sorted(relevant):
        t = TYPE_OF_ROLE[want[m]["role"]]
        g = got.get(m, {}).get("device_type", "unknown")
        if g != "unknown":
            typed += 1
        if g == t:
            correct += 1
        else:
            lines.append("%s: %s (%s) typed %s, truth %s; evidence %s"
                         % (label, m, want[m]["name"], g, t,
                            got.get(m, {}).get("type_evidence")))
    tp = correct / typed if typed else 0.0
    tr = correct / len(relevant) if relevant else 0.0
    vend = sum(1 for m in hit if got[m].get("vendor", "").split(" ")[0]
               .lower() == want[m]["vendor"].split(" ")[0].lower())
    for m in sorted(hit):
        if got[m].get("vendor", "").split(" ")[0].lower() != \
                want[m]["vendor"].split(" ")[0].lower():
            lines.append("%s: %s (%s) vendor %r, truth %r"
                         % (label, m, want[m]["name"], got[m].get("vendor"),
                            want[m]["vendor"]))
    # model / firmware: the truth states them for devices whose protocol
    # reports them (CIP identity, MMS identify, DCP); exact strings. The
    # inventory's model is the stated model, else the product code
    # (docs/inventory.md precedence)
    ident = {}
    for key in ("model", "firmware"):
        def truth_of(m):
            if key == "model":
                return want[m].get("model", want[m].get("product_code"))
            return want[m].get(key)
        stated = [m for m in hit if truth_of(m) is not None]
        ok = [m for m in stated if got[m].get(key) == truth_of(m)]
        extra = [m for m in hit if truth_of(m) is None and got[m].get(key)]
        for m in sorted(set(stated) - set(ok)):
            errs.append("%s: %s (%s) %s %r, truth %r"
                        % (label, m, want[m]["name"], key, got[m].get(key),
                           truth_of(m)))
        for m in extra:
            errs.append("%s: %s (%s) reports %s %r the truth does not state"
                        % (label, m, want[m]["name"], key, got[m][key]))
        ident[key] = (len(ok), len(stated), len(extra))
    print("%s: devices precision %.3f recall %.3f (%d/%d found, %d listed);"
          " types precision %.3f recall %.3f (%d correct, %d typed, %d "
          "truth); vendor first word agrees on %d/%d; model %d/%d, firmware "
          "%d/%d (%d/%d unstated reported)"
          % (label, dp, dr, len(hit), len(want), len(local), tp, tr,
             correct, typed, len(relevant), vend, len(hit),
             ident["model"][0], ident["model"][1], ident["firmware"][0],
             ident["firmware"][1], ident["model"][2], ident["firmware"][2]))
    for l in lines:
        print("note:", l)
    if dp < 1.0 or dr < 1.0:
        errs.append("%s: device precision/recall %.3f/%.3f below 1.0"
                    % (label, dp, dr))
    if tp < 0.9 or tr < 0.9:
        errs.append("%s: type precision/recall %.3f/%.3f below 0.9"
                    % (label, tp, tr))
    if vend < len(hit):
        errs.append("%s: vendor first word agrees on %d/%d devices"
                    % (label, vend, len(hit)))


def main():
    exe, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    a, b, c = (os.path.join(work, n) for n in ("a.pcap", "b.pcap", "c.pcap"))
    truth = sim(exe, a, 5)
    sim(exe, b, 5)
    truth_c = sim(exe, c, 6)
    errs = []
    if not filecmp.cmp(a, b, shallow=False):
        errs.append("same seed gave different pcaps")
    if filecmp.cmp(a, c, shallow=False):
        errs.append("different seeds gave the same pcap")
    want = {}
    for conv in truth["modbus"]:
        for f in conv["functions"]:
            want[(conv["client"], conv["server"], conv["unit"], f["func"])] = \
                (f["requests"], f["exceptions"])
    if not any(conv["phase"] == "attack" for conv in truth["modbus"]):
        errs.append("truth has no attack-phase Modbus conversation")
    # DNP3, S7comm, IEC-104, BACnet: requests per (app, client, server,
    # unit, func), func in the dissectors' encoding (docs/protocols/)
    want_app = {}
    for conv in truth.get("ops", []):
        for f in conv["functions"]:
            want_app[(conv["app"], conv["client"], conv["server"],
                      conv["unit"], f["func"])] = f["requests"]
    for app in APPS:
        if not any(c["app"] == app for c in truth.get("ops", [])):
            errs.append("truth has no %s conversation" % app)
        if app == "enip-io":
            continue  # cyclic I/O between controller and adapter only
        if not any(c["app"] == app and c["phase"] == "attack"
                   for c in truth.get("ops", [])):
            errs.append("truth has no attack-phase %s conversation" % app)
    p = subprocess.run([exe, "analyze", "--json", a], check=True,
                       stdout=subprocess.PIPE, universal_newlines=True)
    got, got_app, summary = {}, {}, None
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "op" and o["app"] == "modbus":
            # FC 8 / FC 43 carry their sub-function: func = fc << 8 | sub
            # (docs/protocols/modbus.md); the truth counts the bare FC
            func = o["func"] >> 8 if o["func"] > 0xff else o["func"]
            k = (o["src_ip"], o["dst_ip"], o["unit"], func)
            g = got.get(k, (0, 0))
            got[k] = (g[0] + o["count"], g[1] + o["exceptions"])
        elif o["type"] == "op" and o["app"] in APPS:
            # DNP3 object-header and IIN ops (func >= 0x100) are extra
            # detail the truth does not model (dnp3_check.py covers them)
            if o["app"] == "dnp3" and o["func"] >= 0x100:
                continue
            if o["count"]:
                k = (o["app"], o["src_ip"], o["dst_ip"], o["unit"], o["func"])
                got_app[k] = got_app.get(k, 0) + o["count"]
        elif o["type"] == "summary":
            summary = o
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            errs.append("modbus %s -> %s unit %d fc %d: truth %s, otwatch %s"
                        % (k + (want.get(k), got.get(k))))
    for k in sorted(set(want_app) | set(got_app)):
        if want_app.get(k) != got_app.get(k):
            errs.append("%s %s -> %s unit %d func %d: truth %s, otwatch %s"
                        % (k + (want_app.get(k), got_app.get(k))))
    if summary is not None:
        for app in APPS + L2_APPS:
            st = summary.get("apps", {}).get(app)
            if st is None or st["malformed"]:
                errs.append("%s: summary %s (want packets, 0 malformed)"
                            % (app, st))
    if summary is None or summary["packets"] != truth["packets"]:
        errs.append("frames: truth %d, otwatch summary %s"
                    % (truth["packets"], summary and summary["packets"]))
    inventory_scores(exe, a, truth, errs, "seed 5")
    inventory_scores(exe, c, truth_c, errs, "seed 6")
    for e in errs:
        print("MISMATCH:", e)
    print("simulate: %d frames, %d modbus ops, %d other ops; %d mismatches"
          % (truth["packets"], len(want), len(want_app), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
