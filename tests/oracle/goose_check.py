#!/usr/bin/env python3
"""IEC 61850 GOOSE and Sampled Values oracle: otwatch against tshark.

  goose_check.py OTWATCH SOURCE_ROOT CAPTURE   compare
  goose_check.py --gen < tshark-fields         normalise (goose_gen.sh)

Compared per (publisher MAC, destination MAC, app, func) as encoded in
docs/protocols/iec61850-goose-sv.md: goose_publish / goose_simulated per
frame, goose_state_change per frame with sqNum 0, sv_publish / sv_simulated
per frame; and the publisher facts (description = gocbRef / first svID,
role ied). Frames tshark flags malformed (BER errors, truncation) must give
no operation and no fact: otwatch counts them as malformed instead (the
per-app malformed counter is not printed by analyze; test_dis_goose checks
it).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bacnet_check import compare, emit, num  # noqa: E402

FIELDS = ["frame.number", "eth.src", "eth.dst", "eth.type", "_ws.malformed",
          "goose.appid", "goose.reserve1.s_bit", "goose.simulation",
          "goose.gocbRef", "goose.sqNum", "sv.appid", "sv.reserve1.s_bit",
          "sv.svID"]


def gen():
    ops, ident = {}, set()
    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        f += [""] * (len(FIELDS) - len(f))
        r = dict(zip(FIELDS, f))
        if r["_ws.malformed"]:
            continue
        src, dst = r["eth.src"], r["eth.dst"]
        funcs = []
        if r["goose.appid"]:
            app, unit = "goose", num(r["goose.appid"])
            sim = num(r["goose.reserve1.s_bit"]) or num(r["goose.simulation"])
            funcs.append(3 if sim else 1)
            if num(r["goose.sqNum"]) == 0:
                funcs.append(2)
            desc = r["goose.gocbRef"]
        elif r["sv.appid"]:
            app, unit = "sv", num(r["sv.appid"])
            funcs.append(2 if num(r["sv.reserve1.s_bit"]) else 1)
            desc = r["sv.svID"]
        else:
            continue
        for fn in funcs:
            ops.setdefault((src, dst, app, fn), [0, 0, 0])[0] += 1
        ident.add((src, "description", desc[:48]))
        ident.add((src, "role", "ied"))
        del unit
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
    compare(sys.argv[1], sys.argv[2], sys.argv[3], "goose", {"goose", "sv"},
            ".ops", {"description", "role"})


if __name__ == "__main__":
    main()
