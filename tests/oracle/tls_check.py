#!/usr/bin/env python3
"""Check otwatch's TLS plug-in against tshark (expected files from
tls_gen.sh).

  tls_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events`:
  hs CLIENT SERVER TYPE c2s|s2c N   cleartext handshake messages by type
  rec CLIENT SERVER 20|21 c2s|s2c N ChangeCipherSpec and alert records
  attr IP description ja3:<md5>     JA3 of the client, JA3S of the server
  attr IP hostname SNI              server_name, about the server
Not compared: application data records (tshark's heuristic TLS on a
non-443 port leaves some records undecoded, otwatch counts every record
header it sees) and handshake records after ChangeCipherSpec (encrypted:
tshark shows no type, otwatch counts them as encrypted_handshake). The
certificate's CN/notAfter fact is unit-tested (tshark's x509 fields
would need the whole chain).
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
        if e.get("app") != "tls":
            continue
        if e["ev"] == "op":
            c, s, f = strip_v4(e["src_ip"]), strip_v4(e["dst_ip"]), e["func"]
            if f < 0x100:
                key = ("hs", c, s, str(f))
            elif f in (0x114, 0x115):
                key = ("rec", c, s, str(f - 0x100))
            else:
                continue
            if e["count"]:
                lines[key + ("c2s",)] += e["count"]
            if e["responses"]:
                lines[key + ("s2c",)] += e["responses"]
        elif e["ev"] == "attr":
            v = e["value"]
            if (e["key"] == "description" and v.startswith("ja3")) or e["key"] == "hostname":
                facts.add(("attr", strip_v4(e.get("ip", "-")), e["key"], v))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: tls_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "tls", stem + ".tls")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
