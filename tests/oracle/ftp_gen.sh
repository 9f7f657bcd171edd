#!/usr/bin/env bash
# Expected FTP commands/replies from tshark for each capture of ftp.list,
# written to tests/expected/ftp/<stem>.ftp (see ftp_check.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcaps=$root/../shared/pcaps
mkdir -p "$root/tests/expected/ftp"
grep -v '^#' "$here/ftp.list" | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(basename "${rel%.*}")
  tshark -r "$pcaps/$rel" -Y 'ftp' -T fields -E separator='|' -E occurrence=a \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e ftp.request.command \
    -e ftp.response.code -e ftp.response.arg 2>/dev/null |
  python3 -c '
import collections, sys
lines = collections.Counter()
facts = set()
greeted, user = set(), set()
for row in sys.stdin:
    sip, sp, dip, dp, cmds, codes, args = row.rstrip("\n").split("|", 6)
    cli = dp == "21"
    c, s = (sip, dip) if cli else (dip, sip)
    for cmd in cmds.split(","):
        if not cmd:
            continue
        lines[("req", c, s, cmd.upper())] += 1
        if cmd.upper() == "USER":
            user.add((c, s))
        if cmd.upper() == "PASS" and (c, s) in user:
            facts.add(("attr", s, "capabilities", "cleartext-login"))
    for code in codes.split(","):
        if not code or int(code) < 200:
            continue
        if int(code) == 220 and (c, s) not in greeted:
            greeted.add((c, s))
            lines[("greeting", c, s)] += 1
            facts.add(("attr", s, "server", args.split(",")[-1][:48].rstrip().replace(" ", "\\x20")))
            continue
        lines[("rsp", c, s)] += 1
        if int(code) >= 400:
            lines[("exc", c, s)] += 1
out = [" ".join(k) + " " + str(v) for k, v in lines.items()]
out += [" ".join(f) for f in facts]
print("\n".join(sorted(out)))
' > "$root/tests/expected/ftp/$stem.ftp"
done
