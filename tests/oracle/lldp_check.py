#!/usr/bin/env python3
"""Check otwatch's LLDP plug-in against tshark (expected files from
lldp_gen.sh).

  lldp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events` (keyed by the sender's MAC):
  pdu MAC advertise|shutdown PVID N   LLDPDUs (op unit = port VLAN id)
  attr MAC KEY VALUE                  port_id, name (System Name),
                                      description, mgmt_addr (IPv4),
                                      capabilities (enabled), role
Not compared: otwatch's NAME fallback for stations without a System Name
(a locally assigned chassis id, or PROFINET's "port-001.<station>" port
id): tshark has no such field; it is unit-tested.
"""
import collections
import json
import os
import subprocess
import sys

CAPS = ["other", "repeater", "bridge", "wlan-ap", "router", "telephone",
        "docsis", "station", "c-vlan", "s-vlan", "tpmr"]


def norm_val(v):
    v = "".join(c if 0x20 <= ord(c) < 0x7f or ord(c) >= 0x80 else "?" for c in v)
    b = v.encode()[:48].decode(errors="ignore")
    return b.rstrip(" ?\0").replace(" ", "\\x20")


def events(exe, pcap):
    out = subprocess.run([exe, "analyze", "--events", pcap], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def actual(evs, names_from_tshark):
    lines = collections.Counter()
    facts = set()
    for e in evs:
        if e.get("app") != "lldp":
            continue
        if e["ev"] == "op":
            func = {1: "advertise", 2: "shutdown"}[e["func"]]
            lines[("pdu", e["src_ip"], func, str(e["unit"]))] += e["count"]
        elif e["ev"] == "attr":
            if e["key"] == "name" and e["mac"] not in names_from_tshark:
                continue
            facts.add(("attr", e["mac"], e["key"], norm_val(e["value"])))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: lldp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "lldp", stem + ".lldp")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    named = {l.split()[1] for l in want if l.split()[2:3] == ["name"]}
    got = actual(events(exe, os.path.join(pcaps, rel)), named)
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
