#!/usr/bin/env python3
"""Check otwatch's HTTP plug-in against tshark (expected files from
http_gen.sh).

  http_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compared, from `otwatch analyze --events`:
  req CLIENT SERVER METHOD N   requests per method
  rsp CLIENT SERVER N          responses (otwatch: summed over methods)
  exc CLIENT SERVER N          responses with status >= 400
  attr IP KEY VALUE            hostname (Host, names only, about the
                               server), user_agent (client), server
Values are compared as otwatch stores them: first 48 bytes, trailing
spaces dropped, non-printable bytes as '?'.
"""
import collections
import json
import os
import subprocess
import sys

METHODS = {1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 5: "HEAD", 6: "OPTIONS",
           7: "CONNECT", 8: "PATCH", 10: "TRACE"}


def norm_val(v):
    v = "".join(c if 0x20 <= ord(c) < 0x7f or ord(c) >= 0x80 else "?" for c in v)
    b = v.encode()[:48].decode(errors="ignore")
    return b.rstrip(" ?\0").replace(" ", "\\x20")


def is_name(h):
    return bool(h) and not all(c.isdigit() or c == "." for c in h) and not h.startswith("[")


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
        if e.get("app") != "http":
            continue
        if e["ev"] == "op":
            c, s = strip_v4(e["src_ip"]), strip_v4(e["dst_ip"])
            if e["count"]:
                lines[("req", c, s, METHODS.get(e["func"], "other"))] += e["count"]
            if e["responses"]:
                lines[("rsp", c, s)] += e["responses"]
            if e["exceptions"]:
                lines[("exc", c, s)] += e["exceptions"]
        elif e["ev"] == "attr" and e["key"] in ("hostname", "user_agent", "server"):
            facts.add(("attr", strip_v4(e.get("ip", "-")), e["key"], norm_val(e["value"])))
    out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
    out += [" ".join(f) for f in facts]
    return sorted(out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: http_check.py OTWATCH SOURCE_ROOT CAPTURE")
    exe, root, rel = sys.argv[1:]
    pcaps = os.path.normpath(os.path.join(root, "..", "shared", "pcaps"))
    if not os.path.isdir(pcaps):
        print("SKIP: no shared captures at %s" % pcaps)
        return 77
    stem = os.path.splitext(os.path.basename(rel))[0]
    with open(os.path.join(root, "tests", "expected", "http", stem + ".http")) as f:
        want = sorted(l.strip() for l in f if l.strip())
    got = actual(events(exe, os.path.join(pcaps, rel)))
    bad = sorted(set(want) ^ set(got))
    for l in bad:
        print(("missing: " if l in want else "extra:   ") + l)
    print("%s: %d/%d lines match tshark" % (rel, len(set(want) & set(got)), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
