#!/usr/bin/env bash
# Expected SMB2 commands and NTLMSSP facts from tshark for each capture of
# smb.list, written to tests/expected/smb/<stem>.smb (see smb_check.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/smb"
grep -v '^#' "$here/smb.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'smb2 or ntlmssp' -T fields -E separator='|' -E occurrence=a \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e smb2.cmd -e smb2.flags.response \
    -e smb2.nt_status -e ntlmssp.challenge.target_info.nb_computer_name \
    -e ntlmssp.challenge.target_info.dns_computer_name \
    -e ntlmssp.challenge.target_info.dns_domain_name -e ntlmssp.auth.hostname \
    -e ntlmssp.messagetype -e ntlmssp.version.major -e ntlmssp.version.minor \
    -e ntlmssp.version.build_number 2>/dev/null |
  python3 -c '
import collections, sys
lines = collections.Counter()
facts = set()
for row in sys.stdin:
    (sip, sp, dip, dp, cmds, resps, sts, nb, dns, dom, host, mtype,
     vmaj, vmin, vbuild) = row.rstrip("\n").split("|")
    cli = dp in ("445", "139")
    c, s = (sip, dip) if cli else (dip, sip)
    sts = [int(x, 16) for x in sts.split(",") if x]
    for i, (cmd, r) in enumerate(zip(cmds.split(","), resps.split(","))):
        if not cmd:
            continue
        if r in ("0", "False"):
            lines[("req", c, s, cmd)] += 1
            continue
        st = sts.pop(0) if sts else 0
        if st == 0x103:  # STATUS_PENDING interim response: not counted
            continue
        lines[("rsp", c, s, cmd)] += 1
        if st >= 0xC0000000 and st != 0xC0000016:
            lines[("exc", c, s, cmd)] += 1
    for k, v in (("name", nb), ("hostname", dns), ("domain", dom)):
        if v:
            facts.add(("attr", sip, k, v))
    if host and host != "NULL":
        facts.add(("attr", sip, "hostname", host))
    if vbuild and int(vbuild.split(",")[0]) != 0:
        facts.add(("attr", sip, "os", "Windows\\x20%s.%s\\x20build\\x20%s" % (
            vmaj.split(",")[0], vmin.split(",")[0], vbuild.split(",")[0])))
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' > "$root/tests/expected/smb/$stem.smb"
done
