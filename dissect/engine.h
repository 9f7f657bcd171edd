/* otw_engine: everything a dissector worker does to one packet, with no
 * DPDK in sight: decode L2-L4, track the flow, run the application
 * dissector, and coalesce what it learned into events handed to a sink in
 * batches. `otw-dissect` (DPDK) and `otwatch analyze` (libpcap) both drive
 * it, so they produce the same inventory. Single-threaded: one per worker. */
#ifndef OTW_ENGINE_H
#define OTW_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "otw_app.h"
#include "otw_ev-t.h"
#include "otw_pkt.h"

/* Receives up to OTW_EV_BATCH_MAX events; they are only valid during the
 * call. Called from inside otw_engine_packet/tick/flush. */
struct otw_engine;

typedef void (*otw_ev_sink_fn)(void *arg, const struct otw_ev *evs, uint16_t n);

struct otw_engine_conf {
	uint32_t max_flows;      /* flow table capacity (fixed memory) */
	uint32_t max_devices;    /* (MAC, IP) pairs remembered for dedup */
	uint64_t idle_ns;        /* evict flows idle this long (packet time) */
	uint64_t update_ns;      /* re-emit a live flow's deltas this often */
	uint32_t reasm_bufs;     /* TCP reassembly buffers (global cap) */
	uint32_t reasm_buf_bytes; /* bytes each (per-flow-direction cap) */
	otw_ev_sink_fn sink;
	void *sink_arg;
};

struct otw_engine_stats {
	uint64_t packets, bytes;
	uint64_t malformed;              /* sum of mal[] */
	uint64_t mal[OTW_MAL__COUNT];    /* by decoder stage */
	uint64_t fragments;
	uint64_t non_ip;
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_idle;             /* evicted idle */
	uint64_t flows_closed;           /* FIN/RST */
	uint64_t flows_evicted_full;     /* evicted because the table was full */
	uint64_t events;
	uint64_t tcp_retrans;            /* segments already seen, not dissected */
	uint64_t tcp_gaps;               /* segments after lost bytes */
	uint64_t attrs_repeated;         /* identity facts already sent */
	uint64_t app_packets[OTW_APP__COUNT];
	uint64_t app_malformed[OTW_APP__COUNT];
	/* TCP reassembly (reasm.h) */
	uint64_t reasm_pdus;             /* PDUs completed in a buffer */
	uint64_t reasm_pool_full;        /* no buffer free (global overflow) */
	uint64_t reasm_cap_over;         /* PDUs over the per-flow cap */
	uint64_t reasm_gap_drops;        /* buffers dropped on lost bytes */
	uint64_t reasm_junk;             /* skips of bytes starting no PDU */
	uint64_t reasm_bufs_used;        /* buffers held now */
	uint64_t reasm_pool_bytes;       /* memory of the buffer pool */
	uint64_t flow_table_bytes;       /* memory of the flow table */
	uint32_t flow_entry_bytes;       /* bytes per flow entry */
};

/* Default conf values (1M flows, 120 s idle, 10 s updates, 2048
 * reassembly buffers of 4 KiB). */
void otw_engine_conf_default(struct otw_engine_conf *conf);

/* Allocate all memory up front. Returns 0 and *out, or -ENOMEM/-EINVAL. */
int otw_engine_create(const struct otw_engine_conf *conf,
		      struct otw_engine **out);
void otw_engine_destroy(struct otw_engine *eng); /* NULL is a no-op */

/* One frame. caplen bytes are readable; wire_len is the original length. */
void otw_engine_packet(struct otw_engine *eng, const uint8_t *frame,
		       uint32_t caplen, uint32_t wire_len, uint64_t ts_ns);

/* Expire idle flows (packet-time clock) and emit pending deltas; call it
 * now and then (the worker: every ~100 ms of wall time). */
void otw_engine_tick(struct otw_engine *eng);

/* Emit every pending delta and, when final, close every flow (end of
 * capture or shutdown); then hand the last partial batch to the sink. */
/* Only report the pending operation aggregates (cheap; no flow sweep). */
void otw_engine_tick_ops(struct otw_engine *eng);
void otw_engine_flush(struct otw_engine *eng, bool final);

void otw_engine_get_stats(const struct otw_engine *eng,
			  struct otw_engine_stats *out);

#endif
