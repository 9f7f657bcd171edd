/* otw_filter: which packets the workers dissect. Operators set include and
 * exclude rules by subnet (either address), VLAN id and port (either port,
 * of one L4 protocol); a packet is dissected when it matches an include
 * rule (or there are none) and no exclude rule. The rules are a fixed
 * array (no allocation per packet); the engine calls otw_filter_pass right
 * after decoding L2-L4 and counts what it drops (docs/inventory.md). */
#ifndef OTW_FILTER_H
#define OTW_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_pkt.h"

#define OTW_FILTER_MAX 64
#define OTW_FILTER_TEXT_MAX 64 /* "exclude subnet <v6>/128", incl. NUL */

enum otw_filter_kind { OTW_FK_SUBNET, OTW_FK_VLAN, OTW_FK_PORT };

struct otw_filter_rule {
	bool exclude;
	uint8_t kind;        /* enum otw_filter_kind */
	uint8_t l4;          /* port rules: IPPROTO_TCP or IPPROTO_UDP */
	uint8_t plen;        /* subnet rules: prefix length over 128 bits */
	uint16_t vlan, port;
	struct otw_ip net;   /* subnet rules: masked network */
};

struct otw_filter {
	unsigned n, n_include;
	struct otw_filter_rule r[OTW_FILTER_MAX];
};

/* "include|exclude subnet CIDR", "... vlan ID", "... port tcp|udp/N".
 * Returns 0 or -EINVAL (with a reason in err when err is not NULL). */
int otw_filter_parse(const char *text, struct otw_filter_rule *out,
		     char *err, size_t errlen);
/* Canonical text of a rule (what parse reads back). Returns buf. */
const char *otw_filter_str(const struct otw_filter_rule *r, char *buf,
			   size_t len);
/* Append r to f: 0, or -ENOSPC past OTW_FILTER_MAX. */
int otw_filter_add(struct otw_filter *f, const struct otw_filter_rule *r);
/* Should p be dissected? Empty f passes everything. */
bool otw_filter_pass(const struct otw_filter *f, const struct otw_pkt *p);

/* Helpers shared with names of subnets and DHCP ranges: an IPv4/IPv6
 * address (IPv4 as ::ffff:a.b.c.d), a CIDR (plen counted over 128 bits,
 * host bits must be zero), containment, and CIDR text. */
bool otw_filter_parse_ip(const char *s, struct otw_ip *ip);
bool otw_filter_parse_cidr(const char *s, struct otw_ip *net, uint8_t *plen);
bool otw_filter_in_net(const struct otw_ip *ip, const struct otw_ip *net,
		       uint8_t plen);
const char *otw_filter_cidr_str(const struct otw_ip *net, uint8_t plen,
				char *buf, size_t len);

#endif
