/* Bounded TCP reassembly (reasm.h). A direction of a flow is, between
 * segments, in one of three states: at a PDU boundary (no buffer), holding
 * the first bytes of a PDU (buffer with fill > 0), or skipping the tail of
 * a PDU over the cap (buffer with skip > 0). */
#include "reasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rs_buf {
	uint32_t skip;  /* bytes of an over-cap PDU still to skip */
	uint16_t fill;  /* bytes held: always a strict prefix of one PDU */
	uint16_t pad;
};

struct otw_reasm {
	struct rs_buf *bufs;
	uint8_t *data;     /* bufs * buf_bytes */
	uint16_t *free;    /* stack of free buffer indexes */
	uint32_t n_free;
	struct otw_reasm_stats st;
};

int otw_reasm_create(uint32_t n_bufs, uint32_t buf_bytes,
		     struct otw_reasm **out)
{
	struct otw_reasm *r;

	if (n_bufs > UINT16_MAX || buf_bytes == 0 || buf_bytes > UINT16_MAX)
		return -EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	/* +1: calloc(0) may return NULL */
	r->bufs = calloc(n_bufs + 1, sizeof(*r->bufs));
	r->free = calloc(n_bufs + 1, sizeof(*r->free));
	r->data = calloc((size_t)n_bufs + 1, buf_bytes);
	if (r->bufs == NULL || r->free == NULL || r->data == NULL) {
		otw_reasm_destroy(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n_bufs; i++)
		r->free[i] = (uint16_t)(n_bufs - 1 - i); /* lowest first */
	r->n_free = n_bufs;
	r->st.bufs = n_bufs;
	r->st.buf_bytes = buf_bytes;
	*out = r;
	return 0;
}

void otw_reasm_destroy(struct otw_reasm *r)
{
	if (r == NULL)
		return;
	free(r->bufs);
	free(r->free);
	free(r->data);
	free(r);
}

static bool rs_alloc(struct otw_reasm *r, uint16_t *slot)
{
	uint16_t i;

	if (r->n_free == 0)
		return false;
	i = r->free[--r->n_free];
	memset(&r->bufs[i], 0, sizeof(r->bufs[i]));
	*slot = (uint16_t)(i + 1);
	r->st.bufs_used++;
	return true;
}

void otw_reasm_release(struct otw_reasm *r, uint16_t *slot)
{
	if (*slot == 0)
		return;
	r->free[r->n_free++] = (uint16_t)(*slot - 1);
	*slot = 0;
	r->st.bufs_used--;
}

static uint8_t *rs_data(const struct otw_reasm *r, uint16_t slot)
{
	return r->data + (size_t)(slot - 1) * r->st.buf_bytes;
}

/* One PDU (or its prefix, cut) to the dissector: 1 if malformed. The gap
 * flag belongs to the first PDU after the loss only. */
static unsigned rs_deliver(const struct otw_dissector *d, struct otw_dctx *x,
			   const uint8_t *p, size_t n, bool cut)
{
	struct otw_cur c = otw_cur_make(p, n);
	enum otw_verdict v;

	x->cut = cut;
	v = d->dissect(&c, x);
	x->cut = false;
	x->gap = false;
	return v == OTW_MALFORMED;
}

/* Ask pdu_len, with its contract enforced (no zero sizes, MORE asks for
 * more than c holds): a broken answer is junk, never a loop. */
static enum otw_pdu rs_len(const struct otw_dissector *d, struct otw_dctx *x,
			   bool resync, const uint8_t *p, size_t n,
			   uint32_t *len)
{
	struct otw_cur c = otw_cur_make(p, n);
	enum otw_pdu v;

	x->resync = resync;
	v = d->pdu_len(&c, x, len);
	if ((v == OTW_PDU_LEN && *len == 0) ||
	    (v == OTW_PDU_MORE && *len <= n) ||
	    (v != OTW_PDU_LEN && v != OTW_PDU_MORE && v != OTW_PDU_JUNK)) {
		*len = 1;
		return OTW_PDU_JUNK;
	}
	if (v == OTW_PDU_JUNK && *len == 0)
		*len = 1;
	return v;
}

static uint32_t rs_cap(const struct otw_reasm *r, const struct otw_dissector *d)
{
	uint32_t cap = r->st.buf_bytes;

	return d->pdu_max != 0 && d->pdu_max < cap ? d->pdu_max : cap;
}

static void cur_take(struct otw_cur *c, size_t n)
{
	(void)otw_cur_skip(c, n < otw_cur_left(c) ? n : otw_cur_left(c));
}

/* Go on with the PDU held in *slot using the bytes of seg. Returns true
 * when the buffer is gone and seg (advanced past what was used) is at a
 * PDU boundary, or resynchronising; false when seg is used up. */
static bool rs_finish(struct otw_reasm *r, uint16_t *slot, bool *resync,
		      const struct otw_dissector *d, struct otw_dctx *x,
		      struct otw_cur *seg, unsigned *bad)
{
	struct rs_buf *b = &r->bufs[*slot - 1];
	uint8_t *p = rs_data(r, *slot);
	uint32_t cap = rs_cap(r, d);

	for (;;) {
		size_t left = otw_cur_left(seg), n;
		uint32_t len, want;
		enum otw_pdu v;

		if (b->skip != 0) { /* the tail of an over-cap PDU */
			n = b->skip < left ? b->skip : left;
			cur_take(seg, n);
			b->skip -= (uint32_t)n;
			if (b->skip != 0)
				return false;
			otw_reasm_release(r, slot);
			return true;
		}
		v = rs_len(d, x, *resync, p, b->fill, &len);
		if (v == OTW_PDU_JUNK) { /* held bytes that start no PDU */
			*bad += !*resync;
			r->st.junk++;
			*resync = true;
			if (len >= b->fill) {
				otw_reasm_release(r, slot);
				return true;
			}
			memmove(p, p + len, b->fill - len);
			b->fill = (uint16_t)(b->fill - len);
			continue;
		}
		if (v == OTW_PDU_MORE && len > cap) {
			/* a header longer than the cap: give up on it */
			r->st.cap_over++;
			*bad += rs_deliver(d, x, p, b->fill, true);
			otw_reasm_release(r, slot);
			*resync = true;
			return true;
		}
		if (v == OTW_PDU_LEN)
			*resync = false;
		want = v == OTW_PDU_LEN && len > cap ? cap : len;
		if (b->fill < want) {
			n = want - b->fill < left ? want - b->fill : left;
			memcpy(p + b->fill, seg->p, n);
			cur_take(seg, n);
			b->fill = (uint16_t)(b->fill + n);
			if (b->fill < want)
				return false;
			if (v == OTW_PDU_MORE)
				continue; /* now its length can be told */
		}
		if (len > cap) {
			/* over the cap: its first cap bytes, then skip */
			r->st.cap_over++;
			*bad += rs_deliver(d, x, p, cap, true);
			b->fill = 0;
			b->skip = len - cap;
			continue;
		}
		r->st.pdus++;
		*bad += rs_deliver(d, x, p, len, false);
		if (len >= b->fill) {
			otw_reasm_release(r, slot);
			return true;
		}
		/* never with sane pdu_len answers (a PDU shorter than the
		 * header it asked for), but keep the bytes after it */
		memmove(p, p + len, b->fill - len);
		b->fill = (uint16_t)(b->fill - len);
	}
}

/* seg ends inside a PDU (v, len from pdu_len on the whole of seg): hold
 * its bytes for the next segment, or dissect them as a prefix when the
 * PDU is over the cap or no buffer is free. Uses up seg. */
static void rs_hold(struct otw_reasm *r, uint16_t *slot, bool *resync,
		    const struct otw_dissector *d, struct otw_dctx *x,
		    struct otw_cur *seg, enum otw_pdu v, uint32_t len,
		    unsigned *bad)
{
	size_t left = otw_cur_left(seg);
	uint32_t cap = rs_cap(r, d);

	if (len > cap && (v == OTW_PDU_MORE || left >= cap)) {
		/* already past the cap: no copy, the prefix in place */
		r->st.cap_over++;
		*bad += rs_deliver(d, x, seg->p, left, true);
		cur_take(seg, left);
		if (v == OTW_PDU_LEN && rs_alloc(r, slot)) {
			r->bufs[*slot - 1].skip = len - (uint32_t)left;
			return;
		}
		if (v == OTW_PDU_LEN)
			r->st.pool_full++;
		*resync = true;
		return;
	}
	if (!rs_alloc(r, slot)) {
		/* global cap: what is here, then find the next PDU */
		r->st.pool_full++;
		*bad += rs_deliver(d, x, seg->p, left, true);
		cur_take(seg, left);
		*resync = true;
		return;
	}
	memcpy(rs_data(r, *slot), seg->p, left);
	r->bufs[*slot - 1].fill = (uint16_t)left;
	cur_take(seg, left);
}

unsigned otw_reasm_stream(struct otw_reasm *r, uint16_t *slot, bool *resync,
			  const struct otw_dissector *d, struct otw_dctx *x,
			  struct otw_cur seg)
{
	unsigned bad = 0;
	/* a lone octet that starts no PDU is a TCP keep-alive probe's
	 * garbage octet (RFC 1122 §4.2.3.6), not a malformed PDU */
	bool keepalive = otw_cur_left(&seg) == 1;

	if (x->gap) {
		if (*slot != 0) {
			r->st.gap_drops++;
			otw_reasm_release(r, slot);
		}
		*resync = true;
	}
	if (*slot != 0 && !rs_finish(r, slot, resync, d, x, &seg, &bad))
		return bad;
	/* the fast path: whole PDUs where they lie, no copy */
	while (otw_cur_left(&seg) > 0) {
		size_t left = otw_cur_left(&seg);
		uint32_t len;
		enum otw_pdu v = rs_len(d, x, *resync, seg.p, left, &len);

		if (v == OTW_PDU_JUNK) {
			bad += !*resync && !keepalive;
			r->st.junk += !keepalive;
			*resync = true;
			cur_take(&seg, len);
			continue;
		}
		if (v == OTW_PDU_LEN) {
			*resync = false;
			if (len <= left) {
				bad += rs_deliver(d, x, seg.p, len, false);
				cur_take(&seg, len);
				continue;
			}
		}
		rs_hold(r, slot, resync, d, x, &seg, v, len, &bad);
	}
	return bad;
}

void otw_reasm_get_stats(const struct otw_reasm *r,
			 struct otw_reasm_stats *out)
{
	*out = r->st;
}
