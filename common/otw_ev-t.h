/* Events from dissector workers to the baseline engine (and, in
 * `otwatch analyze`, straight to the inventory). Fixed-size little-endian
 * records in batches; versioned by OTW_EV_VERSION. Same-host only, so the
 * records are plain structs with asserted sizes. */
#ifndef OTW_EV_T_H
#define OTW_EV_T_H

#include <stdint.h>

#define OTW_EV_MAGIC 0x4557544fu /* "OTWE" little-endian */
#define OTW_EV_VERSION 1
#define OTW_EV_BATCH_MAX 64 /* events per NNG message (NNG ~15k msg/s) */

/* IPv4 is stored IPv4-mapped (::ffff:a.b.c.d); all-zero = unknown. */
struct otw_ip {
	uint8_t b[16];
};

enum otw_ev_kind {
	OTW_EV_DEVICE = 1, /* a (MAC, IP) pair was seen */
	OTW_EV_CONN = 2,   /* connection seen/updated: counter deltas */
	OTW_EV_OP = 3,     /* operations on a (client, server, app, func) */
};

/* How a device event learned its IP. */
enum otw_learn {
	OTW_LEARN_NONE = 0,
	OTW_LEARN_IP = 1,  /* source of an IP packet */
	OTW_LEARN_ARP = 2, /* ARP sender */
};

struct otw_ev_device {
	uint8_t mac[6];
	uint16_t vlan;
	struct otw_ip ip;  /* zero when has_ip == 0 */
	uint8_t has_ip;
	uint8_t learn;     /* enum otw_learn */
	uint8_t pad[6];
	uint64_t ts_ns;    /* packet time */
};
_Static_assert(sizeof(struct otw_ev_device) == 40, "wire size");

enum otw_conn_flag {
	OTW_CONN_ORIG_KNOWN = 1, /* src opened the connection (SYN seen) */
	OTW_CONN_NEW = 2,        /* first event of this flow */
	OTW_CONN_CLOSED = 4,     /* FIN/RST seen or evicted: last event */
};

struct otw_ev_conn {
	struct otw_ip src_ip; /* client (opener) where known */
	struct otw_ip dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t l4;           /* IPPROTO_* */
	uint8_t flags;        /* enum otw_conn_flag */
	uint16_t app;         /* enum otw_app */
	uint16_t vlan;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint16_t pad;
	uint32_t packets;     /* delta since the previous event of this flow */
	uint64_t bytes;       /* delta, wire bytes */
	uint64_t first_ns;    /* flow's first packet time */
	uint64_t last_ns;     /* latest packet time */
};
_Static_assert(sizeof(struct otw_ev_conn) == 88, "wire size");

enum otw_op_flag {
	OTW_OP_EXCEPTION = 1, /* server answered with an exception/error */
};

struct otw_ev_op {
	struct otw_ip src_ip; /* client / master */
	struct otw_ip dst_ip; /* server / outstation */
	uint16_t app;
	uint8_t unit;         /* Modbus unit id, DNP3 dst low byte, ... */
	uint8_t func;         /* protocol function code (request's) */
	uint32_t count;       /* requests seen (delta) */
	uint32_t responses;   /* responses paired with a request (delta) */
	uint32_t exceptions;  /* exception/error responses (delta) */
	uint64_t first_ns;
	uint64_t last_ns;
};
_Static_assert(sizeof(struct otw_ev_op) == 64, "wire size");

struct otw_ev {
	uint8_t kind;         /* enum otw_ev_kind */
	uint8_t pad[7];
	union {
		struct otw_ev_device dev;
		struct otw_ev_conn conn;
		struct otw_ev_op op;
	} u;
};
_Static_assert(sizeof(struct otw_ev) == 96, "wire size");

/* One NNG message = header + count events. */
struct otw_ev_batch_hdr {
	uint32_t magic;       /* OTW_EV_MAGIC */
	uint16_t version;     /* OTW_EV_VERSION */
	uint16_t count;       /* events that follow, <= OTW_EV_BATCH_MAX */
	uint16_t worker;      /* sending worker id */
	uint16_t flags;
	uint32_t seq;         /* per-worker message sequence: gaps = loss */
	uint64_t epoch;       /* worker start time (ns): seq restarts with it */
};
_Static_assert(sizeof(struct otw_ev_batch_hdr) == 24, "wire size");

#define OTW_EV_BATCH_BYTES \
	(sizeof(struct otw_ev_batch_hdr) + OTW_EV_BATCH_MAX * sizeof(struct otw_ev))

#endif
