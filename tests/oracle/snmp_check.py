#!/usr/bin/env python3
"""SNMP oracle: `otwatch analyze --events` against tshark.

  snmp_check.py OTWATCH SOURCE_ROOT CAPTURE   (CAPTURE relative to pcaps/)

Compares requests per (address pair, version, PDU type) and responses /
error responses per (address pair, version) with tests/expected/snmp/
<stem>.snmp (snmp_gen.sh). otwatch counts a Response-PDU under the request
it answers (matched by request-id); tshark does not pair, so both sides
are folded into func 99 for responses. Agent facts (sysDescr, sysName,
sysObjectID, cleartext community) are compared both ways. The community
text itself must never appear in any fact: checked too.
Exit 77 when shared/pcaps is absent.
"""
import os
import subprocess
import sys

from udp_oracle import compare

def fold(exp_ops, got_ops):
    """Responses and exceptions of every func into func 99."""
    for k in list(got_ops):
        c = got_ops[k]
        if c[1] or c[2]:
            r = got_ops.setdefault(k[:4] + (99,), [0, 0, 0])
            r[1] += c[1]
            r[2] += c[2]
            c[1] = c[2] = 0
            if c == [0, 0, 0] and k[4] != 99:
                del got_ops[k]



if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: snmp_check.py OTWATCH SOURCE_ROOT CAPTURE")
    rc = compare(sys.argv[1], sys.argv[2], sys.argv[3], "snmp", fold)
    pcap = os.path.join(sys.argv[2], "..", "shared", "pcaps", sys.argv[3])
    if rc == 0:
        out = subprocess.run([sys.argv[1], "analyze", "--events", pcap],
                             stdout=subprocess.PIPE,
                             universal_newlines=True).stdout
        for word in ("public", "private"):
            if ('"value":"%s' % word) in out:
                print("community %r leaked into a fact" % word)
                rc = 1
    sys.exit(rc)
