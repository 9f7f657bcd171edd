/* otw_reasm: bounded TCP reassembly for the dissectors that frame their
 * stream (struct otw_dissector.pdu_len). A fixed pool of equal buffers,
 * allocated at create; a flow direction holds at most one, so the per-flow
 * cap is the buffer size (or the protocol's pdu_max if smaller) and the
 * global cap is the pool. Whole PDUs inside a segment are dissected in
 * place; only a PDU cut by a segment boundary is copied, until it is
 * complete. Single-threaded: one per engine. */
#ifndef OTW_REASM_H
#define OTW_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "otw_cur.h"
#include "registry.h"

struct otw_reasm;

struct otw_reasm_stats {
	uint64_t pdus;      /* PDUs dissected whole from a buffer */
	uint64_t pool_full; /* no buffer free: the PDU's prefix was dissected,
			     * the direction resynchronised (global cap) */
	uint64_t cap_over;  /* PDUs over the per-flow cap: prefix dissected,
			     * tail skipped */
	uint64_t gap_drops; /* buffers dropped because bytes were lost */
	uint64_t junk;      /* times bytes that start no PDU were skipped */
	uint32_t bufs, bufs_used;
	uint32_t buf_bytes;
};

/* A pool of n_bufs buffers of buf_bytes (1..65535) each. Returns 0 and
 * *out, or -EINVAL / -ENOMEM. n_bufs 0 disables buffering (every cut PDU
 * counts as pool_full). */
int otw_reasm_create(uint32_t n_bufs, uint32_t buf_bytes,
		     struct otw_reasm **out);
void otw_reasm_destroy(struct otw_reasm *r); /* NULL is a no-op */

/* Dissect the in-order bytes seg of one direction of a flow with d (which
 * has pdu_len). *slot is that direction's buffer handle (0: none; kept in
 * the flow), *resync its "not at a PDU start" bit. x->gap says bytes were
 * lost before seg: a held buffer is dropped. Returns how many malformed
 * verdicts there were (dissect() results, and junk met while in sync). */
unsigned otw_reasm_stream(struct otw_reasm *r, uint16_t *slot, bool *resync,
			  const struct otw_dissector *d, struct otw_dctx *x,
			  struct otw_cur seg);

/* Give back a direction's buffer (flow end, eviction). 0 is a no-op. */
void otw_reasm_release(struct otw_reasm *r, uint16_t *slot);

void otw_reasm_get_stats(const struct otw_reasm *r,
			 struct otw_reasm_stats *out);

#endif
