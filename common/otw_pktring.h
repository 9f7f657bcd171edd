/* otw_pktring: the most recent packets a worker saw, kept so that an alert
 * raised later (by otw-baseline, from events) can be shown with the packets
 * behind it. A fixed ring of fixed slots (the first OTW_PKTRING_SNAP bytes
 * of each frame): push is one bounded copy, no allocation; extraction is
 * rare and walks the ring, decoding frames as it goes. */
#ifndef OTW_PKTRING_H
#define OTW_PKTRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_ev-t.h"

#define OTW_PKTRING_SNAP 240          /* bytes kept per frame */
#define OTW_PKTRING_SLOTS_DEFAULT 16384 /* 4 MiB */
#define OTW_PKTRING_MAX_PKTS 256      /* packets per extract at most */

/* Bytes a pcap of n packets can take (header + n records). */
#define OTW_PKTRING_PCAP_BYTES(n) (24u + (size_t)(n) * (16u + OTW_PKTRING_SNAP))

struct otw_pktring;

/* slots is rounded up to a power of two (0: the default). Returns 0 and
 * *out, -EINVAL or -ENOMEM. */
int otw_pktring_create(uint32_t slots, struct otw_pktring **out);
void otw_pktring_destroy(struct otw_pktring *r); /* NULL is a no-op */

/* Keep frame (caplen bytes captured of wirelen) seen at ts_ns. */
void otw_pktring_push(struct otw_pktring *r, uint64_t ts_ns,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

/* What an extract selects: frames between a and b, either direction, at or
 * after from_ns. An all-zero b matches any peer of a. Addresses made by
 * otw_ip_from_mac match the frame's MACs instead of its IPs. */
struct otw_pktring_sel {
	struct otw_ip a, b;
	uint64_t from_ns;
	unsigned max; /* the newest max matches (<= OTW_PKTRING_MAX_PKTS) */
};

/* A selection on the wire (otw-baseline asks each worker for its frames):
 * "OTWE", a, b, from_ns le64, max le32. decode returns false for anything
 * else. */
#define OTW_PKTRING_SEL_BYTES 48
void otw_pktring_sel_encode(const struct otw_pktring_sel *sel,
			    uint8_t out[OTW_PKTRING_SEL_BYTES]);
bool otw_pktring_sel_decode(const uint8_t *in, size_t len,
			    struct otw_pktring_sel *sel);

/* Write the selected frames, oldest first, as a pcap (nanosecond
 * timestamps, Ethernet, snaplen OTW_PKTRING_SNAP) into buf[0..cap).
 * Returns the number of packets written (0: a valid empty pcap) and sets
 * *len, or -ENOSPC when cap < OTW_PKTRING_PCAP_BYTES(max). */
int otw_pktring_extract(const struct otw_pktring *r,
			const struct otw_pktring_sel *sel, uint8_t *buf,
			size_t cap, size_t *len);

#endif
