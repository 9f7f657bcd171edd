/* sim: the plant simulator behind `otwatch simulate`, private to cli/.
 *
 * A run is a set of tasks; each task is one protocol generator (Modbus
 * poller, ARP, DHCP, DNS, attacker, ...) that, when its time comes, emits a
 * short exchange of frames and says when it wants to run again. Frames may
 * carry timestamps later than "now" (a response 2 ms after its request):
 * they wait in a small time-ordered queue and reach the pcap in timestamp
 * order. Adding a protocol = one step function + a task struct embedding
 * struct sim_task, registered by the plant in simulate.c.
 *
 * Everything derives from the seed through sim_rand(): same seed, same
 * bytes. Time is microseconds since the epoch (the pcap resolution). */
#ifndef OTW_CLI_SIM_H
#define OTW_CLI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_US UINT64_C(1)
#define SIM_MS UINT64_C(1000)
#define SIM_S UINT64_C(1000000)
#define SIM_NEVER UINT64_MAX

#define SIM_FRAME_MAX 1514
#define SIM_MAX_HOSTS 32
#define SIM_MAX_OPS 128

struct sim;

struct sim_host {
	const char *name;   /* DHCP/DNS host name */
	const char *role;   /* truth: plc, hmi, historian, ... */
	const char *vendor; /* truth: the OUI's owner */
	uint8_t mac[6];
	uint32_t ip;        /* host order */
	uint8_t unit;       /* Modbus unit id served (PLCs) */
	uint8_t ttl;
	uint16_t next_port; /* ephemeral port allocator */
	bool attacker;
};

/* One side of a packet. */
struct sim_ep {
	const uint8_t *mac;
	uint32_t ip;
	uint16_t port;
	uint8_t ttl;
};

static inline struct sim_ep sim_ep(const struct sim_host *h, uint16_t port)
{
	return (struct sim_ep){ h->mac, h->ip, port, h->ttl };
}

/* A TCP connection: both sides' next sequence numbers. */
struct sim_tcp {
	struct sim_host *cli, *srv;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	bool open;
};

struct sim_task {
	uint64_t next; /* µs; SIM_NEVER = finished */
	void (*step)(struct sim *s, struct sim_task *t);
};

#define sim_container_of(p, type, member) \
	((type *)(void *)((char *)(p)-offsetof(type, member)))

/* A payload being built: the new generators append to one of these
 * (writes past the end are dropped and flagged, never overrun). */
struct sim_buf {
	uint8_t b[SIM_FRAME_MAX];
	size_t n;
	bool over;
};

static inline void sim_put(struct sim_buf *w, const void *p, size_t n)
{
	if (n > sizeof(w->b) - w->n) {
		w->over = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w->b[w->n + i] = ((const uint8_t *)p)[i];
	w->n += n;
}

static inline void sim_u8(struct sim_buf *w, unsigned v)
{
	uint8_t b = (uint8_t)v;
	sim_put(w, &b, 1);
}

static inline void sim_u16be(struct sim_buf *w, unsigned v)
{
	sim_u8(w, v >> 8);
	sim_u8(w, v);
}

static inline void sim_u16le(struct sim_buf *w, unsigned v)
{
	sim_u8(w, v);
	sim_u8(w, v >> 8);
}

static inline void sim_u32be(struct sim_buf *w, uint32_t v)
{
	sim_u16be(w, v >> 16);
	sim_u16be(w, v & 0xffff);
}

static inline void sim_u32le(struct sim_buf *w, uint32_t v)
{
	sim_u16le(w, v & 0xffff);
	sim_u16le(w, v >> 16);
}

static inline void sim_str(struct sim_buf *w, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	sim_put(w, s, n);
}

/* Store a 16-bit value at offset at (a length filled in afterwards). */
static inline void sim_set16be(struct sim_buf *w, size_t at, size_t v)
{
	if (at + 2 <= w->n) {
		w->b[at] = (uint8_t)(v >> 8);
		w->b[at + 1] = (uint8_t)v;
	}
}

static inline void sim_set16le(struct sim_buf *w, size_t at, size_t v)
{
	if (at + 2 <= w->n) {
		w->b[at] = (uint8_t)v;
		w->b[at + 1] = (uint8_t)(v >> 8);
	}
}

/* ---- run state (sim_pkt.c) --------------------------------------------- */

/* Open the output pcap (classic, µs, Ethernet). Returns 0 and *out, or
 * -errno / -ENOMEM. */
int sim_create(const char *path, uint64_t seed, struct sim **out);
/* Flush queued frames and close the file. Returns 0 or -errno (write
 * error). Always frees s; NULL is a no-op returning 0. */
int sim_destroy(struct sim *s);

uint64_t sim_rand(struct sim *s);
/* Uniform in [lo, hi] (inclusive). */
uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi);
/* true with probability per_mille / 1000. */
bool sim_chance(struct sim *s, unsigned per_mille);

uint64_t sim_now(const struct sim *s);
/* Write every queued frame stamped <= t, then set now = t. */
int sim_advance(struct sim *s, uint64_t t);
uint64_t sim_frames(const struct sim *s);  /* emitted, queued included */
uint64_t sim_written(const struct sim *s); /* in the file */
uint64_t sim_bytes(const struct sim *s);   /* in the file (wire) */
uint64_t sim_last(const struct sim *s);    /* last written frame's time */
/* Mark frames emitted from now on as attack traffic (truth: first frame). */
void sim_set_attack(struct sim *s, bool on);
uint64_t sim_attack_first_frame(const struct sim *s); /* 1-based, 0 = none */
int sim_error(const struct sim *s); /* first write error, 0 if none */

/* ---- frame builders (sim_pkt.c); t must be >= sim_now() ----------------- */

void sim_send_arp(struct sim *s, uint64_t t, const uint8_t eth_dst[6],
		  uint16_t op, const uint8_t sha[6], uint32_t spa,
		  const uint8_t tha[6], uint32_t tpa);
/* A non-IP frame of EtherType type (GOOSE, PROFINET, LLDP). */
void sim_send_l2(struct sim *s, uint64_t t, const uint8_t dst[6],
		 const uint8_t src[6], uint16_t type, const void *pl, size_t len);
void sim_send_udp(struct sim *s, uint64_t t, struct sim_ep src,
		  struct sim_ep dst, const void *pl, size_t len);
void sim_send_tcp(struct sim *s, uint64_t t, struct sim_ep src,
		  struct sim_ep dst, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *pl, size_t len);

#define SIM_FIN 0x01
#define SIM_SYN 0x02
#define SIM_RST 0x04
#define SIM_PSH 0x08
#define SIM_ACK 0x10

uint16_t sim_port(struct sim *s, struct sim_host *h); /* next ephemeral */

/* TCP helpers: each returns the time its last frame carries. */
uint64_t sim_tcp_open(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
		      struct sim_host *srv, uint16_t sport, uint64_t t);
uint64_t sim_tcp_send(struct sim *s, struct sim_tcp *c, bool from_cli,
		      uint64_t t, const void *pl, size_t len);
uint64_t sim_tcp_ack(struct sim *s, struct sim_tcp *c, bool from_cli,
		     uint64_t t);
/* FIN from the client (from_cli) or server, FIN back, last ACK. */
uint64_t sim_tcp_close(struct sim *s, struct sim_tcp *c, bool from_cli,
		       uint64_t t);

/* ---- ground truth (sim_pkt.c) ------------------------------------------ */

enum sim_app { SIM_APP_MODBUS, SIM_APP_DNP3, SIM_APP_S7, SIM_APP_IEC104,
	       SIM_APP_BACNET, SIM_APP_ENIP, SIM_APP_ENIP_IO, SIM_APP_OPCUA,
	       SIM_APP_MMS };

struct sim_op {
	uint32_t cli, srv;
	uint8_t app;   /* enum sim_app */
	uint16_t unit; /* Modbus unit, DNP3 outstation, S7 area, IEC-104 CA */
	uint16_t func; /* the dissector's func encoding (docs/protocols/) */
	bool attack;
	uint64_t requests, exceptions;
	uint64_t first, last;
};

void sim_truth_op(struct sim *s, const struct sim_host *cli,
		  const struct sim_host *srv, uint8_t unit, uint8_t func,
		  bool exception, uint64_t t);
/* The same for the other apps: one request of func from cli to srv. */
void sim_truth_app(struct sim *s, enum sim_app app, const struct sim_host *cli,
		   const struct sim_host *srv, uint16_t unit, uint16_t func,
		   uint64_t t);
const struct sim_op *sim_truth_ops(const struct sim *s, size_t *n);

/* ---- protocol generators ----------------------------------------------- */

/* sim_modbus.c: a client polling one server over one connection. */
struct sim_mb_item {
	uint8_t func;
	uint16_t addr, qty;
	uint64_t period;  /* µs */
	uint64_t due;
};

struct sim_mb_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	struct sim_tcp conn;
	uint16_t tid;
	uint8_t n_items;
	struct sim_mb_item items[4];
	unsigned write_per_mille; /* chance a poll is followed by a write */
	uint64_t reconnect;       /* close and reopen this often, 0 = never */
	uint64_t reconnect_at;
	uint64_t ack_delay;       /* client's delayed ACK */
};
void sim_modbus_poll_step(struct sim *s, struct sim_task *t);

/* One request/response on c (server's PLC answers; exceptions by chance
 * unless exc_per_mille is 0). Returns the time of the last frame. */
uint64_t sim_modbus_xact(struct sim *s, struct sim_tcp *c, uint64_t t,
			 uint16_t tid, uint8_t unit, const uint8_t *pdu,
			 size_t len, unsigned exc_per_mille);
/* Build a request PDU into b (>= 260 bytes); returns its length. */
size_t sim_modbus_req(struct sim *s, uint8_t *b, uint8_t func, uint16_t addr,
		      uint16_t qty);
const char *sim_modbus_name(uint8_t func);

/* sim_net.c: ARP chatter, DHCP leases, DNS lookups. */
struct sim_arp_chat {
	struct sim_task task;
	struct sim_host **hosts; /* who talks; [0] is the gateway */
	size_t n_hosts;
	uint64_t mean;           /* mean gap between exchanges */
	uint64_t garp_every;     /* gratuitous ARP from each host */
	uint64_t garp_next;
	size_t garp_i;
};
void sim_arp_step(struct sim *s, struct sim_task *t);
/* Gratuitous ARP (request form) from h at t. */
void sim_arp_garp(struct sim *s, const struct sim_host *h, uint64_t t);
/* who-has tpa from h; the owner (if any) answers. Returns the last time. */
uint64_t sim_arp_resolve(struct sim *s, const struct sim_host *h,
			 const struct sim_host *owner, uint32_t tpa,
			 uint64_t t);

struct sim_dhcp_client {
	struct sim_task task;
	struct sim_host *cli, *srv, *router, *dns;
	uint32_t lease;    /* seconds */
	uint32_t xid;
	bool bound;
};
void sim_dhcp_step(struct sim *s, struct sim_task *t);

struct sim_dns_client {
	struct sim_task task;
	struct sim_host *cli, *srv;
	const char *const *names; /* queried in turn */
	const uint32_t *answers;  /* A record per name, 0 = NXDOMAIN */
	size_t n_names, i;
	uint64_t period;
};
void sim_dns_step(struct sim *s, struct sim_task *t);
/* One query/answer; returns the time of the answer. */
uint64_t sim_dns_lookup(struct sim *s, struct sim_host *cli,
			struct sim_host *srv, const char *name,
			uint32_t answer, uint64_t t);

/* sim_dnp3.c: a master polling one outstation (IEEE 1815) on 20000/TCP,
 * class 0 integrity poll and class 1 event polls. */
struct sim_dnp3_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	struct sim_tcp conn;
	uint16_t master, outstation; /* link addresses */
	uint8_t aseq; /* transport and application sequence */
	uint32_t n;
	uint64_t period;
};
void sim_dnp3_poll_step(struct sim *s, struct sim_task *t);
/* One application request of func (objects obj/olen) and its response on
 * an open connection; returns the time of the last frame. */
uint64_t sim_dnp3_xact(struct sim *s, struct sim_tcp *c, uint16_t master,
		       uint16_t outstation, uint8_t *seq, uint8_t func,
		       const uint8_t *obj, size_t olen, uint64_t t);
const char *sim_dnp3_name(uint16_t func);

/* sim_s7.c: an HMI reading a data block of an S7-300 over ISO-on-TCP. */
struct sim_s7_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	struct sim_tcp conn;
	uint16_t pduref;
	uint64_t period;
};
void sim_s7_poll_step(struct sim *s, struct sim_task *t);
/* TCP + COTP connect + setup communication; returns the last time. */
uint64_t sim_s7_connect(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
			struct sim_host *srv, uint16_t *pduref, uint64_t t);
/* PLC STOP job (function 0x29) and its ack_data. */
uint64_t sim_s7_stop(struct sim *s, struct sim_tcp *c, uint16_t *pduref,
		     uint64_t t);
const char *sim_s7_name(uint16_t func);

/* sim_iec104.c: a controlling station and a controlled one on 2404/TCP:
 * STARTDT, general interrogation, then spontaneous measurements. */
struct sim_iec104_link {
	struct sim_task task;
	struct sim_host *cli, *srv;
	struct sim_tcp conn;
	uint16_t ca;        /* common address */
	uint16_t ns, cns;   /* send counters: server's, client's */
	uint64_t gi_every, gi_next;
	uint64_t test_every, test_next; /* controlling station's TESTFR */
	uint32_t unacked;
};
void sim_iec104_step(struct sim *s, struct sim_task *t);
/* A new controlling station: connect, STARTDT, one single command. */
uint64_t sim_iec104_command(struct sim *s, struct sim_host *cli,
			    struct sim_host *srv, uint16_t ca, uint64_t t);
const char *sim_iec104_name(uint16_t func);

/* sim_bacnet.c: a workstation finding a controller (Who-Is/I-Am) and
 * polling present values with ReadProperty, UDP 47808 both ends. */
struct sim_bacnet_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	uint32_t instance; /* the controller's device instance */
	uint8_t invoke;
	uint32_t n;
	uint64_t period;
};
void sim_bacnet_step(struct sim *s, struct sim_task *t);
/* ReinitializeDevice (coldstart) from cli and the controller's ack. */
uint64_t sim_bacnet_reinit(struct sim *s, struct sim_host *cli,
			   struct sim_host *srv, uint8_t invoke, uint64_t t);
const char *sim_bacnet_name(uint16_t func);

/* BER (sim_pkt.c): tag + definite length + contents of in; a string;
 * an unsigned INTEGER (minimal two's complement); w wrapped in tag. */
void sim_ber(struct sim_buf *w, uint8_t tag, const struct sim_buf *in);
void sim_ber_str(struct sim_buf *w, uint8_t tag, const char *s);
void sim_ber_uint(struct sim_buf *w, uint8_t tag, uint32_t x);
void sim_ber_wrap(struct sim_buf *w, uint8_t tag);

/* sim_enip.c: EtherNet/IP + CIP. An HMI finds a ControlLogix and its I/O
 * adapter (ListIdentity), reads Logix tags over a registered session; the
 * controller's class-1 I/O connection with the adapter on UDP 2222. */
struct sim_cip_id { /* CIP Identity object attributes */
	uint16_t vendor, devtype, prodcode;
	uint8_t major, minor;
	uint32_t serial;
	const char *name; /* product name (<= 32) */
};

struct sim_enip_poll {
	struct sim_task task;
	struct sim_host *cli, *srv, *io;
	const struct sim_cip_id *srv_id, *io_id;
	struct sim_tcp conn;
	uint32_t session, n, io_seq;
	uint32_t o2t, t2o; /* I/O connection ids */
	uint64_t period;   /* the I/O RPI; tags are read every other one */
};
void sim_enip_step(struct sim *s, struct sim_task *t);
uint64_t sim_enip_list_identity(struct sim *s, struct sim_host *cli,
				struct sim_host *srv,
				const struct sim_cip_id *id, uint64_t t);
uint64_t sim_enip_register(struct sim *s, struct sim_tcp *c, uint32_t *session,
			   uint64_t t);
/* req: a CIP request (service first); the reply carries rdata. unit is
 * the op's class for the truth (0 on symbolic paths). */
uint64_t sim_enip_cip(struct sim *s, struct sim_tcp *c, uint32_t session,
		      const struct sim_buf *req, const uint8_t *rdata,
		      size_t rlen, uint16_t unit, uint64_t t);
void sim_enip_tag_req(struct sim_buf *w, uint8_t svc, const char *tag,
		      uint32_t val);
void sim_enip_path_req(struct sim_buf *w, uint8_t svc, uint8_t cls,
		       uint8_t inst, uint8_t attr);
const char *sim_enip_name(uint16_t func);
const char *sim_enip_io_name(uint16_t func);

/* sim_opcua.c: OPC UA binary, security policy None. */
struct sim_ua_server {
	const char *app_uri, *product_uri, *app_name;
};
struct sim_ua_conn {
	struct sim_tcp tcp;
	uint32_t channel, token, seq, req, handle;
	uint16_t auth; /* session authentication token (ns 1 numeric) */
};
struct sim_opcua_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	const struct sim_ua_server *sv;
	struct sim_ua_conn conn;
	uint64_t period;
};
void sim_opcua_step(struct sim *s, struct sim_task *t);
/* A new session from cli and one Write of a setpoint; closes. */
uint64_t sim_opcua_write(struct sim *s, struct sim_host *cli,
			 struct sim_host *srv, const struct sim_ua_server *sv,
			 uint64_t t);
const char *sim_opcua_name(uint16_t func);

/* sim_iec61850.c: MMS client/server and GOOSE publisher of one IED. */
struct sim_ied {
	const char *vendor, *model, *revision; /* MMS identify */
	const char *domains[2];                /* logical devices */
	const char *gocb, *datset, *goid;
	uint16_t appid;
};
struct sim_mms_poll {
	struct sim_task task;
	struct sim_host *cli, *srv;
	const struct sim_ied *ied;
	struct sim_tcp conn;
	uint32_t invoke;
	uint64_t period;
};
void sim_mms_step(struct sim *s, struct sim_task *t);
uint64_t sim_mms_connect(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
			 struct sim_host *srv, uint64_t t);
uint64_t sim_mms_identify(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
			  const struct sim_ied *ied, uint64_t t);
/* Write of the breaker's Oper (domain 0). */
uint64_t sim_mms_write(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
		       const struct sim_ied *ied, uint64_t t);
const char *sim_mms_name(uint16_t func);

struct sim_goose_pub {
	struct sim_task task;
	const struct sim_host *ied_host;
	const struct sim_ied *ied;
	uint32_t st, sq;
	bool trip;
	uint64_t period; /* heartbeat */
};
void sim_goose_step(struct sim *s, struct sim_task *t);
void sim_goose_send(struct sim *s, const uint8_t src[6],
		    const struct sim_ied *ied, uint32_t st, uint32_t sq,
		    bool trip, uint64_t t);

/* sim_profinet.c: a PROFINET IO-controller and one IO-device. */
struct sim_pn_dev {
	const char *name; /* NameOfStation */
	const char *type; /* type of station */
	uint16_t vendor_id, device_id;
};
struct sim_pn_io {
	struct sim_task task;
	const struct sim_host *ctl, *dev;
	const struct sim_pn_dev *d;
	uint32_t gw;
	uint32_t n;
	uint16_t cycle;
	uint64_t period;
};
void sim_pn_step(struct sim *s, struct sim_task *t);
uint64_t sim_pn_identify(struct sim *s, const struct sim_host *ctl,
			 const struct sim_host *dev, const struct sim_pn_dev *d,
			 uint32_t gw, uint64_t t);
void sim_pn_hello(struct sim *s, const struct sim_host *dev,
		  const struct sim_pn_dev *d, uint32_t gw, uint64_t t);
/* DCP Set of name of station and IP from `from` to dev, and the reply. */
uint64_t sim_pn_dcp_set(struct sim *s, const struct sim_host *from,
			const struct sim_host *dev, const char *name,
			uint32_t ip, uint32_t gw, uint64_t t);

/* sim_switch.c: LLDP from a managed switch, SNMP system group. */
struct sim_switch {
	const char *descr;     /* LLDP system description = sysDescr */
	const char *object_id; /* sysObjectID */
};
struct sim_switch_task {
	struct sim_task task;
	struct sim_host *sw, *mgr;
	const struct sim_switch *d;
	uint32_t n;
};
void sim_switch_step(struct sim *s, struct sim_task *t);
void sim_lldp_send(struct sim *s, const struct sim_host *sw,
		   const struct sim_switch *d, unsigned port, uint64_t t);
uint64_t sim_snmp_get_system(struct sim *s, struct sim_host *mgr,
			     struct sim_host *sw, const struct sim_switch *d,
			     uint64_t t);

#endif
