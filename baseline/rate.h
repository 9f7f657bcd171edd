/* Timing and volume baselines per pair, for the anomaly engine.
 *
 * Polling: per (client, server, app, function) the inter-arrival of
 * requests, from operation aggregates: the time from one aggregate's first
 * request to the next one's, over the requests of the first. The
 * baseline is the median of a 16-sample window and its jitter the median
 * absolute deviation, refreshed every 16 samples while learning (or, for a
 * pair first seen after learning, taken from its first 16). A change is
 * the median of the last 16 samples (checked every 4), in two checks in a
 * row, moving away from the baseline by more
 * than max(25 %, 4 x jitter, 20 ms).
 *
 * Volume: per (client, server) bytes per 60 s bucket of packet time, as a
 * decaying mean and mean deviation (weight 1/8 per bucket, idle buckets as
 * zeros). Valid after 10 buckets; a spike is a bucket exceeding
 * max(mean + 6 x deviation, 4 x mean, 256 KiB), raised as soon as the bucket
 * crosses it. Spike buckets do not feed the mean.
 *
 * Fixed-size records (128 and 32 bytes, cache-line aligned) in open-addressed tables of max_pairs each; pairs
 * beyond are not watched and counted. Single-threaded. */
#ifndef OTW_RATE_H
#define OTW_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "otw_ev-t.h"

struct otw_rate;

struct otw_rate_stats {
	uint64_t poll_pairs, vol_pairs; /* records in use */
	uint64_t full;                  /* pairs not watched: tables full */
};

/* Returns 0 and *out, -EINVAL (max_pairs < 16) or -ENOMEM. */
int otw_rate_create(uint32_t max_pairs, struct otw_rate **out);
void otw_rate_destroy(struct otw_rate *r); /* NULL is a no-op */

/* One request aggregate of pair key (learn: it is baseline). true when the
 * polling period changed now (once until it comes back); *base_us and
 * *now_us get the periods. */
bool otw_rate_poll(struct otw_rate *r, uint64_t key, bool learn, const struct otw_ev_op *o,
		   uint32_t *base_us, uint32_t *now_us);
/* bytes of pair key at packet time ts. true when the current bucket just
 * became a spike; *mean and *bucket get the bytes per bucket. */
bool otw_rate_vol(struct otw_rate *r, uint64_t key, bool learn, uint64_t ts_ns, uint64_t bytes,
		  uint64_t *mean, uint64_t *bucket);
/* An operator accepted the change on pair key ("learn"): its baseline is
 * taken afresh. */
void otw_rate_accept(struct otw_rate *r, uint64_t key);
void otw_rate_get_stats(const struct otw_rate *r, struct otw_rate_stats *out);

#define OTW_RATE_BUCKET_NS 60000000000ull

#endif
