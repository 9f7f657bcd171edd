/* otw-dissect: one dissector worker, a DPDK secondary process. Dequeues
 * bursts from its ring (created by otw-capture), runs them through an
 * otw_engine and pushes the engine's event batches to otw-baseline over
 * NNG. A send that would block is a counted loss, never a stall.
 *
 * usage: otw-dissect [EAL args] -- --worker N [--events URL]
 *        [--max-flows N] [--linger-ms MS] [--wait S]
 * --proc-type=secondary and --lcores=<N+1>@(allowed cpus) are added when
 * not given: every process of the prefix needs its own lcore id, since the
 * shared mbuf pool keeps per-lcore caches. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/rep.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "engine.h"
#include "otw_err.h"
#include "otw_num.h"
#include "otw_time.h"
#include "otw_ev-t.h"
#include "otw_evcodec.h"
#include "otw_ipc-t.h"
#include "otw_ipc.h"
#include "otw_pktring.h"
#include "otw_log.h"
#include "otw_stats-t.h"

#define WK_BURST 32
#define WK_SPIN_POLLS 1000
#define WK_SLEEP_MIN_NS 50000
#define WK_SLEEP_MAX_NS 200000
#define WK_SENDBUF 1024 /* messages queued in NNG before EAGAIN */

struct wk_opts {
	unsigned id;
	const char *url;
	unsigned max_flows; /* 0: engine default */
	unsigned linger_ms;
	unsigned wait_s;
	unsigned evid_slots; /* frames kept for alert evidence; 0: none */
};

struct wk {
	struct wk_opts o;
	struct rte_ring *ring;
	struct otw_stats_worker *st;
	struct otw_engine *eng;
	nng_socket sock;
	uint64_t epoch;
	uint32_t seq;
	bool final;       /* last flush: blocking sends */
	bool warned;      /* first send failure logged */
	size_t ts_off;    /* timestamp dynfield (when ts_flag) */
	uint64_t ts_flag;
	struct otw_pktring *pring; /* recent frames, for alert evidence */
	nng_socket evsock;         /* rep: otw-baseline asks for them */
	bool evid;
	uint8_t buf[OTW_EV_BATCH_BYTES];
	uint8_t evbuf[OTW_PKTRING_PCAP_BYTES(OTW_PKTRING_MAX_PKTS)];
};

static volatile sig_atomic_t wk_stop;

static void wk_on_signal(int sig)
{
	(void)sig;
	wk_stop = 1;
}

/* Engine sink: one call = one NNG message of up to OTW_EV_BATCH_MAX events.
 * seq moves on every message, sent or not, so the baseline sees gaps. */
static void wk_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct wk *wk = arg;
	struct otw_ev_batch_hdr hdr;
	size_t len;
	int rc;

	if (n == 0)
		return;
	memset(&hdr, 0, sizeof(hdr));
	hdr.worker = (uint16_t)wk->o.id;
	hdr.seq = wk->seq++;
	hdr.epoch = wk->epoch;
	len = otw_ev_encode(wk->buf, &hdr, evs, n);
	rc = nng_send(wk->sock, wk->buf, len, wk->final ? 0 : NNG_FLAG_NONBLOCK);
	if (rc == 0) {
		OTW_STAT_ADD(wk->st->msgs_sent, 1);
		OTW_STAT_ADD(wk->st->events, n);
		return;
	}
	OTW_STAT_ADD(wk->st->send_fail, 1);
	OTW_STAT_ADD(wk->st->events_lost, n);
	if (!wk->warned) { /* once: the counters tell the rest */
		wk->warned = true;
		otw_log(LOG_WARNING, "event=send_failed worker=%u err=\"%s\"",
			wk->o.id, nng_strerror(rc));
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otw-dissect [EAL args] -- --worker N [--events URL]\n"
		"       [--max-flows N] [--linger-ms MS] [--wait S] [--evidence-slots N]\n"
		"  --worker N      ring to drain (0..%d)\n"
		"  --events URL    otw-baseline's NNG pull socket (default %s)\n"
		"  --max-flows N   flow table capacity (default: engine's)\n"
		"  --linger-ms MS  after the final flush, time for NNG to deliver (500)\n"
		"  --wait S        wait this long for capture's ring (10)\n"
		"  --evidence-slots N  recent frames kept for alert pcaps (%u; 0: none,\n"
		"                  saves ~8 ns per packet)\n",
		OTW_MAX_WORKERS - 1, OTW_EV_URL_DEFAULT, OTW_PKTRING_SLOTS_DEFAULT);
}

static int parse_opts(int argc, char **argv, struct wk_opts *o)
{
	static const struct option lo[] = {
		{ "worker", required_argument, NULL, 'w' },
		{ "events", required_argument, NULL, 'e' },
		{ "max-flows", required_argument, NULL, 'f' },
		{ "linger-ms", required_argument, NULL, 'l' },
		{ "wait", required_argument, NULL, 'W' },
		{ "evidence-slots", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_id = false;
	int c, rc = 0;

	o->url = OTW_EV_URL_DEFAULT;
	o->max_flows = 0;
	o->linger_ms = 500;
	o->wait_s = 10;
	o->evid_slots = OTW_PKTRING_SLOTS_DEFAULT;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
			rc = otw_parse_uint(optarg, 0, OTW_MAX_WORKERS - 1, &o->id);
			have_id = true;
			break;
		case 'e':
			o->url = optarg;
			break;
		case 'f':
			rc = otw_parse_uint(optarg, 1024, 1u << 26, &o->max_flows);
			break;
		case 'l':
			rc = otw_parse_uint(optarg, 0, 60000, &o->linger_ms);
			break;
		case 'W':
			rc = otw_parse_uint(optarg, 0, 3600, &o->wait_s);
			break;
		case 'E':
			rc = otw_parse_uint(optarg, 0, 1u << 24, &o->evid_slots);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			rc = OTW_EUSAGE;
			break;
		}
	}
	if (rc == 0 && (!have_id || optind < argc))
		rc = OTW_EUSAGE;
	if (rc != 0)
		usage(stderr);
	return rc;
}

/* Worker id from the application args (after "--"), before EAL runs. */
static int prescan_id(int argc, char **argv)
{
	int i = 1;
	unsigned id;

	while (i < argc && strcmp(argv[i], "--") != 0)
		i++;
	for (; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc)
			v = argv[i + 1];
		else if (strncmp(argv[i], "--worker=", 9) == 0)
			v = argv[i] + 9;
		if (v != NULL && otw_parse_uint(v, 0, OTW_MAX_WORKERS - 1, &id) == 0)
			return (int)id;
	}
	return -1;
}

static char **eal_argv(int argc, char **argv, int *out_argc, char *lcores,
		       size_t lcores_len)
{
	char **nv = calloc((size_t)argc + 3, sizeof(*nv));
	bool have_lc = false, have_pt = false;
	int n = 0, id = prescan_id(argc, argv);
	cpu_set_t set;
	size_t off;

	if (nv == NULL)
		return NULL;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "-c") == 0 ||
		    strncmp(argv[i], "--lcores", 8) == 0 ||
		    (argv[i][0] == '-' && (argv[i][1] == 'l' || argv[i][1] == 'c') &&
		     argv[i][2] >= '0' && argv[i][2] <= '9'))
			have_lc = true;
		if (strncmp(argv[i], "--proc-type", 11) == 0)
			have_pt = true;
	}
	nv[n++] = argv[0];
	if (!have_pt)
		nv[n++] = (char *)"--proc-type=secondary";
	if (!have_lc && id >= 0 && sched_getaffinity(0, sizeof(set), &set) == 0) {
		off = (size_t)snprintf(lcores, lcores_len, "--lcores=%d@(", id + 1);
		for (size_t c = 0; c < CPU_SETSIZE && off + 8 < lcores_len; c++)
			if (CPU_ISSET(c, &set))
				off += (size_t)snprintf(lcores + off, lcores_len - off,
							"%zu,", c);
		lcores[off - 1] = ')';
		nv[n++] = lcores;
	}
	for (int i = 1; i < argc; i++)
		nv[n++] = argv[i];
	*out_argc = n;
	return nv;
}

static int wk_attach(struct wk *wk)
{
	const struct rte_memzone *mz = NULL;
	struct otw_stats_shm *shm;
	char name[RTE_RING_NAMESIZE];
	unsigned tries = wk->o.wait_s * 10 + 1;
	int off;

	snprintf(name, sizeof(name), OTW_RING_FMT, wk->o.id);
	for (unsigned t = 0; t < tries && !wk_stop; t++) {
		if (mz == NULL)
			mz = rte_memzone_lookup(OTW_STATS_MZ);
		if (mz != NULL && wk->ring == NULL)
			wk->ring = rte_ring_lookup(name);
		if (mz != NULL && wk->ring != NULL &&
		    __atomic_load_n(&((struct otw_stats_shm *)mz->addr)->cap.magic,
				    __ATOMIC_ACQUIRE) == OTW_STATS_MAGIC)
			break;
		otw_sleep_ns(100000000);
	}
	if (mz == NULL || wk->ring == NULL) {
		otw_log(LOG_ERR, "event=attach_failed worker=%u ring=%s err=\"%s\"",
			wk->o.id, name, mz == NULL ? "no stats memzone" : "no ring");
		return OTW_ENOTFOUND;
	}
	shm = mz->addr;
	if (shm->cap.version != OTW_STATS_VERSION ||
	    wk->o.id >= shm->cap.n_workers) {
		otw_log(LOG_ERR, "event=attach_failed worker=%u n_workers=%u version=%u",
			wk->o.id, shm->cap.n_workers, shm->cap.version);
		return OTW_ENOTFOUND;
	}
	wk->st = &shm->worker[wk->o.id];
	off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	if (off >= 0) {
		int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME,
						  NULL);
		wk->ts_off = (size_t)off;
		wk->ts_flag = bit >= 0 ? RTE_BIT64(bit) : 0;
	}
	return 0;
}

static int wk_nng_open(struct wk *wk)
{
	int rc;

	if ((rc = nng_push0_open(&wk->sock)) != 0)
		goto fail;
	/* queue a burst of batches while the baseline commits */
	if ((rc = nng_socket_set_int(wk->sock, NNG_OPT_SENDBUF, WK_SENDBUF)) != 0)
		otw_log(LOG_WARNING, "event=sendbuf_unsupported err=\"%s\"",
			nng_strerror(rc));
	(void)nng_socket_set_ms(wk->sock, NNG_OPT_RECONNMINT, 50);
	(void)nng_socket_set_ms(wk->sock, NNG_OPT_RECONNMAXT, 1000);
	(void)nng_socket_set_ms(wk->sock, NNG_OPT_SENDTIMEO, 2000);
	/* non-blocking dial: the baseline may come up later, NNG redials */
	if ((rc = nng_dial(wk->sock, wk->o.url, NULL, NNG_FLAG_NONBLOCK)) != 0)
		goto out_close;
	return 0;
out_close:
	nng_close(wk->sock);
fail:
	otw_log(LOG_ERR, "event=nng_failed url=%s err=\"%s\"", wk->o.url,
		nng_strerror(rc));
	return OTW_EIPC;
}

static void wk_burst(struct wk *wk, struct rte_mbuf **mb, unsigned n)
{
	uint64_t wall = 0, bytes = 0, multi = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		uint64_t ts;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(mb[i + 1], void *));
		if (wk->ts_flag != 0 && (m->ol_flags & wk->ts_flag) != 0) {
			ts = *RTE_MBUF_DYNFIELD(m, wk->ts_off, uint64_t *);
		} else {
			if (wall == 0)
				wall = otw_clock_ns(CLOCK_REALTIME);
			ts = wall;
		}
		multi += m->nb_segs > 1; /* only the first segment is read */
		bytes += m->pkt_len;
		if (wk->pring != NULL)
			otw_pktring_push(wk->pring, ts,
					 rte_pktmbuf_mtod(m, const uint8_t *),
					 m->data_len, m->pkt_len);
		otw_engine_packet(wk->eng, rte_pktmbuf_mtod(m, const uint8_t *),
				  m->data_len, m->pkt_len, ts);
	}
	rte_pktmbuf_free_bulk(mb, n);
	OTW_STAT_ADD(wk->st->packets, n);
	OTW_STAT_ADD(wk->st->bytes, bytes);
	if (multi != 0)
		OTW_STAT_ADD(wk->st->multiseg, multi);
}

static void wk_publish(struct wk *wk)
{
	struct otw_engine_stats es;

	otw_engine_get_stats(wk->eng, &es);
	OTW_STAT_SET(wk->st->malformed, es.malformed);
	OTW_STAT_SET(wk->st->flows_active, es.flows_active);
	OTW_STAT_SET(wk->st->heartbeat_ns, otw_clock_ns(CLOCK_REALTIME));
}

/* Answer otw-baseline's evidence requests (a selection -> a pcap). Never
 * blocks: an answer that cannot be sent now is dropped (the baseline
 * times out and writes what other workers gave). */
static void wk_evid_serve(struct wk *wk)
{
	for (int i = 0; wk->evid && i < 16; i++) {
		struct otw_pktring_sel sel;
		void *msg;
		size_t len, out = 24;
		if (nng_recv(wk->evsock, &msg, &len,
			     NNG_FLAG_ALLOC | NNG_FLAG_NONBLOCK) != 0)
			return;
		if (!otw_pktring_sel_decode(msg, len, &sel) ||
		    otw_pktring_extract(wk->pring, &sel, wk->evbuf,
					sizeof(wk->evbuf), &out) < 0)
			out = 0; /* an empty answer: "nothing here" */
		nng_free(msg, len);
		(void)nng_send(wk->evsock, wk->evbuf, out, NNG_FLAG_NONBLOCK);
	}
}

static void wk_evid_open(struct wk *wk)
{
	char url[512];
	int rc;

	if (wk->o.evid_slots == 0 ||
	    !otw_ipc_evid_url(wk->o.url, wk->o.id, url, sizeof(url)))
		return;
	if ((rc = otw_pktring_create(wk->o.evid_slots, &wk->pring)) != 0) {
		otw_log(LOG_WARNING, "event=evidence_off err=\"%s\"", otw_strerror(rc));
		return;
	}
	if ((rc = nng_rep0_open(&wk->evsock)) != 0 ||
	    (rc = nng_listen(wk->evsock, url, NULL, 0)) != 0) {
		otw_log(LOG_WARNING, "event=evidence_off url=%s err=\"%s\"", url,
			nng_strerror(rc));
		if (nng_socket_id(wk->evsock) > 0)
			nng_close(wk->evsock);
		otw_pktring_destroy(wk->pring);
		wk->pring = NULL;
		return;
	}
	wk->evid = true;
}

static void wk_loop(struct wk *wk)
{
	struct rte_mbuf *mb[WK_BURST];
	const uint64_t tick = rte_get_tsc_hz() / 10;
	uint64_t next_tick = rte_rdtsc() + tick, sleep_cur = WK_SLEEP_MIN_NS;
	unsigned empty = 0, n;

	while (!wk_stop) {
		uint64_t now;

		n = rte_ring_dequeue_burst(wk->ring, (void **)mb, WK_BURST, NULL);
		if (n != 0) {
			wk_burst(wk, mb, n);
			empty = 0;
			sleep_cur = WK_SLEEP_MIN_NS;
		} else if (++empty > WK_SPIN_POLLS) {
			otw_sleep_ns(sleep_cur);
			if (sleep_cur < WK_SLEEP_MAX_NS)
				sleep_cur += WK_SLEEP_MIN_NS;
		}
		now = rte_rdtsc();
		if (now >= next_tick) {
			next_tick = now + tick;
			otw_engine_tick(wk->eng);
			wk_publish(wk);
			wk_evid_serve(wk);
		}
	}
	/* capture stops first: whatever it enqueued is still ours */
	while ((n = rte_ring_dequeue_burst(wk->ring, (void **)mb, WK_BURST,
					   NULL)) != 0)
		wk_burst(wk, mb, n);
}

int main(int argc, char **argv)
{
	static struct wk wk; /* the batch buffer: keep it off the stack */
	struct otw_engine_conf conf;
	char lcores[1024];
	char **eargv;
	int eargc, ret, rc = 1;

	otw_log_init("otw-dissect", LOG_INFO);
	if ((eargv = eal_argv(argc, argv, &eargc, lcores, sizeof(lcores))) == NULL)
		return 1;
	ret = rte_eal_init(eargc, eargv);
	if (ret < 0) {
		otw_log(LOG_ERR, "event=eal_init_failed err=\"%s\" hint=\"is otw-capture running with this --file-prefix?\"",
			rte_strerror(rte_errno));
		free(eargv);
		return 1;
	}
	if (parse_opts(eargc - ret, eargv + ret, &wk.o) != 0) {
		rc = 2;
		goto out_eal;
	}
	signal(SIGINT, wk_on_signal);
	signal(SIGTERM, wk_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (wk_attach(&wk) != 0)
		goto out_eal;
	wk.epoch = otw_clock_ns(CLOCK_REALTIME);
	otw_engine_conf_default(&conf);
	if (wk.o.max_flows != 0)
		conf.max_flows = wk.o.max_flows;
	conf.sink = wk_sink;
	conf.sink_arg = &wk;
	if ((ret = otw_engine_create(&conf, &wk.eng)) != 0) {
		otw_log(LOG_ERR, "event=engine_failed err=\"%s\"", otw_strerror(ret));
		goto out_eal;
	}
	if (wk_nng_open(&wk) != 0)
		goto out_engine;
	wk_evid_open(&wk);
	memset(wk.st, 0, sizeof(*wk.st));
	OTW_STAT_SET(wk.st->epoch_ns, wk.epoch);
	OTW_STAT_SET(wk.st->pid, (int32_t)getpid());
	OTW_STAT_SET(wk.st->state, OTW_PROC_RUNNING);
	otw_log(LOG_INFO, "event=started worker=%u lcore=%u url=%s timestamps=%s",
		wk.o.id, rte_lcore_id(), wk.o.url, wk.ts_flag != 0 ? "yes" : "no");
	wk_loop(&wk);
	OTW_STAT_SET(wk.st->state, OTW_PROC_STOPPING);
	wk.final = true; /* the last batches may wait (SENDTIMEO) */
	otw_engine_flush(wk.eng, true);
	wk_publish(&wk);
	/* NNG has no flush: give queued messages time to reach the peer, and
	 * the baseline time to ask for the evidence of the last alerts */
	for (unsigned ms = 0; ms < wk.o.linger_ms; ms += 10) {
		wk_evid_serve(&wk);
		otw_sleep_ns(10000000u);
	}
	otw_log(LOG_INFO,
		"event=worker_totals worker=%u packets=%" PRIu64 " bytes=%" PRIu64
		" malformed=%" PRIu64 " multiseg=%" PRIu64 " events=%" PRIu64
		" msgs=%" PRIu64 " send_fail=%" PRIu64 " events_lost=%" PRIu64,
		wk.o.id, wk.st->packets, wk.st->bytes, wk.st->malformed,
		wk.st->multiseg, wk.st->events, wk.st->msgs_sent, wk.st->send_fail,
		wk.st->events_lost);
	OTW_STAT_SET(wk.st->state, OTW_PROC_EXITED);
	rc = 0;
	nng_close(wk.sock);
	if (wk.evid)
		nng_close(wk.evsock);
	otw_pktring_destroy(wk.pring);
out_engine:
	otw_engine_destroy(wk.eng);
out_eal:
	rte_eal_cleanup();
	free(eargv);
	return rc;
}
