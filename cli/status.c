/* otwatch status: attach to a running pipeline as a DPDK secondary and print
 * the counters of the OTW_STATS_MZ memzone (struct otw_stats_shm): per port,
 * per ring, per worker. Read-only: it never touches the rings or the pool
 * beyond counting. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "otw_ipc-t.h"
#include "otw_stats-t.h"

#if __has_include(<rte_eal.h>)
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#define STATUS_HAVE_DPDK 1
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: otwatch status [--file-prefix P] [--json]\n"
		   "  --file-prefix P  DPDK file prefix of the pipeline (default otwatch)\n"
		   "  --json           one JSON object instead of tables\n");
}

#ifdef STATUS_HAVE_DPDK
static const char *state_name(uint32_t s)
{
	static const char *const n[] = { "none", "starting", "running",
					  "stopping", "exited" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ms since a CLOCK_REALTIME stamp; -1 if never stamped */
static long long age_ms(uint64_t now, uint64_t then)
{
	if (then == 0)
		return -1;
	return then > now ? 0 : (long long)((now - then) / 1000000u);
}

static void print_text(const struct otw_stats_shm *s, unsigned ring_cnt[],
		       unsigned pool_avail, uint64_t now)
{
	const struct otw_stats_capture *c = &s->cap;

	printf("capture: pid=%d state=%s uptime_s=%" PRIu64 " heartbeat_age_ms=%lld "
	       "ports=%u workers=%u ring_size=%u pool=%u pool_avail=%u pace=%u "
	       "idle_sleeps=%" PRIu64 "\n",
	       c->pid, state_name(OTW_STAT_GET(c->state)),
	       (now - c->start_ns) / 1000000000u, age_ms(now, OTW_STAT_GET(c->heartbeat_ns)),
	       c->n_ports, c->n_workers, c->ring_size, c->pool_size, pool_avail,
	       c->pace, OTW_STAT_GET(c->idle_sleeps));
	printf("\n%-4s %-24s %14s %16s %10s %10s %10s\n", "port", "name",
	       "rx_packets", "rx_bytes", "imissed", "ierrors", "rx_nombuf");
	for (unsigned i = 0; i < c->n_ports && i < OTW_MAX_PORTS; i++) {
		const struct otw_stats_port *p = &s->port[i];

		printf("%-4u %-24.24s %14" PRIu64 " %16" PRIu64 " %10" PRIu64
		       " %10" PRIu64 " %10" PRIu64 "\n",
		       i, p->name, OTW_STAT_GET(p->rx_packets),
		       OTW_STAT_GET(p->rx_bytes), OTW_STAT_GET(p->imissed),
		       OTW_STAT_GET(p->ierrors), OTW_STAT_GET(p->rx_nombuf));
	}
	printf("\n%-4s %14s %12s %8s\n", "ring", "enqueued", "drops", "queued");
	for (unsigned w = 0; w < c->n_workers && w < OTW_MAX_WORKERS; w++)
		printf("%-4u %14" PRIu64 " %12" PRIu64 " %8u\n", w,
		       OTW_STAT_GET(s->ring[w].enqueued),
		       OTW_STAT_GET(s->ring[w].drops), ring_cnt[w]);
	printf("\n%-3s %8s %-8s %12s %14s %9s %10s %9s %10s %9s %9s %9s %6s\n", "wk",
	       "pid", "state", "packets", "bytes", "malformed", "excluded", "flows",
	       "events", "msgs", "send_fail", "ev_lost", "hb_ms");
	for (unsigned w = 0; w < c->n_workers && w < OTW_MAX_WORKERS; w++) {
		const struct otw_stats_worker *k = &s->worker[w];

		printf("%-3u %8d %-8s %12" PRIu64 " %14" PRIu64 " %9" PRIu64
		       " %10" PRIu64 " %9" PRIu64 " %10" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %6lld\n",
		       w, OTW_STAT_GET(k->pid), state_name(OTW_STAT_GET(k->state)),
		       OTW_STAT_GET(k->packets), OTW_STAT_GET(k->bytes),
		       OTW_STAT_GET(k->malformed), OTW_STAT_GET(k->excluded),
		       OTW_STAT_GET(k->flows_active),
		       OTW_STAT_GET(k->events), OTW_STAT_GET(k->msgs_sent),
		       OTW_STAT_GET(k->send_fail), OTW_STAT_GET(k->events_lost),
		       age_ms(now, OTW_STAT_GET(k->heartbeat_ns)));
	}
}

static void print_json(const struct otw_stats_shm *s, unsigned ring_cnt[],
		       unsigned pool_avail, uint64_t now)
{
	const struct otw_stats_capture *c = &s->cap;

	printf("{\"capture\":{\"pid\":%d,\"state\":\"%s\",\"start_ns\":%" PRIu64
	       ",\"heartbeat_age_ms\":%lld,\"last_rx_ns\":%" PRIu64
	       ",\"ring_size\":%u,\"pool_size\":%u,\"pool_avail\":%u,\"pace\":%s"
	       ",\"polls\":%" PRIu64 ",\"idle_sleeps\":%" PRIu64 "},\"ports\":[",
	       c->pid, state_name(OTW_STAT_GET(c->state)), c->start_ns,
	       age_ms(now, OTW_STAT_GET(c->heartbeat_ns)),
	       OTW_STAT_GET(c->last_rx_ns), c->ring_size, c->pool_size, pool_avail,
	       c->pace ? "true" : "false", OTW_STAT_GET(c->polls),
	       OTW_STAT_GET(c->idle_sleeps));
	for (unsigned i = 0; i < c->n_ports && i < OTW_MAX_PORTS; i++) {
		const struct otw_stats_port *p = &s->port[i];
		char name[sizeof(p->name)];

		/* DPDK device names: [A-Za-z0-9_:.-]; drop anything else */
		size_t j = 0;
		for (size_t k = 0; k < sizeof(p->name) && p->name[k] != '\0'; k++)
			if (p->name[k] != '"' && p->name[k] != '\\' &&
			    (unsigned char)p->name[k] >= 0x20)
				name[j++] = p->name[k];
		name[j < sizeof(name) ? j : sizeof(name) - 1] = '\0';
		printf("%s{\"port\":%u,\"name\":\"%s\",\"rx_packets\":%" PRIu64
		       ",\"rx_bytes\":%" PRIu64 ",\"imissed\":%" PRIu64
		       ",\"ierrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}",
		       i ? "," : "", i, name, OTW_STAT_GET(p->rx_packets),
		       OTW_STAT_GET(p->rx_bytes), OTW_STAT_GET(p->imissed),
		       OTW_STAT_GET(p->ierrors), OTW_STAT_GET(p->rx_nombuf));
	}
	printf("],\"rings\":[");
	for (unsigned w = 0; w < c->n_workers && w < OTW_MAX_WORKERS; w++)
		printf("%s{\"ring\":%u,\"enqueued\":%" PRIu64 ",\"drops\":%" PRIu64
		       ",\"queued\":%u}",
		       w ? "," : "", w, OTW_STAT_GET(s->ring[w].enqueued),
		       OTW_STAT_GET(s->ring[w].drops), ring_cnt[w]);
	printf("],\"workers\":[");
	for (unsigned w = 0; w < c->n_workers && w < OTW_MAX_WORKERS; w++) {
		const struct otw_stats_worker *k = &s->worker[w];

		printf("%s{\"worker\":%u,\"pid\":%d,\"state\":\"%s\",\"packets\":%" PRIu64
		       ",\"bytes\":%" PRIu64 ",\"multiseg\":%" PRIu64
		       ",\"malformed\":%" PRIu64 ",\"excluded\":%" PRIu64
		       ",\"flows_active\":%" PRIu64
		       ",\"events\":%" PRIu64 ",\"msgs_sent\":%" PRIu64
		       ",\"send_fail\":%" PRIu64 ",\"events_lost\":%" PRIu64
		       ",\"epoch_ns\":%" PRIu64 ",\"heartbeat_age_ms\":%lld}",
		       w ? "," : "", w, OTW_STAT_GET(k->pid),
		       state_name(OTW_STAT_GET(k->state)), OTW_STAT_GET(k->packets),
		       OTW_STAT_GET(k->bytes), OTW_STAT_GET(k->multiseg),
		       OTW_STAT_GET(k->malformed), OTW_STAT_GET(k->excluded),
		       OTW_STAT_GET(k->flows_active),
		       OTW_STAT_GET(k->events), OTW_STAT_GET(k->msgs_sent),
		       OTW_STAT_GET(k->send_fail), OTW_STAT_GET(k->events_lost),
		       OTW_STAT_GET(k->epoch_ns),
		       age_ms(now, OTW_STAT_GET(k->heartbeat_ns)));
	}
	printf("]}\n");
}
#endif

int otw_cmd_status(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "otwatch";
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p': prefix = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
#ifdef STATUS_HAVE_DPDK
	char pfx[256];
	char *eal[] = { argv[0], (char *)"--proc-type=secondary", (char *)"--no-pci",
			(char *)"--log-level=1", (char *)"-l", (char *)"0", pfx, NULL };
	const struct rte_memzone *mz;
	struct rte_mempool *mp;
	struct otw_stats_shm snap;
	unsigned ring_cnt[OTW_MAX_WORKERS] = { 0 }, pool_avail = 0;
	int rc = 1;

	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "otwatch status: no pipeline with file prefix '%s' "
				"(is otw-capture running?)\n", prefix);
		return 1;
	}
	mz = rte_memzone_lookup(OTW_STATS_MZ);
	if (mz == NULL || mz->len < sizeof(snap) ||
	    __atomic_load_n(&((const struct otw_stats_shm *)mz->addr)->cap.magic,
			    __ATOMIC_ACQUIRE) != OTW_STATS_MAGIC) {
		fprintf(stderr, "otwatch status: capture not ready (no %s memzone)\n",
			OTW_STATS_MZ);
		goto out;
	}
	if (((const struct otw_stats_shm *)mz->addr)->cap.version != OTW_STATS_VERSION) {
		fprintf(stderr, "otwatch status: stats version mismatch\n");
		goto out;
	}
	memcpy(&snap, mz->addr, sizeof(snap));
	for (unsigned w = 0; w < snap.cap.n_workers && w < OTW_MAX_WORKERS; w++) {
		char name[RTE_RING_NAMESIZE];
		struct rte_ring *r;

		snprintf(name, sizeof(name), OTW_RING_FMT, w);
		if ((r = rte_ring_lookup(name)) != NULL)
			ring_cnt[w] = rte_ring_count(r);
	}
	if ((mp = rte_mempool_lookup(OTW_POOL_NAME)) != NULL)
		pool_avail = rte_mempool_avail_count(mp);
	if (json)
		print_json(&snap, ring_cnt, pool_avail, wall_ns());
	else
		print_text(&snap, ring_cnt, pool_avail, wall_ns());
	rc = 0;
out:
	rte_eal_cleanup();
	return rc;
#else
	(void)prefix;
	(void)json;
	fprintf(stderr, "otwatch status: built without DPDK\n");
	return 1;
#endif
}
