/* Exclusion rules: parse/format round trip, refusals, and matching at the
 * edges of one-off and weekly windows (UTC and offsets, past midnight). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "det.h"
#include "excl.h"

#define MON 1709510400ull /* 2024-03-04T00:00:00Z, a Monday */
#define AT(day, h, m) ((MON + (uint64_t)(day) * 86400 + (h) * 3600 + (m) * 60) * 1000000000ull)

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } };
	return ip;
}

static struct otw_excl rule(const char *text)
{
	struct otw_excl x;
	const char *err;
	int rc = otw_excl_parse(text, &x, &err);
	if (rc != 0)
		fail_msg("%s: %s", text, err);
	return x;
}

static void round_trip(void **s)
{
	static const char *const ok[] = {
		"ip=10.0.0.0/24",
		"src=10.0.0.5 engine=policy",
		"dst=fd00::/8 title=\"New \\\"quoted\\\" one\"",
		"engine=anomaly once=2024-03-04T08:00:00Z..2024-03-04T09:00:00Z",
		"title=\"scan\" weekly=mon,wed,sat/22:00-02:00+01:00",
		"weekly=daily/00:00-23:59Z",
	};
	char buf[512];
	(void)s;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct otw_excl x = rule(ok[i]), y;
		assert_int_equal(otw_excl_format(&x, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i]);
		y = rule(buf);
		assert_memory_equal(&x, &y, sizeof(x));
	}
	/* other spellings come out canonical */
	struct otw_excl x = rule("weekly=mon-fri/08:00-17:00  src=10.0.0.7/16");
	assert_int_equal(otw_excl_format(&x, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "src=10.0.0.0/16 weekly=mon,tue,wed,thu,fri/08:00-17:00Z");
}

static void refusals(void **s)
{
	static const char *const bad[] = {
		"", "   ", "ip", "ip=10.0.0.0/33", "ip=1.2.3.4 src=1.2.3.4", "engine=foo",
		"title=\"open", "title=", "once=2024-03-04T09:00Z..2024-03-04T08:00Z",
		"once=2024-03-04T08:00..2024-03-04T09:00Z", "weekly=mon/25:00-02:00",
		"weekly=fri-mon/01:00-02:00", "weekly=mon,/01:00-02:00", "weekly=mon/01:00-02:00+1",
		"weekly=mon/01:00-02:00 weekly=tue/01:00-02:00", "color=red",
	};
	struct otw_excl x;
	const char *err;
	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (otw_excl_parse(bad[i], &x, &err) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
}

static void match_devices_engine_title(void **s)
{
	struct otw_ip a = ip4(10, 0, 0, 5), b = ip4(10, 0, 1, 7);
	struct otw_excl x = rule("src=10.0.0.0/24 engine=policy title=\"new CONNECTION\"");
	(void)s;
	assert_true(otw_excl_match(&x, OTW_ENG_POLICY, "New connection", &a, &b, 1));
	assert_false(otw_excl_match(&x, OTW_ENG_POLICY, "New connection", &b, &a, 1)); /* dst side */
	assert_false(otw_excl_match(&x, OTW_ENG_ANOMALY, "New connection", &a, &b, 1));
	assert_false(otw_excl_match(&x, OTW_ENG_POLICY, "New device detected", &a, &b, 1));
	assert_false(otw_excl_match(&x, OTW_ENG_POLICY, "New connection", NULL, NULL, 1));
	x = rule("ip=10.0.1.7");
	assert_true(otw_excl_match(&x, OTW_ENG_THREAT, "x", &a, &b, 1));
	assert_true(otw_excl_match(&x, OTW_ENG_THREAT, "x", &b, NULL, 1));
	assert_false(otw_excl_match(&x, OTW_ENG_THREAT, "x", &a, NULL, 1));
}

static void once_window_edges(void **s)
{
	struct otw_excl x = rule("once=2024-03-04T08:00Z..2024-03-04T10:00+01:00"); /* to 09:00Z */
	(void)s;
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 8, 0) - 1));
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 8, 0)));      /* start: in */
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 9, 0) - 1));
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 9, 0)));     /* end: out */
}

static void weekly_window_edges(void **s)
{
	struct otw_excl x = rule("weekly=sat/22:00-02:00Z"); /* Sat 22:00 - Sun 02:00 */
	(void)s;
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(5, 21, 59)));
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(5, 22, 0)));
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(6, 1, 59)));     /* Sunday */
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(6, 2, 0)));
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(6, 22, 30)));   /* not Sunday's */
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(12, 23, 0)));    /* next week */
	x = rule("weekly=sun/23:00-01:00Z");                                    /* into Monday */
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(7, 0, 30)));
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 0, 59)));
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 1, 0)));
	/* written at UTC+02:00: Monday 02:00-04:00 local = Monday 00:00-02:00Z */
	x = rule("weekly=mon/02:00-04:00+02:00");
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 0, 0)));
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 2, 0)));
	/* at UTC-05:00, Monday 20:00-21:00 local = Tuesday 01:00-02:00Z */
	x = rule("weekly=mon-fri/20:00-21:00-05:00");
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(1, 1, 30)));
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(0, 1, 30)));   /* Sunday local */
	assert_true(otw_excl_match(&x, 1, "t", NULL, NULL, AT(5, 1, 0)));     /* Friday local */
	assert_false(otw_excl_match(&x, 1, "t", NULL, NULL, AT(6, 1, 0)));    /* Saturday local */
}

/* The detector: an excluded alert is never raised and is counted. */
static void detector_suppresses_and_counts(void **s)
{
	struct otw_det_conf c;
	struct otw_det *d;
	struct otw_excl x = rule("dst=10.0.0.11 title=connection");
	struct otw_ev e = { .kind = OTW_EV_CONN };
	const struct otw_excl *r;
	struct otw_det_stats st;
	uint32_t n;
	unsigned k;
	(void)s;
	otw_det_conf_default(&c);
	c.learn_ns = 1;
	c.max_entries = 1024;
	assert_int_equal(otw_det_create(&c, &d), 0);
	x.id = 7;
	otw_det_set_exclusions(d, &x, 1);
	e.u.conn.src_ip = ip4(10, 0, 0, 99);
	e.u.conn.dst_ip = ip4(10, 0, 0, 98);
	e.u.conn.l4 = 6;
	e.u.conn.flags = OTW_CONN_NEW;
	e.u.conn.first_ns = e.u.conn.last_ns = AT(0, 0, 0);
	otw_det_apply(d, &e); /* the one learned event */
	e.u.conn.src_ip = ip4(10, 0, 0, 66);
	for (uint16_t p = 1; p <= 3; p++) {
		e.u.conn.dst_ip = ip4(10, 0, 0, p == 3 ? 12 : 11);
		e.u.conn.dst_port = p;
		e.u.conn.first_ns = e.u.conn.last_ns = AT(0, 1, p);
		otw_det_apply(d, &e);
	}
	otw_det_alerts(d, &n);
	assert_int_equal(n, 1); /* only the one to .12 */
	r = otw_det_exclusions(d, &k);
	assert_int_equal(k, 1);
	assert_int_equal(r[0].hits, 2);
	otw_det_get_stats(d, &st);
	assert_int_equal(st.suppressed, 2);
	x.hits = 0; /* a reload with the same id keeps the count */
	otw_det_set_exclusions(d, &x, 1);
	assert_int_equal(otw_det_exclusions(d, &k)[0].hits, 2);
	otw_det_destroy(d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refusals),
		cmocka_unit_test(match_devices_engine_title),
		cmocka_unit_test(once_window_edges),
		cmocka_unit_test(weekly_window_edges),
		cmocka_unit_test(detector_suppresses_and_counts),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
