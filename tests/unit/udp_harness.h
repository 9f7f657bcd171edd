/* Harness shared by the unit tests of the UDP IT plug-ins (DHCP, DNS,
 * NTP, SNMP, SSDP, syslog): run frames through the engine, look at the
 * events, feed every prefix of a message to a dissector. */
#ifndef OTW_UDP_HARNESS_H
#define OTW_UDP_HARNESS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "pktbuild.h"
#include "registry.h"

/* ---- harness: run frames through the engine, look at the events ---- */

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
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

static void done(struct otw_engine *e)
{
	otw_engine_flush(e, true);
}

static __attribute__((unused)) uint64_t malformed(struct otw_engine *e, unsigned app)
{
	struct otw_engine_stats st;
	otw_engine_get_stats(e, &st);
	return st.app_malformed[app];
}

static __attribute__((unused)) void pb_ipv6(struct pb *p, const uint8_t src[16], const uint8_t dst[16],
		    uint8_t nh, size_t l4len)
{
	pb_u32(p, 0x60000000);
	pb_u16(p, (uint16_t)l4len);
	pb_u8(p, nh);
	pb_u8(p, 64);
	pb_bytes(p, src, 16);
	pb_bytes(p, dst, 16);
}

static void udp4_frame(struct pb *b, const uint8_t smac[6], const uint8_t dmac[6],
		       uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		       const void *pay, size_t n)
{
	b->n = 0;
	pb_eth(b, dmac, smac, 0x0800);
	pb_ipv4(b, sip, dip, 17, 8 + n);
	pb_udp(b, sp, dp, n);
	pb_bytes(b, pay, n);
}

static void udp4(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		 const void *pay, size_t n)
{
	struct pb b;
	udp4_frame(&b, smac, dmac, sip, dip, sp, dp, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

static __attribute__((unused)) void udp6(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 const uint8_t sip[16], const uint8_t dip[16], uint16_t sp,
		 uint16_t dp, const void *pay, size_t n)
{
	struct pb b;
	b.n = 0;
	pb_eth(&b, dmac, smac, 0x86dd);
	pb_ipv6(&b, sip, dip, 17, 8 + n);
	pb_udp(&b, sp, dp, n);
	pb_bytes(&b, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

/* The attr event with key, or NULL; val (if set) must match exactly. */
static __attribute__((unused)) const struct otw_ev_attr *attr(unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->key != key)
			continue;
		if (val == NULL || (strlen(val) == a->len &&
				    memcmp(a->val, val, a->len) == 0))
			return a;
	}
	return NULL;
}

static __attribute__((unused)) unsigned n_attrs(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		n += cap.ev[i].kind == OTW_EV_ATTR;
	return n;
}

/* Sum of the op events of (app, unit, func); unit < 0: any unit. */
static struct otw_ev_op op_sum(unsigned app, int unit, unsigned func)
{
	struct otw_ev_op s;
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func ||
		    (unit >= 0 && o->unit != (unsigned)unit))
			continue;
		s.count += o->count;
		s.responses += o->responses;
		s.exceptions += o->exceptions;
		s.unit = o->unit;
		s.addr_lo = o->addr_lo;
		s.addr_hi = o->addr_hi;
		s.src_ip = o->src_ip;
		s.dst_ip = o->dst_ip;
	}
	return s;
}

/* Call the dissector of app directly on every prefix of the payload of
 * frame (each in an exact-size heap copy, so ASan sees any overread),
 * with the flow state carried across; none may crash. */
static void every_prefix(unsigned app, const struct pb *frame)
{
	struct otw_engine *e = mk();
	const struct otw_dissector *d = otw_registry_get(app);
	struct otw_pkt p;
	uint8_t state[OTW_APP_STATE_BYTES];

	assert_non_null(d);
	assert_true(otw_pkt_decode(frame->b, frame->n, &p));
	for (size_t n = 0; n <= p.payload_len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, p.payload, n);
		struct otw_cur c = otw_cur_make(copy, n);
		struct otw_dctx x = { .eng = e, .pkt = &p, .client = &p.src,
				      .server = &p.dst, .state = state,
				      .app = (uint16_t)app, .from_client = true,
				      .ts_ns = 1 };
		memset(state, 0, sizeof(state));
		if (d->probe != NULL)
			(void)d->probe(&c, &x);
		enum otw_verdict v = d->dissect(&c, &x);
		assert_true(v == OTW_OK || v == OTW_SHORT || v == OTW_MALFORMED);
		free(copy);
	}
	otw_engine_destroy(e);
}
#endif
