#!/usr/bin/env python3
"""NTP oracle: `otwatch analyze --events` against tshark.

  ntp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compares requests, responses and errors per (address pair, version, mode)
with tests/expected/ntp/<stem>.ntp (ntp_gen.sh: a mode 4/2 reply counts
under the mode 3/1 request) and the server facts (ntp-server, stratum-1
reference clock) both ways.
Exit 77 when shared/pcaps is absent.
"""
import os
import subprocess
import sys

from udp_oracle import compare

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: ntp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    sys.exit(compare(sys.argv[1], sys.argv[2], sys.argv[3], "ntp"))
