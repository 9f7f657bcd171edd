#include "cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otw_num.h"
#include "otw_pkt.h"

int otw_cidr_parse(const char *s, struct otw_cidr *out)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits, max;
	struct otw_cidr c;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(&c, 0, sizeof(c));
	if (inet_pton(AF_INET, host, c.net.b + 12) == 1) {
		c.net.b[10] = c.net.b[11] = 0xff;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c.net.b) == 1) {
		max = 128;
	} else {
		return -EINVAL;
	}
	bits = max;
	if (slash && otw_parse_uint(slash + 1, 0, max, &bits) != 0)
		return -EINVAL;
	c.bits = (uint8_t)(bits + 128 - max);
	for (unsigned i = c.bits; i < 128; i++)
		c.net.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	*out = c;
	return 0;
}

const char *otw_cidr_str(const struct otw_cidr *c, char *buf, size_t len)
{
	char ip[64];
	bool v4 = otw_ip_is_v4(&c->net) && c->bits >= 96;
	unsigned bits = v4 ? c->bits - 96u : c->bits;

	otw_ip_str(&c->net, ip, sizeof(ip));
	if (bits == (v4 ? 32u : 128u))
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, "%s/%u", ip, bits);
	return buf;
}

bool otw_cidr_match(const struct otw_cidr *c, const struct otw_ip *ip)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->net.b, ip->b, full) != 0)
		return false;
	return rest == 0 || ((ip->b[full] ^ c->net.b[full]) & (0xffu << (8 - rest)) & 0xff) == 0;
}
