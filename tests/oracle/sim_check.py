#!/usr/bin/env python3
"""`otwatch simulate` self-check (stdlib only).

  sim_check.py OTWATCH WORKDIR

Same seed -> same bytes; a different seed -> different bytes; the truth
JSON agrees with the pcap (frame count); `otwatch analyze --json` finds
exactly the truth's Modbus requests/exceptions per (client, server, unit,
func) and the same frame count.
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


def main():
    exe, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    a, b, c = (os.path.join(work, n) for n in ("a.pcap", "b.pcap", "c.pcap"))
    truth = sim(exe, a, 5)
    sim(exe, b, 5)
    sim(exe, c, 6)
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
    p = subprocess.run([exe, "analyze", "--json", a], check=True,
                       stdout=subprocess.PIPE, universal_newlines=True)
    got, summary = {}, None
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "op" and o["app"] == "modbus":
            k = (o["src_ip"], o["dst_ip"], o["unit"], o["func"])
            g = got.get(k, (0, 0))
            got[k] = (g[0] + o["count"], g[1] + o["exceptions"])
        elif o["type"] == "summary":
            summary = o
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            errs.append("modbus %s -> %s unit %d fc %d: truth %s, otwatch %s"
                        % (k + (want.get(k), got.get(k))))
    if summary is None or summary["packets"] != truth["packets"]:
        errs.append("frames: truth %d, otwatch summary %s"
                    % (truth["packets"], summary and summary["packets"]))
    for e in errs:
        print("MISMATCH:", e)
    print("simulate: %d frames, %d modbus ops; %d mismatches"
          % (truth["packets"], len(want), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
