/* otwatch run: the supervisor. Starts otw-baseline, then otw-capture (DPDK
 * primary), waits for its rings, then one otw-dissect per worker; watches
 * them; stops them in pipeline order (capture, workers, baseline) so every
 * packet taken in reaches the store. No DPDK here: capture itself detects
 * the idle end (--exit-on-idle) and tells us by exiting 0.
 *
 * Children run in their own process group (a terminal ^C reaches only us,
 * and we stop them in order) and get SIGTERM if we die (PR_SET_PDEATHSIG).
 * DPDK leaves hugepage files of a file prefix behind when its last process
 * exits; we delete them once every DPDK child is gone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "names.h"
#include "otw_err.h"
#include "otw_num.h"
#include "otw_ipc-t.h"
#include "otw_log.h"

#ifndef OTW_LIBEXECDIR
#define OTW_LIBEXECDIR "/usr/local/libexec"
#endif

#define RUN_MAX_ARGS 96
#define RUN_MAX_VDEVS 8

struct run_opts {
	const char *pcap;
	const char *iface;
	const char *vdev[RUN_MAX_VDEVS];
	unsigned n_vdev;
	const char *eal[RUN_MAX_VDEVS];
	unsigned n_eal;
	unsigned workers;
	const char *store;
	const char *url;
	const char *prefix;
	unsigned mem_mb;
	unsigned until_idle_s;
	unsigned ring_size, pool_size; /* 0: capture's default */
	bool pace, loop, no_baseline, lossy;
	const char *learn_s;            /* passed to otw-baseline */
};

struct child {
	const char *name; /* "capture", "worker", "baseline" */
	unsigned idx;
	pid_t pid;        /* 0: not started / reaped */
	int status;
	bool exited;
};

struct argv_buf {
	char *v[RUN_MAX_ARGS + 1];
	int n;
};

static struct child run_kids[OTW_MAX_WORKERS + 2];
static unsigned run_nkids;

static void av_add(struct argv_buf *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void av_add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->n >= RUN_MAX_ARGS)
		return; /* bounded by the option parser; never reached */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s != NULL)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void av_free(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Find a sibling program: build tree (<root>/<dir>/<name>, the front
 * command being <root>/cli/otwatch), install tree, OTW_LIBEXECDIR. */
static bool try_prog(char *out, size_t len, const char *a, const char *b,
		     const char *c, const char *d, const char *e)
{
	int n = snprintf(out, len, "%s%s%s%s%s", a, b, c, d, e);

	return n > 0 && (size_t)n < len && access(out, X_OK) == 0;
}

static int find_prog(const char *dir, const char *name, char *out, size_t len)
{
	char exe[PATH_MAX], *slash;

	if (realpath("/proc/self/exe", exe) != NULL &&
	    (slash = strrchr(exe, '/')) != NULL) {
		*++slash = '\0'; /* keep the trailing '/' */
		if (try_prog(out, len, exe, "../", dir, "/", name) ||
		    try_prog(out, len, exe, dir, "/", name, "") ||
		    try_prog(out, len, exe, name, "", "", ""))
			return 0;
	}
	if (try_prog(out, len, OTW_LIBEXECDIR, "/", name, "", ""))
		return 0;
	return OTW_ENOTFOUND;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch run [--pcap FILE [--loop] | --iface IF | --vdev ARGS...]\n"
		"                   [--workers N] [--store DIR] [--events URL]\n"
		"                   [--file-prefix P] [--hugepages-mb MB] [--until-idle S]\n"
		"                   [--pace] [--ring-size N] [--pool-size N] [--eal ARG]...\n"
		"                   [--lossy] [--no-baseline]\n"
		"  --pcap FILE        replay a capture (net_pcap vdev); --loop: forever\n"
		"  --iface IF         capture an interface (net_af_packet vdev)\n"
		"  --vdev ARGS        any DPDK vdev, repeatable (e.g. net_pcap1,iface=eth1)\n"
		"  --eal ARG          extra EAL argument for otw-capture, repeatable\n"
		"  --workers N        dissector processes (default 1, max %d)\n"
		"  --store DIR        baseline store (default %s)\n"
		"  --events URL       worker -> baseline socket (default %s)\n"
		"  --file-prefix P    DPDK file prefix (default otwatch); `otwatch status`\n"
		"                     takes the same\n"
		"  --hugepages-mb MB  DPDK memory of the capture (default 256); reserved\n"
		"                     when root and too few 2 MiB pages are free\n"
		"  --until-idle S     stop once traffic started, then none for S seconds\n"
		"  --pace             replay --pcap at capture speed (default: fast)\n"
		"  --lossy            let --pcap replay drop on full rings like a live\n"
		"                     port (default: wait; always so with --loop)\n"
		"  --no-baseline      do not start otw-baseline (something else pulls)\n"
		"  --learn-seconds S  otw-baseline's learning period (packet time)\n",
		OTW_MAX_WORKERS, OTW_STORE_DIR_DEFAULT, OTW_EV_URL_DEFAULT);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'r' },
		{ "iface", required_argument, NULL, 'i' },
		{ "vdev", required_argument, NULL, 'V' },
		{ "eal", required_argument, NULL, 'E' },
		{ "workers", required_argument, NULL, 'w' },
		{ "store", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "hugepages-mb", required_argument, NULL, 'm' },
		{ "until-idle", required_argument, NULL, 'u' },
		{ "ring-size", required_argument, NULL, 'R' },
		{ "pool-size", required_argument, NULL, 'P' },
		{ "pace", no_argument, NULL, 'a' },
		{ "lossy", no_argument, NULL, 'Y' },
		{ "loop", no_argument, NULL, 'l' },
		{ "no-baseline", no_argument, NULL, 'B' },
		{ "learn-seconds", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	memset(o, 0, sizeof(*o));
	o->workers = 1;
	o->store = OTW_STORE_DIR_DEFAULT;
	o->url = OTW_EV_URL_DEFAULT;
	o->prefix = "otwatch";
	o->mem_mb = 256;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o->pcap = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'V':
			if (o->n_vdev == RUN_MAX_VDEVS)
				rc = OTW_EUSAGE;
			else
				o->vdev[o->n_vdev++] = optarg;
			break;
		case 'E':
			if (o->n_eal == RUN_MAX_VDEVS)
				rc = OTW_EUSAGE;
			else
				o->eal[o->n_eal++] = optarg;
			break;
		case 'w': rc = otw_parse_uint(optarg, 1, OTW_MAX_WORKERS, &o->workers); break;
		case 's': o->store = optarg; break;
		case 'e': o->url = optarg; break;
		case 'p': o->prefix = optarg; break;
		case 'm': rc = otw_parse_uint(optarg, 16, 1u << 20, &o->mem_mb); break;
		case 'u': rc = otw_parse_uint(optarg, 1, 86400, &o->until_idle_s); break;
		case 'R': rc = otw_parse_uint(optarg, 64, 1u << 20, &o->ring_size); break;
		case 'P': rc = otw_parse_uint(optarg, 1024, 1u << 24, &o->pool_size); break;
		case 'a': o->pace = true; break;
		case 'Y': o->lossy = true; break;
		case 'l': o->loop = true; break;
		case 'B': o->no_baseline = true; break;
		case 'L': {
			uint64_t v;
			rc = otw_parse_u64(optarg, 0, 10ull * 365 * 86400, &v);
			o->learn_s = optarg;
			break;
		}
		case 'h': usage(stdout); exit(0);
		default: rc = OTW_EUSAGE; break;
		}
	}
	if (rc == 0 && optind < argc)
		rc = OTW_EUSAGE;
	if (rc == 0 && o->pcap == NULL && o->iface == NULL && o->n_vdev == 0) {
		fprintf(stderr, "otwatch run: give --pcap, --iface or --vdev\n");
		rc = OTW_EUSAGE;
	}
	if (rc == 0 && (strchr(o->prefix, '/') != NULL || o->prefix[0] == '\0'))
		rc = OTW_EUSAGE;
	if (rc != 0)
		usage(stderr);
	return rc;
}

/* Fork + exec; the child leaves our process group and dies with us. */
static int spawn(struct child *k, const char *path, char *const *argv, int keep_fd)
{
	pid_t ppid = getpid(), pid;
	sigset_t none;

	pid = fork();
	if (pid == -1)
		return -errno;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != ppid) /* we died before prctl */
			_exit(1);
		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		execv(path, argv);
		fprintf(stderr, "otwatch run: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	k->pid = pid;
	k->exited = false;
	otw_log(LOG_INFO, "event=spawned child=%s idx=%u pid=%d path=%s", k->name,
		k->idx, (int)pid, path);
	return 0;
}

static struct child *kid_by_pid(pid_t pid)
{
	for (unsigned i = 0; i < run_nkids; i++)
		if (run_kids[i].pid == pid)
			return &run_kids[i];
	return NULL;
}

static void log_exit(const struct child *k)
{
	if (WIFEXITED(k->status))
		otw_log(LOG_INFO, "event=exited child=%s idx=%u pid=%d code=%d",
			k->name, k->idx, (int)k->pid, WEXITSTATUS(k->status));
	else if (WIFSIGNALED(k->status))
		otw_log(LOG_WARNING, "event=killed child=%s idx=%u pid=%d signal=%d",
			k->name, k->idx, (int)k->pid, WTERMSIG(k->status));
}

/* Reap whatever exited; returns the first newly exited child or NULL. */
static struct child *reap(void)
{
	struct child *first = NULL, *k;
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((k = kid_by_pid(pid)) == NULL || k->exited)
			continue;
		k->status = st;
		k->exited = true;
		log_exit(k);
		if (first == NULL)
			first = k;
	}
	return first;
}

static bool clean_exit(const struct child *k)
{
	return k->exited && WIFEXITED(k->status) && WEXITSTATUS(k->status) == 0;
}

/* SIGTERM a set of children, wait up to timeout_ms, then SIGKILL. Returns
 * true when all exited 0 on their own. */
static bool stop_kids(struct child **ks, unsigned n, unsigned timeout_ms)
{
	uint64_t until = mono_ms() + timeout_ms;
	bool ok = true, left;

	for (unsigned i = 0; i < n; i++)
		if (ks[i]->pid > 0 && !ks[i]->exited)
			kill(ks[i]->pid, SIGTERM);
	do {
		reap();
		left = false;
		for (unsigned i = 0; i < n; i++)
			left |= ks[i]->pid > 0 && !ks[i]->exited;
		if (left)
			usleep(20000);
	} while (left && mono_ms() < until);
	for (unsigned i = 0; i < n; i++) {
		if (ks[i]->pid <= 0)
			continue;
		if (!ks[i]->exited) {
			otw_log(LOG_WARNING, "event=sigkill child=%s idx=%u pid=%d",
				ks[i]->name, ks[i]->idx, (int)ks[i]->pid);
			kill(ks[i]->pid, SIGKILL);
			waitpid(ks[i]->pid, &ks[i]->status, 0);
			ks[i]->exited = true;
		}
		ok &= clean_exit(ks[i]);
	}
	return ok;
}

/* Remove the hugepage files and runtime dir DPDK leaves for a prefix.
 * Only call once no process of the prefix is alive. */
static void dpdk_cleanup(const char *prefix)
{
	FILE *mf = fopen("/proc/mounts", "r");
	char line[1024], mnt[512], type[64], path[PATH_MAX];
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;

	while (mf != NULL && fgets(line, sizeof(line), mf) != NULL) {
		if (sscanf(line, "%*s %511s %63s", mnt, type) != 2 ||
		    strcmp(type, "hugetlbfs") != 0 || (d = opendir(mnt)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			/* <prefix>map_<n> (legacy/dynamic) or <prefix>map_<n>_<m> */
			if (strncmp(de->d_name, prefix, plen) != 0 ||
			    strncmp(de->d_name + plen, "map_", 4) != 0)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", mnt,
				     de->d_name) < (int)sizeof(path))
				unlink(path);
		}
		closedir(d);
	}
	if (mf != NULL)
		fclose(mf);
	/* runtime dir: /var/run/dpdk/<prefix> for root */
	snprintf(path, sizeof(path), "%s/dpdk/%s",
		 geteuid() == 0 ? "/var/run" :
		 (getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp"),
		 prefix);
	if ((d = opendir(path)) != NULL) {
		char f[PATH_MAX];

		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(f, sizeof(f), "%s/%s", path, de->d_name) <
			    (int)sizeof(f))
				unlink(f);
		}
		closedir(d);
		rmdir(path);
	}
}

/* As root, make sure mem_mb of 2 MiB hugepages are free (never lowers). */
static void ensure_hugepages(unsigned mem_mb)
{
	const char *dir = "/sys/kernel/mm/hugepages/hugepages-2048kB";
	char p[256];
	unsigned long nr = 0, fr = 0, want;
	FILE *f;

	snprintf(p, sizeof(p), "%s/free_hugepages", dir);
	if ((f = fopen(p, "r")) == NULL)
		return;
	if (fscanf(f, "%lu", &fr) != 1)
		fr = 0;
	fclose(f);
	want = mem_mb / 2 + 16; /* + EAL's own zones */
	if (fr >= want || geteuid() != 0)
		return;
	snprintf(p, sizeof(p), "%s/nr_hugepages", dir);
	if ((f = fopen(p, "r")) == NULL)
		return;
	if (fscanf(f, "%lu", &nr) != 1)
		nr = 0;
	fclose(f);
	if ((f = fopen(p, "w")) == NULL)
		return;
	fprintf(f, "%lu\n", nr + want - fr);
	fclose(f);
	otw_log(LOG_INFO, "event=hugepages_reserved nr=%lu", nr + want - fr);
}

/* ipc:// URLs: wait for the listener's socket file (a new one). */
static int wait_listener(const char *url, const struct stat *before,
			 struct child *bl, unsigned timeout_ms)
{
	uint64_t until = mono_ms() + timeout_ms;
	struct stat st;

	if (strncmp(url, "ipc://", 6) != 0) {
		usleep(300000); /* tcp/inproc: nothing to look at */
		return 0;
	}
	while (mono_ms() < until) {
		if (stat(url + 6, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    (before == NULL || st.st_ino != before->st_ino ||
		     st.st_ctim.tv_sec != before->st_ctim.tv_sec ||
		     st.st_ctim.tv_nsec != before->st_ctim.tv_nsec))
			return 0;
		reap();
		if (bl != NULL && bl->exited)
			return OTW_EIPC;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/* Wait for capture's "ready" line on fd, watching that it stays alive. */
static int wait_ready(int fd, struct child *cap, unsigned timeout_ms)
{
	uint64_t until = mono_ms() + timeout_ms;
	char buf[16];

	while (mono_ms() < until) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n = poll(&pfd, 1, 100);

		if (n == 1) {
			ssize_t r = read(fd, buf, sizeof(buf));

			return r > 0 && buf[0] == 'r' ? 0 : OTW_EDPDK;
		}
		reap();
		if (cap->exited)
			return OTW_EDPDK;
	}
	return -ETIMEDOUT;
}

static void mkdir_p(const char *path, bool parent_only)
{
	char dir[PATH_MAX], *s;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	if (parent_only) {
		if ((s = strrchr(dir, '/')) == NULL || s == dir)
			return;
		*s = '\0';
	}
	for (char *p = dir + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);
			*p = '/';
		}
	mkdir(dir, 0755);
}

/* Monitor rules stored in dir; none when the store is new or unreadable
 * (the workers then see everything, which is logged). */
static void run_rules(const char *dir, struct otw_filter *f)
{
	struct otw_store *st;
	struct otw_txn *txn;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = otw_store_open(dir, 0, OTW_STORE_RDONLY, &st)) != 0) {
		otw_log(LOG_INFO, "event=no_monitor_rules store=%s err=\"%s\"", dir,
			otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
		rc = otw_names_rules_load(txn, f);
		otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	if (rc != 0) {
		memset(f, 0, sizeof(*f));
		otw_log(LOG_WARNING, "event=monitor_rules_unreadable err=\"%s\"",
			otw_strerror(rc));
	} else if (f->n > 0) {
		otw_log(LOG_INFO, "event=monitor_rules count=%u", f->n);
	}
}

int otw_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	char p_cap[PATH_MAX], p_wk[PATH_MAX], p_bl[PATH_MAX];
	struct argv_buf av = { .n = 0 };
	struct child *cap, *bl = NULL, *stop_set[OTW_MAX_WORKERS];
	struct stat before;
	bool had_before, ok = true, requested = false;
	sigset_t set, old;
	int fds[2] = { -1, -1 }, rc;
	const char *loglvl = "--log-level=warning";
	struct otw_filter rules;

	otw_log_init("otwatch-run", LOG_INFO);
	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (find_prog("capture", "otw-capture", p_cap, sizeof(p_cap)) != 0 ||
	    find_prog("dissect", "otw-dissect", p_wk, sizeof(p_wk)) != 0 ||
	    (!o.no_baseline &&
	     find_prog("baseline", "otw-baseline", p_bl, sizeof(p_bl)) != 0)) {
		otw_log(LOG_ERR, "event=missing_program hint=\"build otw-capture, "
				 "otw-dissect and otw-baseline\"");
		return 1;
	}
	/* signals arrive through sigtimedwait only */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	ensure_hugepages(o.mem_mb);
	if (strncmp(o.url, "ipc://", 6) == 0)
		mkdir_p(o.url + 6, true);
	if (!o.no_baseline)
		mkdir_p(o.store, false);
	run_nkids = 0;

	/* the monitor rules the workers get (otwatch monitor): read once */
	run_rules(o.store, &rules);

	/* 1. baseline: the pull side must listen before workers push */
	if (!o.no_baseline) {
		bl = &run_kids[run_nkids++];
		*bl = (struct child){ .name = "baseline" };
		had_before = strncmp(o.url, "ipc://", 6) == 0 &&
			     stat(o.url + 6, &before) == 0;
		av_add(&av, "%s", p_bl);
		av_add(&av, "--store");
		av_add(&av, "%s", o.store);
		av_add(&av, "--events");
		av_add(&av, "%s", o.url);
		if (o.learn_s != NULL)
			av_add(&av, "--learn-seconds=%s", o.learn_s);
		rc = spawn(bl, p_bl, av.v, -1);
		av_free(&av);
		if (rc != 0 ||
		    (rc = wait_listener(o.url, had_before ? &before : NULL, bl, 15000)) != 0) {
			otw_log(LOG_ERR, "event=baseline_not_listening url=%s err=\"%s\"",
				o.url, otw_strerror(rc));
			ok = false;
			goto stop;
		}
	}

	/* 2. capture: rings, pool, stats memzone; "ready" on a pipe */
	cap = &run_kids[run_nkids++];
	*cap = (struct child){ .name = "capture" };
	if (pipe2(fds, O_CLOEXEC) == -1) {
		ok = false;
		goto stop;
	}
	av_add(&av, "%s", p_cap);
	av_add(&av, "--file-prefix=%s", o.prefix);
	av_add(&av, "--no-pci");
	av_add(&av, "-m");
	av_add(&av, "%u", o.mem_mb);
	av_add(&av, "%s", loglvl);
	if (o.pcap != NULL)
		av_add(&av, "--vdev=net_pcap0,rx_pcap=%s%s", o.pcap,
		       o.loop ? ",infinite_rx=1" : "");
	if (o.iface != NULL)
		av_add(&av, "--vdev=net_af_packet0,iface=%s", o.iface);
	for (unsigned i = 0; i < o.n_vdev; i++)
		av_add(&av, "--vdev=%s", o.vdev[i]);
	for (unsigned i = 0; i < o.n_eal; i++)
		av_add(&av, "%s", o.eal[i]);
	av_add(&av, "--");
	av_add(&av, "--workers=%u", o.workers);
	av_add(&av, "--ready-fd=%d", fds[1]);
	if (o.pace)
		av_add(&av, "--pace");
	if (o.pcap != NULL && !o.loop && !o.lossy)
		av_add(&av, "--lossless");
	if (o.until_idle_s != 0)
		av_add(&av, "--exit-on-idle=%u", o.until_idle_s);
	if (o.ring_size != 0)
		av_add(&av, "--ring-size=%u", o.ring_size);
	if (o.pool_size != 0)
		av_add(&av, "--pool-size=%u", o.pool_size);
	rc = spawn(cap, p_cap, av.v, fds[1]);
	av_free(&av);
	close(fds[1]);
	if (rc != 0 || (rc = wait_ready(fds[0], cap, 60000)) != 0) {
		otw_log(LOG_ERR, "event=capture_not_ready err=\"%s\"", otw_strerror(rc));
		close(fds[0]);
		ok = false;
		goto stop;
	}
	close(fds[0]);

	/* 3. workers (capture holds rx until they attached) */
	for (unsigned w = 0; w < o.workers; w++) {
		struct child *k = &run_kids[run_nkids++];

		*k = (struct child){ .name = "worker", .idx = w };
		av_add(&av, "%s", p_wk);
		av_add(&av, "--file-prefix=%s", o.prefix);
		av_add(&av, "--no-pci");
		av_add(&av, "%s", loglvl);
		av_add(&av, "--");
		av_add(&av, "--worker=%u", w);
		av_add(&av, "--events=%s", o.url);
		for (unsigned i = 0; i < rules.n; i++) {
			char t[OTW_FILTER_TEXT_MAX];
			av_add(&av, "--filter=%s", otw_filter_str(&rules.r[i], t, sizeof(t)));
		}
		rc = spawn(k, p_wk, av.v, -1);
		av_free(&av);
		if (rc != 0) {
			ok = false;
			goto stop;
		}
	}
	otw_log(LOG_INFO, "event=running workers=%u prefix=%s until_idle=%u",
		o.workers, o.prefix, o.until_idle_s);

	/* 4. watch */
	for (;;) {
		struct timespec to = { .tv_sec = 0, .tv_nsec = 200000000 };
		struct child *k;
		int sig = sigtimedwait(&set, NULL, &to);

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			otw_log(LOG_INFO, "event=stop_requested signal=%d", sig);
			requested = true;
			break;
		}
		if ((k = reap()) == NULL)
			continue;
		if (k == cap && o.until_idle_s != 0 && clean_exit(k)) {
			otw_log(LOG_INFO, "event=idle_end");
			requested = true;
			break;
		}
		otw_log(LOG_ERR, "event=child_died child=%s idx=%u", k->name, k->idx);
		ok = false;
		break;
	}

stop:
	/* capture first (no new packets), workers drain + flush, baseline
	 * commits what they sent */
	for (unsigned i = 0; i < run_nkids; i++)
		if (strcmp(run_kids[i].name, "capture") == 0)
			ok &= stop_kids((struct child *[]){ &run_kids[i] }, 1, 5000);
	{
		unsigned n = 0;

		for (unsigned i = 0; i < run_nkids; i++)
			if (strcmp(run_kids[i].name, "worker") == 0)
				stop_set[n++] = &run_kids[i];
		if (n != 0)
			ok &= stop_kids(stop_set, n, 15000);
	}
	dpdk_cleanup(o.prefix);
	if (bl != NULL && bl->pid > 0)
		ok &= stop_kids((struct child *[]){ bl }, 1, 15000);
	sigprocmask(SIG_SETMASK, &old, NULL);
	otw_log(LOG_INFO, "event=stopped ok=%d requested=%d", ok, requested);
	return ok && requested ? 0 : 1;
}
