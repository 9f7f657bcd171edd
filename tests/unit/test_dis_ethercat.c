/* EtherCAT plug-in: datagram commands, returned frames, working counter. */
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


static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Two datagrams: BRD 0x0130 len 2 (wkc w1), FPWR station 0x1001 0x0120 len
 * 2 (wkc w2). */
static size_t ecat(uint8_t *b, uint8_t w1, uint8_t w2)
{
	static const uint8_t d[] = {
		0x1c, 0x10, /* length 28, type 1 */
		0x07, 0x01, 0x00, 0x00, 0x30, 0x01, 0x02, 0x80, 0, 0, 0xaa, 0xbb, 0, 0,
		0x05, 0x02, 0x01, 0x10, 0x20, 0x01, 0x02, 0x00, 0, 0, 0x02, 0x00, 0, 0 };
	memcpy(b, d, sizeof(d));
	b[14] = w1;
	b[28] = w2;
	return sizeof(d);
}

static void commands_and_returned_frames(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t b[64], ret_mac[6];
	size_t n;
	const struct otw_ev_op *op;
	const char *cat = NULL;
	(void)s;
	memcpy(ret_mac, WS, 6);
	ret_mac[0] |= 0x02; /* the first slave marks the returned frame */
	n = ecat(b, 0, 0);
	l2(e, WS, BC, 0x88a4, b, n, 1);
	n = ecat(b, 3, 0); /* FPWR nobody answered */
	l2(e, ret_mac, BC, 0x88a4, b, n, 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_ETHERCAT, 7);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->addr_lo, 0x130);
	assert_int_equal(op->addr_hi, 0x131);
	assert_memory_equal(op->src_ip.b + 10, WS, 6);
	op = find_op(&c, OTW_APP_ETHERCAT, 5);
	assert_non_null(op);
	assert_int_equal(op->unit, 0x1001);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	assert_string_equal(otw_registry_op_name(OTW_APP_ETHERCAT, 11, &cat),
			    "lwr");
	assert_string_equal(cat, "write");
	otw_engine_destroy(e);
}

static void truncations_are_malformed(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_dissector *d = otw_registry_l2(0x88a4);
	uint8_t b[64];
	size_t n = ecat(b, 1, 1);
	(void)s;
	assert_non_null(d);
	assert_int_equal(every_prefix(e, d, b, n), n);
	b[2] = 0x20; /* unknown command */
	assert_int_equal(every_prefix(e, d, b, n + 1), n + 1);
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(commands_and_returned_frames),
		cmocka_unit_test(truncations_are_malformed),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
