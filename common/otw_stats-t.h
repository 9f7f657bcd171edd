/* Live counters of the capture pipeline, in one DPDK memzone (OTW_STATS_MZ)
 * created by otw-capture and written by every DPDK process of the pipeline.
 * Each block has exactly one writer and sits on its own cache lines, so the
 * hot loops never share a line. Writers store with relaxed atomics (plain
 * 64-bit stores on x86); readers (`otwatch status`) load the same way and
 * may see one block a few packets behind another. Same host, same build:
 * plain structs with asserted sizes. */
#ifndef OTW_STATS_T_H
#define OTW_STATS_T_H

#include <stdint.h>

#include "otw_ipc-t.h"

#define OTW_STATS_MAGIC 0x5453544fu /* "OTST" little-endian */
#define OTW_STATS_VERSION 1
#define OTW_STATS_LINE 64

/* Life cycle of a writer, in its block's state field. */
enum otw_proc_state {
	OTW_PROC_NONE = 0,     /* never started */
	OTW_PROC_STARTING = 1,
	OTW_PROC_RUNNING = 2,
	OTW_PROC_STOPPING = 3, /* signal seen: draining / flushing */
	OTW_PROC_EXITED = 4,
};

/* Writer: otw-capture (set before the memzone is published, then live). */
struct otw_stats_capture {
	_Alignas(OTW_STATS_LINE) uint32_t magic; /* OTW_STATS_MAGIC */
	uint32_t version;                        /* OTW_STATS_VERSION */
	uint32_t n_ports;
	uint32_t n_workers;
	uint32_t ring_size;
	uint32_t pool_size;
	int32_t pid;
	uint32_t state;        /* enum otw_proc_state */
	uint64_t start_ns;     /* CLOCK_REALTIME */
	uint64_t heartbeat_ns; /* CLOCK_REALTIME, every ~100 ms */
	uint64_t last_rx_ns;   /* CLOCK_REALTIME of the latest non-empty burst */
	uint64_t polls;        /* rx polls, empty or not */
	uint64_t idle_sleeps;  /* backoff sleeps */
	uint8_t pace;          /* replaying at capture pace */
	uint8_t pad[55];
};
_Static_assert(sizeof(struct otw_stats_capture) == 128, "shm size");

/* Writer: otw-capture. One per configured DPDK port. */
struct otw_stats_port {
	_Alignas(OTW_STATS_LINE) char name[48]; /* rte_eth_dev_get_name_by_port */
	uint64_t rx_packets; /* received by capture */
	uint64_t rx_bytes;   /* sum of pkt_len */
	uint64_t imissed;    /* rte_eth_stats: dropped by the NIC (ring full) */
	uint64_t ierrors;
	uint64_t rx_nombuf;  /* NIC had no mbuf: pool exhausted */
	uint8_t pad[32];
};
_Static_assert(sizeof(struct otw_stats_port) == 128, "shm size");

/* Writer: otw-capture. One per worker ring (capture -> worker N). */
struct otw_stats_ring {
	_Alignas(OTW_STATS_LINE) uint64_t enqueued; /* packets */
	uint64_t drops; /* ring full: freed by capture, never stalls */
	uint64_t enq_bytes;
	uint64_t waits; /* --lossless: full ring, capture waited */
	uint8_t pad[32];
};
_Static_assert(sizeof(struct otw_stats_ring) == 64, "shm size");

/* Writer: otw-dissect --worker N (zeroed by capture at creation). */
struct otw_stats_worker {
	_Alignas(OTW_STATS_LINE) int32_t pid;
	uint32_t state;          /* enum otw_proc_state */
	uint64_t packets;        /* dequeued and dissected */
	uint64_t bytes;          /* wire bytes (pkt_len) */
	uint64_t multiseg;       /* only the first segment was dissected */
	uint64_t malformed;      /* engine: frames the decoder refused */
	uint64_t flows_active;
	uint64_t events;         /* events handed to NNG */
	uint64_t msgs_sent;      /* NNG messages accepted */
	uint64_t send_fail;      /* NNG messages lost (EAGAIN or error) */
	uint64_t events_lost;    /* events in those messages */
	uint64_t epoch_ns;       /* worker start (batch header epoch) */
	uint64_t heartbeat_ns;   /* CLOCK_REALTIME, every ~100 ms */
	uint64_t excluded;       /* dropped by the monitor rules, undissected */
	uint8_t pad[24];
};
_Static_assert(sizeof(struct otw_stats_worker) == 128, "shm size");

struct otw_stats_shm {
	struct otw_stats_capture cap;
	struct otw_stats_port port[OTW_MAX_PORTS];
	struct otw_stats_ring ring[OTW_MAX_WORKERS];
	struct otw_stats_worker worker[OTW_MAX_WORKERS];
};
_Static_assert(sizeof(struct otw_stats_shm) ==
		       128 + OTW_MAX_PORTS * 128 + OTW_MAX_WORKERS * (64 + 128),
	       "shm size");

/* One-writer counter helpers: no read-modify-write atomics needed. */
#define OTW_STAT_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define OTW_STAT_ADD(field, n) OTW_STAT_SET(field, (field) + (n))
#define OTW_STAT_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
