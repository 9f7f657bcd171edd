#include "rate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WIN 16
#define MIN_GAP_US 20000u      /* 20 ms: below this, jitter is noise */
#define MAX_SAMPLE_US 3600000000u
#define VOL_MIN 262144u
#define VOL_VALID 10

struct poll {                   /* two cache lines */
	uint64_t key;
	uint64_t prev_ns;       /* first_ns of the previous aggregate */
	uint32_t s[WIN];        /* inter-arrival samples, us */
	uint32_t base_us, jit_us;
	uint8_t n, pos, since;  /* samples held, next slot, since the last check */
	bool valid, changed;
	uint8_t off;            /* consecutive checks out of range */
	uint8_t pad[2];
	uint32_t prev_count;    /* its requests */
	uint8_t pad2[28];
};
_Static_assert(sizeof(struct poll) == 128, "two cache lines");

struct vol {                    /* half a cache line */
	uint64_t key;
	uint64_t bytes;         /* in the bucket being filled */
	uint32_t bucket;        /* its index (minutes since 1970) */
	float mean, dev;
	uint16_t nb;            /* buckets folded in (saturates) */
	bool spiked;            /* this bucket raised already */
	uint8_t pad[1];
};
_Static_assert(sizeof(struct vol) == 32, "half a cache line");

struct otw_rate {
	struct poll *p;
	struct vol *v;
	void *p_mem, *v_mem;    /* as allocated (p, v: aligned in them) */
	uint32_t mask, max;
	struct otw_rate_stats st;
};

int otw_rate_create(uint32_t max_pairs, struct otw_rate **out)
{
	struct otw_rate *r;
	uint32_t slots = 16;

	if (max_pairs < 16)
		return -EINVAL;
	while (slots < max_pairs + max_pairs / 2 && slots < (1u << 30))
		slots <<= 1;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	/* line-aligned, so a lookup touches one cache line; calloc, so the
	 * pages are zeroed lazily (touching megabytes at start is slow) */
	r->p_mem = calloc(1, slots * sizeof(*r->p) + 64);
	r->v_mem = calloc(1, slots * sizeof(*r->v) + 64);
	if (r->p_mem == NULL || r->v_mem == NULL) {
		otw_rate_destroy(r);
		return -ENOMEM;
	}
	r->p = (struct poll *)(((uintptr_t)r->p_mem + 63) & ~(uintptr_t)63);
	r->v = (struct vol *)(((uintptr_t)r->v_mem + 63) & ~(uintptr_t)63);
	r->mask = slots - 1;
	r->max = max_pairs;
	*out = r;
	return 0;
}

void otw_rate_destroy(struct otw_rate *r)
{
	if (r == NULL)
		return;
	free(r->p_mem);
	free(r->v_mem);
	free(r);
}

/* Linear probing over an array of records whose first field is the key. */
#define FIND(tab, k, used, out)                                                   \
	do {                                                                      \
		(out) = NULL;                                                     \
		for (uint32_t i_ = (uint32_t)(k) & r->mask, p_ = 0; p_ <= r->mask; \
		     p_++, i_ = (i_ + 1) & r->mask) {                             \
			if ((tab)[i_].key == (k)) {                               \
				(out) = &(tab)[i_];                               \
				break;                                            \
			}                                                         \
			if ((tab)[i_].key == 0) {                                 \
				if ((used) < r->max) {                            \
					(tab)[i_].key = (k);                      \
					(used)++;                                 \
					(out) = &(tab)[i_];                       \
				} else {                                          \
					r->st.full++;                             \
				}                                                 \
				break;                                            \
			}                                                         \
		}                                                                 \
	} while (0)

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Median and median absolute deviation of the window. */
static void med_mad(const struct poll *p, uint32_t *med, uint32_t *mad)
{
	uint32_t a[WIN];

	memcpy(a, p->s, sizeof(a));
	qsort(a, WIN, sizeof(a[0]), cmp_u32);
	*med = (uint32_t)(((uint64_t)a[WIN / 2 - 1] + a[WIN / 2]) / 2);
	for (int i = 0; i < WIN; i++)
		a[i] = a[i] > *med ? a[i] - *med : *med - a[i];
	qsort(a, WIN, sizeof(a[0]), cmp_u32);
	*mad = (uint32_t)(((uint64_t)a[WIN / 2 - 1] + a[WIN / 2]) / 2);
}

static void add_sample(struct poll *p, uint64_t ns)
{
	uint64_t us = ns / 1000u;

	if (us == 0 || us > MAX_SAMPLE_US)
		return;
	p->s[p->pos] = (uint32_t)us;
	p->pos = (uint8_t)((p->pos + 1) % WIN);
	if (p->n < WIN)
		p->n++;
	p->since++;
}

bool otw_rate_poll(struct otw_rate *r, uint64_t key, bool learn, const struct otw_ev_op *o,
		   uint32_t *base_us, uint32_t *now_us)
{
	struct poll *p;
	uint32_t med, mad, d, lim;

	if (o->count == 0)
		return false;
	FIND(r->p, key, r->st.poll_pairs, p);
	if (p == NULL)
		return false;
	/* first request to first request, over the requests in between: an
	 * aggregate's last_ns may be a response or a later packet */
	if (p->prev_ns != 0 && o->first_ns > p->prev_ns)
		add_sample(p, (o->first_ns - p->prev_ns) / p->prev_count);
	if (o->first_ns > p->prev_ns) {
		p->prev_ns = o->first_ns;
		p->prev_count = o->count;
	}
	if (p->n < WIN || p->since < (p->valid && !learn ? 4 : WIN))
		return false;
	p->since = 0;
	med_mad(p, &med, &mad);
	if (learn || !p->valid) { /* (re)take the baseline from this window */
		p->base_us = med;
		p->jit_us = mad;
		p->valid = true;
		p->changed = false;
		return false;
	}
	d = med > p->base_us ? med - p->base_us : p->base_us - med;
	lim = p->base_us / 4;
	if (lim < 4 * p->jit_us)
		lim = 4 * p->jit_us;
	if (lim < MIN_GAP_US)
		lim = MIN_GAP_US;
	if (d <= lim) {
		p->changed = false;
		p->off = 0;
		return false;
	}
	/* a burst of retries moves one window: the change must hold for two
	 * checks (20 samples) */
	if (p->changed || ++p->off < 2)
		return false;
	p->changed = true;
	*base_us = p->base_us;
	*now_us = med;
	return true;
}

static void fold(struct vol *v, float x)
{
	float dx = x > v->mean ? x - v->mean : v->mean - x;

	v->mean += (x - v->mean) / 8;
	v->dev += (dx - v->dev) / 8;
	if (v->nb < UINT16_MAX)
		v->nb++;
}

static float limit(const struct vol *v)
{
	float a = v->mean + 6 * v->dev, b = 4 * v->mean;

	a = a > b ? a : b;
	return a > VOL_MIN ? a : VOL_MIN;
}

bool otw_rate_vol(struct otw_rate *r, uint64_t key, bool learn, uint64_t ts_ns, uint64_t bytes,
		  uint64_t *mean, uint64_t *bucket)
{
	uint32_t b = (uint32_t)(ts_ns / OTW_RATE_BUCKET_NS);
	struct vol *v;

	FIND(r->v, key, r->st.vol_pairs, v);
	if (v == NULL)
		return false;
	if (v->bucket == 0) {
		v->bucket = b;
	} else if (b > v->bucket) { /* close the bucket, idle ones count as 0 */
		if (!v->spiked)
			fold(v, (float)v->bytes);
		for (uint32_t i = v->bucket + 1; i < b && i < v->bucket + 16; i++)
			fold(v, 0);
		v->bucket = b;
		v->bytes = 0;
		v->spiked = false;
	}
	/* a late event (older bucket) counts in the current one */
	v->bytes += bytes;
	if (learn || v->spiked || v->nb < VOL_VALID || (float)v->bytes <= limit(v))
		return false;
	v->spiked = true;
	*mean = (uint64_t)v->mean;
	*bucket = v->bytes;
	return true;
}

void otw_rate_accept(struct otw_rate *r, uint64_t key)
{
	for (uint32_t i = (uint32_t)key & r->mask, n = 0; n <= r->mask; n++, i = (i + 1) & r->mask) {
		if (r->p[i].key == 0)
			break;
		if (r->p[i].key == key) {
			r->p[i].valid = false; /* the next full window is the baseline */
			r->p[i].changed = false;
			r->p[i].off = 0;
			break;
		}
	}
	for (uint32_t i = (uint32_t)key & r->mask, n = 0; n <= r->mask; n++, i = (i + 1) & r->mask) {
		if (r->v[i].key == 0)
			break;
		if (r->v[i].key == key) {
			r->v[i].mean = (float)r->v[i].bytes;
			r->v[i].dev = r->v[i].mean / 2;
			r->v[i].nb = VOL_VALID;
			break;
		}
	}
}

void otw_rate_get_stats(const struct otw_rate *r, struct otw_rate_stats *out)
{
	*out = r->st;
}
