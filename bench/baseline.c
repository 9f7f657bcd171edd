/* bench_baseline: otw-baseline's work without the sockets. An in-memory
 * event stream (devices, connection updates, operation aggregates, as
 * workers report them once a second) goes through det + inv on one core,
 * with group commits to a real LMDB store every --commit-ms of wall time or
 * --commit-events events, as otw-baseline does. Prints events/s for
 * det+inv alone and with the commits.
 *
 *   bench_baseline STORE_DIR [--events N] [--devices D] [--conns C]
 *                  [--commit-ms MS] [--commit-events N] */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "det.h"
#include "detstore.h"
#include "inv.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_num.h"
#include "otw_time.h"
#include "store.h"

#define T0 1700000000000000000ull

static struct otw_ip dev_ip(uint32_t i)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, (uint8_t)(i >> 16),
			       (uint8_t)(i >> 8), (uint8_t)i } };
	return ip;
}

static void dev_mac(uint32_t i, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* One simulated second after another: every device once per 10 s, every
 * connection and every (client, server, function) once a second. */
static struct otw_ev *make_stream(uint64_t n, uint32_t devs, uint32_t conns, uint64_t *secs)
{
	struct otw_ev *ev = calloc(n, sizeof(*ev));
	uint64_t k = 0, s = 0;

	if (ev == NULL)
		return NULL;
	for (s = 0; k < n; s++) {
		uint64_t t = T0 + s * 1000000000ull;
		for (uint32_t d = (uint32_t)(s % 10); d < devs && k < n; d += 10) {
			struct otw_ev_device *e = &ev[k].u.dev;
			ev[k++].kind = OTW_EV_DEVICE;
			dev_mac(d, e->mac);
			e->ip = dev_ip(d);
			e->has_ip = 1;
			e->learn = OTW_LEARN_IP;
			e->ts_ns = t + d;
		}
		for (uint32_t c = 0; c < conns && k < n; c++) {
			uint32_t cli = c % devs, srv = (c * 7 + 1) % devs;
			struct otw_ev_conn *e = &ev[k].u.conn;
			ev[k].kind = OTW_EV_CONN;
			e->src_ip = dev_ip(cli);
			e->dst_ip = dev_ip(srv);
			dev_mac(cli, e->src_mac);
			dev_mac(srv, e->dst_mac);
			e->src_port = (uint16_t)(20000 + c / devs);
			e->dst_port = 502;
			e->l4 = 6;
			e->app = OTW_APP_MODBUS;
			e->flags = (uint8_t)(OTW_CONN_ORIG_KNOWN | (s == 0 ? OTW_CONN_NEW : 0));
			e->packets = 20;
			e->bytes = 1400 + (c * 13 + s * 17) % 200;
			e->first_ns = T0 + c;
			e->last_ns = t + c;
			k++;
			if (k == n)
				break;
			struct otw_ev_op *o = &ev[k].u.op;
			ev[k].kind = OTW_EV_OP;
			o->src_ip = dev_ip(cli);
			o->dst_ip = dev_ip(srv);
			o->app = OTW_APP_MODBUS;
			o->unit = 1;
			o->func = c % 3 == 0 ? 16 : 3;
			o->count = o->responses = 10;
			o->addr_lo = 100;
			o->addr_hi = 100 + c % 50;
			o->first_ns = t + c;
			o->last_ns = t + c + 900000000ull;
			k++;
		}
	}
	*secs = s;
	return ev;
}

static int commit(struct otw_store *st, struct otw_inv *inv, struct otw_det *det)
{
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_store_txn_begin(st, true, &txn)) != 0)
		return rc;
	if ((rc = otw_inv_save_dirty(inv, txn)) != 0 || (rc = otw_detstore_save(det, txn)) != 0) {
		otw_store_txn_abort(txn);
		return rc;
	}
	return otw_store_txn_commit(txn);
}

static double now_s(void)
{
	return (double)otw_clock_ns(CLOCK_MONOTONIC) / 1e9;
}

/* CPU time of this thread: the machine may be shared, and the figure is
 * per core; wall time is printed next to it. */
static double cpu_s(void)
{
	return (double)otw_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "devices", required_argument, NULL, 'd' },
		{ "conns", required_argument, NULL, 'c' },
		{ "commit-ms", required_argument, NULL, 'm' },
		{ "commit-events", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n = 4000000, devs = 2000, conns = 20000, cms = 100, cev = 4096, secs, commits = 0;
	struct otw_det_conf dc;
	struct otw_det *det;
	struct otw_inv *inv;
	struct otw_store *st;
	struct otw_ev *ev;
	struct otw_det_stats ds;
	uint32_t n_alerts;
	double t0, t1, c0, c1, next, pure, pure_cpu;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		uint64_t *v = ch == 'n' ? &n : ch == 'd' ? &devs : ch == 'c' ? &conns : ch == 'm' ? &cms : &cev;
		if (ch == '?' || otw_parse_u64(optarg, 1, 1ull << 32, v) != 0) {
			fprintf(stderr, "usage: bench_baseline STORE_DIR [--events N] [--devices D] "
					"[--conns C] [--commit-ms MS] [--commit-events N]\n");
			return 2;
		}
	}
	if (optind + 1 != argc || devs > (1u << 24))
		return 2;
	if ((ev = make_stream(n, (uint32_t)devs, (uint32_t)conns, &secs)) == NULL)
		return 1;
	otw_det_conf_default(&dc);
	dc.learn_ns = secs / 2 * 1000000000ull; /* learn the first half */
	dc.flat = false;
	if ((rc = otw_det_create(&dc, &det)) != 0 || (rc = otw_inv_create(&inv)) != 0 ||
	    (rc = otw_store_open(argv[optind], 0, 0, &st)) != 0) {
		fprintf(stderr, "bench_baseline: %s\n", otw_strerror(rc));
		return 1;
	}
	/* 1: det + inv alone, on a copy of the state (a second det/inv) */
	{
		struct otw_det *d2;
		struct otw_inv *i2;
		if (otw_det_create(&dc, &d2) != 0 || otw_inv_create(&i2) != 0)
			return 1;
		t0 = now_s();
		c0 = cpu_s();
		for (uint64_t i = 0; i < n; i++) {
			otw_det_apply(d2, &ev[i]);
			(void)otw_inv_apply(i2, &ev[i]);
		}
		pure = now_s() - t0;
		pure_cpu = cpu_s() - c0;
		otw_det_destroy(d2);
		otw_inv_destroy(i2);
	}
	/* 2: with group commits */
	t0 = now_s();
	c0 = cpu_s();
	next = t0 + (double)cms / 1000;
	for (uint64_t i = 0, since = 0; i < n; i++) {
		otw_det_apply(det, &ev[i]);
		(void)otw_inv_apply(inv, &ev[i]);
		if (++since >= cev || ((i & 255) == 0 && now_s() >= next)) {
			if ((rc = commit(st, inv, det)) != 0) {
				fprintf(stderr, "bench_baseline: commit: %s\n", otw_strerror(rc));
				return 1;
			}
			commits++;
			since = 0;
			next = now_s() + (double)cms / 1000;
		}
	}
	if ((rc = commit(st, inv, det)) != 0)
		return 1;
	commits++;
	t1 = now_s();
	c1 = cpu_s();
	otw_det_get_stats(det, &ds);
	(void)otw_det_alerts(det, &n_alerts);
	printf("events=%" PRIu64 " devices=%" PRIu64 " conns=%" PRIu64 " traffic_s=%" PRIu64 "\n", n,
	       devs, conns, secs);
	printf("det_inv_only: %.0f events/s per CPU second (%.0f ns/event), %.0f events/s wall\n",
	       (double)n / pure_cpu, pure_cpu * 1e9 / (double)n, (double)n / pure);
	printf("with_commits: %.0f events/s per CPU second, %.0f events/s wall, %" PRIu64
	       " commits (every %" PRIu64 " ms or %" PRIu64 " events)\n",
	       (double)n / (c1 - c0), (double)n / (t1 - t0), commits, cms, cev);
	printf("baseline_entries=%" PRIu64 " alerts=%u rate_pairs=%" PRIu64 "\n", ds.learned, n_alerts,
	       ds.rate_pairs);
	free(ev);
	otw_det_destroy(det);
	otw_inv_destroy(inv);
	otw_store_close(st);
	return 0;
}
