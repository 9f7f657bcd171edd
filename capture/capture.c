/* otw-capture: the DPDK primary. Receives bursts from every port, sends
 * each packet to a worker by its symmetric flow hash (otw_pkt_hash, which
 * looks through VLAN/MPLS/GRE/ERSPAN, so both directions of a flow meet on
 * one worker) through one SP/SC ring per worker. A full ring is a counted
 * drop, never a stall. Counters live in the OTW_STATS_MZ memzone.
 *
 * usage: otw-capture [EAL args] -- [--workers N] [--ring-size N]
 *        [--pool-size N] [--pace | --fast] [--exit-on-idle S] [--ready-fd FD]
 *        [--start-wait S]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "dispatch.h"
#include "otw_err.h"
#include "otw_num.h"
#include "otw_time.h"
#include "otw_ipc-t.h"
#include "otw_log.h"
#include "otw_pkt.h"
#include "otw_stats-t.h"

#define CAP_BURST 32
#define CAP_RX_DESC 1024
#define CAP_TX_DESC 512
#define CAP_POOL_CACHE 256
#define CAP_SPIN_POLLS 1000   /* empty polls before the first sleep */
#define CAP_SLEEP_MIN_NS 50000
#define CAP_SLEEP_MAX_NS 200000

struct cap_port {
	uint16_t id;
	uint32_t ts_mult; /* dynfield timestamp unit -> ns (net_pcap: us) */
	struct otw_stats_port *st;
};

struct cap_opts {
	unsigned n_workers;
	unsigned ring_size;
	unsigned pool_size;
	bool pace;
	bool lossless;           /* a file, not a wire: wait, never drop */
	unsigned exit_on_idle_s; /* 0: never */
	unsigned start_wait_s;   /* hold rx until the workers attach */
	int ready_fd;            /* -1: none */
};

struct cap {
	struct cap_opts o;
	struct rte_mempool *pool;
	struct rte_ring *ring[OTW_MAX_WORKERS];
	struct cap_port port[OTW_MAX_PORTS];
	uint16_t n_ports;
	struct otw_stats_shm *shm;
	size_t ts_off;    /* timestamp dynfield offset (when ts_flag) */
	uint64_t ts_flag; /* its rx flag */
	/* --pace: packet time origin vs. monotonic origin */
	uint64_t pace_pkt0, pace_wall0;
	/* per-burst staging, one slot array per worker */
	struct rte_mbuf *stage[OTW_MAX_WORKERS][CAP_BURST];
	uint16_t n_stage[OTW_MAX_WORKERS];
};

static volatile sig_atomic_t cap_stop;

static void cap_on_signal(int sig)
{
	(void)sig;
	cap_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otw-capture [EAL args] -- [--workers N] [--ring-size N] "
		"[--pool-size N]\n"
		"       [--pace | --fast] [--exit-on-idle SECONDS] [--ready-fd FD]\n"
		"       [--start-wait SECONDS]\n"
		"  --workers N        worker rings to create (1..%d, default 1)\n"
		"  --ring-size N      slots per ring, power of 2 (default 4096)\n"
		"  --pool-size N      mbufs in the pool (default 16383)\n"
		"  --pace             replay pcap vdevs at capture pace (packet time)\n"
		"  --fast             as fast as possible (default)\n"
		"  --lossless         a full ring waits for its worker instead of\n"
		"                     dropping (for files: a wire cannot wait)\n"
		"  --exit-on-idle S   exit 0 once traffic started, then no packet\n"
		"                     for S seconds and every ring is empty\n"
		"  --ready-fd FD      write \"ready\\n\" to FD once rings exist\n"
		"  --start-wait S     hold rx until every worker attached, at most\n"
		"                     S seconds (default 30, 0: do not wait)\n",
		OTW_MAX_WORKERS);
}

static int parse_opts(int argc, char **argv, struct cap_opts *o)
{
	static const struct option lo[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "ring-size", required_argument, NULL, 'r' },
		{ "pool-size", required_argument, NULL, 'p' },
		{ "pace", no_argument, NULL, 'P' },
		{ "fast", no_argument, NULL, 'F' },
		{ "lossless", no_argument, NULL, 'L' },
		{ "exit-on-idle", required_argument, NULL, 'i' },
		{ "ready-fd", required_argument, NULL, 'R' },
		{ "start-wait", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned fd;
	int c, rc = 0;

	o->n_workers = 1;
	o->ring_size = 4096;
	o->pool_size = 16383;
	o->pace = false;
	o->lossless = false;
	o->exit_on_idle_s = 0;
	o->ready_fd = -1;
	o->start_wait_s = 30;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
			rc = otw_parse_uint(optarg, 1, OTW_MAX_WORKERS, &o->n_workers);
			break;
		case 'r':
			rc = otw_parse_uint(optarg, 64, 1u << 20, &o->ring_size);
			if (rc == 0 && (o->ring_size & (o->ring_size - 1)) != 0)
				rc = OTW_EUSAGE;
			break;
		case 'p':
			rc = otw_parse_uint(optarg, 1024, 1u << 24, &o->pool_size);
			break;
		case 'P':
			o->pace = true;
			break;
		case 'F':
			o->pace = false;
			break;
		case 'L':
			o->lossless = true;
			break;
		case 'i':
			rc = otw_parse_uint(optarg, 1, 86400, &o->exit_on_idle_s);
			break;
		case 'R':
			rc = otw_parse_uint(optarg, 0, INT_MAX, &fd);
			o->ready_fd = (int)fd;
			break;
		case 's':
			rc = otw_parse_uint(optarg, 0, 86400, &o->start_wait_s);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			rc = OTW_EUSAGE;
			break;
		}
	}
	if (rc == 0 && optind < argc)
		rc = OTW_EUSAGE;
	if (rc != 0)
		usage(stderr);
	return rc;
}

/* net_pcap stamps microseconds (pcap_open_offline); we hand nanoseconds to
 * the workers. Other PMDs: assumed ns already. */
static uint32_t port_ts_mult(uint16_t port)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.driver_name == NULL)
		return 1;
	return strcmp(info.driver_name, "net_pcap") == 0 ? 1000 : 1;
}

static int port_setup(struct cap *cap, uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = CAP_RX_DESC, nb_txd = CAP_TX_DESC, nb_tx;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_info_get(port, &info)) != 0)
		goto fail;
	nb_tx = info.max_tx_queues > 0 ? 1 : 0; /* some PMDs insist on one */
	if ((rc = rte_eth_dev_configure(port, 1, nb_tx, &conf)) != 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd)) != 0 ||
	    (rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, (unsigned)socket, NULL,
					 cap->pool)) != 0)
		goto fail;
	if (nb_tx != 0 && (rc = rte_eth_tx_queue_setup(port, 0, nb_txd,
						       (unsigned)socket, NULL)) != 0)
		goto fail;
	if ((rc = rte_eth_dev_start(port)) != 0)
		goto fail;
	rc = rte_eth_promiscuous_enable(port);
	if (rc != 0 && rc != -ENOTSUP)
		otw_log(LOG_WARNING, "event=promisc_failed port=%u err=%d", port, rc);
	return 0;
fail:
	otw_log(LOG_ERR, "event=port_setup_failed port=%u err=\"%s\"", port,
		rte_strerror(-rc));
	return OTW_EDPDK;
}

/* Enqueue what is staged, one burst per worker; the rest is a counted drop.
 * --lossless (replaying a file, where nothing is lost by waiting) retries
 * until the worker makes room, and counts the waits instead. */
static void cap_flush(struct cap *cap)
{
	for (unsigned w = 0; w < cap->o.n_workers; w++) {
		uint16_t n = cap->n_stage[w];
		struct otw_stats_ring *rs = &cap->shm->ring[w];
		unsigned sent;

		if (n == 0)
			continue;
		sent = rte_ring_enqueue_burst(cap->ring[w], (void **)cap->stage[w], n,
					      NULL);
		while (cap->o.lossless && sent < n && !cap_stop) {
			OTW_STAT_ADD(rs->waits, 1);
			rte_pause();
			sent += rte_ring_enqueue_burst(cap->ring[w],
						       (void **)&cap->stage[w][sent],
						       n - sent, NULL);
		}
		if (unlikely(sent < n)) {
			rte_pktmbuf_free_bulk(&cap->stage[w][sent], n - sent);
			OTW_STAT_ADD(rs->drops, n - sent);
		}
		OTW_STAT_ADD(rs->enqueued, sent);
		cap->n_stage[w] = 0;
	}
}

/* --pace: wait until the wall clock reaches this packet's time. Staged
 * packets go out first so a worker never waits behind a sleeping capture. */
static void cap_pace(struct cap *cap, uint64_t ts)
{
	uint64_t now = otw_clock_ns(CLOCK_MONOTONIC), due;

	if (cap->pace_pkt0 == 0 || ts < cap->pace_pkt0) {
		cap->pace_pkt0 = ts; /* first packet, or time went backwards */
		cap->pace_wall0 = now;
		return;
	}
	due = cap->pace_wall0 + (ts - cap->pace_pkt0);
	if (due <= now + 20000)
		return;
	cap_flush(cap);
	while (!cap_stop && (now = otw_clock_ns(CLOCK_MONOTONIC)) < due)
		otw_sleep_ns(RTE_MIN(due - now, (uint64_t)100000000));
}

static void cap_dispatch(struct cap *cap, struct cap_port *cp,
			 struct rte_mbuf **rx, uint16_t n)
{
	uint64_t bytes = 0;
	unsigned nw = cap->o.n_workers;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = rx[i];
		unsigned w;

		bytes += m->pkt_len;
		if ((m->ol_flags & cap->ts_flag) != 0) {
			uint64_t *ts = RTE_MBUF_DYNFIELD(m, cap->ts_off, uint64_t *);

			if (cp->ts_mult != 1)
				*ts *= cp->ts_mult;
			if (cap->o.pace)
				cap_pace(cap, *ts);
		}
		w = otw_cap_worker_of(rte_pktmbuf_mtod(m, const uint8_t *),
				      m->data_len, nw);
		cap->stage[w][cap->n_stage[w]++] = m;
	}
	cap_flush(cap);
	OTW_STAT_ADD(cp->st->rx_packets, n);
	OTW_STAT_ADD(cp->st->rx_bytes, bytes);
}

static void cap_poll_stats(struct cap *cap)
{
	for (uint16_t i = 0; i < cap->n_ports; i++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(cap->port[i].id, &es) != 0)
			continue;
		OTW_STAT_SET(cap->port[i].st->imissed, es.imissed);
		OTW_STAT_SET(cap->port[i].st->ierrors, es.ierrors);
		OTW_STAT_SET(cap->port[i].st->rx_nombuf, es.rx_nombuf);
	}
}

static bool cap_rings_empty(const struct cap *cap)
{
	for (unsigned w = 0; w < cap->o.n_workers; w++)
		if (!rte_ring_empty(cap->ring[w]))
			return false;
	return true;
}

/* A replayed pcap would be gone before the workers attach: hold rx until
 * every worker says RUNNING (a live port drops meanwhile: imissed). */
static void cap_wait_workers(struct cap *cap)
{
	uint64_t until = otw_clock_ns(CLOCK_MONOTONIC) +
			 (uint64_t)cap->o.start_wait_s * 1000000000u;
	unsigned ok = 0;

	while (!cap_stop) {
		ok = 0;
		for (unsigned w = 0; w < cap->o.n_workers; w++)
			ok += OTW_STAT_GET(cap->shm->worker[w].state) ==
			      OTW_PROC_RUNNING;
		if (ok == cap->o.n_workers || otw_clock_ns(CLOCK_MONOTONIC) >= until)
			break;
		OTW_STAT_SET(cap->shm->cap.heartbeat_ns, otw_clock_ns(CLOCK_REALTIME));
		otw_sleep_ns(10000000);
	}
	if (ok < cap->o.n_workers && !cap_stop)
		otw_log(LOG_WARNING, "event=workers_missing attached=%u workers=%u",
			ok, cap->o.n_workers);
}

static void cap_loop(struct cap *cap)
{
	struct otw_stats_capture *cs = &cap->shm->cap;
	struct rte_mbuf *rx[CAP_BURST];
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t tick = hz / 10;
	uint64_t next_tick = rte_rdtsc() + tick, last_rx = 0, polls = 0;
	uint64_t sleep_ns_cur = CAP_SLEEP_MIN_NS;
	unsigned empty = 0;

	while (!cap_stop) {
		uint32_t got = 0;
		uint64_t now;

		for (uint16_t i = 0; i < cap->n_ports; i++) {
			struct cap_port *cp = &cap->port[i];
			uint16_t n = rte_eth_rx_burst(cp->id, 0, rx, CAP_BURST);

			if (n == 0)
				continue;
			got += n;
			cap_dispatch(cap, cp, rx, n);
		}
		polls++;
		now = rte_rdtsc();
		if (got != 0) {
			empty = 0;
			sleep_ns_cur = CAP_SLEEP_MIN_NS;
			last_rx = now;
		} else if (++empty > CAP_SPIN_POLLS) {
			/* a 2-core box runs capture + workers: yield the CPU */
			otw_sleep_ns(sleep_ns_cur);
			if (sleep_ns_cur < CAP_SLEEP_MAX_NS)
				sleep_ns_cur += CAP_SLEEP_MIN_NS;
			OTW_STAT_ADD(cs->idle_sleeps, 1);
			now = rte_rdtsc();
		}
		if (now < next_tick)
			continue;
		next_tick = now + tick;
		uint64_t wall = otw_clock_ns(CLOCK_REALTIME);
		OTW_STAT_SET(cs->heartbeat_ns, wall);
		OTW_STAT_SET(cs->polls, polls);
		if (last_rx != 0)
			OTW_STAT_SET(cs->last_rx_ns,
				     wall - (now - last_rx) * 1000000000u / hz);
		cap_poll_stats(cap);
		if (cap->o.exit_on_idle_s != 0 && last_rx != 0 &&
		    now - last_rx > (uint64_t)cap->o.exit_on_idle_s * hz &&
		    cap_rings_empty(cap)) {
			otw_log(LOG_INFO, "event=idle_exit idle_s=%u",
				cap->o.exit_on_idle_s);
			break;
		}
	}
}

static void cap_log_totals(const struct cap *cap)
{
	const struct otw_stats_shm *s = cap->shm;
	uint64_t rx = 0, rxb = 0, miss = 0, enq = 0, drops = 0;

	for (uint16_t i = 0; i < cap->n_ports; i++) {
		const struct otw_stats_port *p = &s->port[i];

		otw_log(LOG_INFO,
			"event=port_totals port=%u name=%s rx_packets=%" PRIu64
			" rx_bytes=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64
			" rx_nombuf=%" PRIu64,
			i, p->name, p->rx_packets, p->rx_bytes, p->imissed,
			p->ierrors, p->rx_nombuf);
		rx += p->rx_packets;
		rxb += p->rx_bytes;
		miss += p->imissed;
	}
	for (unsigned w = 0; w < cap->o.n_workers; w++) {
		otw_log(LOG_INFO,
			"event=ring_totals ring=%u enqueued=%" PRIu64
			" drops=%" PRIu64 " waits=%" PRIu64,
			w, s->ring[w].enqueued, s->ring[w].drops, s->ring[w].waits);
		enq += s->ring[w].enqueued;
		drops += s->ring[w].drops;
	}
	otw_log(LOG_INFO,
		"event=capture_totals rx_packets=%" PRIu64 " rx_bytes=%" PRIu64
		" imissed=%" PRIu64 " enqueued=%" PRIu64 " ring_drops=%" PRIu64,
		rx, rxb, miss, enq, drops);
}

static int cap_setup(struct cap *cap)
{
	const struct rte_memzone *mz;
	int socket = (int)rte_socket_id();
	uint16_t pid;
	char name[RTE_RING_NAMESIZE];
	unsigned need;
	int off;

	mz = rte_memzone_reserve_aligned(OTW_STATS_MZ, sizeof(*cap->shm), socket,
					 0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		otw_log(LOG_ERR, "event=memzone_failed err=\"%s\"",
			rte_strerror(rte_errno));
		return OTW_EDPDK;
	}
	cap->shm = mz->addr;
	memset(cap->shm, 0, sizeof(*cap->shm));
	cap->shm->cap.version = OTW_STATS_VERSION;
	cap->shm->cap.n_workers = cap->o.n_workers;
	cap->shm->cap.ring_size = cap->o.ring_size;
	cap->shm->cap.pool_size = cap->o.pool_size;
	cap->shm->cap.pid = (int32_t)getpid();
	cap->shm->cap.state = OTW_PROC_STARTING;
	cap->shm->cap.start_ns = otw_clock_ns(CLOCK_REALTIME);
	cap->shm->cap.pace = cap->o.pace;

	cap->n_ports = 0;
	for (pid = 0; pid < RTE_MAX_ETHPORTS; pid++) {
		if (!rte_eth_dev_is_valid_port(pid))
			continue;
		if (cap->n_ports == OTW_MAX_PORTS) {
			otw_log(LOG_WARNING, "event=too_many_ports max=%d",
				OTW_MAX_PORTS);
			break;
		}
		cap->port[cap->n_ports].id = pid;
		cap->port[cap->n_ports].st = &cap->shm->port[cap->n_ports];
		rte_eth_dev_get_name_by_port(pid, name);
		snprintf(cap->shm->port[cap->n_ports].name,
			 sizeof(cap->shm->port[0].name), "%s", name);
		cap->n_ports++;
	}
	if (cap->n_ports == 0) {
		otw_log(LOG_ERR, "event=no_ports hint=\"pass --vdev net_pcap0,rx_pcap=FILE\"");
		return OTW_EDPDK;
	}
	need = cap->o.n_workers * cap->o.ring_size + cap->n_ports * CAP_RX_DESC +
	       (rte_lcore_count() + 1) * CAP_POOL_CACHE * 3 / 2;
	if (cap->o.pool_size < need)
		otw_log(LOG_WARNING,
			"event=pool_small pool=%u want=%u effect=\"rx_nombuf instead of ring drops\"",
			cap->o.pool_size, need);
	cap->pool = rte_pktmbuf_pool_create(OTW_POOL_NAME, cap->o.pool_size,
					    CAP_POOL_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (cap->pool == NULL) {
		otw_log(LOG_ERR, "event=pool_failed n=%u err=\"%s\"",
			cap->o.pool_size, rte_strerror(rte_errno));
		return OTW_EDPDK;
	}
	for (unsigned w = 0; w < cap->o.n_workers; w++) {
		snprintf(name, sizeof(name), OTW_RING_FMT, w);
		cap->ring[w] = rte_ring_create(name, cap->o.ring_size, socket,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (cap->ring[w] == NULL) {
			otw_log(LOG_ERR, "event=ring_failed ring=%s err=\"%s\"",
				name, rte_strerror(rte_errno));
			return OTW_EDPDK;
		}
	}
	for (uint16_t i = 0; i < cap->n_ports; i++) {
		int rc = port_setup(cap, cap->port[i].id);

		if (rc != 0)
			return rc;
		cap->port[i].ts_mult = port_ts_mult(cap->port[i].id);
	}
	/* PMDs register the timestamp field at probe time (net_pcap does) */
	off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	if (off >= 0) {
		int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME,
						  NULL);
		cap->ts_off = (size_t)off;
		cap->ts_flag = bit >= 0 ? RTE_BIT64(bit) : 0;
	}
	if (cap->o.pace && cap->ts_flag == 0)
		otw_log(LOG_WARNING, "event=pace_unavailable reason=\"no rx timestamps\"");
	cap->shm->cap.n_ports = cap->n_ports;
	/* readers test magic last: the rest is in place */
	__atomic_store_n(&cap->shm->cap.magic, OTW_STATS_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/* EAL args: when none of -l/-c/--lcores is given, run on lcore 0 floating
 * over every allowed CPU (workers use lcores 1..N, see dissect/worker.c:
 * distinct lcore ids keep the shared mempool's per-lcore caches apart). */
static char **eal_argv(int argc, char **argv, int *out_argc, char *lcores,
		       size_t lcores_len)
{
	char **nv = calloc((size_t)argc + 2, sizeof(*nv));
	bool have = false;
	int n = 0;
	cpu_set_t set;
	size_t off;

	if (nv == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "-c") == 0 ||
		    strncmp(argv[i], "--lcores", 8) == 0 ||
		    (argv[i][0] == '-' && (argv[i][1] == 'l' || argv[i][1] == 'c') &&
		     argv[i][2] >= '0' && argv[i][2] <= '9'))
			have = true;
	}
	nv[n++] = argv[0];
	if (!have && sched_getaffinity(0, sizeof(set), &set) == 0) {
		off = (size_t)snprintf(lcores, lcores_len, "--lcores=0@(");
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

int main(int argc, char **argv)
{
	static struct cap cap; /* staging arrays: keep them off the stack */
	char lcores[1024];
	char **eargv;
	int eargc, ret, rc = 1;

	otw_log_init("otw-capture", LOG_INFO);
	if ((eargv = eal_argv(argc, argv, &eargc, lcores, sizeof(lcores))) == NULL)
		return 1;
	ret = rte_eal_init(eargc, eargv);
	if (ret < 0) {
		otw_log(LOG_ERR, "event=eal_init_failed err=\"%s\"",
			rte_strerror(rte_errno));
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		otw_log(LOG_ERR, "event=not_primary hint=\"drop --proc-type\"");
		goto out_eal;
	}
	if (parse_opts(eargc - ret, eargv + ret, &cap.o) != 0) {
		rc = 2;
		goto out_eal;
	}
	signal(SIGINT, cap_on_signal);
	signal(SIGTERM, cap_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (cap_setup(&cap) != 0)
		goto out_eal;
	otw_log(LOG_INFO,
		"event=started ports=%u workers=%u ring_size=%u pool=%u pace=%d "
		"exit_on_idle=%u timestamps=%s",
		cap.n_ports, cap.o.n_workers, cap.o.ring_size, cap.o.pool_size,
		cap.o.pace, cap.o.exit_on_idle_s, cap.ts_flag != 0 ? "yes" : "no");
	OTW_STAT_SET(cap.shm->cap.state, OTW_PROC_RUNNING);
	if (cap.o.ready_fd >= 0) {
		if (write(cap.o.ready_fd, "ready\n", 6) != 6)
			otw_log(LOG_WARNING, "event=ready_fd_failed err=%d", errno);
		close(cap.o.ready_fd);
	}
	if (cap.o.start_wait_s != 0)
		cap_wait_workers(&cap);
	cap_loop(&cap);
	OTW_STAT_SET(cap.shm->cap.state, OTW_PROC_STOPPING);
	for (uint16_t i = 0; i < cap.n_ports; i++)
		(void)rte_eth_dev_stop(cap.port[i].id);
	cap_poll_stats(&cap);
	cap_log_totals(&cap);
	OTW_STAT_SET(cap.shm->cap.state, OTW_PROC_EXITED);
	rc = 0;
	/* Rings, pool and memzone stay: workers still drain them. Their
	 * memory goes when the last process of the file prefix is gone. */
out_eal:
	rte_eal_cleanup();
	free(eargv);
	return rc;
}
