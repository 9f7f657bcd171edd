#!/usr/bin/env python3
"""Detection on the simulated plant against its ground truth.

`otwatch simulate` writes, next to the pcap, a truth JSON with the attack
phase (attacker, steps, start time) and each Modbus function's first use.
`otwatch analyze --learn-seconds T` learns until the attack starts, then
alerts. Recall: every detectable attack step raises its alert. Precision:
every alert involves the attacker, or is a real deviation of normal traffic
from what was learned (a function first used after learning ended).
The DNP3 cold restart, S7 PLC STOP and BACnet reinitializeDevice steps must
raise an operational alert, the IEC-104 command from a new master a policy
one and a threat one (OTW-INDUSTROYER-2 of deploy/ioc/otwatch.rules),
each from the attacker to the server the truth's "ops" name.
Each truth step also lists the alerts otwatch raises for it (engine, exact
title, app, source = the attacker's IP or, for L2 protocols and ARP, its
MAC, destination): every one must be there (EtherNet/IP stop and tag write,
OPC UA and MMS writes from a new client, a second GOOSE publisher, a
PROFINET DCP Set, the ARP spoof of a PLC's address). Alerts from the
attacker's MAC count as the attacker's for precision.
usage: alert_check.py OTWATCH WORKDIR
"""
import json, os, subprocess, sys

def main():
    otw, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "alerts.pcap")
    subprocess.run([otw, "simulate", "--out", pcap, "--seed", "7"], check=True,
                   stdout=subprocess.DEVNULL)
    truth = json.load(open(pcap + ".truth.json"))
    atk = truth["attack"]
    learn_s = (atk["start_us"] - truth["first_us"]) / 1e6
    out = subprocess.run([otw, "analyze", "--json", "--learn-seconds", "%.6f" % learn_s, pcap],
                         check=True, capture_output=True, text=True).stdout
    alerts = [json.loads(l) for l in out.splitlines() if '"type":"alert"' in l]
    for a in alerts:
        print("alert: %-11s %-8s %-45s %s -> %s x%d" % (a["engine"], a["severity"], a["title"],
              a.get("src_ip", "-"), a.get("dst_ip", "-"), a["count"]))
    A = atk["attacker_ip"]
    AM = atk["attacker_mac"]
    steps = {s["what"] for s in atk["steps"]}
    atk_ops = [m for m in truth["modbus"] if m["client"] == A]

    def has(pred):
        return any(pred(a) for a in alerts)

    expected = []  # (step, description, found)
    expected.append(("new_device", "new device alert for the attacker",
                     has(lambda a: a["title"] == "New device detected" and a.get("src_ip") == A)))
    if "syn_scan" in steps:
        for t in atk["scan_targets"]:
            expected.append(("syn_scan", "port scan %s -> %s" % (A, t),
                             has(lambda a, t=t: a["engine"] == "anomaly" and a.get("src_ip") == A
                                 and a.get("dst_ip") == t)))
    for m in atk_ops:
        fcs = {f["func"] for f in m["functions"]}
        if fcs & {5, 6, 15, 16}:
            expected.append(("modbus_write", "policy alert for writes %s -> %s" % (A, m["server"]),
                             has(lambda a, m=m: a["engine"] == "policy" and a.get("src_ip") == A
                                 and a.get("dst_ip") == m["server"] and a.get("app") == "modbus")))
        if 8 in fcs:
            expected.append(("modbus_fc8", "operational alert for FC 8 %s -> %s" % (A, m["server"]),
                             has(lambda a, m=m: a["engine"] == "operational" and a.get("src_ip") == A
                                 and a.get("dst_ip") == m["server"])))
    # DNP3 / S7comm / IEC-104 / BACnet steps: the truth's "ops" name the
    # target (server of the step's function code from the attacker)
    other_ops = truth.get("ops", [])
    for step, app, func, engine, what in (
            ("dnp3_cold_restart", "dnp3", 13, "operational", "DNP3 cold restart"),
            ("s7_plc_stop", "s7comm", 0x29, "operational", "S7 PLC STOP"),
            ("iec104_command_new_master", "iec104", 45, "policy",
             "IEC-104 command from a new master"),
            ("iec104_command_new_master", "iec104", 45, "threat",
             "IEC-104 command from a host that is not a learned master (rule file)"),
            ("bacnet_reinitialize", "bacnet", 20, "operational",
             "BACnet reinitializeDevice")):
        if step not in steps:
            expected.append((step, "truth lists step %s" % step, False))
            continue
        targets = sorted({m["server"] for m in other_ops if m["client"] == A
                          and m["app"] == app
                          and any(f["func"] == func for f in m["functions"])})
        if not targets:
            expected.append((step, "truth has the %s op of %s" % (app, step), False))
        for t in targets:
            expected.append((step, "%s alert for %s %s -> %s" % (engine, what, A, t),
                             has(lambda a, t=t, app=app, engine=engine:
                                 a["engine"] == engine and a.get("src_ip") == A
                                 and a.get("dst_ip") == t and a.get("app") == app)))
    # the alerts each truth step names: engine, exact title, app, ends
    for st in atk["steps"]:
        for w in st.get("alerts", []):
            expected.append((st["what"], "%s %r (%s) %s -> %s"
                             % (w["engine"], w["title"], w["app"] or "-",
                                w["src"], w["dst"]),
                             has(lambda a, w=w: a["engine"] == w["engine"]
                                 and a["title"] == w["title"]
                                 and (a.get("app") or "") == w["app"]
                                 and a.get("src_ip") == w["src"]
                                 and a.get("dst_ip") == w["dst"])))
    learn_end = atk["start_us"]
    late = {(m["client"], m["server"]) for m in truth["modbus"] + other_ops if m["client"] != A
            for f in m["functions"] if f["first_us"] >= learn_end}
    false_pos = [a for a in alerts if not {A, AM} & {a.get("src_ip"), a.get("dst_ip")}
                 and not ((a.get("src_ip"), a.get("dst_ip")) in late
                          and a["title"] in ("New function code", "First write by this client"))]
    found = sum(1 for e in expected if e[2])
    for e in expected:
        print(("ok   " if e[2] else "MISS ") + e[1])
    for a in false_pos:
        print("FALSE POSITIVE: %s %s -> %s" % (a["title"], a.get("src_ip"), a.get("dst_ip")))
    recall = found / len(expected) if expected else 0
    precision = (len(alerts) - len(false_pos)) / len(alerts) if alerts else 0
    print("alerts: %d; recall %.2f (%d/%d expected); precision %.2f; "
          "steps without an alert: %s"
          % (len(alerts), recall, found, len(expected), precision,
             ", ".join(st["what"] for st in atk["steps"] if not st.get("alerts"))
             or "none"))
    return 0 if recall == 1.0 and precision == 1.0 else 1

if __name__ == "__main__":
    sys.exit(main())
