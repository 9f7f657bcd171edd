/* Timing and volume baselines: stable polling stays quiet, a changed
 * period alerts once (and again after it came back), volume spikes against
 * the decaying mean, bounded tables, and the detector's alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "det.h"
#include "otw_app.h"
#include "rate.h"

#define MS(n) ((uint64_t)(n) * 1000000ull)
#define T0 1700000000000000000ull

static struct otw_ev_op req(uint64_t first, uint64_t last, uint32_t count)
{
	struct otw_ev_op o = { .app = OTW_APP_MODBUS, .func = 3, .count = count };
	o.src_ip.b[15] = 10;
	o.dst_ip.b[15] = 1;
	o.first_ns = first;
	o.last_ns = last;
	o.addr_lo = OTW_ADDR_NONE;
	return o;
}

/* n polls every period ms (+-jitter ms, a fixed pattern) from *t */
static unsigned polls(struct otw_rate *r, uint64_t *t, unsigned n, unsigned period, unsigned jit,
		      bool learn)
{
	unsigned alerts = 0;
	uint32_t b, now;
	for (unsigned i = 0; i < n; i++) {
		struct otw_ev_op o;
		*t += MS(period) + MS((i * 7) % (2 * jit + 1)) - MS(jit);
		o = req(*t, *t, 1);
		alerts += otw_rate_poll(r, 42, learn, &o, &b, &now);
	}
	return alerts;
}

static void polling_change_alerts_once(void **s)
{
	struct otw_rate *r;
	uint64_t t = T0;
	uint32_t b = 0, now = 0;
	struct otw_ev_op o;
	(void)s;
	assert_int_equal(otw_rate_create(64, &r), 0);
	assert_int_equal(polls(r, &t, 40, 1000, 50, true), 0);
	assert_int_equal(polls(r, &t, 200, 1000, 50, false), 0); /* same rate: quiet */
	assert_int_equal(polls(r, &t, 40, 700, 20, false), 1);   /* -30 %: once */
	assert_int_equal(polls(r, &t, 40, 1000, 50, false), 0);  /* back */
	assert_int_equal(polls(r, &t, 40, 1400, 20, false), 1);  /* +40 %: again */
	/* the values reported */
	assert_int_equal(polls(r, &t, 40, 1000, 50, false), 0);
	for (unsigned i = 0; i < 40; i++) {
		t += MS(250);
		o = req(t, t, 1);
		if (otw_rate_poll(r, 42, false, &o, &b, &now))
			break;
	}
	assert_true(b > 950000 && b < 1050000);
	assert_true(now > 240000 && now < 260000);
	/* an accepted change becomes the baseline */
	otw_rate_accept(r, 42);
	assert_int_equal(polls(r, &t, 100, 250, 5, false), 0);
	otw_rate_destroy(r);
}

static void polling_inside_aggregates(void **s)
{
	struct otw_rate *r;
	uint64_t t = T0;
	uint32_t b, now;
	unsigned alerts = 0;
	(void)s;
	assert_int_equal(otw_rate_create(64, &r), 0);
	/* 10 requests a second at 100 ms, reported once a second */
	for (unsigned i = 0; i < 60; i++, t += MS(1000)) {
		struct otw_ev_op o = req(t, t + MS(900), 10);
		alerts += otw_rate_poll(r, 42, i < 30, &o, &b, &now);
	}
	assert_int_equal(alerts, 0);
	for (unsigned i = 0; i < 30; i++, t += MS(1000)) { /* now 20 a second */
		struct otw_ev_op o = req(t, t + MS(950), 20);
		alerts += otw_rate_poll(r, 42, false, &o, &b, &now);
	}
	assert_int_equal(alerts, 1);
	assert_true(now < 60000);
	otw_rate_destroy(r);
}

static void volume_spike_against_decaying_mean(void **s)
{
	struct otw_rate *r;
	uint64_t t = T0, mean = 0, bucket = 0;
	unsigned alerts = 0;
	(void)s;
	assert_int_equal(otw_rate_create(64, &r), 0);
	for (unsigned m = 0; m < 30; m++)       /* 40 KB a minute, learning */
		for (unsigned k = 0; k < 4; k++)
			alerts += otw_rate_vol(r, 7, true, t + m * OTW_RATE_BUCKET_NS + k * MS(15000),
					       10000, &mean, &bucket);
	t += 30 * OTW_RATE_BUCKET_NS;
	for (unsigned m = 0; m < 30; m++)       /* the same, operational */
		alerts += otw_rate_vol(r, 7, false, t + m * OTW_RATE_BUCKET_NS, 40000 + m * 500,
				       &mean, &bucket);
	assert_int_equal(alerts, 0);
	t += 30 * OTW_RATE_BUCKET_NS;
	for (unsigned k = 0; k < 10; k++)       /* 10 x 100 KB in one minute */
		alerts += otw_rate_vol(r, 7, false, t + k * MS(1000), 100000, &mean, &bucket);
	assert_int_equal(alerts, 1);            /* once per bucket */
	assert_true(mean > 40000 && mean < 56000); /* the operational minutes fed it */
	assert_true(bucket >= 262144 && bucket <= 300000);
	/* the spike did not become normal: the next bucket spikes again */
	alerts = 0;
	for (unsigned k = 0; k < 10; k++)
		alerts += otw_rate_vol(r, 7, false, t + OTW_RATE_BUCKET_NS + k * MS(1000), 100000,
				       &mean, &bucket);
	assert_int_equal(alerts, 1);
	/* below the absolute floor nothing is a spike: 1 KB/min, then 200 KB */
	for (unsigned m = 0; m < 20; m++)
		alerts += otw_rate_vol(r, 8, true, t + m * OTW_RATE_BUCKET_NS, 1000, &mean, &bucket);
	alerts += otw_rate_vol(r, 8, false, t + 21 * OTW_RATE_BUCKET_NS, 200000, &mean, &bucket);
	assert_int_equal(alerts, 1);
	otw_rate_destroy(r);
}

static void tables_are_bounded(void **s)
{
	struct otw_rate *r;
	struct otw_rate_stats st;
	uint64_t m, b;
	uint32_t x, y;
	(void)s;
	assert_int_equal(otw_rate_create(16, &r), 0);
	for (uint64_t k = 1; k <= 20; k++) {
		struct otw_ev_op o = req(T0 + k, T0 + k, 1);
		(void)otw_rate_poll(r, k, true, &o, &x, &y);
		(void)otw_rate_vol(r, k, true, T0, 100, &m, &b);
	}
	otw_rate_get_stats(r, &st);
	assert_int_equal(st.poll_pairs, 16);
	assert_int_equal(st.vol_pairs, 16);
	assert_int_equal(st.full, 8);
	otw_rate_destroy(r);
}

/* Through the detector: titles, engine, and learn = accept. */
static void detector_alerts(void **s)
{
	struct otw_det_conf c;
	struct otw_det *d;
	struct otw_ev e = { .kind = OTW_EV_OP };
	const struct otw_alert *a;
	uint32_t n;
	uint64_t t = T0;
	(void)s;
	otw_det_conf_default(&c);
	c.learn_ns = 60ull * 1000000000ull;
	c.flat = false;
	assert_int_equal(otw_det_create(&c, &d), 0);
	e.u.op = req(t, t, 1);
	for (unsigned i = 0; i < 200; i++) { /* 1 s polls; learning ends at 60 s */
		t += MS(1000);
		e.u.op.first_ns = e.u.op.last_ns = t;
		otw_det_apply(d, &e);
	}
	a = otw_det_alerts(d, &n);
	assert_int_equal(n, 0);
	for (unsigned i = 0; i < 40; i++) {
		t += MS(300);
		e.u.op.first_ns = e.u.op.last_ns = t;
		otw_det_apply(d, &e);
	}
	a = otw_det_alerts(d, &n);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].title, "Polling period changed");
	assert_int_equal(a[0].engine, OTW_ENG_ANOMALY);
	otw_det_destroy(d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(polling_change_alerts_once),
		cmocka_unit_test(polling_inside_aggregates),
		cmocka_unit_test(volume_spike_against_decaying_mean),
		cmocka_unit_test(tables_are_bounded),
		cmocka_unit_test(detector_alerts),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
