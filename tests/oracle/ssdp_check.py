#!/usr/bin/env python3
"""SSDP oracle: `otwatch analyze --events` against tshark.

  ssdp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compares NOTIFY (func 1, unit = NTS) and M-SEARCH (func 2) messages and
the unicast search responses (func 2 responses; non-200 = exception) per
address pair with tests/expected/ssdp/<stem>.ssdp (ssdp_gen.sh), and the
SERVER, LOCATION (description), USER-AGENT and NT/ST device type facts of
their senders, both ways.
Exit 77 when shared/pcaps is absent.
"""
import os
import subprocess
import sys

from udp_oracle import compare

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: ssdp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    sys.exit(compare(sys.argv[1], sys.argv[2], sys.argv[3], "ssdp"))
