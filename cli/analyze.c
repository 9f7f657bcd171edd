/* otwatch analyze: the worker's engine and the baseline's inventory in one
 * process over libpcap, so a capture can be studied without DPDK. */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "det.h"
#include "ctl.h"
#include "detstore.h"
#include "engine.h"
#include "evid.h"
#include "evjson.h"
#include "inv.h"
#include "names.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_num.h"
#include "store.h"

#define TICK_EVERY 65536 /* packets between engine ticks (packet clock) */
#define SWEEP_NS 10000000000ull /* full ticks (flow sweep) every 10 s */
#define TICK_NS 1000000000ull /* ops at least every second of packet time,
				 as a worker ticks on its clock: op aggregates
				 then cover a second, so events come in time
				 order to within a second */

struct an_opts {
	bool json;
	bool events;     /* print raw events instead of the inventory */
	const char *store; /* also save the inventory into this store */
	double learn_s;    /* >= 0: detect after this much packet time */
	const char *excl;  /* exclusion rules file */
	const char *rules; /* indicator rules (default: otw_ioc_default_path) */
	bool bench;
	unsigned bench_seconds;
	uint32_t max_flows;
	const char *evidence; /* write alert pcaps into this directory */
};

struct an_sink {
	struct otw_inv *inv; /* NULL: count only (bench) */
	struct otw_det *det; /* --learn-seconds */
	bool print;          /* --events */
	uint64_t events;
	struct otw_pktring *ring; /* --evidence: recent frames */
	const char *evdir;
	uint32_t evid_done;       /* alerts whose pcap is written */
	uint32_t evid_failed;
};

/* New alerts get their pcap from the frames seen so far (the engine emits
 * events within a batch of the packets behind them). */
static void an_evidence(struct an_sink *s)
{
	static uint8_t buf[OTW_EVID_BYTES];
	uint32_t n;
	const struct otw_alert *a = otw_det_alerts(s->det, &n);

	for (; s->evid_done < n; s->evid_done++) {
		struct otw_pktring_sel sel;
		size_t len;
		if (!otw_evid_sel(&a[s->evid_done], &sel) ||
		    otw_pktring_extract(s->ring, &sel, buf, sizeof(buf), &len) < 0 ||
		    otw_evid_write(s->evdir, s->evid_done + 1u, buf, len) != 0)
			s->evid_failed++;
	}
}

static void an_sink_fn(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct an_sink *s = arg;

	s->events += n;
	if (s->print)
		for (uint16_t i = 0; i < n; i++)
			otw_evjson(stdout, &evs[i]);
	if (s->det != NULL) {
		for (uint16_t i = 0; i < n; i++)
			otw_det_apply(s->det, &evs[i]);
		if (s->ring != NULL)
			an_evidence(s);
	}
	if (s->inv == NULL)
		return;
	for (uint16_t i = 0; i < n; i++)
		otw_inv_apply(s->inv, &evs[i]);
}

/* Frames reach the engine as Ethernet: other link types get a synthetic
 * header in scratch (14 bytes before the L3 payload). */
static const uint8_t *to_ether(int dlt, const uint8_t *data, uint32_t *caplen,
			       uint32_t *wire, uint8_t *scratch, size_t cap)
{
	uint16_t et;
	size_t hdr;

	switch (dlt) {
	case DLT_EN10MB:
		return data;
	case DLT_RAW:
	case 101: /* LINKTYPE_RAW */
		if (*caplen < 1)
			return NULL;
		et = (data[0] >> 4) == 6 ? 0x86dd : 0x0800;
		hdr = 0;
		break;
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		et = dlt == 228 ? 0x0800 : 0x86dd;
		hdr = 0;
		break;
	case DLT_LINUX_SLL:
		if (*caplen < 16)
			return NULL;
		et = (uint16_t)(data[14] << 8 | data[15]);
		hdr = 16;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (*caplen < 5)
			return NULL;
		et = (data[4] >> 4) == 6 ? 0x86dd : 0x0800;
		hdr = 4;
		break;
	default:
		return NULL;
	}
	if (*caplen - hdr + 14 > cap)
		return NULL;
	memset(scratch, 0, 12);
	scratch[12] = (uint8_t)(et >> 8);
	scratch[13] = (uint8_t)et;
	memcpy(scratch + 14, data + hdr, *caplen - hdr);
	*caplen = (uint32_t)(*caplen - hdr + 14);
	*wire = (uint32_t)(*wire - hdr + 14);
	return scratch;
}

static uint64_t ts_of(const struct pcap_pkthdr *h, bool nano)
{
	return (uint64_t)h->ts.tv_sec * 1000000000ull +
	       (uint64_t)h->ts.tv_usec * (nano ? 1ull : 1000ull);
}

/* Feed one file into eng. Returns 0, or prints one error line and returns
 * an OTW_E* code. */
static int an_file(const char *path, struct otw_engine *eng,
		   struct otw_pktring *ring, uint64_t *first, uint64_t *last)
{
	char err[PCAP_ERRBUF_SIZE];
	static uint8_t scratch[65536 + 64];
	struct pcap_pkthdr *h;
	const uint8_t *data;
	pcap_t *pc;
	int dlt, r;
	bool nano;
	uint64_t n = 0, tick_ns = 0, sweep_ns = 0;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			fprintf(stderr, "otwatch analyze: %s: %s\n", path, strerror(errno));
			return -errno;
		}
		fclose(f);
		fprintf(stderr, "otwatch analyze: %s: %s\n", path,
			otw_strerror(OTW_ENOTPCAP));
		return OTW_ENOTPCAP;
	}
	nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	dlt = pcap_datalink(pc);
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		uint32_t caplen = h->caplen, wire = h->len;
		uint64_t ts = ts_of(h, nano);
		const uint8_t *fr = to_ether(dlt, data, &caplen, &wire, scratch,
					     sizeof(scratch));
		if (fr == NULL) { /* unsupported link type: counted malformed */
			otw_engine_packet(eng, data, 0, h->len, ts);
			continue;
		}
		if (*first == 0 || ts < *first)
			*first = ts;
		if (ts > *last)
			*last = ts;
		if (ring != NULL)
			otw_pktring_push(ring, ts, fr, caplen, wire);
		otw_engine_packet(eng, fr, caplen, wire, ts);
		if (++n % TICK_EVERY == 0 || ts - sweep_ns >= SWEEP_NS) {
			otw_engine_tick(eng); /* flow sweep, as a worker's tick */
			tick_ns = sweep_ns = ts;
		} else if (ts - tick_ns >= TICK_NS) {
			otw_engine_tick_ops(eng);
			tick_ns = ts;
		}
	}
	if (r == -1) /* truncated file: keep what was read, say so */
		fprintf(stderr, "otwatch analyze: %s: %s (kept %llu packets)\n",
			path, pcap_geterr(pc), (unsigned long long)n);
	pcap_close(pc);
	return 0;
}

static void an_summary(FILE *out, const struct otw_engine_stats *st,
		       double seconds, double elapsed, bool json)
{
	if (json) {
		fprintf(out,
			"{\"type\":\"summary\",\"packets\":%llu,\"bytes\":%llu,"
			"\"malformed\":%llu,\"flows\":%llu,\"seconds\":%.6f,"
			"\"non_ip\":%llu,\"fragments\":%llu,\"events\":%llu,"
			"\"tcp_retrans\":%llu,\"tcp_gaps\":%llu,\"excluded\":%llu,\"elapsed\":%.6f,"
			"\"reasm\":{\"pdus\":%llu,\"pool_full\":%llu,"
			"\"cap_over\":%llu,\"gap_drops\":%llu,\"junk\":%llu},"
			"\"apps\":{",
			(unsigned long long)st->packets, (unsigned long long)st->bytes,
			(unsigned long long)st->malformed,
			(unsigned long long)st->flows_created, seconds,
			(unsigned long long)st->non_ip,
			(unsigned long long)st->fragments,
			(unsigned long long)st->events,
			(unsigned long long)st->tcp_retrans,
			(unsigned long long)st->tcp_gaps,
			(unsigned long long)st->excluded, elapsed,
			(unsigned long long)st->reasm_pdus,
			(unsigned long long)st->reasm_pool_full,
			(unsigned long long)st->reasm_cap_over,
			(unsigned long long)st->reasm_gap_drops,
			(unsigned long long)st->reasm_junk);
		/* per protocol: packets dissected and how many were malformed */
		for (unsigned a = 1, first = 1; a < OTW_APP__COUNT; a++) {
			if (st->app_packets[a] == 0 && st->app_malformed[a] == 0)
				continue;
			fprintf(out, "%s\"%s\":{\"packets\":%llu,\"malformed\":%llu}",
				first ? "" : ",", otw_app_name(a),
				(unsigned long long)st->app_packets[a],
				(unsigned long long)st->app_malformed[a]);
			first = 0;
		}
		fputs("}}\n", out);
		return;
	}
	fprintf(out,
		"\n%llu packets, %llu bytes, %llu malformed, %llu flows, "
		"%.3f s of traffic, analysed in %.3f s\n",
		(unsigned long long)st->packets, (unsigned long long)st->bytes,
		(unsigned long long)st->malformed,
		(unsigned long long)st->flows_created, seconds, elapsed);
	if (st->excluded != 0)
		fprintf(out, "%llu packets excluded by monitor rules (not dissected)\n",
			(unsigned long long)st->excluded);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --bench: load the file into memory, then time the engine alone. */
static int an_bench(const char *path, const struct an_opts *o)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *data;
	struct otw_engine_conf conf;
	struct otw_engine_stats st;
	struct otw_engine *eng;
	struct an_sink sink = { 0 };
	uint8_t *buf;
	uint32_t *off, *len, *wire;
	uint64_t *ts, n = 0, cap = 1u << 20, used = 0, bufcap = 256u << 20;
	uint64_t pkts = 0, bytes = 0, max_rss = 0;
	double t0, t1, t_tick;
	pcap_t *pc;
	int rc;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		fprintf(stderr, "otwatch analyze: %s: %s\n", path, err);
		return 1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "otwatch analyze: --bench wants Ethernet captures\n");
		pcap_close(pc);
		return 1;
	}
	buf = malloc(bufcap);
	off = malloc(cap * 4);
	len = malloc(cap * 4);
	wire = malloc(cap * 4);
	ts = malloc(cap * 8);
	if (!buf || !off || !len || !wire || !ts)
		return 1;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		if (n == cap) {
			cap *= 2;
			off = realloc(off, cap * 4);
			len = realloc(len, cap * 4);
			wire = realloc(wire, cap * 4);
			ts = realloc(ts, cap * 8);
			if (!off || !len || !wire || !ts)
				return 1;
		}
		while (used + h->caplen > bufcap) {
			bufcap *= 2;
			if ((buf = realloc(buf, bufcap)) == NULL)
				return 1;
		}
		memcpy(buf + used, data, h->caplen);
		off[n] = (uint32_t)used;
		len[n] = h->caplen;
		wire[n] = h->len;
		ts[n] = ts_of(h, true);
		used += h->caplen;
		n++;
	}
	pcap_close(pc);

	otw_engine_conf_default(&conf);
	if (o->max_flows)
		conf.max_flows = o->max_flows;
	conf.sink = an_sink_fn;
	conf.sink_arg = &sink;
	if ((rc = otw_engine_create(&conf, &eng)) != 0) {
		fprintf(stderr, "otwatch analyze: engine: %s\n", otw_strerror(rc));
		return 1;
	}
	t0 = t_tick = now_s();
	do { /* replay the file until the time budget is spent */
		for (uint64_t i = 0; i < n; i++) {
			otw_engine_packet(eng, buf + off[i], len[i], wire[i], ts[i]);
			/* a worker ticks 10 times a second of its clock */
			if ((i & (TICK_EVERY - 1)) == 0 && now_s() - t_tick >= 0.1) {
				otw_engine_tick(eng);
				t_tick = now_s();
			}
			bytes += wire[i];
		}
		pkts += n;
		t1 = now_s();
	} while (t1 - t0 < (double)o->bench_seconds);
	otw_engine_flush(eng, false);
	otw_engine_get_stats(eng, &st);
	{
		FILE *f = fopen("/proc/self/status", "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "VmHWM:", 6) == 0)
				max_rss = strtoull(line + 6, NULL, 10) * 1024;
		if (f)
			fclose(f);
	}
	printf("{\"type\":\"bench\",\"file_packets\":%llu,\"packets\":%llu,"
	       "\"seconds\":%.3f,\"pps\":%.0f,\"gbps\":%.3f,\"ns_per_packet\":%.1f,"
	       "\"flows\":%llu,\"flow_entry_bytes\":%u,\"flow_table_bytes\":%llu,"
	       "\"flow_slots_bytes_per_flow\":%.1f,\"events\":%llu,"
	       "\"malformed\":%llu,\"max_rss_bytes\":%llu}\n",
	       (unsigned long long)n, (unsigned long long)pkts, t1 - t0,
	       (double)pkts / (t1 - t0), (double)bytes * 8 / (t1 - t0) / 1e9,
	       (t1 - t0) * 1e9 / (double)pkts,
	       (unsigned long long)st.flows_created, st.flow_entry_bytes,
	       (unsigned long long)st.flow_table_bytes,
	       (double)st.flow_table_bytes / (double)conf.max_flows,
	       (unsigned long long)sink.events, (unsigned long long)st.malformed,
	       (unsigned long long)max_rss);
	otw_engine_destroy(eng);
	free(buf);
	free(off);
	free(len);
	free(wire);
	free(ts);
	return 0;
}

static void an_alerts(const struct otw_det *det, bool json)
{
	uint32_t n;
	const struct otw_alert *a = otw_det_alerts(det, &n);
	char s[64], d[64];

	if (json) {
		for (uint32_t i = 0; i < n; i++)
			otw_alert_print_json(stdout, &a[i]);
		return;
	}
	printf("\nALERTS (%u)\n%-11s %-8s %-46s %-16s %-16s %6s\n", n, "ENGINE",
	       "SEVERITY", "TITLE", "SOURCE", "DESTINATION", "COUNT");
	for (uint32_t i = 0; i < n; i++) {
		static const struct otw_ip zero;
		printf("%-11s %-8s %-46s %-16s %-16s %6u\n", otw_engine_name(a[i].engine),
		       otw_severity_name(a[i].severity), a[i].title,
		       memcmp(&a[i].src, &zero, 16) ? otw_ip_str(&a[i].src, s, sizeof(s)) : "-",
		       memcmp(&a[i].dst, &zero, 16) ? otw_ip_str(&a[i].dst, d, sizeof(d)) : "-",
		       a[i].count);
	}
}

/* --store: merge what this run learned into a store (as otw-baseline
 * would), so the console can serve an offline analysis. */
static int an_save(struct otw_inv *inv, struct otw_det *det, const char *dir)
{
	struct otw_store *st;
	struct otw_txn *txn;
	int rc;

	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "otwatch analyze: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if ((rc = otw_store_open(dir, 0, 0, &st)) != 0) {
		fprintf(stderr, "otwatch analyze: store %s: %s\n", dir, otw_strerror(rc));
		return -1;
	}
	if ((rc = otw_store_txn_begin(st, true, &txn)) == 0) {
		if ((rc = otw_inv_save_dirty(inv, txn)) == 0 &&
		    (det == NULL || (rc = otw_detstore_save(det, txn)) == 0))
			rc = otw_store_txn_commit(txn);
		else
			otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	if (rc != 0)
		fprintf(stderr, "otwatch analyze: saving to %s: %s\n", dir, otw_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* Add the monitor rules stored in dir to f (`otwatch monitor`). */
static int an_monitor_rules(const char *dir, struct otw_filter *f)
{
	struct otw_store *st;
	struct otw_txn *txn;
	struct otw_filter stored;
	int rc;

	if ((rc = otw_store_open(dir, 0, OTW_STORE_RDONLY, &st)) != 0) {
		fprintf(stderr, "otwatch analyze: store %s: %s\n", dir, otw_strerror(rc));
		return rc;
	}
	if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
		rc = otw_names_rules_load(txn, &stored);
		otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	for (unsigned i = 0; rc == 0 && i < stored.n; i++)
		rc = otw_filter_add(f, &stored.r[i]);
	if (rc != 0)
		fprintf(stderr, "otwatch analyze: monitor rules of %s: %s\n", dir, otw_strerror(rc));
	return rc;
}

/* Exclusion rules: --exclusions FILE, then those of an existing --store. */
static int an_exclusions(struct otw_det *det, const struct an_opts *o)
{
	static struct otw_excl r[OTW_EXCL_MAX];
	unsigned n = 0, k = 0, line;
	const char *err;
	struct otw_store *st;
	struct otw_txn *txn;
	int rc;

	if (o->excl != NULL &&
	    (rc = otw_excl_read_file(o->excl, r, OTW_EXCL_MAX, &n, &line, &err)) != 0) {
		fprintf(stderr, "otwatch analyze: %s:%u: %s\n", o->excl, line,
			rc == -EINVAL ? err : otw_strerror(rc));
		return -1;
	}
	if (o->store != NULL && otw_store_open(o->store, 0, OTW_STORE_RDONLY, &st) == 0) {
		if (otw_store_txn_begin(st, false, &txn) == 0) {
			if (otw_ctl_excl_get(txn, r + n, OTW_EXCL_MAX - n, &k, NULL) != 0)
				k = 0;
			otw_store_txn_abort(txn);
		}
		otw_store_close(st);
	}
	otw_det_set_exclusions(det, r, n + k);
	return 0;
}

static int an_rules(struct otw_det *det, const struct an_opts *o)
{
	const char *path = o->rules ? o->rules : otw_ioc_default_path(), *err;
	struct otw_ioc *ioc;
	unsigned line;
	int rc;

	if (strcmp(path, "none") == 0)
		return 0;
	if ((rc = otw_ioc_load_file(path, &ioc, &line, &err)) != 0) {
		fprintf(stderr, "otwatch analyze: %s:%u: %s\n", path, line,
			rc == -EINVAL ? err : otw_strerror(rc));
		return -1;
	}
	otw_det_set_ioc(det, ioc);
	return 0;
}

/* Staged pcaps (<dir>/.analyze/<position>.pcap) take the ids the store
 * gave their alerts (<dir>/<id>.pcap). */
static void an_evidence_ids(const struct otw_det *det, const char *dir,
			    const char *stage)
{
	uint32_t n;
	const struct otw_alert *a = otw_det_alerts(det, &n);
	char from[4300], to[4300];

	for (uint32_t i = 0; i < n; i++) {
		snprintf(from, sizeof(from), "%s/%u.pcap", stage, i + 1);
		snprintf(to, sizeof(to), "%s/%llu.pcap", dir,
			 (unsigned long long)a[i].id);
		if (a[i].id != 0)
			(void)rename(from, to);
		else
			(void)unlink(from);
	}
	(void)rmdir(stage);
}

static void an_usage(FILE *f)
{
	fprintf(f, "usage: otwatch analyze [--json | --events] [--max-flows N] [--store DIR]\n"
		   "                       [--learn-seconds S] [--filter RULE]... [--monitor-rules DIR]\n"
		   "                       FILE.pcap...\n"
		   "  --filter RULE      include|exclude subnet CIDR|vlan ID|port tcp|udp/N\n"
		   "  --monitor-rules DIR  also apply the monitor rules stored in DIR\n"
		   "  --learn-seconds S  learn the first S seconds of traffic, then alert on\n"
		   "                     deviations (alert lines; 0: alert on everything)\n"
		   "  --exclusions FILE  exclusion rules, one a line (docs/detection.md); with\n"
		   "                     --store, the store's rules apply too\n"
		   "  --rules FILE       threat indicator rules (default: the installed\n"
		   "                     otwatch.rules; \"none\" for no rules)\n"
		   "  --evidence DIR     with --learn-seconds: write each alert's recent\n"
		   "                     packets as DIR/<n>.pcap (n: its place in the list)\n"
		   "       otwatch analyze --bench [--seconds N] FILE.pcap\n");
}

int otw_cmd_analyze(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, 0, 'j' },
		{ "events", no_argument, 0, 'e' },
		{ "store", required_argument, 0, 'S' },
		{ "learn-seconds", required_argument, 0, 'L' },
		{ "exclusions", required_argument, 0, 'x' },
		{ "rules", required_argument, 0, 'r' },
		{ "evidence", required_argument, 0, 'E' },
		{ "bench", no_argument, 0, 'b' },
		{ "seconds", required_argument, 0, 's' },
		{ "max-flows", required_argument, 0, 'f' },
		{ "filter", required_argument, 0, 'F' },
		{ "monitor-rules", required_argument, 0, 'M' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct an_opts o = { .bench_seconds = 3, .learn_s = -1 };
	static struct otw_filter filter; /* the engine keeps a pointer */
	struct otw_filter_rule rule;
	char ferr[160];
	uint64_t mf;
	struct otw_engine_conf conf;
	struct otw_engine_stats st;
	struct otw_engine *eng = NULL;
	struct an_sink sink = { 0 };
	uint64_t first = 0, last = 0;
	double t0;
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'e':
			o.events = true;
			break;
		case 'S':
			o.store = optarg;
			break;
		case 'L': {
			char *end;
			o.learn_s = strtod(optarg, &end);
			if (*end != '\0' || end == optarg || !(o.learn_s >= 0)) {
				fprintf(stderr, "otwatch analyze: bad --learn-seconds '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'x':
			o.excl = optarg;
			break;
		case 'r':
			o.rules = optarg;
			break;
		case 'b':
			o.bench = true;
			break;
		case 's':
			if (otw_parse_uint(optarg, 1, 3600, &o.bench_seconds) != 0) {
				fprintf(stderr, "otwatch analyze: bad --seconds '%s' (1-3600)\n", optarg);
				return 2;
			}
			break;
		case 'f':
			if (otw_parse_u64(optarg, 1024, 1u << 26, &mf) != 0) {
				fprintf(stderr, "otwatch analyze: bad --max-flows '%s' (1024-67108864)\n", optarg);
				return 2;
			}
			o.max_flows = (uint32_t)mf;
			break;
		case 'F':
			if (otw_filter_parse(optarg, &rule, ferr, sizeof(ferr)) != 0 ||
			    otw_filter_add(&filter, &rule) != 0) {
				fprintf(stderr, "otwatch analyze: --filter '%s': %s\n", optarg,
					filter.n == OTW_FILTER_MAX ? "too many rules" : ferr);
				return 2;
			}
			break;
		case 'M':
			if (an_monitor_rules(optarg, &filter) != 0)
				return 1;
			break;
		case 'E':
			o.evidence = optarg;
			break;
		case 'h':
			an_usage(stdout);
			return 0;
		default:
			an_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		an_usage(stderr);
		return 2;
	}
	if (o.bench)
		return an_bench(argv[optind], &o);

	static char evfinal[4096], evstage[4200];

	otw_engine_conf_default(&conf);
	if (o.max_flows)
		conf.max_flows = o.max_flows;
	else
		conf.max_flows = 1u << 18; /* offline: grows no further */
	conf.sink = an_sink_fn;
	conf.sink_arg = &sink;
	conf.filter = filter.n ? &filter : NULL;
	sink.print = o.events;
	if (o.learn_s >= 0) {
		struct otw_det_conf dc;
		otw_det_conf_default(&dc);
		/* 0 means "learn nothing": detect from the first packet */
		dc.learn_ns = o.learn_s > 0 ? (uint64_t)(o.learn_s * 1e9) : 1;
		dc.flat = false; /* an exact cut: reproducible offline runs */
		if ((rc = otw_det_create(&dc, &sink.det)) != 0) {
			fprintf(stderr, "otwatch analyze: %s\n", otw_strerror(rc));
			return 1;
		}
		if (an_exclusions(sink.det, &o) != 0 || an_rules(sink.det, &o) != 0)
			goto out;
	}
	if (o.evidence == NULL && o.store != NULL && sink.det != NULL) {
		/* alert pcaps beside the store, as otw-baseline keeps them:
		 * staged by position, renamed to their ids once saved */
		snprintf(evfinal, sizeof(evfinal), "%s/evidence", o.store);
		snprintf(evstage, sizeof(evstage), "%s/.analyze", evfinal);
		if ((mkdir(o.store, 0750) == -1 && errno != EEXIST) ||
		    (mkdir(evfinal, 0750) == -1 && errno != EEXIST)) {
			fprintf(stderr, "otwatch analyze: %s: %s\n", o.store, strerror(errno));
			otw_det_destroy(sink.det);
			return 1;
		}
		o.evidence = evstage;
	}
	if (o.evidence != NULL) {
		if (sink.det == NULL) {
			fprintf(stderr, "otwatch analyze: --evidence needs --learn-seconds\n");
			return 2;
		}
		if (mkdir(o.evidence, 0750) == -1 && errno != EEXIST) {
			fprintf(stderr, "otwatch analyze: %s: %s\n", o.evidence, strerror(errno));
			otw_det_destroy(sink.det);
			return 1;
		}
		sink.evdir = o.evidence;
		if ((rc = otw_pktring_create(0, &sink.ring)) != 0) {
			fprintf(stderr, "otwatch analyze: %s\n", otw_strerror(rc));
			otw_det_destroy(sink.det);
			return 1;
		}
	}
	if ((rc = otw_inv_create(&sink.inv)) != 0 ||
	    (rc = otw_engine_create(&conf, &eng)) != 0) {
		fprintf(stderr, "otwatch analyze: %s\n", otw_strerror(rc));
		goto out;
	}
	t0 = now_s();
	for (int i = optind; i < argc; i++)
		if (an_file(argv[i], eng, sink.ring, &first, &last) != 0)
			goto out;
	otw_engine_flush(eng, true);
	otw_engine_get_stats(eng, &st);
	if (o.events)
		; /* the events were the output */
	else if (o.json)
		otw_inv_print_json(sink.inv, stdout);
	else
		otw_inv_print_table(sink.inv, stdout);
	if (sink.det != NULL)
		an_alerts(sink.det, o.json);
	an_summary(stdout, &st, last > first ? (double)(last - first) / 1e9 : 0,
		   now_s() - t0, o.json);
	if (o.store != NULL && an_save(sink.inv, sink.det, o.store) != 0)
		goto out;
	if (evstage[0] != '\0')
		an_evidence_ids(sink.det, evfinal, evstage);
	ret = 0;
out:
	otw_engine_destroy(eng);
	otw_inv_destroy(sink.inv);
	otw_det_destroy(sink.det);
	otw_pktring_destroy(sink.ring);
	if (sink.evid_failed != 0)
		fprintf(stderr, "otwatch analyze: %u alert pcaps not written\n",
			sink.evid_failed);
	return ret;
}
