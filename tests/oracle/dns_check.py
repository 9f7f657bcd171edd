#!/usr/bin/env python3
"""DNS / mDNS / LLMNR / NBNS oracle: `otwatch analyze --events` against tshark.

  dns_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compares queries, responses and error responses per (app, address pair,
unit, func) with tests/expected/dns/<stem>.dns (dns_gen.sh: dns.c encoding)
and the host names announced by mDNS/LLMNR responders and NBNS name owners
(both ways: missing and invented names fail). Pairs are direction-
insensitive (mDNS/NBNS flows run 5353<->5353, 137<->137). DNS over TCP:
tshark and otwatch both count each message of a segment.
Exit 77 when shared/pcaps is absent.
"""
import os
import subprocess
import sys

from udp_oracle import compare

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: dns_check.py OTWATCH SOURCE_ROOT CAPTURE")
    sys.exit(compare(sys.argv[1], sys.argv[2], sys.argv[3], "dns"))
