/* syslog plug-in (dissect/syslog.c): ops, identity facts, malformed input. */
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

static const uint8_t DEV[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t COL[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
#define DEV_IP 0x0a000021
#define COL_IP 0x0a000005

static void sl(struct otw_engine *e, uint16_t sport, const char *m)
{
	udp4(e, DEV, COL, DEV_IP, COL_IP, sport, 514, m, strlen(m));
}

static void syslog_3164_and_5424(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	/* RFC 3164 §5.4 example 1: facility 4 (auth), severity 2 (crit) */
	sl(e, 40000, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
	/* RFC 5424 §6.5 example 1: 34 too; then example 3 (local4, notice) */
	sl(e, 40000, "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed");
	sl(e, 40000, "<165>1 2003-10-11T22:14:15.003Z rtu-7 evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event");
	/* no hostname (tag right after the time), an IP literal, a nil */
	sl(e, 40000, "<13>Feb  5 17:32:18 sshd[42]: hello");
	sl(e, 40000, "<13>Feb  5 17:32:18 10.0.0.33 app: hello");
	sl(e, 40000, "<13>1 2003-10-11T22:14:15.003Z - app - - - x");
	done(e);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 4, 2).count, 2);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 20, 5).count, 1);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 1, 5).count, 3);
	const struct otw_ev_attr *a = attr(OTW_ATTR_HOSTNAME, "mymachine");
	assert_non_null(a);
	assert_memory_equal(a->mac, DEV, 6);
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "mymachine.example.com"));
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "rtu-7"));
	assert_int_equal(n_attrs(), 3);
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_SYSLOG, 3, &cat), "error");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_int_equal(malformed(e, OTW_APP_SYSLOG), 0);
	otw_engine_destroy(e);
}

static void syslog_malformed_and_not_syslog(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	sl(e, 40001, "hello world"); /* not classified */
	sl(e, 40002, "<13>ok");
	sl(e, 40002, "<999>too big");
	sl(e, 40002, "<1a>bad digit");
	done(e);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 1, 5).count, 1);
	assert_int_equal(malformed(e, OTW_APP_SYSLOG), 2);
	otw_engine_destroy(e);
}

static void syslog_every_truncation_is_safe(void **s)
{
	struct pb f;
	static const char m[] = "<165>1 2003-10-11T22:14:15.003Z rtu-7 evntslog - ID47 - x";
	static const char b[] = "<34>Oct 11 22:14:15 mymachine su: x";
	(void)s;
	udp4_frame(&f, DEV, COL, DEV_IP, COL_IP, 40000, 514, m, strlen(m));
	every_prefix(OTW_APP_SYSLOG, &f);
	udp4_frame(&f, DEV, COL, DEV_IP, COL_IP, 40000, 514, b, strlen(b));
	every_prefix(OTW_APP_SYSLOG, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(syslog_3164_and_5424),
		cmocka_unit_test(syslog_malformed_and_not_syslog),
		cmocka_unit_test(syslog_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
