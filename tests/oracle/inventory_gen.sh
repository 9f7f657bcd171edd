#!/usr/bin/env bash
# Make tests/expected/inventory/<dir>__<stem>.hosts from tshark for every
# capture in ../shared/pcaps/MANIFEST.tsv: the private unicast addresses
# that send, or that receive at a unicast MAC (the truth a passive inventory
# must find, no more, no less). A frame's addresses are its innermost
# IPv4/IPv6 ones when it is tunnelled (GRE, ERSPAN, VXLAN: the outer ones
# are the mirror's), else its outermost ones (an ICMP error quotes someone
# else's header); ARP senders count; a group source MAC never sends, and a
# zero MAC (cooked or raw-IP capture) names no receiver. Public addresses are "internet",
# not devices, and are left out on both sides (inventory_check.py).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pcaps=$src/../shared/pcaps
out=$src/tests/expected/inventory
mkdir -p "$out"
tail -n +2 "$pcaps/MANIFEST.tsv" | cut -f1 | while read -r rel; do
  [ -n "$rel" ] || continue
  stem=$(echo "${rel%.*}" | tr '/' '_' | sed 's/_/__/')
  tshark -n -r "$pcaps/$rel" -T fields -E separator=/t -E occurrence=a \
    -E aggregator=, -e frame.protocols -e eth.src -e ip.src -e ipv6.src \
    -e arp.src.proto_ipv4 -e eth.dst -e ip.dst -e ipv6.dst 2>/dev/null |
  python3 -c '
import ipaddress, sys
hosts = set()
def host(s):
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return False
    if a.is_multicast or a.is_unspecified or a.is_loopback or a.is_reserved:
        return False
    if a.version == 4 and (a.packed[0] == 0 or s == "255.255.255.255"):
        return False
    return a.is_private or (a.version == 4 and a in ipaddress.ip_network("100.64.0.0/10"))
for line in sys.stdin:
    c = (line.rstrip("\n") + "\t" * 8).split("\t")
    protos, mac, dmac = c[0].split(":"), c[1].split(",")[-1], c[5].split(",")[-1]
    if mac and int(mac.split(":")[0], 16) & 1:
        continue
    tun = any(p in ("gre", "erspan", "vxlan", "geneve") for p in protos)
    to_unicast = dmac and not int(dmac.split(":")[0], 16) & 1 and dmac != "00:00:00:00:00:00"
    for f, use in ((c[2], True), (c[3], True), (c[6], to_unicast), (c[7], to_unicast)):
        ips = [i for i in f.split(",") if i]
        if ips and use:
            ip = ips[-1] if tun else ips[0]
            if host(ip):
                hosts.add(ip)
    if c[4] and host(c[4].split(",")[0]):
        hosts.add(c[4].split(",")[0])
for h in sorted(hosts):
    print(h)
' >"$out/$stem.hosts"
done
ls "$out" | wc -l
