/* Harness shared by the unit tests of the L2 industrial plug-ins
 * (EtherCAT, GOOSE/SV, Profinet): engine, event capture, lookups. */
#ifndef OTW_L2_HARNESS_H
#define OTW_L2_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "registry.h"
#include "pktbuild.h"

static const uint8_t WS[6] __attribute__((unused)) = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t DEV[6] __attribute__((unused)) = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define WS_IP 0x0a000064
#define DEV_IP 0x0a00000a

struct cap {
	struct otw_ev ev[4096];
	unsigned n;
};

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 4096; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(struct cap *c)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = c;
	c->n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

static const struct otw_ev_op *find_op(const struct cap *c, unsigned app,
				       unsigned func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.func == func &&
		    c->ev[i].u.op.app == app)
			return &c->ev[i].u.op;
	return NULL;
}

static const struct otw_ev_attr *find_attr(const struct cap *c, unsigned key)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_ATTR && c->ev[i].u.attr.key == key)
			return &c->ev[i].u.attr;
	return NULL;
}

static __attribute__((unused)) void assert_attr(const struct cap *c, unsigned key, const char *val)
{
	const struct otw_ev_attr *a = find_attr(c, key);
	assert_non_null(a);
	assert_int_equal(a->len, strlen(val));
	assert_memory_equal(a->val, val, a->len);
}

/* An Ethernet frame of EtherType et carrying pay. */
static void l2(struct otw_engine *e, const uint8_t *src, const uint8_t *dst,
	       uint16_t et, const uint8_t *pay, size_t n, uint64_t ts)
{
	struct pb b;
	b.n = 0;
	pb_eth(&b, dst, src, et);
	pb_bytes(&b, pay, n);
	while (b.n < 60)
		pb_u8(&b, 0);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

/* Every prefix of pay, dissected directly with an exact-size copy (ASan
 * catches any overread); returns how many were not OTW_OK. */
static unsigned every_prefix(struct otw_engine *e, const struct otw_dissector *d,
			     const uint8_t *pay, size_t n)
{
	struct otw_pkt pkt;
	struct otw_dctx x = { .eng = e, .pkt = &pkt, .app = d->app };
	unsigned bad = 0;
	memset(&pkt, 0, sizeof(pkt));
	for (size_t m = 0; m < n; m++) {
		uint8_t *cut = malloc(m ? m : 1);
		struct otw_cur c;
		memcpy(cut, pay, m);
		c = otw_cur_make(cut, m);
		bad += d->dissect(&c, &x) != OTW_OK;
		free(cut);
	}
	return bad;
}


#endif
