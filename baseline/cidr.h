/* Address ranges (CIDR) over otw_ip: IPv4 is kept IPv4-mapped, so a v4
 * prefix /n is a 128-bit prefix /(96+n). Used by learning scopes,
 * exclusion rules and indicator rules. */
#ifndef OTW_CIDR_H
#define OTW_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_ev-t.h"

struct otw_cidr {
	struct otw_ip net;  /* host bits cleared */
	uint8_t bits;       /* 0..128 on the mapped form */
};

/* "10.0.0.0/24", "10.0.0.5" (a /32), "fd00::/8", "fd00::1". Returns 0,
 * or -EINVAL for anything else (host bits set are cleared, not refused). */
int otw_cidr_parse(const char *s, struct otw_cidr *out);
/* Canonical text ("10.0.0.0/24"; a single host without the length). */
const char *otw_cidr_str(const struct otw_cidr *c, char *buf, size_t len);
bool otw_cidr_match(const struct otw_cidr *c, const struct otw_ip *ip);

#endif
