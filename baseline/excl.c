#include "excl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "det.h"
#include "kv.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day_ix(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "Z", "+HH:MM" or "-HH:MM" (the whole of s); minutes east of UTC. */
static bool parse_off(const char *s, int *off)
{
	unsigned h, m;
	int n = 0;

	if (strcmp(s, "Z") == 0) {
		*off = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || sscanf(s + 1, "%2u:%2u%n", &h, &m, &n) != 2 ||
	    s[1 + n] != '\0' || n != 5 || h > 14 || m > 59)
		return false;
	*off = (int)(h * 60 + m) * (s[0] == '-' ? -1 : 1);
	return true;
}

static bool parse_hhmm(const char *s, size_t n, uint16_t *min)
{
	unsigned h, m;
	int k = 0;
	char b[8];

	if (n != 5)
		return false;
	memcpy(b, s, 5);
	b[5] = '\0';
	if (sscanf(b, "%2u:%2u%n", &h, &m, &k) != 2 || k != 5 || h > 23 || m > 59)
		return false;
	*min = (uint16_t)(h * 60 + m);
	return true;
}

/* YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM) of length n. */
static bool parse_time(const char *s, size_t n, uint64_t *ns)
{
	char b[40];
	struct tm tm;
	int k = 0, off;
	unsigned Y, M, D, h, m, sec = 0;

	if (n >= sizeof(b))
		return false;
	memcpy(b, s, n);
	b[n] = '\0';
	if (sscanf(b, "%4u-%2u-%2uT%2u:%2u%n", &Y, &M, &D, &h, &m, &k) != 5 || k != 16)
		return false;
	if (b[k] == ':') {
		int k2 = 0;
		if (sscanf(b + k, ":%2u%n", &sec, &k2) != 1 || k2 != 3)
			return false;
		k += 3;
	}
	if (!parse_off(b + k, &off) || Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 ||
	    m > 59 || sec > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)Y - 1900;
	tm.tm_mon = (int)M - 1;
	tm.tm_mday = (int)D;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)m;
	tm.tm_sec = (int)sec;
	time_t t = timegm(&tm) - (time_t)off * 60;
	if (t < 0)
		return false;
	*ns = (uint64_t)t * 1000000000ull;
	return true;
}

/* DAYS/HH:MM-HH:MM[offset] */
static bool parse_weekly(const char *v, struct otw_excl *x)
{
	const char *slash = strchr(v, '/'), *p;
	int off = 0;

	if (slash == NULL || strlen(slash + 1) < 11 || slash[6] != '-')
		return false;
	if ((size_t)(slash - v) == 5 && strncmp(v, "daily", 5) == 0) {
		x->days = 0x7f;
	} else {
		for (p = v; p < slash;) {
			const char *e = memchr(p, ',', (size_t)(slash - p));
			size_t n;
			int a, b;
			if (e == NULL)
				e = slash;
			n = (size_t)(e - p);
			if (n == 3)
				a = b = day_ix(p, 3);
			else if (n == 7 && p[3] == '-')
				a = day_ix(p, 3), b = day_ix(p + 4, 3);
			else
				return false;
			if (a < 0 || b < a)
				return false;
			for (int i = a; i <= b; i++)
				x->days |= (uint8_t)(1u << i);
			if (e < slash && e + 1 == slash)
				return false; /* trailing comma */
			p = e < slash ? e + 1 : e;
		}
	}
	if (x->days == 0 || !parse_hhmm(slash + 1, 5, &x->from_min) ||
	    !parse_hhmm(slash + 7, 5, &x->to_min))
		return false;
	if (slash[12] != '\0' && !parse_off(slash + 12, &off))
		return false;
	x->off_min = (int16_t)off;
	return true;
}

static int engine_parse(const char *s)
{
	for (unsigned e = 1; e <= OTW_ENG_THREAT; e++)
		if (strcmp(s, otw_engine_name(e)) == 0)
			return (int)e;
	return -1;
}

int otw_excl_parse(const char *text, struct otw_excl *out, const char **err)
{
	struct otw_excl x;
	const char *p = text;
	char key[16], val[160];
	bool any = false;

	memset(&x, 0, sizeof(x));
	*err = "";
	for (;;) {
		size_t v;
		int t = otw_kv_next(&p, key, sizeof(key), val, sizeof(val), &v, err);
		if (t < 0)
			return t;
		if (t == 0)
			break;
		any = true;
		if (strcmp(key, "ip") == 0 || strcmp(key, "src") == 0 || strcmp(key, "dst") == 0) {
			if (x.has_ip || otw_cidr_parse(val, &x.ip) != 0) {
				*err = x.has_ip ? "only one of ip, src, dst" : "bad address or subnet";
				return -EINVAL;
			}
			x.has_ip = true;
			x.side = key[0] == 's' ? OTW_EXCL_SRC : key[0] == 'd' ? OTW_EXCL_DST : OTW_EXCL_ANY;
		} else if (strcmp(key, "engine") == 0) {
			int e = engine_parse(val);
			if (e < 0) {
				*err = "engine is policy, protocol, anomaly, operational or threat";
				return -EINVAL;
			}
			x.engine = (uint8_t)e;
		} else if (strcmp(key, "title") == 0) {
			if (v == 0 || v >= sizeof(x.title)) {
				*err = "title must be 1-95 bytes";
				return -EINVAL;
			}
			memcpy(x.title, val, v + 1);
		} else if (strcmp(key, "once") == 0 && x.win == OTW_EXCL_ALWAYS) {
			const char *dots = strstr(val, "..");
			if (dots == NULL || !parse_time(val, (size_t)(dots - val), &x.start_ns) ||
			    !parse_time(dots + 2, strlen(dots + 2), &x.end_ns) || x.end_ns <= x.start_ns) {
				*err = "once=START..END, times as 2026-01-31T22:00Z, end after start";
				return -EINVAL;
			}
			x.win = OTW_EXCL_ONCE;
		} else if (strcmp(key, "weekly") == 0 && x.win == OTW_EXCL_ALWAYS) {
			if (!parse_weekly(val, &x)) {
				*err = "weekly=DAYS/HH:MM-HH:MM[Z|+HH:MM], days as mon-fri,sun or daily";
				return -EINVAL;
			}
			x.win = OTW_EXCL_WEEKLY;
		} else {
			*err = "unknown or repeated key (ip src dst engine title once weekly)";
			return -EINVAL;
		}
	}
	if (!any) {
		*err = "empty rule";
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static void fmt_off(char *b, size_t n, int off)
{
	if (off == 0)
		snprintf(b, n, "Z");
	else
		snprintf(b, n, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

static void fmt_time(char *b, size_t n, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

int otw_excl_format(const struct otw_excl *x, char *buf, size_t len)
{
	static const char *const side[] = { "ip", "src", "dst" };
	size_t o = 0;
	char b[64], e[40];

#define PUT(...) \
	do { \
		int n_ = snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__); \
		if (n_ < 0) \
			return -EINVAL; \
		o += (size_t)n_; \
	} while (0)
	buf[0] = '\0';
	if (x->has_ip)
		PUT("%s=%s ", side[x->side], otw_cidr_str(&x->ip, b, sizeof(b)));
	if (x->engine)
		PUT("engine=%s ", otw_engine_name(x->engine));
	if (x->title[0]) {
		PUT("title=\"");
		for (const char *t = x->title; *t; t++)
			PUT("%s%c", *t == '"' || *t == '\\' ? "\\" : "", *t);
		PUT("\" ");
	}
	if (x->win == OTW_EXCL_ONCE) {
		fmt_time(b, sizeof(b), x->start_ns);
		fmt_time(e, sizeof(e), x->end_ns);
		PUT("once=%s..%s ", b, e);
	} else if (x->win == OTW_EXCL_WEEKLY) {
		bool first = true;
		if (x->days == 0x7f) {
			PUT("weekly=daily");
		} else {
			PUT("weekly=");
			for (int i = 0; i < 7; i++)
				if (x->days & (1u << i)) {
					PUT("%s%s", first ? "" : ",", day_names[i]);
					first = false;
				}
		}
		fmt_off(b, sizeof(b), x->off_min);
		PUT("/%02u:%02u-%02u:%02u%s ", x->from_min / 60u, x->from_min % 60u, x->to_min / 60u,
		    x->to_min % 60u, b);
	}
#undef PUT
	if (o >= len)
		return -ENOSPC;
	if (o > 0)
		buf[o - 1] = '\0'; /* the last separator */
	return 0;
}

/* Is ts inside a weekly window? Minutes since Monday 00:00 local. */
static bool in_weekly(const struct otw_excl *x, uint64_t ts_ns)
{
	/* 1970-01-01 was a Thursday: day 3 of a Monday-first week */
	int64_t min = (int64_t)(ts_ns / 60000000000ull) + x->off_min;
	int64_t week_min = ((min / 1440 + 3) % 7) * 1440 + min % 1440;
	int64_t len = x->to_min > x->from_min ? x->to_min - x->from_min
					      : 1440 - x->from_min + x->to_min;

	for (int d = 0; d < 7; d++) {
		if (!(x->days & (1u << d)))
			continue;
		int64_t s = (int64_t)d * 1440 + x->from_min, rel = week_min - s;
		if (rel < 0)
			rel += 7 * 1440; /* Sunday's window running into Monday */
		if (rel < len)
			return true;
	}
	return false;
}

bool otw_excl_match(const struct otw_excl *x, unsigned engine, const char *title,
		    const struct otw_ip *src, const struct otw_ip *dst, uint64_t ts_ns)
{
	if (x->engine && x->engine != engine)
		return false;
	if (x->title[0] && strcasestr(title, x->title) == NULL)
		return false;
	if (x->has_ip) {
		bool s = src && x->side != OTW_EXCL_DST && otw_cidr_match(&x->ip, src);
		bool d = dst && x->side != OTW_EXCL_SRC && otw_cidr_match(&x->ip, dst);
		if (!s && !d)
			return false;
	}
	if (x->win == OTW_EXCL_ONCE)
		return ts_ns >= x->start_ns && ts_ns < x->end_ns;
	if (x->win == OTW_EXCL_WEEKLY)
		return in_weekly(x, ts_ns);
	return true;
}

int otw_excl_read_file(const char *path, struct otw_excl *out, unsigned cap,
		       unsigned *n, unsigned *line, const char **err)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	int rc = 0;

	*n = *line = 0;
	*err = "";
	if (f == NULL)
		return -errno;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *p = buf;
		++*line;
		buf[strcspn(buf, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (*n == cap) {
			rc = -ENOSPC;
			break;
		}
		if ((rc = otw_excl_parse(p, &out[*n], err)) != 0)
			break;
		out[*n].id = *n + 1;
		++*n;
	}
	fclose(f);
	return rc;
}
