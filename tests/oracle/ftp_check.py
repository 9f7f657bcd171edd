#!/usr/bin/env python3
"""Check otwatch's FTP plug-in against tshark (expected files from
ftp_gen.sh).

  ftp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events`:
  req CLIENT SERVER VERB N      commands
  rsp CLIENT SERVER N           final replies (>= 200) except the greeting
                                (otwatch: summed over the commands they
                                answer; tshark does not pair)
  exc CLIENT SERVER N           4xx/5xx replies
  greeting CLIENT SERVER N      the first 220 reply
  attr IP server|capabilities   banner text, cleartext-login
"""
import collections
import json
import os
import subprocess
import sys

VERBS = ["unknown", "USER", "PASS", "ACCT", "CWD", "CDUP", "QUIT", "PORT", "PASV",
         "TYPE", "RETR", "STOR", "APPE", "DELE", "RMD", "MKD", "PWD", "LIST",
         "NLST", "SYST", "STAT", "HELP", "NOOP", "FEAT", "OPTS", "AUTH", "PBSZ",
         "PROT", "EPSV", "EPRT", "SIZE", "MDTM", "RNFR", "RNTO", "REST", "ABOR",
         "SITE", "MLSD", "MLST", "STOU", "SMNT", "REIN", "ALLO", "STRU", "MODE"]


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
        if e.get("app") != "ftp":
            continue
        if e["ev"] == "op":
            c, s, f = strip_v4(e["src_ip"]), strip_v4(e["dst_ip"]), e["func"]
            if f == 100:
                lines[("greeting", c, s)] += e["responses"]
                continue
            if f >= len(VERBS):
                continue
            if e["count"]:
                lines[("req", c, s, VERBS[f])] += e["count"]
            if e["responses"]:
                lines[("rsp", c, s)] += e["responses"]
            if e["exceptions"]:
                lines[("exc", c, s)] += e["exceptions"]
        elif e["ev"] == "attr" and e["key"] in ("server", "capabilities"):
            facts.add(("attr", strip_v4(e.get("ip", "-")), e["key"],
                       e["value"].replace(" ", "\\x20")))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: ftp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "ftp", stem + ".ftp")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
