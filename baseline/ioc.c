#include "ioc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"
#include "kv.h"
#include "otw_app.h"
#include "otw_num.h"

#define SEQ_ADDRS 32 /* distinct addresses remembered per pair */

struct seq {                  /* one (client, server, rule) */
	struct otw_ip src, dst;
	uint32_t rule;        /* index + 1; 0 = free */
	uint32_t n_addr;
	uint64_t opened_ns;   /* "first" seen (or the first command) */
	uint64_t used_ns;
	bool fired;
	uint32_t addr[SEQ_ADDRS];
};

struct otw_ioc {
	struct otw_ioc_rule *r;
	unsigned n, cap;
	struct seq *seq;      /* OTW_IOC_SEQ_SLOTS, allocated with a seq rule */
	uint64_t evicted;
};

static int sev_parse(const char *s)
{
	for (unsigned v = OTW_SEV_LOW; v <= OTW_SEV_CRITICAL; v++)
		if (strcmp(s, otw_severity_name(v)) == 0)
			return (int)v;
	return -1;
}

static int app_parse(const char *s)
{
	for (unsigned a = 1; a < 1024; a++) {
		const char *n = otw_app_name(a);
		if (n && strcmp(n, s) == 0)
			return (int)a;
	}
	return -1;
}

/* "45,46": up to OTW_IOC_FUNCS numbers. */
static bool funcs_parse(const char *s, uint16_t *f, uint8_t *n)
{
	char *end;

	*n = 0;
	for (;;) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 65535 || *n == OTW_IOC_FUNCS)
			return false;
		f[(*n)++] = (uint16_t)v;
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

static bool port_parse(const char *s, struct otw_ioc_rule *r)
{
	unsigned p;

	if (strncmp(s, "udp/", 4) == 0)
		r->l4 = 17;
	else if (strncmp(s, "tcp/", 4) == 0)
		r->l4 = 6;
	else
		return false;
	if (otw_parse_uint(s + 4, 1, 65535, &p) != 0)
		return false;
	r->port = (uint16_t)p;
	return true;
}

static bool domain_ok(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) >= 128)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
			return false;
	return true;
}

static int parse_rule(const char *line, struct otw_ioc_rule *r, const char **err)
{
	char key[24], val[400], match[160] = "";
	const char *p = line;
	size_t v;
	unsigned u;
	int t, x;

	memset(r, 0, sizeof(*r));
	while ((t = otw_kv_next(&p, key, sizeof(key), val, sizeof(val), &v, err)) == 1) {
		if (strcmp(key, "kind") == 0) {
			static const char *const k[] = { "", "ip", "domain", "port", "sequence" };
			for (unsigned i = 1; i < 5; i++)
				if (strcmp(val, k[i]) == 0)
					r->kind = (uint8_t)i;
			if (r->kind == 0)
				return *err = "kind is ip, domain, port or sequence", -EINVAL;
		} else if (strcmp(key, "id") == 0 && v > 0 && v < sizeof(r->id)) {
			memcpy(r->id, val, v + 1);
		} else if (strcmp(key, "severity") == 0 && (x = sev_parse(val)) > 0) {
			r->severity = (uint8_t)x;
		} else if (strcmp(key, "title") == 0 && v > 0 && v < sizeof(r->title)) {
			memcpy(r->title, val, v + 1);
		} else if (strcmp(key, "description") == 0 && v < sizeof(r->desc)) {
			memcpy(r->desc, val, v + 1);
		} else if (strcmp(key, "recommendation") == 0 && v < sizeof(r->advice)) {
			memcpy(r->advice, val, v + 1);
		} else if (strcmp(key, "match") == 0 && v < sizeof(match)) {
			memcpy(match, val, v + 1);
		} else if (strcmp(key, "app") == 0 && (x = app_parse(val)) > 0) {
			r->app = (uint16_t)x;
		} else if (strcmp(key, "first") == 0 && funcs_parse(val, r->first, &r->n_first)) {
		} else if (strcmp(key, "then") == 0 && funcs_parse(val, r->then, &r->n_then)) {
		} else if (strcmp(key, "addrs") == 0 && otw_parse_uint(val, 1, SEQ_ADDRS, &u) == 0) {
			r->addrs = u;
		} else if (strcmp(key, "window") == 0 && otw_parse_uint(val, 1, 86400, &u) == 0) {
			r->window_ns = (uint64_t)u * 1000000000ull;
		} else if (strcmp(key, "master") == 0 && strcmp(val, "new") == 0) {
			r->new_master = true;
		} else {
			return *err = "unknown key or bad value (see docs/detection.md)", -EINVAL;
		}
	}
	if (t < 0)
		return t;
	if (!r->kind || !r->id[0] || !r->severity || !r->title[0] || !r->desc[0] || !r->advice[0])
		return *err = "kind, id, severity, title, description and recommendation are required",
		       -EINVAL;
	switch (r->kind) {
	case OTW_IOC_IP:
		if (otw_cidr_parse(match, &r->cidr) != 0)
			return *err = "ip: match=ADDRESS or CIDR", -EINVAL;
		break;
	case OTW_IOC_DOMAIN:
		for (char *c = match; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!domain_ok(match))
			return *err = "domain: match=NAME (letters, digits, - _ .)", -EINVAL;
		if (strlen(match) >= sizeof(r->match))
			return *err = "domain: match is longer than 127 characters", -EINVAL;
		memcpy(r->match, match, strlen(match) + 1);
		break;
	case OTW_IOC_PORT:
		if (!port_parse(match, r))
			return *err = "port: match=udp/PORT or tcp/PORT", -EINVAL;
		break;
	case OTW_IOC_SEQ:
		if (!r->app || !r->n_then || !r->addrs || !r->window_ns || match[0])
			return *err = "sequence: app=, then=, addrs= and window= (no match=)", -EINVAL;
		break;
	}
	return 0;
}

static int add_rule(struct otw_ioc *ioc, const char *line, const char **err)
{
	struct otw_ioc_rule r;
	int rc;

	if ((rc = parse_rule(line, &r, err)) != 0)
		return rc;
	for (unsigned i = 0; i < ioc->n; i++)
		if (strcmp(ioc->r[i].id, r.id) == 0)
			return *err = "duplicate id", -EINVAL;
	if (ioc->n == ioc->cap) {
		unsigned cap = ioc->cap ? ioc->cap * 2 : 64;
		struct otw_ioc_rule *n;
		if (cap > OTW_IOC_MAX_RULES)
			return *err = "too many rules", -ENOSPC;
		if ((n = realloc(ioc->r, cap * sizeof(*n))) == NULL)
			return -ENOMEM;
		ioc->r = n;
		ioc->cap = cap;
	}
	if (r.kind == OTW_IOC_SEQ && ioc->seq == NULL &&
	    (ioc->seq = calloc(OTW_IOC_SEQ_SLOTS, sizeof(*ioc->seq))) == NULL)
		return -ENOMEM;
	ioc->r[ioc->n++] = r;
	return 0;
}

int otw_ioc_load_text(const char *text, struct otw_ioc **out, unsigned *line,
		      const char **err)
{
	struct otw_ioc *ioc = calloc(1, sizeof(*ioc));
	char *buf = NULL;
	size_t len = 0, cap = 0;
	unsigned start = 1;
	int rc = 0;

	*line = 0;
	*err = "";
	if (ioc == NULL)
		return -ENOMEM;
	for (const char *p = text; rc == 0 && *p != '\0';) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool cont;

		++*line;
		if (n && p[n - 1] == '\r')
			n--;
		cont = n && p[n - 1] == '\\';
		if (len + n + 2 > cap) {
			char *b = realloc(buf, cap = (len + n + 2) * 2);
			if (b == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = b;
		}
		if (len == 0)
			start = *line;
		memcpy(buf + len, p, cont ? n - 1 : n);
		len += cont ? n - 1 : n;
		buf[len] = '\0';
		p = e ? e + 1 : p + n + strlen(p + n);
		if (cont && *p)
			continue;
		{
			const char *q = buf;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != '\0' && *q != '#' && (rc = add_rule(ioc, q, err)) != 0)
				*line = start;
		}
		len = 0;
	}
	free(buf);
	if (rc != 0) {
		otw_ioc_free(ioc);
		return rc;
	}
	*out = ioc;
	return 0;
}

int otw_ioc_load_file(const char *path, struct otw_ioc **out, unsigned *line,
		      const char **err)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int rc;

	*line = 0;
	*err = "";
	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (64l << 20) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -EFBIG;
	}
	if ((text = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	text[fread(text, 1, (size_t)n, f)] = '\0';
	fclose(f);
	rc = otw_ioc_load_text(text, out, line, err);
	free(text);
	return rc;
}

const char *otw_ioc_default_path(void)
{
	return access(OTW_RULES_INSTALL, R_OK) == 0 ? OTW_RULES_INSTALL : OTW_RULES_BUILD;
}

void otw_ioc_free(struct otw_ioc *ioc)
{
	if (ioc == NULL)
		return;
	free(ioc->r);
	free(ioc->seq);
	free(ioc);
}

unsigned otw_ioc_count(const struct otw_ioc *ioc)
{
	return ioc ? ioc->n : 0;
}

const struct otw_ioc_rule *otw_ioc_ip(const struct otw_ioc *ioc, const struct otw_ip *ip)
{
	for (unsigned i = 0; ioc && i < ioc->n; i++)
		if (ioc->r[i].kind == OTW_IOC_IP && otw_cidr_match(&ioc->r[i].cidr, ip))
			return &ioc->r[i];
	return NULL;
}

const struct otw_ioc_rule *otw_ioc_port(const struct otw_ioc *ioc, uint8_t l4, uint16_t port)
{
	for (unsigned i = 0; ioc && i < ioc->n; i++)
		if (ioc->r[i].kind == OTW_IOC_PORT && ioc->r[i].l4 == l4 && ioc->r[i].port == port)
			return &ioc->r[i];
	return NULL;
}

/* name equals the rule's domain or ends with "." + it, in any case; a
 * trailing root dot is ignored. */
const struct otw_ioc_rule *otw_ioc_domain(const struct otw_ioc *ioc, const char *name, size_t n)
{
	if (n && name[n - 1] == '.')
		n--;
	for (unsigned i = 0; ioc && i < ioc->n; i++) {
		const struct otw_ioc_rule *r = &ioc->r[i];
		size_t m = strlen(r->match);
		if (r->kind != OTW_IOC_DOMAIN || n < m || strncasecmp(name + n - m, r->match, m) != 0)
			continue;
		if (n == m || name[n - m - 1] == '.')
			return r;
	}
	return NULL;
}

static bool has_func(const uint16_t *f, uint8_t n, uint16_t v)
{
	for (uint8_t i = 0; i < n; i++)
		if (f[i] == v)
			return true;
	return false;
}

static struct seq *seq_slot(struct otw_ioc *ioc, const struct otw_ev_op *o, uint32_t rule, bool make)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ rule;
	struct seq *oldest = NULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ o->src_ip.b[i] ^ (uint64_t)o->dst_ip.b[i] << 8) * 0x100000001b3ULL;
	for (unsigned p = 0; p < 8; p++) { /* 8 probes, then the oldest goes */
		struct seq *s = &ioc->seq[(h + p) % OTW_IOC_SEQ_SLOTS];
		if (s->rule == rule && memcmp(&s->src, &o->src_ip, 16) == 0 &&
		    memcmp(&s->dst, &o->dst_ip, 16) == 0)
			return s;
		if (s->rule == 0 && make) {
			oldest = s;
			break;
		}
		if (oldest == NULL || s->used_ns < oldest->used_ns)
			oldest = s;
	}
	if (!make)
		return NULL;
	if (oldest->rule != 0)
		ioc->evicted++;
	memset(oldest, 0, sizeof(*oldest));
	oldest->rule = rule;
	oldest->src = o->src_ip;
	oldest->dst = o->dst_ip;
	return oldest;
}

static void seq_addr(struct seq *s, uint32_t a)
{
	for (uint32_t i = 0; i < s->n_addr; i++)
		if (s->addr[i] == a)
			return;
	if (s->n_addr < SEQ_ADDRS)
		s->addr[s->n_addr++] = a;
}

const struct otw_ioc_rule *otw_ioc_seq_op(struct otw_ioc *ioc, const struct otw_ev_op *o,
					  bool known_master)
{
	if (ioc == NULL || ioc->seq == NULL || o->count == 0)
		return NULL;
	for (unsigned i = 0; i < ioc->n; i++) {
		const struct otw_ioc_rule *r = &ioc->r[i];
		bool opens = r->n_first && has_func(r->first, r->n_first, o->func);
		bool cmd = has_func(r->then, r->n_then, o->func);
		struct seq *s;

		if (r->kind != OTW_IOC_SEQ || r->app != o->app || (!opens && !cmd) ||
		    (r->new_master && known_master))
			continue;
		s = seq_slot(ioc, o, i + 1, opens || (cmd && r->n_first == 0));
		if (s == NULL)
			continue; /* a command without the opening function */
		if (s->opened_ns == 0 || o->first_ns > s->opened_ns + r->window_ns) {
			if (!opens && r->n_first)
				continue; /* the window closed: wait for a new opening */
			s->opened_ns = o->first_ns;
			s->n_addr = 0;
			s->fired = false;
		}
		s->used_ns = o->last_ns;
		if (!cmd || s->fired)
			continue;
		/* an aggregate names its lowest and highest address only */
		if (o->addr_lo != OTW_ADDR_NONE) {
			seq_addr(s, o->addr_lo);
			seq_addr(s, o->addr_hi);
		} else {
			seq_addr(s, OTW_ADDR_NONE);
		}
		if (s->n_addr >= r->addrs) {
			s->fired = true;
			return r;
		}
	}
	return NULL;
}

uint64_t otw_ioc_seq_evicted(const struct otw_ioc *ioc)
{
	return ioc ? ioc->evicted : 0;
}
