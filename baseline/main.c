/* otw-baseline: pull event batches from the dissector workers, merge them
 * into the inventory, and commit what changed to the store in group
 * commits (every --commit-ms or --commit-events, whichever comes first).
 *
 * Crash model: the store holds exactly what the last commit wrote, with
 * the per-worker (epoch, seq) of the last batch applied in the same txn.
 * After a SIGKILL the restarted process loads that state and keeps
 * merging; batches received but not committed count as lost (the seq gap
 * shows them), never twice. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>

#include "audit.h"
#include "ctl.h"
#include "detstore.h"
#include "evidq.h"
#include "fwd.h"
#include "inv.h"
#include "otw_err.h"
#include "otw_num.h"
#include "otw_time.h"
#include "otw_evcodec.h"
#include "otw_ipc-t.h"
#include "otw_log.h"
#include "setting.h"
#include "store.h"

#define STATS_MS 5000
#define RECV_POLL_MS 100 /* bounds how late we notice a signal */
#define DRAIN_QUIET_MS 20
#define SYNC_MS 2000 /* how often alert actions are read back */
#define FWD_QUEUE 256 /* new alerts forwarded per commit; more are counted */

struct opts {
	const char *store;
	const char *url;
	unsigned commit_ms;
	unsigned commit_events;
	size_t map_mb;
	uint64_t learn_s;       /* learning period (packet time) */
	int learn_flat;         /* flattening rule: max new entries, -1 off */
	const char *syslog;     /* forward new alerts to HOST:PORT (UDP) */
	const char *rules;      /* indicator rule file */
};

struct worker {
	uint64_t epoch;
	uint32_t seq;  /* last batch applied */
	bool known;
	bool dirty;    /* changed since the last commit */
};

/* Counters kept in the store's meta table, so they survive restarts. */
#define CTR_MAP(X)                \
	X(events, "events")       \
	X(batches, "batches")     \
	X(msgs_lost, "msgs_lost") \
	X(bad_msgs, "bad_msgs")   \
	X(reordered, "reordered") \
	X(apply_failed, "apply_failed")

struct ctrs {
#define CTR_FIELD(f, name) uint64_t f;
	CTR_MAP(CTR_FIELD)
#undef CTR_FIELD
};

struct bl {
	struct opts o;
	struct otw_store *st;
	struct otw_inv *inv;
	struct otw_det *det;
	struct otw_fwd *fwd;
	struct otw_evidq *evq;  /* alert pcaps; NULL when off */
	struct otw_alert outq[FWD_QUEUE]; /* new alerts of the commit in flight */
	unsigned n_out;
	uint64_t fwd_sent, fwd_failed;
	nng_socket sock;
	struct worker w[OTW_MAX_WORKERS];
	struct ctrs c;          /* cumulative, as stored */
	uint64_t pending;       /* events applied since the last commit */
	uint64_t commits;       /* this run */
	uint64_t run_events;    /* this run */
	struct otw_ctl_learning learning; /* as last applied */
	struct otw_excl excl[OTW_EXCL_MAX]; /* as last applied (hits aside) */
	unsigned n_excl;
	uint64_t excl_hits;     /* sum stored by the last commit */
	uint64_t rules_gen;     /* rules.reload as last seen */
	bool auto_end;          /* record the automatic end in the next commit */
	uint64_t auto_end_ns;
	uint32_t auto_end_recent;
};

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

/* (Re)load the indicator rules; a file that fails to parse keeps the
 * rules in force (logged with its line). */
static int load_rules(struct bl *b)
{
	struct otw_ioc *ioc;
	const char *err;
	unsigned line;
	int rc = otw_ioc_load_file(b->o.rules, &ioc, &line, &err);

	if (rc != 0) {
		otw_log(LOG_ERR, "event=rules_failed file=%s line=%u err=\"%s\"", b->o.rules, line,
			rc == -EINVAL ? err : otw_strerror(rc));
		return rc;
	}
	otw_log(LOG_NOTICE, "event=rules_loaded file=%s rules=%u", b->o.rules, otw_ioc_count(ioc));
	otw_det_set_ioc(b->det, ioc);
	return 0;
}

static uint64_t now_ms(void)
{
	return otw_clock_ns(CLOCK_MONOTONIC) / 1000000u;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otw-baseline [OPTIONS]\n"
		"  --store DIR          LMDB store directory (default %s)\n"
		"  --events URL         NNG pull URL to listen on (default %s)\n"
		"  --commit-ms MS       commit at least this often (default 100)\n"
		"  --commit-events N    or after N events (default 65536)\n"
		"  --learn-seconds S    learning mode for the first S seconds of traffic\n"
		"                       (packet time; default 14 days; 0: never learn)\n"
		"  --learn-flat N|off   learning ends after the period only once at most N\n"
		"                       new baseline entries came in its last tenth\n"
		"                       (default 20; off: the period alone)\n"
		"  --rules FILE         threat indicator rules (default %s;\n"
		"                       reloaded on SIGHUP or `otwatch rules reload`)\n"
		"  --syslog HOST:PORT   forward each new alert as syslog (RFC 5424) + CEF\n"
		"                       over UDP\n"
		"  --map-mb MB          LMDB map size (default %zu)\n"
		"  -v, --verbose        debug logging\n",
		OTW_STORE_DIR_DEFAULT, OTW_EV_URL_DEFAULT, otw_ioc_default_path(),
		OTW_STORE_MAP_DEFAULT >> 20);
}

/* Returns 0, 1 (--help printed) or OTW_EUSAGE. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "commit-ms", required_argument, NULL, 'm' },
		{ "commit-events", required_argument, NULL, 'n' },
		{ "map-mb", required_argument, NULL, 'M' },
		{ "learn-seconds", required_argument, NULL, 'L' },
		{ "syslog", required_argument, NULL, 'Y' },
		{ "learn-flat", required_argument, NULL, 'F' },
		{ "rules", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int ch;

	o->store = OTW_STORE_DIR_DEFAULT;
	o->url = OTW_EV_URL_DEFAULT;
	o->commit_ms = 100;
	o->commit_events = 65536; /* time decides at normal rates */
	o->learn_s = 14ull * 86400;
	o->learn_flat = 20;
	o->rules = otw_ioc_default_path();
	o->map_mb = OTW_STORE_MAP_DEFAULT >> 20;
	while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->store = optarg;
			break;
		case 'e':
			o->url = optarg;
			break;
		case 'm':
			if (otw_parse_u64(optarg, 1, 3600000, &v) != 0)
				goto bad;
			o->commit_ms = (unsigned)v;
			break;
		case 'n':
			if (otw_parse_u64(optarg, 1, 100000000, &v) != 0)
				goto bad;
			o->commit_events = (unsigned)v;
			break;
		case 'Y':
			o->syslog = optarg;
			break;
		case 'L':
			if (otw_parse_u64(optarg, 0, 10ull * 365 * 86400, &v) != 0)
				goto bad;
			o->learn_s = v;
			break;
		case 'R':
			o->rules = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "off") == 0)
				o->learn_flat = -1;
			else if (otw_parse_u64(optarg, 0, OTW_DET_FLAT_MAX, &v) == 0)
				o->learn_flat = (int)v;
			else
				goto bad;
			break;
		case 'M':
			if (otw_parse_u64(optarg, 1, SIZE_MAX >> 20, &v) != 0)
				goto bad;
			o->map_mb = v;
			break;
		case 'v':
			otw_log_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return OTW_EUSAGE;
}

/* mkdir -p for the directory that will hold an ipc:// socket. */
static int make_ipc_dir(const char *url)
{
	char path[PATH_MAX], *dir;

	if (strncmp(url, "ipc://", 6) != 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s", url + 6) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	dir = dirname(path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0750) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

static int load_state(struct bl *b)
{
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_inv_load(b->inv, b->st)) != 0)
		return rc;
	if ((rc = otw_store_txn_begin(b->st, false, &txn)) != 0)
		return rc;
	if ((rc = otw_detstore_load(b->det, txn)) != 0)
		goto out;
	for (uint16_t i = 0; i < OTW_MAX_WORKERS; i++) {
		struct worker *w = &b->w[i];
		rc = otw_store_worker_get(txn, i, &w->epoch, &w->seq);
		if (rc != 0 && rc != OTW_ENOTFOUND)
			goto out;
		w->known = rc == 0;
	}
#define CTR_LOAD(f, name)                                            \
	rc = otw_store_counter_get(txn, name, &b->c.f);              \
	if (rc != 0 && rc != OTW_ENOTFOUND)                          \
		goto out;
	CTR_MAP(CTR_LOAD)
#undef CTR_LOAD
	rc = 0;
out:
	otw_store_txn_abort(txn);
	return rc;
}

static void queue_fwd(void *arg, const struct otw_alert *a)
{
	struct bl *b = arg;

	if (b->n_out < FWD_QUEUE)
		b->outq[b->n_out++] = *a;
	else if (b->fwd != NULL)
		b->fwd_failed++;
}

/* After a commit: new alerts go to the SIEM (best effort, counted) and to
 * the evidence writer, which asks the workers that sent events. */
static void send_fwd(struct bl *b)
{
	uint32_t workers = 0;

	for (unsigned i = 0; i < OTW_MAX_WORKERS; i++)
		if (b->w[i].known)
			workers |= 1u << i;
	for (unsigned i = 0; i < b->n_out; i++) {
		if (b->evq != NULL)
			otw_evidq_push(b->evq, &b->outq[i], workers);
		if (b->fwd == NULL)
			continue;
		if (otw_fwd_send(b->fwd, &b->outq[i]) == 0)
			b->fwd_sent++;
		else
			b->fwd_failed++;
	}
	b->n_out = 0;
}

static uint64_t excl_hits(const struct bl *b)
{
	unsigned n;
	const struct otw_excl *r = otw_det_exclusions(b->det, &n);
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += r[i].hits;
	return sum;
}

/* The automatic end of learning, as the operator's "off" would be, by
 * user "system": survives a restart and shows in the audit log. */
static int save_auto_end(struct bl *b, struct otw_txn *txn)
{
	char v[64], detail[128];
	int rc;

	snprintf(v, sizeof(v), "%" PRIu64 " %u", b->auto_end_ns, b->auto_end_recent);
	snprintf(detail, sizeof(detail),
		 "automatic: period of %" PRIu64 " s over, %u new entries in its last tenth",
		 b->o.learn_s, b->auto_end_recent);
	if (b->learning.mode != OTW_LEARNMODE_AUTO)
		return 0; /* an operator took over meanwhile */
	if ((rc = otw_store_setting_put(txn, OTW_CTL_LEARN_ENDED, v, strlen(v))) != 0 ||
	    (rc = otw_ctl_learning_put_mode(txn, OTW_LEARNMODE_OFF)) != 0)
		return rc;
	b->learning.mode = OTW_LEARNMODE_OFF;
	return otw_store_audit_log(txn, "system", "learning.off", "global", detail);
}

/* One txn: dirty inventory records, worker positions and counters, so a
 * crash never separates the data from the seq that says what it holds. */
static int commit(struct bl *b)
{
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_store_txn_begin(b->st, true, &txn)) != 0)
		return rc;
	if ((rc = otw_inv_save_dirty(b->inv, txn)) != 0 ||
	    (rc = otw_detstore_save_cb(b->det, txn,
				b->fwd || b->evq ? queue_fwd : NULL, b)) != 0 ||
	    (b->auto_end && (rc = save_auto_end(b, txn)) != 0))
		goto out_abort;
	if (excl_hits(b) != b->excl_hits) {
		unsigned n;
		const struct otw_excl *r = otw_det_exclusions(b->det, &n);
		if ((rc = otw_ctl_excl_save_hits(txn, r, n)) != 0)
			goto out_abort;
	}
	for (uint16_t i = 0; i < OTW_MAX_WORKERS; i++) {
		if (!b->w[i].dirty)
			continue;
		rc = otw_store_worker_put(txn, i, b->w[i].epoch, b->w[i].seq);
		if (rc != 0)
			goto out_abort;
	}
#define CTR_SAVE(f, name)                                               \
	if ((rc = otw_store_counter_put(txn, name, b->c.f)) != 0)       \
		goto out_abort;
	CTR_MAP(CTR_SAVE)
#undef CTR_SAVE
	if ((rc = otw_store_txn_commit(txn)) != 0) {
		b->n_out = 0;
		return rc;
	}
	send_fwd(b);
	for (unsigned i = 0; i < OTW_MAX_WORKERS; i++)
		b->w[i].dirty = false;
	b->pending = 0;
	b->commits++;
	b->excl_hits = excl_hits(b);
	if (b->auto_end) {
		otw_log(LOG_NOTICE, "event=learning_ended at_ns=%" PRIu64 " recent_entries=%u",
			b->auto_end_ns, b->auto_end_recent);
		b->auto_end = false;
	}
	return 0;
out_abort:
	b->n_out = 0;
	otw_store_txn_abort(txn);
	return rc;
}

/* Sequence bookkeeping: seq starts at 0 with each worker epoch and moves
 * on every message the worker tried to send, so a gap is loss. */
static void track_seq(struct bl *b, const struct otw_ev_batch_hdr *h)
{
	struct worker *w = &b->w[h->worker];

	if (!w->known || w->epoch != h->epoch) {
		b->c.msgs_lost += h->seq; /* the new epoch's first ones */
	} else {
		uint32_t d = h->seq - w->seq; /* modulo 2^32: wraps fine */
		if (d == 0 || d > INT32_MAX) {
			b->c.reordered++;
			return; /* keep the newest position */
		}
		b->c.msgs_lost += d - 1;
	}
	w->known = true;
	w->epoch = h->epoch;
	w->seq = h->seq;
	w->dirty = true;
}

static void handle(struct bl *b, nng_msg *msg)
{
	struct otw_ev_batch_hdr h;
	const struct otw_ev *evs;
	struct otw_ev ev;
	int rc;

	rc = otw_ev_decode(nng_msg_body(msg), nng_msg_len(msg), &h, &evs);
	if (rc != 0 || h.worker >= OTW_MAX_WORKERS) {
		if (b->c.bad_msgs++ == 0)
			otw_log(LOG_WARNING, "event=bad_msg err=\"%s\" len=%zu",
				rc ? otw_strerror(rc) : "worker id out of range",
				nng_msg_len(msg));
		return;
	}
	track_seq(b, &h);
	for (uint16_t i = 0; i < h.count; i++) {
		memcpy(&ev, &evs[i], sizeof(ev)); /* aligned private copy */
		otw_det_apply(b->det, &ev);
		if ((rc = otw_inv_apply(b->inv, &ev)) != 0 &&
		    b->c.apply_failed++ == 0)
			otw_log(LOG_ERR, "event=apply_failed err=\"%s\"",
				otw_strerror(rc));
	}
	if (otw_det_take_auto_end(b->det, &b->auto_end_ns, &b->auto_end_recent))
		b->auto_end = true;
	b->c.events += h.count;
	b->c.batches++;
	b->pending += h.count;
	b->run_events += h.count;
}

static unsigned n_alerts(const struct bl *b)
{
	uint32_t n;

	(void)otw_det_alerts(b->det, &n);
	return n;
}

static void log_stats(struct bl *b, const char *what, uint64_t dt_ms,
		      uint64_t dev)
{
	struct otw_inv_stats s;

	otw_inv_get_stats(b->inv, &s);
	otw_log(LOG_INFO,
		"event=%s events=%" PRIu64 " batches=%" PRIu64 " lost=%" PRIu64
		" bad=%" PRIu64 " devices=%zu conns=%zu ops=%zu commits=%" PRIu64
		" ev_per_s=%" PRIu64 " alerts=%u fwd_sent=%" PRIu64 " fwd_failed=%" PRIu64,
		what, b->c.events, b->c.batches, b->c.msgs_lost, b->c.bad_msgs,
		s.devices, s.conns, s.ops, b->commits,
		dt_ms ? dev * 1000u / dt_ms : 0, n_alerts(b), b->fwd_sent, b->fwd_failed);
}

static int nng_setup(struct bl *b)
{
	int rc;

	if ((rc = make_ipc_dir(b->o.url)) != 0) {
		otw_log(LOG_ERR, "event=mkdir_failed url=%s err=\"%s\"",
			b->o.url, otw_strerror(rc));
		return rc;
	}
	if ((rc = nng_pull0_open(&b->sock)) != 0)
		goto fail;
	/* room for a few commits' worth of batches: a durable commit
	 * stalls the loop for milliseconds */
	(void)nng_socket_set_int(b->sock, NNG_OPT_RECVBUF, 1024);
	if ((rc = nng_socket_set_ms(b->sock, NNG_OPT_RECVTIMEO,
				    b->o.commit_ms < RECV_POLL_MS
					    ? (nng_duration)b->o.commit_ms
					    : RECV_POLL_MS)) != 0 ||
	    (rc = nng_listen(b->sock, b->o.url, NULL, 0)) != 0) {
		nng_close(b->sock);
		goto fail;
	}
	return 0;
fail:
	otw_log(LOG_ERR, "event=nng_failed url=%s err=\"%s\"", b->o.url,
		nng_strerror(rc));
	return OTW_EIPC;
}

/* Learning mode changes (otwatch learning): applied when they differ. */
static int sync_learning(struct bl *b, struct otw_txn *txn)
{
	struct otw_ctl_learning l;
	int rc;

	if ((rc = otw_ctl_learning_get(txn, &l)) != 0)
		return rc;
	if (memcmp(&l, &b->learning, sizeof(l)) == 0)
		return 0;
	b->learning = l;
	otw_det_set_learning(b->det, l.mode, l.scopes, l.n);
	otw_log(LOG_NOTICE, "event=learning_mode mode=%s scopes=%u", otw_learn_mode_name(l.mode), l.n);
	return 0;
}

/* Exclusion rules (otwatch exclusions): reloaded when they differ. */
static int sync_exclusions(struct bl *b, struct otw_txn *txn)
{
	static struct otw_excl r[OTW_EXCL_MAX];
	unsigned n, bad;
	bool same;
	int rc;

	if ((rc = otw_ctl_excl_get(txn, r, OTW_EXCL_MAX, &n, &bad)) != 0)
		return rc;
	same = n == b->n_excl;
	for (unsigned i = 0; same && i < n; i++) {
		struct otw_excl x = r[i], y = b->excl[i];
		x.hits = y.hits = 0;
		same = memcmp(&x, &y, sizeof(x)) == 0;
	}
	if (same)
		return 0;
	memcpy(b->excl, r, n * sizeof(*r));
	b->n_excl = n;
	otw_det_set_exclusions(b->det, r, n);
	b->excl_hits = excl_hits(b);
	otw_log(LOG_NOTICE, "event=exclusions rules=%u unreadable=%u", n, bad);
	return 0;
}

/* Alert actions operators took in the console (close, mute, learn). */
static void sync_status(struct bl *b)
{
	struct otw_txn *txn;
	uint64_t gen;
	int rc;

	if ((rc = otw_store_txn_begin(b->st, false, &txn)) != 0)
		return;
	rc = otw_detstore_sync_status(b->det, txn);
	if (rc == 0)
		rc = sync_learning(b, txn);
	if (rc == 0)
		rc = sync_exclusions(b, txn);
	if (rc == 0 && (rc = otw_ctl_rules_gen(txn, &gen)) == 0 && gen != b->rules_gen) {
		if (b->rules_gen != 0 || gen != 0)
			reload_flag = 1;
		b->rules_gen = gen;
	}
	otw_store_txn_abort(txn);
	if (rc != 0)
		otw_log(LOG_WARNING, "event=status_sync_failed err=\"%s\"", otw_strerror(rc));
}

static int run(struct bl *b)
{
	uint64_t t = now_ms(), next_commit = t + b->o.commit_ms;
	uint64_t next_sync = t + SYNC_MS;
	uint64_t next_stats = t + STATS_MS, stats_t = t, stats_ev = 0;
	nng_msg *msg;
	int rc;

	while (!stop_flag) {
		rc = nng_recvmsg(b->sock, &msg, 0);
		if (rc == 0) {
			handle(b, msg);
			nng_msg_free(msg);
		} else if (rc != NNG_ETIMEDOUT) {
			otw_log(LOG_ERR, "event=recv_failed err=\"%s\"",
				nng_strerror(rc));
			return OTW_EIPC;
		}
		t = now_ms();
		if (b->pending >= b->o.commit_events ||
		    (t >= next_commit && b->pending > 0)) {
			if ((rc = commit(b)) != 0)
				return rc;
			next_commit = t + b->o.commit_ms;
		} else if (t >= next_commit) {
			next_commit = t + b->o.commit_ms;
		}
		if (t >= next_sync) {
			sync_status(b);
			/* operator's merges and names (otwatch devices/names) */
			if ((rc = otw_inv_load_meta(b->inv, b->st)) != 0)
				otw_log(LOG_WARNING, "event=devmeta_reload_failed err=\"%s\"",
					otw_strerror(rc));
			next_sync = t + SYNC_MS;
		}
		if (reload_flag) {
			reload_flag = 0;
			(void)load_rules(b);
		}
		if (t >= next_stats) {
			log_stats(b, "stats", t - stats_t,
				  b->run_events - stats_ev);
			stats_t = t;
			stats_ev = b->run_events;
			next_stats = t + STATS_MS;
		}
	}
	/* drain until the socket stays quiet for a moment (batches still
	 * in the pipes count as readable), then one last commit */
	(void)nng_socket_set_ms(b->sock, NNG_OPT_RECVTIMEO, DRAIN_QUIET_MS);
	while (nng_recvmsg(b->sock, &msg, 0) == 0) {
		handle(b, msg);
		nng_msg_free(msg);
	}
	return commit(b);
}

int main(int argc, char **argv)
{
	struct bl b = { 0 };
	struct sigaction sa = { 0 };
	uint64_t t0;
	int rc;

	otw_log_init("otw-baseline", otw_log_level);
	if ((rc = parse_opts(argc, argv, &b.o)) != 0)
		return rc == 1 ? 0 : 2;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if ((rc = otw_store_open(b.o.store, b.o.map_mb << 20, 0, &b.st)) != 0) {
		otw_log(LOG_ERR, "event=store_open_failed dir=%s err=\"%s\"",
			b.o.store, otw_strerror(rc));
		return 1;
	}
	{
		struct otw_det_conf dc;
		otw_det_conf_default(&dc);
		dc.learn_ns = b.o.learn_s ? b.o.learn_s * 1000000000ull : 1;
		dc.flat = b.o.learn_flat >= 0;
		dc.flat_max = dc.flat ? (uint32_t)b.o.learn_flat : 0;
		if ((rc = otw_det_create(&dc, &b.det)) != 0) {
			otw_log(LOG_ERR, "event=det_failed err=\"%s\"", otw_strerror(rc));
			return 1;
		}
	}
	if (b.o.syslog != NULL) {
		char host[64] = "";
		(void)gethostname(host, sizeof(host) - 1);
		if ((rc = otw_fwd_open(b.o.syslog, host, &b.fwd)) != 0) {
			otw_log(LOG_ERR, "event=syslog_failed dest=%s err=\"%s\"", b.o.syslog,
				otw_strerror(rc));
			return 1;
		}
	}
	if ((rc = otw_inv_create(&b.inv)) != 0 || (rc = load_state(&b)) != 0) {
		otw_log(LOG_ERR, "event=load_failed dir=%s err=\"%s\"",
			b.o.store, otw_strerror(rc));
		goto out_store;
	}
	sync_status(&b); /* learning mode before the first event */
	reload_flag = 0;
	if (load_rules(&b) != 0)
		goto out_store;
	if ((rc = nng_setup(&b)) != 0)
		goto out_store;
	{
		char dir[PATH_MAX];
		int erc;
		if ((size_t)snprintf(dir, sizeof(dir), "%s/evidence", b.o.store) < sizeof(dir) &&
		    (erc = otw_evidq_create(b.o.url, dir, &b.evq)) != 0)
			otw_log(LOG_WARNING, "event=evidence_off dir=%s err=\"%s\"", dir,
				otw_strerror(erc));
	}
	otw_log(LOG_INFO, "event=start store=%s url=%s commit_ms=%u commit_events=%u",
		b.o.store, b.o.url, b.o.commit_ms, b.o.commit_events);
	log_stats(&b, "loaded", 0, 0);
	t0 = now_ms();
	rc = run(&b);
	if (rc != 0)
		otw_log(LOG_ERR, "event=failed err=\"%s\"", otw_strerror(rc));
	log_stats(&b, "stop", now_ms() - t0, b.run_events);
	if (b.evq != NULL) {
		struct otw_evidq_stats es;
		otw_evidq_get_stats(b.evq, &es);
		otw_log(LOG_INFO, "event=evidence written=%" PRIu64 " empty=%" PRIu64
			" dropped=%" PRIu64 " failed=%" PRIu64, es.written, es.empty,
			es.dropped, es.failed);
		otw_evidq_destroy(b.evq, 1000);
	}
	nng_close(b.sock);
out_store:
	otw_inv_destroy(b.inv);
	otw_det_destroy(b.det);
	otw_fwd_close(b.fwd);
	otw_store_close(b.st);
	return rc == 0 ? 0 : 1;
}
