#include "otw_pktring.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otw_pkt.h"

struct slot {
	uint64_t ts_ns;
	uint32_t wirelen;
	uint16_t caplen; /* 0: never written */
	uint16_t pad;
	uint8_t data[OTW_PKTRING_SNAP];
};
_Static_assert(sizeof(struct slot) == OTW_PKTRING_SNAP + 16, "slot size");

struct otw_pktring {
	uint32_t mask;
	uint64_t next; /* slots written so far */
	struct slot *slots;
};

int otw_pktring_create(uint32_t slots, struct otw_pktring **out)
{
	struct otw_pktring *r;
	uint32_t n = 1;

	if (slots == 0)
		slots = OTW_PKTRING_SLOTS_DEFAULT;
	if (slots > (1u << 24))
		return -EINVAL;
	while (n < slots)
		n <<= 1;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	if ((r->slots = calloc(n, sizeof(*r->slots))) == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->mask = n - 1;
	*out = r;
	return 0;
}

void otw_pktring_destroy(struct otw_pktring *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

void otw_pktring_push(struct otw_pktring *r, uint64_t ts_ns,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct slot *s = &r->slots[r->next++ & r->mask];
	uint32_t n = caplen < OTW_PKTRING_SNAP ? caplen : OTW_PKTRING_SNAP;

	if (n == 0)
		return;
	s->ts_ns = ts_ns;
	s->wirelen = wirelen > caplen ? wirelen : caplen;
	s->caplen = (uint16_t)n;
	memcpy(s->data, frame, n);
}

static bool ip_zero(const struct otw_ip *ip)
{
	for (int i = 0; i < 16; i++)
		if (ip->b[i] != 0)
			return false;
	return true;
}

/* Is ip the source (src) or destination of p? */
static bool is_end(const struct otw_pkt *p, const struct otw_ip *ip, bool src)
{
	if (otw_ip_is_mac(ip))
		return memcmp(src ? p->smac : p->dmac, ip->b + 10, 6) == 0;
	if (p->l3 == OTW_L3_ARP) /* sender / target protocol address */
		return otw_ip_is_v4(ip) &&
		       memcmp(ip->b + 12, src ? p->arp_spa : p->arp_tpa, 4) == 0;
	if (p->l3 != OTW_L3_IPV4 && p->l3 != OTW_L3_IPV6)
		return false;
	return memcmp(src ? &p->src : &p->dst, ip, sizeof(*ip)) == 0;
}

static bool selected(const struct slot *s, const struct otw_pktring_sel *sel)
{
	struct otw_pkt p;
	bool any = ip_zero(&sel->b);

	if (s->caplen == 0 || s->ts_ns < sel->from_ns)
		return false;
	if (!otw_pkt_decode(s->data, s->caplen, &p) && p.l3 == OTW_L3_NONE)
		return false;
	/* either end each: a MAC endpoint may carry the IP it claims (ARP) */
	if (!is_end(&p, &sel->a, true) && !is_end(&p, &sel->a, false))
		return false;
	return any || is_end(&p, &sel->b, true) || is_end(&p, &sel->b, false);
}

static uint8_t *le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

int otw_pktring_extract(const struct otw_pktring *r,
			const struct otw_pktring_sel *sel, uint8_t *buf,
			size_t cap, size_t *len)
{
	uint32_t idx[OTW_PKTRING_MAX_PKTS];
	unsigned max = sel->max < OTW_PKTRING_MAX_PKTS ? sel->max
						     : OTW_PKTRING_MAX_PKTS;
	uint64_t have = r->next < (uint64_t)r->mask + 1 ? r->next
							: (uint64_t)r->mask + 1;
	unsigned n = 0;
	uint8_t *p = buf;

	if (cap < OTW_PKTRING_PCAP_BYTES(max))
		return -ENOSPC;
	/* newest first, so that the newest max matches are kept */
	for (uint64_t i = 0; i < have && n < max; i++) {
		uint32_t at = (uint32_t)((r->next - 1 - i) & r->mask);
		if (selected(&r->slots[at], sel))
			idx[n++] = at;
	}
	p = le32(p, 0xa1b23c4d); /* nanosecond pcap */
	p = le32(p, 2 | 4u << 16); /* version 2.4 */
	p = le32(p, 0);
	p = le32(p, 0);
	p = le32(p, OTW_PKTRING_SNAP);
	p = le32(p, 1); /* LINKTYPE_ETHERNET */
	for (unsigned k = n; k-- > 0;) {
		const struct slot *s = &r->slots[idx[k]];
		p = le32(p, (uint32_t)(s->ts_ns / 1000000000u));
		p = le32(p, (uint32_t)(s->ts_ns % 1000000000u));
		p = le32(p, s->caplen);
		p = le32(p, s->wirelen);
		memcpy(p, s->data, s->caplen);
		p += s->caplen;
	}
	*len = (size_t)(p - buf);
	return (int)n;
}

void otw_pktring_sel_encode(const struct otw_pktring_sel *sel,
			    uint8_t out[OTW_PKTRING_SEL_BYTES])
{
	uint8_t *p = out;

	memcpy(p, "OTWE", 4);
	memcpy(p + 4, sel->a.b, 16);
	memcpy(p + 20, sel->b.b, 16);
	for (int i = 0; i < 8; i++)
		p[36 + i] = (uint8_t)(sel->from_ns >> (8 * i));
	(void)le32(p + 44, sel->max);
}

bool otw_pktring_sel_decode(const uint8_t *in, size_t len,
			    struct otw_pktring_sel *sel)
{
	if (len != OTW_PKTRING_SEL_BYTES || memcmp(in, "OTWE", 4) != 0)
		return false;
	memcpy(sel->a.b, in + 4, 16);
	memcpy(sel->b.b, in + 20, 16);
	sel->from_ns = 0;
	for (int i = 7; i >= 0; i--)
		sel->from_ns = sel->from_ns << 8 | in[36 + i];
	sel->max = (unsigned)in[44] | (unsigned)in[45] << 8 |
		   (unsigned)in[46] << 16 | (unsigned)in[47] << 24;
	return true;
}
