#!/usr/bin/env python3
"""Check otwatch's LLC plug-in (STP, CDP) against tshark (expected files
from llc_gen.sh).

  llc_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events` (keyed by the sender's MAC):
  bpdu MAC TYPE VERSION N          BPDUs (op func = type, unit = version)
  cdp MAC NATIVE_VLAN N            CDP announcements (op unit = VLAN)
  attr MAC stp role|capabilities   a BPDU sender is a bridge
  attr MAC cdp KEY VALUE           name (Device ID), port_id, platform,
                                   model, mgmt_addr (first IPv4, 0.0.0.0
                                   skipped)
Not compared: the software version's description/firmware facts (tshark
splits the text into per-line items; unit-tested).
"""
import collections
import json
import os
import subprocess
import sys


def norm_val(v):
    v = "".join(c if 0x20 <= ord(c) < 0x7f or ord(c) >= 0x80 else "?" for c in v)
    b = v.encode()[:48].decode(errors="ignore")
    return b.rstrip(" ?\0").replace(" ", "\\x20")


def events(exe, pcap):
    out = subprocess.run([exe, "analyze", "--events", pcap], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def actual(evs):
    lines = collections.Counter()
    facts = set()
    for e in evs:
        if e.get("app") not in ("stp", "cdp"):
            continue
        if e["ev"] == "op":
            if e["app"] == "stp":
                lines[("bpdu", e["src_ip"], str(e["func"]), str(e["unit"]))] += e["count"]
            else:
                lines[("cdp", e["src_ip"], str(e["unit"]))] += e["count"]
        elif e["ev"] == "attr":
            if e["app"] == "cdp" and e["key"] in ("description", "firmware",
                                                  "capabilities", "role"):
                continue
            facts.add(("attr", e["mac"], e["app"], e["key"], norm_val(e["value"])))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: llc_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "llc", stem + ".llc")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
