/* Application dissector plug-in interface and the registry that picks one
 * for a flow (by port, then by heuristic probe). */
#ifndef OTW_REGISTRY_H
#define OTW_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_cur.h"
#include "otw_ev-t.h"
#include "otw_pkt.h"

struct otw_engine;
struct otw_flow;

enum otw_verdict {
	OTW_OK = 0,        /* parsed */
	OTW_NOT_MINE = 1,  /* not this protocol */
	OTW_SHORT = 2,     /* needs more bytes than the segment holds */
	OTW_MALFORMED = 3, /* this protocol, but broken */
};

/* Per-flow state a dissector may keep; zeroed when the flow is classified. */
#define OTW_APP_STATE_BYTES 24

/* What a dissector sees of one packet. For L2 dissectors (ethertype set)
 * client and server are NULL, from_client is false and state is NULL. */
struct otw_dctx {
	struct otw_engine *eng;
	const struct otw_pkt *pkt;
	const struct otw_ip *client, *server; /* flow endpoints */
	uint8_t *state;     /* OTW_APP_STATE_BYTES of per-flow state */
	uint16_t app;       /* the flow's app (enum otw_app) */
	bool from_client;   /* packet goes client -> server */
	bool gap;           /* TCP bytes were lost before this payload */
	/* With pdu_len (TCP): */
	bool resync;        /* pdu_len: c is not known to start a PDU (after
			     * lost bytes or junk); accept only a sure start */
	bool cut;           /* dissect: c is a prefix of a PDU whose tail is
			     * not dissected (over the per-flow cap, or no
			     * reassembly buffer was free) */
	uint64_t ts_ns;
};

/* pdu_len verdicts: how the engine frames a TCP stream into PDUs. */
enum otw_pdu {
	OTW_PDU_LEN,  /* *len = the PDU's total size on the wire (>= 1) */
	OTW_PDU_MORE, /* too few bytes to tell: *len = bytes needed (> left) */
	OTW_PDU_JUNK, /* c does not start a PDU: skip *len bytes (>= 1); more
		       * than c holds drops the rest of the segment */
};

/* Operation categories, in rising order of what they can do to a process
 * (see docs/protocols/README.md for what each covers). */
#define OTW_CAT_READ "read"
#define OTW_CAT_MONITOR "monitor"   /* cyclic, spontaneous, unsolicited data */
#define OTW_CAT_SESSION "session"   /* connect, login, keep-alive */
#define OTW_CAT_DIAG "diagnostic"   /* identity, status, counters */
#define OTW_CAT_WRITE "write"
#define OTW_CAT_AUTH "auth"
#define OTW_CAT_FILE "file"
#define OTW_CAT_CONFIG "config"     /* settings, time sync, communication */
#define OTW_CAT_CONTROL "control"   /* start, stop, restart, mode change */
#define OTW_CAT_PROGRAM "program"   /* logic upload/download/delete */
#define OTW_CAT_FIRMWARE "firmware"
#define OTW_CAT_OTHER "other"

struct otw_dissector {
	const char *name;
	uint16_t app;       /* enum otw_app */
	uint8_t l4;         /* IPPROTO_TCP / IPPROTO_UDP; 0 for L2 */
	uint16_t port;      /* well-known server port, 0 = heuristic only */
	uint16_t ethertype; /* L2 dissectors: the EtherType they take */
	/* Is the first payload of a flow this protocol? c covers the payload.
	 * Not called for L2 dissectors. */
	bool (*probe)(const struct otw_cur *c, const struct otw_dctx *x);
	/* Dissect one payload (L2: the bytes after the EtherType); report
	 * through otw_op_report() and otw_attr_report(). */
	enum otw_verdict (*dissect)(struct otw_cur *c, struct otw_dctx *x);
	/* Name and category (OTW_CAT_*) of function func of app, or NULL when
	 * app is not this dissector's or func is unknown. May be NULL. */
	const char *(*op_name)(unsigned app, unsigned func, const char **cat);
	/* TCP, optional: the size of the PDU at c (see enum otw_pdu), from
	 * its first bytes; must not report anything. With it the engine
	 * reassembles the stream (engine.c, docs/architecture.md): dissect()
	 * gets exactly one PDU per call, whole, or its first bytes with
	 * x->cut set. c never holds more than the bytes at hand. */
	enum otw_pdu (*pdu_len)(const struct otw_cur *c,
				const struct otw_dctx *x, uint32_t *len);
	/* Largest PDU the engine buffers whole for this protocol (the
	 * engine's reassembly buffer size caps it); bigger PDUs are
	 * dissected as far as that prefix goes, their tail skipped. */
	uint32_t pdu_max;
};

/* Find the dissector for a flow's first payload: a port match whose probe
 * accepts it, else any heuristic whose probe accepts it; NULL if none.
 * *server_is_dst says whether the port matched the packet's destination. */
const struct otw_dissector *otw_registry_match(const struct otw_cur *c,
					       const struct otw_dctx *x,
					       bool *server_is_dst);
/* Well-known server port claimed by a dissector among sport/dport for l4,
 * used to orient flows whose opening was not seen; 0 if none. */
uint16_t otw_registry_server_port(uint8_t l4, uint16_t sport, uint16_t dport);
/* Dissector by app id, NULL if none. */
const struct otw_dissector *otw_registry_get(unsigned app);
/* The .ethertype of the L2 dissector of 802.3 length frames (LLC/SNAP:
 * STP, CDP): any EtherType value under 0x0600 is looked up as this. */
#define OTW_ETHERTYPE_LLC 0x0001
/* L2 dissector for an EtherType, NULL if none. */
const struct otw_dissector *otw_registry_l2(uint16_t ethertype);
/* Name of an operation, asking every dissector (see op_name). */
const char *otw_registry_op_name(unsigned app, unsigned func, const char **cat);

/* One operation, as a dissector reports it. */
enum otw_op_kind { OTW_OPK_REQUEST, OTW_OPK_RESPONSE, OTW_OPK_EXCEPTION };
struct otw_op {
	uint16_t app;       /* 0: x->app */
	uint16_t unit;      /* unit id, station/common address, area, ... */
	uint16_t func;      /* function/service code of the request */
	uint8_t kind;       /* enum otw_op_kind */
	uint32_t addr;      /* first address touched, OTW_ADDR_NONE if none */
	uint32_t naddr;     /* addresses from addr (0 is taken as 1) */
};
/* Count op for the flow's (client, server); aggregated per (client, server,
 * app, unit, func) with the address range widened (engine.c). */
void otw_op_report(const struct otw_dctx *x, const struct otw_op *op);

/* An identity fact about the packet's sender (of_src) or receiver: its MAC
 * and IP are taken from x->pkt. val need not be NUL-terminated; it is cut
 * to OTW_ATTR_VAL_MAX, trailing NULs/spaces dropped, non-printable bytes
 * replaced. Repeats of the same fact are not re-sent (engine.c). */
void otw_attr_report(const struct otw_dctx *x, bool of_src, unsigned key,
		     const char *val, size_t len);

/* Each plug-in file <name>.c defines a NULL-terminated list of its
 * dissectors (one per transport/EtherType it takes). */
#define OTW_PLUGIN_LIST(X) \
	X(modbus) X(dnp3) X(iec104) X(iso) X(enip) X(opcua) X(bacnet) \
	X(profinet) X(goose) X(ethercat) \
	X(dhcp) X(dns) X(ntp) X(snmp) X(ssdp) X(syslog) X(http) X(tls) \
	X(ssh) X(smb) X(ftp) X(telnet) X(rdp) X(vnc) X(lldp) X(llc)
#define OTW_PLUGIN_DECL(n) \
	extern const struct otw_dissector *const otw_plugin_##n[];
OTW_PLUGIN_LIST(OTW_PLUGIN_DECL)
#undef OTW_PLUGIN_DECL

#endif
