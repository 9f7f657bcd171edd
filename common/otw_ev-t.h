/* Events from dissector workers to the baseline engine (and, in
 * `otwatch analyze`, straight to the inventory). Fixed-size little-endian
 * records in batches; versioned by OTW_EV_VERSION. Same-host only, so the
 * records are plain structs with asserted sizes. */
#ifndef OTW_EV_T_H
#define OTW_EV_T_H

#include <stdint.h>

#define OTW_EV_MAGIC 0x4557544fu /* "OTWE" little-endian */
#define OTW_EV_VERSION 2
#define OTW_EV_BATCH_MAX 64 /* events per NNG message (NNG ~15k msg/s) */

/* IPv4 is stored IPv4-mapped (::ffff:a.b.c.d); all-zero = unknown. */
struct otw_ip {
	uint8_t b[16];
};

enum otw_ev_kind {
	OTW_EV_DEVICE = 1, /* a (MAC, IP) pair was seen */
	OTW_EV_CONN = 2,   /* connection seen/updated: counter deltas */
	OTW_EV_OP = 3,     /* operations on a (client, server, app, func) */
	OTW_EV_ATTR = 4,   /* an identity fact a protocol taught about a device */
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

#define OTW_ADDR_NONE 0xffffffffu /* addr_lo when no address was seen */

struct otw_ev_op {
	struct otw_ip src_ip; /* client / master */
	struct otw_ip dst_ip; /* server / outstation */
	uint16_t app;
	uint16_t unit;        /* Modbus unit id, DNP3 destination, IEC-104
			       * common address, S7 area, CIP class, ... */
	uint16_t func;        /* protocol function/service code (request's) */
	uint16_t pad;
	uint32_t count;       /* requests seen (delta) */
	uint32_t responses;   /* responses, paired or not (delta) */
	uint32_t exceptions;  /* exception/error responses (delta) */
	uint32_t addr_lo;     /* lowest address touched, OTW_ADDR_NONE if none */
	uint32_t addr_hi;     /* highest address touched (inclusive) */
	uint32_t pad2;
	uint64_t first_ns;
	uint64_t last_ns;
};
_Static_assert(sizeof(struct otw_ev_op) == 80, "wire size");

/* Identity facts, in the inventory's precedence-free vocabulary; the
 * inventory decides which source wins. Values fixed forever. */
#define OTW_ATTR_MAP(X)                                                     \
	X(VENDOR, 1, "vendor")             /* "Schneider Electric" */        \
	X(MODEL, 2, "model")               /* product name / model */         \
	X(FIRMWARE, 3, "firmware")         /* firmware / software revision */ \
	X(SERIAL, 4, "serial")                                               \
	X(NAME, 5, "name")                 /* station / host / device name */ \
	X(ROLE, 6, "role")                 /* plc rtu ied hmi engineering ... */ \
	X(PRODUCT_CODE, 7, "product_code") /* order number, product code */   \
	X(HW_VERSION, 8, "hw_version")                                       \
	X(MODULE, 9, "module")             /* module / rack / slot text */    \
	X(OS, 10, "os")                                                      \
	X(DEVICE_TYPE, 11, "device_type")  /* protocol's own device type */   \
	X(VENDOR_ID, 12, "vendor_id")      /* protocol's numeric vendor id */ \
	X(PROTO_ADDR, 13, "proto_addr")    /* DNP3 address, BACnet instance */ \
	X(DESCRIPTION, 14, "description")                                    \
	X(HOSTNAME, 15, "hostname")                                          \
	X(DOMAIN, 16, "domain")                                              \
	X(USER_AGENT, 17, "user_agent")                                      \
	X(SERVER, 18, "server")            /* HTTP Server, SSH banner */      \
	X(DHCP_VENDOR_CLASS, 19, "dhcp_vendor_class")                        \
	X(DHCP_FINGERPRINT, 20, "dhcp_fingerprint")                          \
	X(CAPABILITIES, 21, "capabilities")                                  \
	X(MGMT_ADDR, 22, "mgmt_addr")                                        \
	X(PORT_ID, 23, "port_id")                                            \
	X(PLATFORM, 24, "platform")                                          \
	X(DNS_QUERY, 25, "dns_query")      /* a name the device resolves */

enum otw_attr {
#define OTW_ATTR_ENUM(name, val, str) OTW_ATTR_##name = (val),
	OTW_ATTR_MAP(OTW_ATTR_ENUM)
#undef OTW_ATTR_ENUM
	OTW_ATTR__COUNT
};

#define OTW_ATTR_VAL_MAX 48

/* A fact about the device at (mac, ip): one of the two may be absent (an L2
 * protocol has no IP; a routed device's MAC is the router's). */
struct otw_ev_attr {
	struct otw_ip ip;     /* zero when has_ip == 0 */
	uint8_t mac[6];
	uint16_t vlan;
	uint16_t app;         /* protocol that taught it (enum otw_app) */
	uint16_t key;         /* enum otw_attr */
	uint8_t has_ip;
	uint8_t has_mac;
	uint8_t len;          /* bytes of val used (not NUL-terminated) */
	uint8_t pad;
	uint64_t ts_ns;       /* packet time */
	char val[OTW_ATTR_VAL_MAX]; /* UTF-8/ASCII, cut to fit */
};
_Static_assert(sizeof(struct otw_ev_attr) == 88, "wire size");

struct otw_ev {
	uint8_t kind;         /* enum otw_ev_kind */
	uint8_t pad[7];
	union {
		struct otw_ev_device dev;
		struct otw_ev_conn conn;
		struct otw_ev_op op;
		struct otw_ev_attr attr;
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
