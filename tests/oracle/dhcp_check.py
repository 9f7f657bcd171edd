#!/usr/bin/env python3
"""DHCPv4/DHCPv6 oracle: `otwatch analyze --events` against tshark.

  dhcp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compares, per address pair (direction-insensitive: a DHCP exchange spans
flows 0.0.0.0 -> broadcast and server -> client) and message type, the
requests (BOOTREQUEST / client messages), responses and exceptions (NAK,
DHCPv6 replies with a non-zero status) with tests/expected/dhcp/<stem>.dhcp
(dhcp_gen.sh), and the identity facts in its "scope" lines both ways
(missing and invented ones fail). Exit 77 when shared/pcaps is absent.
"""
import os
import subprocess
import sys

from udp_oracle import compare

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: dhcp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    sys.exit(compare(sys.argv[1], sys.argv[2], sys.argv[3], "dhcp"))
