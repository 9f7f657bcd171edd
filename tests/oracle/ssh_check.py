#!/usr/bin/env python3
"""Check otwatch's SSH plug-in against tshark (expected files from
ssh_gen.sh).

  ssh_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events`:
  banner CLIENT SERVER c2s|s2c N       identification strings
  msg CLIENT SERVER CODE c2s|s2c N     cleartext binary packets by message
                                       number (until NEWKEYS)
  attr IP server|user_agent BANNER     the server's / client's banner
Not compared: otwatch's per-segment "encrypted" count (tshark has no
equivalent field).
"""
import collections
import json
import os
import subprocess
import sys


def events(exe, pcap):
    out = subprocess.run([exe, "analyze", "--events", pcap], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def strip_v4(ip):
    return ip[7:] if ip.startswith("::ffff:") else ip


def actual(evs):
    lines = collections.Counter()
    facts = set()
    for e in evs:
        if e.get("app") != "ssh":
            continue
        if e["ev"] == "op":
            c, s, f = strip_v4(e["src_ip"]), strip_v4(e["dst_ip"]), e["func"]
            if f == 0x100:
                key = ("banner", c, s)
            elif f < 0x100:
                key = ("msg", c, s, str(f))
            else:
                continue
            if e["count"]:
                lines[key + ("c2s",)] += e["count"]
            if e["responses"]:
                lines[key + ("s2c",)] += e["responses"]
        elif e["ev"] == "attr" and e["key"] in ("server", "user_agent"):
            facts.add(("attr", strip_v4(e.get("ip", "-")), e["key"],
                       e["value"].replace(" ", "\\x20")))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: ssh_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "ssh", stem + ".ssh")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
