#!/usr/bin/env python3
"""Check otwatch's SMB plug-in against tshark (expected files from
smb_gen.sh).

  smb_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events`:
  req|rsp|exc CLIENT SERVER CMD N   SMB2 commands (compounded ones each);
                                    exc = NT status of severity error,
                                    except MORE_PROCESSING_REQUIRED;
                                    STATUS_PENDING interim responses are
                                    not counted by otwatch nor here
  attr IP KEY VALUE                 NTLMSSP CHALLENGE name / hostname /
                                    domain / os, AUTHENTICATE hostname
Not compared: SMB3 transform (encrypted) messages: tshark decodes none of
their content, otwatch counts them as func 0x200.
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
        if e.get("app") != "smb":
            continue
        if e["ev"] == "op":
            c, s, f = strip_v4(e["src_ip"]), strip_v4(e["dst_ip"]), e["func"]
            if f >= 0x100:
                continue
            for k, n in (("req", e["count"]), ("rsp", e["responses"]),
                         ("exc", e["exceptions"])):
                if n:
                    lines[(k, c, s, str(f))] += n
        elif e["ev"] == "attr" and e["key"] in ("name", "hostname", "domain", "os"):
            facts.add(("attr", strip_v4(e.get("ip", "-")), e["key"],
                       e["value"].replace(" ", "\\x20")))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: smb_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "smb", stem + ".smb")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
