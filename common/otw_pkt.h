/* otw_pkt: the L2-L4 decoder shared by capture (flow hash) and dissect.
 * It looks through 802.1Q/QinQ, MPLS, GRE and ERSPAN II/III and reports
 * the innermost Ethernet/IP/L4 headers. Pure function of the bytes. */
#ifndef OTW_PKT_H
#define OTW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_ev-t.h"

enum otw_l3 {
	OTW_L3_NONE = 0, /* not IP and not ARP (LLDP, GOOSE, STP, ...) */
	OTW_L3_ARP = 1,
	OTW_L3_IPV4 = 2,
	OTW_L3_IPV6 = 3,
};

enum otw_pkt_flag {
	OTW_PKT_FRAG = 1,       /* IP fragment (first or not) */
	OTW_PKT_FRAG_LATER = 2, /* non-first fragment: no L4 header */
	OTW_PKT_TUNNEL = 4,     /* decapsulated GRE/ERSPAN */
	OTW_PKT_MPLS = 8,
};

/* Why a frame was counted malformed (index into counters). */
enum otw_mal {
	OTW_MAL_NONE = 0,
	OTW_MAL_ETH,   /* shorter than an Ethernet header */
	OTW_MAL_VLAN,  /* truncated tag / too many tags */
	OTW_MAL_MPLS,
	OTW_MAL_ARP,
	OTW_MAL_IPV4,  /* bad version, IHL < 5, total length < IHL */
	OTW_MAL_IPV6,  /* truncated header / extension chain */
	OTW_MAL_TCP,   /* truncated header or data offset < 5 */
	OTW_MAL_UDP,   /* truncated header or length < 8 */
	OTW_MAL_ICMP,
	OTW_MAL_TUNNEL, /* GRE/ERSPAN header broken or nested too deep */
	OTW_MAL__COUNT
};

struct otw_pkt {
	/* innermost Ethernet */
	uint8_t dmac[6];
	uint8_t smac[6];
	uint16_t vlan;      /* innermost 802.1Q VID, 0 if untagged */
	uint16_t ethertype; /* after tags/MPLS */
	uint8_t l3;         /* enum otw_l3 */
	uint8_t l4;         /* IPPROTO_TCP/UDP/ICMP/ICMPV6/..., 0 if none */
	uint8_t tcp_flags;
	uint8_t flags;      /* enum otw_pkt_flag */
	uint8_t mal;        /* enum otw_mal, set when otw_pkt_decode fails */
	uint8_t ttl;
	uint16_t sport, dport;
	struct otw_ip src, dst;
	uint32_t tcp_seq;
	/* ARP (l3 == OTW_L3_ARP, IPv4 over Ethernet only) */
	uint16_t arp_op;
	uint8_t arp_sha[6];
	uint8_t arp_spa[4];
	uint8_t arp_tpa[4];
	/* L4 payload (after TCP/UDP header), clipped to the IP length */
	const uint8_t *payload;
	uint32_t payload_len;
	/* for L2 dissectors (l3 == OTW_L3_NONE): bytes after the ethertype */
	const uint8_t *l3p;
	uint32_t l3_len;
};

/* Decode frame[0..caplen). Returns true and fills *p when the frame parsed
 * (p->l3 tells how far); false when malformed, with p->mal saying where.
 * Never reads outside the frame. */
bool otw_pkt_decode(const uint8_t *frame, size_t caplen, struct otw_pkt *p);

/* Symmetric flow hash of a decoded packet: both directions give the same
 * value. Non-IP frames hash their MAC pair. */
uint32_t otw_pkt_hash(const struct otw_pkt *p);

/* true for an IPv4-mapped address; *v4 gets it in network order. */
static inline bool otw_ip_is_v4(const struct otw_ip *ip)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	for (int i = 0; i < 12; i++)
		if (ip->b[i] != pfx[i])
			return false;
	return true;
}

/* L2 talkers (GOOSE, Profinet RT, EtherCAT) have no IP; where a record is
 * keyed by address they get a pseudo-address in the discard-only prefix
 * 100::/64 (RFC 6666), which no real host uses: 100::<mac>. */
static inline void otw_ip_from_mac(struct otw_ip *ip, const uint8_t mac[6])
{
	for (int i = 0; i < 10; i++)
		ip->b[i] = 0;
	ip->b[0] = 0x01;
	for (int i = 0; i < 6; i++)
		ip->b[10 + i] = mac[i];
}

static inline bool otw_ip_is_mac(const struct otw_ip *ip)
{
	if (ip->b[0] != 0x01)
		return false;
	for (int i = 1; i < 10; i++)
		if (ip->b[i] != 0)
			return false;
	return true;
}

/* Format as dotted quad, RFC 5952 text, or the MAC of a pseudo-address
 * (otw_ip_from_mac) into buf (>= 46 bytes). */
const char *otw_ip_str(const struct otw_ip *ip, char *buf, size_t len);
/* "aa:bb:cc:dd:ee:ff" into buf (>= 18 bytes). */
const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t len);

#endif
