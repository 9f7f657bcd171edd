/* Harness shared by the unit tests of the IT/L2 dissector plug-ins:
 * an engine whose events land in a table, frame builders, lookups. */
#ifndef OTW_DIS_HARNESS_H
#define OTW_DIS_HARNESS_H
#pragma GCC diagnostic ignored "-Wunused-function" /* shared harness */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t CMAC[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t SMAC[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define CIP 0x0a000064
#define SIP 0x0a00000a

struct cap {
	struct otw_ev ev[4096];
	unsigned n;
};
static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 4096; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(void)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* One TCP conversation client:cport -> server:sport. */
struct conv {
	struct otw_engine *e;
	uint16_t cport, sport;
	uint32_t seq[2];
	uint64_t ts;
};

static void conv_init(struct conv *cv, struct otw_engine *e, uint16_t cport,
		      uint16_t sport)
{
	cv->e = e;
	cv->cport = cport;
	cv->sport = sport;
	cv->seq[0] = 1000;
	cv->seq[1] = 90000;
	cv->ts = 1000000000ull;
}

static void conv_send(struct conv *cv, bool from_client, const void *p, size_t n)
{
	static struct pb b;
	uint32_t *seq = &cv->seq[from_client ? 0 : 1];
	if (from_client)
		pb_tcp_frame_seq(&b, CMAC, SMAC, CIP, SIP, cv->cport, cv->sport, *seq,
				 0x18, p, n);
	else
		pb_tcp_frame_seq(&b, SMAC, CMAC, SIP, CIP, cv->sport, cv->cport, *seq,
				 0x18, p, n);
	*seq += (uint32_t)n;
	cv->ts += 1000;
	otw_engine_packet(cv->e, b.b, (uint32_t)b.n, (uint32_t)b.n, cv->ts);
}

static void conv_str(struct conv *cv, bool from_client, const char *s)
{
	conv_send(cv, from_client, s, strlen(s));
}

/* Raw Ethernet frame with EtherType/length et and payload p. */
static void l2_send(struct otw_engine *e, const uint8_t dst[6], uint16_t et,
		    const void *p, size_t n)
{
	static struct pb b;
	b.n = 0;
	pb_eth(&b, dst, SMAC, et);
	pb_bytes(&b, p, n);
	while (b.n < 60)
		pb_u8(&b, 0);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 2000000000ull);
}

static const struct otw_ev_attr *find_attr(unsigned app, unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->app != app || a->key != key)
			continue;
		if (val == NULL || (strlen(val) == a->len && memcmp(a->val, val, a->len) == 0))
			return a;
	}
	return NULL;
}

static unsigned count_attr(unsigned app, unsigned key)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		n += cap.ev[i].kind == OTW_EV_ATTR && cap.ev[i].u.attr.app == app &&
		     cap.ev[i].u.attr.key == key;
	return n;
}

/* Sum of the op events of (app, func): count, responses, exceptions. */
struct opsum {
	unsigned count, responses, exceptions, unit;
	uint32_t addr_lo, addr_hi;
	bool seen;
};

static struct opsum find_op(unsigned app, unsigned func)
{
	struct opsum s = { 0, 0, 0, 0, 0, 0, false };
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func)
			continue;
		s.seen = true;
		s.count += o->count;
		s.responses += o->responses;
		s.exceptions += o->exceptions;
		s.unit = o->unit;
		s.addr_lo = o->addr_lo;
		s.addr_hi = o->addr_hi;
	}
	return s;
}

static uint64_t malformed(struct otw_engine *e, unsigned app)
{
	struct otw_engine_stats st;
	otw_engine_get_stats(e, &st);
	return st.app_malformed[app];
}

/* Every prefix of pdu, dissected from a fresh state, from an exact-size
 * heap copy (ASan flags any read past it). l2: the dissector takes
 * frames (x->state NULL). */
static void every_prefix(const struct otw_dissector *d, bool from_client,
			 const uint8_t *pdu, size_t n)
{
	struct otw_engine *e = mk();
	static struct pb b;
	struct otw_pkt pkt;
	uint8_t state[OTW_APP_STATE_BYTES];

	if (d->l4)
		pb_tcp_frame_seq(&b, from_client ? CMAC : SMAC, from_client ? SMAC : CMAC,
				 from_client ? CIP : SIP, from_client ? SIP : CIP,
				 from_client ? 50000 : d->port, from_client ? d->port : 50000,
				 1, 0x18, pdu, n);
	else {
		b.n = 0;
		pb_eth(&b, SMAC, CMAC, d->ethertype == OTW_ETHERTYPE_LLC ? (uint16_t)n
									  : d->ethertype);
		pb_bytes(&b, pdu, n);
	}
	assert_true(otw_pkt_decode(b.b, b.n, &pkt));
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		struct otw_cur c;
		struct otw_dctx x = { .eng = e, .pkt = &pkt, .app = d->app,
				      .from_client = from_client, .ts_ns = 1 };
		memcpy(copy, pdu, k);
		memset(state, 0, sizeof(state));
		if (d->l4) {
			x.client = from_client ? &pkt.src : &pkt.dst;
			x.server = from_client ? &pkt.dst : &pkt.src;
			x.state = state;
		}
		c = otw_cur_make(copy, k);
		if (d->probe)
			(void)d->probe(&c, &x);
		(void)d->dissect(&c, &x);
		assert_true(c.p >= copy && c.p <= copy + k);
		free(copy);
	}
	otw_engine_destroy(e);
}

static const struct otw_dissector *plugin(const struct otw_dissector *const *list,
					  uint16_t port)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (list[i]->port == port)
			return list[i];
	fail();
	return NULL;
}
#endif
