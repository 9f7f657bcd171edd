#include "evid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otw_pkt.h"

bool otw_evid_sel(const struct otw_alert *a, struct otw_pktring_sel *sel)
{
	static const struct otw_ip zero;
	static const uint8_t zmac[6];

	memset(sel, 0, sizeof(*sel));
	if (memcmp(&a->src, &zero, sizeof(zero)) != 0) {
		sel->a = a->src;
		sel->b = a->dst;
	} else if (memcmp(&a->dst, &zero, sizeof(zero)) != 0) {
		sel->a = a->dst;
	} else if (memcmp(a->src_mac, zmac, 6) != 0) {
		otw_ip_from_mac(&sel->a, a->src_mac);
	} else {
		return false;
	}
	sel->from_ns = a->first_ns > OTW_EVID_BEFORE_NS
			       ? a->first_ns - OTW_EVID_BEFORE_NS : 0;
	sel->max = OTW_EVID_PKTS;
	return true;
}

int otw_evid_write(const char *dir, uint64_t id, const uint8_t *buf,
		   size_t len)
{
	char tmp[4096], path[4096];
	size_t off = 0;
	int fd, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%llu.pcap", dir,
			     (unsigned long long)id) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%llu.pcap.tmp", dir,
			     (unsigned long long)id) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) == -1)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -errno;
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

struct rec {
	const uint8_t *p;
	size_t len;
	uint64_t ts;
};

/* Index the records of a pcap written by otw_pktring_extract; stops at
 * the first record that does not fit (a short or foreign buffer). */
static unsigned index_recs(const uint8_t *b, size_t len, struct rec *r,
			   unsigned max)
{
	size_t off = 24;
	unsigned n = 0;

	if (len < 24 || rd32(b) != 0xa1b23c4d)
		return 0;
	while (n < max && len - off >= 16) {
		size_t cl = rd32(b + off + 8);
		if (cl > OTW_PKTRING_SNAP || len - off - 16 < cl)
			break;
		r[n].p = b + off;
		r[n].len = 16 + cl;
		r[n].ts = rd32(b + off) * 1000000000ull + rd32(b + off + 4);
		off += 16 + cl;
		n++;
	}
	return n;
}

size_t otw_evid_merge(uint8_t *dst, size_t len, size_t cap, const uint8_t *src,
		      size_t slen)
{
	struct rec a[OTW_PKTRING_MAX_PKTS], b[OTW_PKTRING_MAX_PKTS];
	unsigned na = index_recs(dst, len, a, OTW_PKTRING_MAX_PKTS);
	unsigned nb = index_recs(src, slen, b, OTW_PKTRING_MAX_PKTS);
	unsigned skip, i = 0, j = 0, k = 0;
	uint8_t *out, *o;

	if (len < 24 || nb == 0)
		return len;
	if ((out = malloc(cap)) == NULL)
		return len;
	skip = na + nb > OTW_EVID_PKTS ? na + nb - OTW_EVID_PKTS : 0;
	memcpy(out, dst, 24);
	o = out + 24;
	while (i < na || j < nb) {
		const struct rec *r = j >= nb || (i < na && a[i].ts <= b[j].ts)
					      ? &a[i++] : &b[j++];
		if (k++ < skip || (size_t)(o - out) + r->len > cap)
			continue; /* the oldest go first */
		memcpy(o, r->p, r->len);
		o += r->len;
	}
	len = (size_t)(o - out);
	memcpy(dst, out, len);
	free(out);
	return len;
}
