#include "flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* a flow lives within PROBE_MAX slots of its home; lookups stop at the
 * first empty slot, so the bound costs only when a cluster is that long */
#define PROBE_MAX 256

struct otw_flowtab {
	struct otw_flow *slots;
	uint32_t n_slots;
	uint32_t count;
};

int otw_flowtab_create(uint32_t max_flows, struct otw_flowtab **out)
{
	struct otw_flowtab *ft;
	uint64_t n;

	if (max_flows == 0)
		return -EINVAL;
	n = (uint64_t)max_flows + max_flows / 4 + PROBE_MAX;
	if (n > UINT32_MAX)
		return -EINVAL;
	if ((ft = calloc(1, sizeof(*ft))) == NULL)
		return -ENOMEM;
	/* calloc: untouched pages stay unbacked until flows arrive */
	if ((ft->slots = calloc(n, sizeof(*ft->slots))) == NULL) {
		free(ft);
		return -ENOMEM;
	}
	ft->n_slots = (uint32_t)n;
	*out = ft;
	return 0;
}

void otw_flowtab_destroy(struct otw_flowtab *ft)
{
	if (ft == NULL)
		return;
	free(ft->slots);
	free(ft);
}

static inline uint32_t home_of(const struct otw_flowtab *ft, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * ft->n_slots) >> 32); /* Lemire */
}

static inline uint32_t next_slot(const struct otw_flowtab *ft, uint32_t i)
{
	return i + 1 == ft->n_slots ? 0 : i + 1;
}

static int ep_cmp(const struct otw_ip *x, uint16_t xp, const struct otw_ip *y,
		  uint16_t yp)
{
	int c = memcmp(x->b, y->b, 16);
	if (c != 0)
		return c;
	return (int)xp - (int)yp;
}

struct otw_flow *otw_flowtab_get(struct otw_flowtab *ft, const struct otw_pkt *p,
				 uint32_t h, bool *src_is_a, bool *created,
				 struct otw_flow *evicted, bool *did_evict)
{
	const struct otw_ip *a, *b;
	uint16_t pa, pb;
	uint32_t i = home_of(ft, h), empty = UINT32_MAX, stale = UINT32_MAX;
	struct otw_flow *f;

	*did_evict = false;
	*created = false;
	*src_is_a = ep_cmp(&p->src, p->sport, &p->dst, p->dport) <= 0;
	if (*src_is_a) {
		a = &p->src, pa = p->sport, b = &p->dst, pb = p->dport;
	} else {
		a = &p->dst, pa = p->dport, b = &p->src, pb = p->sport;
	}
	for (int k = 0; k < PROBE_MAX; k++, i = next_slot(ft, i)) {
		f = &ft->slots[i];
		if (!(f->state & OTW_FL_USED)) {
			/* backward-shift deletion leaves no holes inside a
			 * cluster, so the first empty slot ends the search */
			empty = i;
			break;
		}
		if (f->hash == h && f->pa == pa && f->pb == pb && f->l4 == p->l4 &&
		    memcmp(f->a.b, a->b, 16) == 0 && memcmp(f->b.b, b->b, 16) == 0)
			return f;
		if (stale == UINT32_MAX || f->last_ns < ft->slots[stale].last_ns)
			stale = i;
	}
	if (empty == UINT32_MAX) {
		/* window full: the stalest flow makes room, reported by caller */
		*evicted = ft->slots[stale];
		*did_evict = true;
		empty = stale;
		ft->count--;
	}
	f = &ft->slots[empty];
	memset(f, 0, sizeof(*f));
	f->a = *a;
	f->b = *b;
	f->pa = pa;
	f->pb = pb;
	f->l4 = p->l4;
	f->hash = h;
	f->state = OTW_FL_USED;
	ft->count++;
	*created = true;
	return f;
}

void otw_flowtab_remove(struct otw_flowtab *ft, struct otw_flow *f)
{
	uint32_t hole = (uint32_t)(f - ft->slots), j = hole;

	/* backward shift: pull later entries of the cluster into the hole
	 * when that keeps them between their home and where they are */
	for (;;) {
		struct otw_flow *e;
		uint32_t home, d_hole, d_j;
		j = next_slot(ft, j);
		e = &ft->slots[j];
		if (!(e->state & OTW_FL_USED) || j == hole)
			break;
		home = home_of(ft, e->hash);
		d_j = (j + ft->n_slots - home) % ft->n_slots;
		d_hole = (hole + ft->n_slots - home) % ft->n_slots;
		if (d_hole < d_j) {
			ft->slots[hole] = *e;
			hole = j;
		}
	}
	memset(&ft->slots[hole], 0, sizeof(ft->slots[hole]));
	ft->count--;
}

uint32_t otw_flowtab_slots(const struct otw_flowtab *ft)
{
	return ft->n_slots;
}

struct otw_flow *otw_flowtab_slot(struct otw_flowtab *ft, uint32_t i)
{
	return (ft->slots[i].state & OTW_FL_USED) ? &ft->slots[i] : NULL;
}

uint32_t otw_flowtab_count(const struct otw_flowtab *ft)
{
	return ft->count;
}

uint64_t otw_flowtab_bytes(const struct otw_flowtab *ft)
{
	return (uint64_t)ft->n_slots * sizeof(struct otw_flow) + sizeof(*ft);
}
