/* L2-L4 decoder. Every read goes through otw_cur; a frame that does not
 * hold what its headers promise is reported malformed, with the stage. */
#include "otw_pkt.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_cur.h"

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_IPV6 0x86dd
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define GRE_TEB 0x6558     /* transparent Ethernet bridging */
#define GRE_ERSPAN2 0x88be /* ERSPAN type I (no seq) / II */
#define GRE_ERSPAN3 0x22eb

#define MAX_TAGS 4
#define MAX_LABELS 8
#define MAX_TUNNEL_DEPTH 3
#define MAX_V6_EXT 8

static bool dec_eth(struct otw_cur *c, struct otw_pkt *p, int depth);
static bool dec_ip(struct otw_cur *c, struct otw_pkt *p, uint16_t et, int depth);

static bool fail(struct otw_pkt *p, enum otw_mal why)
{
	p->mal = (uint8_t)why;
	return false;
}

static void ip_from_v4(struct otw_ip *ip, const uint8_t a[4])
{
	memset(ip->b, 0, 10);
	ip->b[10] = 0xff;
	ip->b[11] = 0xff;
	memcpy(ip->b + 12, a, 4);
}

static bool dec_l4(struct otw_cur *c, struct otw_pkt *p)
{
	uint8_t off, fl, t, code;

	switch (p->l4) {
	case IPPROTO_TCP:
		if (!otw_cur_u16be(c, &p->sport) || !otw_cur_u16be(c, &p->dport) ||
		    !otw_cur_u32be(c, &p->tcp_seq) || !otw_cur_skip(c, 4) ||
		    !otw_cur_u8(c, &off) || !otw_cur_u8(c, &fl))
			return fail(p, OTW_MAL_TCP);
		p->tcp_flags = fl;
		/* data offset counts 32-bit words from the header start; 14
		 * bytes read so far */
		if ((off >> 4) < 5 || !otw_cur_skip(c, (size_t)(off >> 4) * 4 - 14))
			return fail(p, OTW_MAL_TCP);
		break;
	case IPPROTO_UDP: {
		uint16_t ulen;
		if (!otw_cur_u16be(c, &p->sport) || !otw_cur_u16be(c, &p->dport) ||
		    !otw_cur_u16be(c, &ulen) || !otw_cur_skip(c, 2) || ulen < 8)
			return fail(p, OTW_MAL_UDP);
		/* a UDP length past the IP payload is a lie; shorter clips */
		if ((size_t)ulen - 8 < otw_cur_left(c))
			c->end = c->p + (ulen - 8);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!otw_cur_u8(c, &t) || !otw_cur_u8(c, &code) || !otw_cur_skip(c, 2))
			return fail(p, OTW_MAL_ICMP);
		/* flow key: type/code stand in for ports */
		p->sport = t;
		p->dport = code;
		break;
	default:
		break;
	}
	p->payload = c->p;
	p->payload_len = (uint32_t)otw_cur_left(c);
	return true;
}

/* GRE (RFC 2784/2890) and the ERSPAN headers it carries. */
static bool dec_gre(struct otw_cur *c, struct otw_pkt *p, int depth)
{
	uint16_t fl, proto;
	uint8_t b;

	if (depth >= MAX_TUNNEL_DEPTH)
		return fail(p, OTW_MAL_TUNNEL);
	if (!otw_cur_u16be(c, &fl) || !otw_cur_u16be(c, &proto))
		return fail(p, OTW_MAL_TUNNEL);
	if ((fl & 0x7) != 0) /* version 0 only (1 is PPTP) */
		return fail(p, OTW_MAL_TUNNEL);
	if (((fl & 0x8000) && !otw_cur_skip(c, 4)) || /* checksum+reserved */
	    ((fl & 0x2000) && !otw_cur_skip(c, 4)) || /* key */
	    ((fl & 0x1000) && !otw_cur_skip(c, 4)))   /* sequence */
		return fail(p, OTW_MAL_TUNNEL);
	p->flags |= OTW_PKT_TUNNEL;
	switch (proto) {
	case GRE_TEB:
		return dec_eth(c, p, depth + 1);
	case GRE_ERSPAN2:
		/* type I has no sequence bit and no ERSPAN header */
		if ((fl & 0x1000) && !otw_cur_skip(c, 8))
			return fail(p, OTW_MAL_TUNNEL);
		return dec_eth(c, p, depth + 1);
	case GRE_ERSPAN3:
		/* 12-byte header; byte 11 bit 0 (O) adds an 8-byte platform
		 * subheader; frame type in byte 10 bits 1-5 (0 = Ethernet) */
		if (!otw_cur_peek_u8(c, 11, &b))
			return fail(p, OTW_MAL_TUNNEL);
		{
			uint8_t b10 = 0;
			(void)otw_cur_peek_u8(c, 10, &b10);
			if (((b10 >> 1) & 0x1f) != 0) {
				if (!otw_cur_skip(c, 12 + ((b & 1) ? 8u : 0u)))
					return fail(p, OTW_MAL_TUNNEL);
				return dec_ip(c, p, 0, depth + 1);
			}
		}
		if (!otw_cur_skip(c, 12 + ((b & 1) ? 8u : 0u)))
			return fail(p, OTW_MAL_TUNNEL);
		return dec_eth(c, p, depth + 1);
	case ETH_IPV4:
	case ETH_IPV6:
		return dec_ip(c, p, proto, depth + 1);
	default:
		/* other payloads: keep the outer packet as the flow */
		return true;
	}
}

static bool dec_ipv4(struct otw_cur *c, struct otw_pkt *p, int depth)
{
	uint8_t vihl, ttl, proto;
	uint16_t tot, frag;
	uint8_t a[4];
	size_t ihl;

	if (!otw_cur_u8(c, &vihl) || (vihl >> 4) != 4)
		return fail(p, OTW_MAL_IPV4);
	ihl = (size_t)(vihl & 0xf) * 4;
	if (ihl < 20 || !otw_cur_skip(c, 1) || !otw_cur_u16be(c, &tot) ||
	    !otw_cur_skip(c, 2) || !otw_cur_u16be(c, &frag) ||
	    !otw_cur_u8(c, &ttl) || !otw_cur_u8(c, &proto) || !otw_cur_skip(c, 2))
		return fail(p, OTW_MAL_IPV4);
	if (!otw_cur_bytes(c, a, 4))
		return fail(p, OTW_MAL_IPV4);
	ip_from_v4(&p->src, a);
	if (!otw_cur_bytes(c, a, 4))
		return fail(p, OTW_MAL_IPV4);
	ip_from_v4(&p->dst, a);
	if (tot < ihl || !otw_cur_skip(c, ihl - 20))
		return fail(p, OTW_MAL_IPV4);
	/* Ethernet padding follows short packets: clip to the IP length; a
	 * snaplen-truncated packet keeps what was captured */
	if ((size_t)tot - ihl < otw_cur_left(c))
		c->end = c->p + (tot - ihl);
	p->l3 = OTW_L3_IPV4;
	p->ttl = ttl;
	p->l4 = proto;
	if (frag & 0x3fff) { /* MF or offset: RFC 791 */
		p->flags |= OTW_PKT_FRAG;
		if (frag & 0x1fff) {
			p->flags |= OTW_PKT_FRAG_LATER;
			p->payload = c->p;
			p->payload_len = (uint32_t)otw_cur_left(c);
			return true;
		}
	}
	if (proto == IPPROTO_GRE)
		return dec_gre(c, p, depth);
	return dec_l4(c, p);
}

static bool dec_ipv6(struct otw_cur *c, struct otw_pkt *p, int depth)
{
	uint8_t v, nh, hl;
	uint16_t plen;

	if (!otw_cur_u8(c, &v) || (v >> 4) != 6 || !otw_cur_skip(c, 3) ||
	    !otw_cur_u16be(c, &plen) || !otw_cur_u8(c, &nh) ||
	    !otw_cur_u8(c, &hl) || !otw_cur_bytes(c, p->src.b, 16) ||
	    !otw_cur_bytes(c, p->dst.b, 16))
		return fail(p, OTW_MAL_IPV6);
	if (plen < otw_cur_left(c)) /* 0 = jumbogram: keep all */
		if (plen != 0)
			c->end = c->p + plen;
	p->l3 = OTW_L3_IPV6;
	p->ttl = hl;
	for (int i = 0; i < MAX_V6_EXT; i++) {
		uint8_t nnh, len;
		uint16_t off;
		switch (nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
			if (!otw_cur_u8(c, &nnh) || !otw_cur_u8(c, &len) ||
			    !otw_cur_skip(c, (size_t)len * 8 + 6))
				return fail(p, OTW_MAL_IPV6);
			nh = nnh;
			continue;
		case 51: /* AH: length in 32-bit words minus 2 */
			if (!otw_cur_u8(c, &nnh) || !otw_cur_u8(c, &len) ||
			    !otw_cur_skip(c, (size_t)len * 4 + 6))
				return fail(p, OTW_MAL_IPV6);
			nh = nnh;
			continue;
		case 44: /* fragment */
			if (!otw_cur_u8(c, &nnh) || !otw_cur_skip(c, 1) ||
			    !otw_cur_u16be(c, &off) || !otw_cur_skip(c, 4))
				return fail(p, OTW_MAL_IPV6);
			p->flags |= OTW_PKT_FRAG;
			nh = nnh;
			if (off & 0xfff8) {
				p->flags |= OTW_PKT_FRAG_LATER;
				p->l4 = nh;
				p->payload = c->p;
				p->payload_len = (uint32_t)otw_cur_left(c);
				return true;
			}
			continue;
		default:
			break;
		}
		break;
	}
	p->l4 = nh;
	if (nh == IPPROTO_GRE)
		return dec_gre(c, p, depth);
	return dec_l4(c, p);
}

static bool dec_ip(struct otw_cur *c, struct otw_pkt *p, uint16_t et, int depth)
{
	uint8_t v;

	if (et == 0) { /* guess from the version nibble (MPLS, ERSPAN III) */
		if (!otw_cur_peek_u8(c, 0, &v))
			return fail(p, OTW_MAL_IPV4);
		et = (v >> 4) == 6 ? ETH_IPV6 : ETH_IPV4;
	}
	p->ethertype = et;
	return et == ETH_IPV6 ? dec_ipv6(c, p, depth) : dec_ipv4(c, p, depth);
}

static bool dec_arp(struct otw_cur *c, struct otw_pkt *p)
{
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	p->l3 = OTW_L3_ARP;
	if (!otw_cur_u16be(c, &htype) || !otw_cur_u16be(c, &ptype) ||
	    !otw_cur_u8(c, &hlen) || !otw_cur_u8(c, &plen) ||
	    !otw_cur_u16be(c, &p->arp_op))
		return fail(p, OTW_MAL_ARP);
	if (htype != 1 || ptype != ETH_IPV4 || hlen != 6 || plen != 4) {
		p->arp_op = 0; /* not Ethernet/IPv4 ARP: nothing to learn */
		return true;
	}
	if (!otw_cur_bytes(c, p->arp_sha, 6) || !otw_cur_bytes(c, p->arp_spa, 4) ||
	    !otw_cur_skip(c, 6) || !otw_cur_bytes(c, p->arp_tpa, 4))
		return fail(p, OTW_MAL_ARP);
	return true;
}

static bool dec_mpls(struct otw_cur *c, struct otw_pkt *p, int depth)
{
	uint32_t lbl;
	uint8_t first;

	p->flags |= OTW_PKT_MPLS;
	for (int i = 0; i < MAX_LABELS; i++) {
		if (!otw_cur_u32be(c, &lbl))
			return fail(p, OTW_MAL_MPLS);
		if (!(lbl & 0x100)) /* bottom of stack */
			continue;
		if (!otw_cur_peek_u8(c, 0, &first))
			return fail(p, OTW_MAL_MPLS);
		if ((first >> 4) == 4 || (first >> 4) == 6)
			return dec_ip(c, p, 0, depth);
		/* pseudowire with control word (RFC 4385): Ethernet follows */
		if ((first >> 4) == 0 && otw_cur_skip(c, 4))
			return dec_eth(c, p, depth + 1);
		return true;
	}
	return fail(p, OTW_MAL_MPLS);
}

static bool dec_eth(struct otw_cur *c, struct otw_pkt *p, int depth)
{
	uint16_t et, tci;
	int tags = 0;

	if (depth > MAX_TUNNEL_DEPTH)
		return fail(p, OTW_MAL_TUNNEL);
	if (!otw_cur_bytes(c, p->dmac, 6) || !otw_cur_bytes(c, p->smac, 6) ||
	    !otw_cur_u16be(c, &et))
		return fail(p, depth ? OTW_MAL_TUNNEL : OTW_MAL_ETH);
	p->vlan = 0;
	while (et == ETH_VLAN || et == ETH_QINQ || et == ETH_QINQ_OLD) {
		if (++tags > MAX_TAGS || !otw_cur_u16be(c, &tci) ||
		    !otw_cur_u16be(c, &et))
			return fail(p, OTW_MAL_VLAN);
		p->vlan = tci & 0x0fff; /* innermost wins: the customer VLAN */
	}
	p->ethertype = et;
	switch (et) {
	case ETH_IPV4:
	case ETH_IPV6:
		return dec_ip(c, p, et, depth);
	case ETH_ARP:
		return dec_arp(c, p);
	case ETH_MPLS:
	case ETH_MPLS_MC:
		return dec_mpls(c, p, depth);
	default:
		/* 802.3 length frames (LLC: STP, CDP) and L2 protocols
		 * (LLDP, GOOSE, Profinet): handed to L2 dissectors */
		p->l3 = OTW_L3_NONE;
		p->l3p = c->p;
		p->l3_len = (uint32_t)otw_cur_left(c);
		return true;
	}
}

bool otw_pkt_decode(const uint8_t *frame, size_t caplen, struct otw_pkt *p)
{
	struct otw_cur c = otw_cur_make(frame, caplen);

	memset(p, 0, sizeof(*p));
	return dec_eth(&c, p, 0);
}

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

uint32_t otw_pkt_hash(const struct otw_pkt *p)
{
	uint64_t a[2], b[2], h;

	if (p->l3 != OTW_L3_IPV4 && p->l3 != OTW_L3_IPV6) {
		uint64_t s = 0, d = 0;
		memcpy(&s, p->smac, 6);
		memcpy(&d, p->dmac, 6);
		return (uint32_t)fmix64((s + d) ^ fmix64(s ^ d));
	}
	memcpy(a, p->src.b, 16);
	memcpy(b, p->dst.b, 16);
	/* sum and xor are both order-free, so the two directions agree */
	h = (a[0] + b[0]) ^ fmix64(a[1] + b[1]) ^ fmix64(a[0] ^ b[0] ^ a[1] ^ b[1]);
	h ^= ((uint64_t)p->sport + p->dport) << 32 |
	     (uint64_t)(p->sport ^ p->dport) << 8 | p->l4;
	return (uint32_t)fmix64(h);
}

const char *otw_ip_str(const struct otw_ip *ip, char *buf, size_t len)
{
	if (otw_ip_is_v4(ip)) {
		snprintf(buf, len, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14],
			 ip->b[15]);
		return buf;
	}
	if (otw_ip_is_mac(ip))
		return otw_mac_str(ip->b + 10, buf, len);
	/* RFC 5952: longest run (>1) of zero groups becomes "::" */
	{
		uint16_t g[8];
		int best = -1, bestlen = 1, run = 0;
		size_t o = 0;
		for (int i = 0; i < 8; i++)
			g[i] = (uint16_t)(ip->b[2 * i] << 8 | ip->b[2 * i + 1]);
		for (int i = 0; i < 8; i++) {
			run = g[i] == 0 ? run + 1 : 0;
			if (run > bestlen) {
				bestlen = run;
				best = i - run + 1;
			}
		}
		buf[0] = 0;
		for (int i = 0; i < 8 && o < len; i++) {
			if (i == best) {
				o += (size_t)snprintf(buf + o, len - o, "::");
				i += bestlen - 1;
				continue;
			}
			if (o < len)
				o += (size_t)snprintf(buf + o, len - o, "%s%x",
						      (o == 0 || buf[o - 1] == ':') ? "" : ":",
						      g[i]);
		}
	}
	return buf;
}

const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
