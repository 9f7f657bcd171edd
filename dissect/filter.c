/* Monitored-traffic rules (filter.h). */
#include "filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool otw_filter_parse_ip(const char *s, struct otw_ip *ip)
{
	uint8_t a4[4];

	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, a4) == 1) {
		ip->b[10] = ip->b[11] = 0xff;
		memcpy(ip->b + 12, a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, ip->b) == 1;
}

bool otw_filter_in_net(const struct otw_ip *ip, const struct otw_ip *net,
		       uint8_t plen)
{
	unsigned full = plen / 8u, rest = plen % 8u;

	if (memcmp(ip->b, net->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((ip->b[full] ^ net->b[full]) & (0xffu << (8 - rest)) & 0xff) == 0;
}

bool otw_filter_parse_cidr(const char *s, struct otw_ip *net, uint8_t *plen)
{
	char a[64], *slash, *end;
	unsigned long n;
	bool v4;
	struct otw_ip m;

	if (strlen(s) >= sizeof(a))
		return false;
	strcpy(a, s);
	if ((slash = strchr(a, '/')) == NULL)
		return false;
	*slash++ = '\0';
	if (!otw_filter_parse_ip(a, net) || *slash < '0' || *slash > '9')
		return false;
	n = strtoul(slash, &end, 10);
	v4 = otw_ip_is_v4(net) && strchr(a, ':') == NULL;
	if (*end != '\0' || n > (v4 ? 32u : 128u))
		return false;
	*plen = (uint8_t)(v4 ? n + 96 : n);
	m = *net; /* host bits must be zero: 10.0.0.1/8 is a typo */
	for (unsigned i = *plen; i < 128; i++)
		m.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return memcmp(&m, net, sizeof(m)) == 0;
}

const char *otw_filter_cidr_str(const struct otw_ip *net, uint8_t plen,
				char *buf, size_t len)
{
	char a[64];
	bool v4 = otw_ip_is_v4(net) && plen >= 96;

	otw_ip_str(net, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, v4 ? plen - 96u : plen);
	return buf;
}

static int fail(char *err, size_t len, const char *msg)
{
	if (err != NULL)
		snprintf(err, len, "%s", msg);
	return -EINVAL;
}

int otw_filter_parse(const char *text, struct otw_filter_rule *out, char *err,
		     size_t errlen)
{
	char act[16], kind[16], val[80], extra;
	char *end;
	unsigned long n;

	memset(out, 0, sizeof(*out));
	if (sscanf(text, "%15s %15s %79s %c", act, kind, val, &extra) != 3)
		return fail(err, errlen, "a rule is: include|exclude subnet CIDR|vlan ID|port tcp|udp/N");
	if (strcmp(act, "include") != 0 && strcmp(act, "exclude") != 0)
		return fail(err, errlen, "a rule starts with include or exclude");
	out->exclude = act[0] == 'e';
	if (strcmp(kind, "subnet") == 0) {
		out->kind = OTW_FK_SUBNET;
		if (!otw_filter_parse_cidr(val, &out->net, &out->plen))
			return fail(err, errlen, "subnet wants a CIDR with zero host bits, e.g. 10.0.1.0/24");
		return 0;
	}
	if (strcmp(kind, "vlan") == 0) {
		out->kind = OTW_FK_VLAN;
		n = strtoul(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end || n < 1 || n > 4094)
			return fail(err, errlen, "vlan wants an id 1..4094");
		out->vlan = (uint16_t)n;
		return 0;
	}
	if (strcmp(kind, "port") == 0) {
		out->kind = OTW_FK_PORT;
		if (strncmp(val, "tcp/", 4) == 0)
			out->l4 = IPPROTO_TCP;
		else if (strncmp(val, "udp/", 4) == 0)
			out->l4 = IPPROTO_UDP;
		else
			return fail(err, errlen, "port wants tcp/N or udp/N");
		n = strtoul(val + 4, &end, 10);
		if (val[4] < '0' || val[4] > '9' || *end || n < 1 || n > 65535)
			return fail(err, errlen, "port wants tcp/N or udp/N with N in 1..65535");
		out->port = (uint16_t)n;
		return 0;
	}
	return fail(err, errlen, "rule kind is subnet, vlan or port");
}

const char *otw_filter_str(const struct otw_filter_rule *r, char *buf, size_t len)
{
	const char *act = r->exclude ? "exclude" : "include";
	char c[64];

	switch (r->kind) {
	case OTW_FK_SUBNET:
		snprintf(buf, len, "%s subnet %s", act,
			 otw_filter_cidr_str(&r->net, r->plen, c, sizeof(c)));
		break;
	case OTW_FK_VLAN:
		snprintf(buf, len, "%s vlan %u", act, r->vlan);
		break;
	default:
		snprintf(buf, len, "%s port %s/%u", act,
			 r->l4 == IPPROTO_TCP ? "tcp" : "udp", r->port);
		break;
	}
	return buf;
}

int otw_filter_add(struct otw_filter *f, const struct otw_filter_rule *r)
{
	if (f->n == OTW_FILTER_MAX)
		return -ENOSPC;
	f->r[f->n++] = *r;
	f->n_include += !r->exclude;
	return 0;
}

static bool match(const struct otw_filter_rule *r, const struct otw_pkt *p,
		  const struct otw_ip *src, const struct otw_ip *dst)
{
	switch (r->kind) {
	case OTW_FK_SUBNET:
		return src != NULL && (otw_filter_in_net(src, &r->net, r->plen) ||
				       otw_filter_in_net(dst, &r->net, r->plen));
	case OTW_FK_VLAN:
		return p->vlan == r->vlan;
	default:
		return p->l3 != OTW_L3_NONE && p->l3 != OTW_L3_ARP &&
		       p->l4 == r->l4 && (p->sport == r->port || p->dport == r->port);
	}
}

bool otw_filter_pass(const struct otw_filter *f, const struct otw_pkt *p)
{
	struct otw_ip as, ad;
	const struct otw_ip *src = NULL, *dst = NULL;
	bool in;

	if (f == NULL || f->n == 0)
		return true;
	if (p->l3 == OTW_L3_ARP) { /* ARP speaks for the subnet of its IPs */
		memset(&as, 0, sizeof(as));
		as.b[10] = as.b[11] = 0xff;
		ad = as;
		memcpy(as.b + 12, p->arp_spa, 4);
		memcpy(ad.b + 12, p->arp_tpa, 4);
		src = &as, dst = &ad;
	} else if (p->l3 != OTW_L3_NONE) {
		src = &p->src, dst = &p->dst;
	}
	in = f->n_include == 0;
	for (unsigned i = 0; i < f->n; i++) {
		const struct otw_filter_rule *r = &f->r[i];
		if (r->exclude ? false : in)
			continue; /* already included */
		if (!match(r, p, src, dst))
			continue;
		if (r->exclude)
			return false;
		in = true;
	}
	return in;
}
