/* Application dissector plug-in interface and the registry that picks one
 * for a flow (by port, then by heuristic probe). */
#ifndef OTW_REGISTRY_H
#define OTW_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "otw_cur.h"
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

/* What a dissector sees of one packet. */
struct otw_dctx {
	struct otw_engine *eng;
	const struct otw_pkt *pkt;
	const struct otw_ip *client, *server; /* flow endpoints */
	uint8_t *state;     /* OTW_APP_STATE_BYTES of per-flow state */
	bool from_client;   /* packet goes client -> server */
	bool gap;           /* TCP bytes were lost before this payload */
	uint64_t ts_ns;
};

struct otw_dissector {
	const char *name;
	uint16_t app;       /* enum otw_app */
	uint8_t l4;         /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;      /* well-known server port, 0 = heuristic only */
	/* Is the first payload of a flow this protocol? c covers the payload. */
	bool (*probe)(const struct otw_cur *c, const struct otw_dctx *x);
	/* Dissect one payload; report through otw_engine_op(). */
	enum otw_verdict (*dissect)(struct otw_cur *c, struct otw_dctx *x);
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

/* Report one operation (engine.c): a request when resp is false; a paired
 * response (exception set when the server refused) when true. */
enum otw_op_kind { OTW_OPK_REQUEST, OTW_OPK_RESPONSE, OTW_OPK_EXCEPTION };
void otw_engine_op(struct otw_engine *eng, const struct otw_ip *client,
		   const struct otw_ip *server, uint16_t app, uint8_t unit,
		   uint8_t func, enum otw_op_kind kind, uint64_t ts_ns);

extern const struct otw_dissector otw_dis_modbus;

#endif
