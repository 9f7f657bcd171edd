/* otw_evidq: otw-baseline's evidence writer. New alerts are queued after
 * their commit; a thread asks every known worker (NNG req/rep, see
 * otw_ipc_evid_url) for its recent frames of the alert's endpoints, merges
 * the answers and writes <dir>/<alert id>.pcap. Best effort by design: a
 * worker that is gone or slow (timeout) adds nothing; a full queue and
 * alerts without any frame are counted, never block the commit loop. */
#ifndef OTW_EVIDQ_H
#define OTW_EVIDQ_H

#include <stdint.h>

#include "det.h"

struct otw_evidq;

/* dir is created if missing. Returns 0 and *out, or -errno. */
int otw_evidq_create(const char *events_url, const char *dir,
		     struct otw_evidq **out);
/* Lets the queue drain for at most wait_ms, then stops. NULL: no-op. */
void otw_evidq_destroy(struct otw_evidq *q, unsigned wait_ms);

/* Queue a (saved: a->id set) alert; workers: bit i = worker i is known. */
void otw_evidq_push(struct otw_evidq *q, const struct otw_alert *a,
		    uint32_t workers);

struct otw_evidq_stats {
	uint64_t written;  /* pcaps with at least one frame */
	uint64_t empty;    /* no worker had a frame of it */
	uint64_t dropped;  /* queue full, or no endpoint to select on */
	uint64_t failed;   /* file not written */
};
void otw_evidq_get_stats(struct otw_evidq *q, struct otw_evidq_stats *out);

#endif
