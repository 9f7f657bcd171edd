/* otw_evcodec: pack events into a batch message and check one on receipt. */
#ifndef OTW_EVCODEC_H
#define OTW_EVCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "otw_ev-t.h"

/* Write header + events into buf (at least OTW_EV_BATCH_BYTES). Returns the
 * message length. n must be <= OTW_EV_BATCH_MAX. */
size_t otw_ev_encode(void *buf, const struct otw_ev_batch_hdr *hdr,
		     const struct otw_ev *evs, uint16_t n);

/* Validate a received message of len bytes. On success returns 0, copies the
 * header to *hdr and points *evs at the events inside msg (valid while msg
 * is). Returns OTW_ECODEC (bad magic/length/kind) or OTW_EVERSION. */
int otw_ev_decode(const void *msg, size_t len, struct otw_ev_batch_hdr *hdr,
		  const struct otw_ev **evs);

#endif
