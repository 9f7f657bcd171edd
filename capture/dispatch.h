/* Which worker gets a frame: the symmetric flow hash of its innermost
 * headers (otw_pkt_hash looks through VLAN/QinQ/MPLS/GRE/ERSPAN), so both
 * directions of a flow meet on one worker. Frames the decoder refuses go to
 * worker 0, which counts them as malformed. libc only: unit-tested without
 * DPDK (tests/unit/test_capture.c). */
#ifndef OTW_CAP_DISPATCH_H
#define OTW_CAP_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "otw_pkt.h"

static inline unsigned otw_cap_worker_of(const uint8_t *frame, size_t len,
					 unsigned n_workers)
{
	struct otw_pkt p;

	if (n_workers <= 1 || !otw_pkt_decode(frame, len, &p))
		return 0;
	return otw_pkt_hash(&p) % n_workers;
}

#endif
