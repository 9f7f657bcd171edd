/* Names of subnets, VLANs, ports; DHCP ranges; monitor rules (names.h). */
#include "names.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otw_err.h"
#include "setting.h"

static const char *const kinds[] = { "subnet", "vlan", "port", "dhcp" };
static const char *const prefixes[] = { "name.subnet.", "name.vlan.",
					"name.port.", "dhcp." };
#define RULE_PREFIX "monitor."

int otw_names_kind_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, kinds[i]) == 0)
			return i;
	return -1;
}

const char *otw_names_kind_str(enum otw_names_kind k)
{
	return (unsigned)k < 4 ? kinds[k] : "?";
}

static int fail(char *err, size_t len, const char *msg)
{
	if (err != NULL)
		snprintf(err, len, "%s", msg);
	return -EINVAL;
}

static bool parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v >= 1 && *v <= max;
}

static bool parse_range(const char *spec, struct otw_ip *a, struct otw_ip *b)
{
	char buf[96], *dash;

	if (strlen(spec) >= sizeof(buf))
		return false;
	strcpy(buf, spec);
	if ((dash = strchr(buf, '-')) == NULL)
		return false;
	*dash = '\0';
	return otw_filter_parse_ip(buf, a) && otw_filter_parse_ip(dash + 1, b) &&
	       otw_ip_is_v4(a) == otw_ip_is_v4(b) && memcmp(a, b, sizeof(*a)) <= 0;
}

/* Canonical text of spec (what the key carries after the prefix). */
static int canon(enum otw_names_kind k, const char *spec, char *out, size_t len,
		 char *err, size_t errlen)
{
	struct otw_ip a, b;
	uint8_t plen;
	unsigned long v;
	char x[64], y[64];

	switch (k) {
	case OTW_NK_SUBNET:
		if (!otw_filter_parse_cidr(spec, &a, &plen))
			return fail(err, errlen, "subnet wants a CIDR with zero host bits, e.g. 10.0.1.0/24");
		otw_filter_cidr_str(&a, plen, out, len);
		return 0;
	case OTW_NK_VLAN:
		if (!parse_num(spec, 4094, &v))
			return fail(err, errlen, "vlan wants an id 1..4094");
		snprintf(out, len, "%lu", v);
		return 0;
	case OTW_NK_PORT:
		if ((strncmp(spec, "tcp/", 4) != 0 && strncmp(spec, "udp/", 4) != 0) ||
		    !parse_num(spec + 4, 65535, &v))
			return fail(err, errlen, "port wants tcp/N or udp/N, N in 1..65535");
		snprintf(out, len, "%.3s/%lu", spec, v);
		return 0;
	case OTW_NK_DHCP:
		if (!parse_range(spec, &a, &b))
			return fail(err, errlen, "dhcp wants START-END, two addresses of one family, START <= END");
		snprintf(out, len, "%s-%s", otw_ip_str(&a, x, sizeof(x)),
			 otw_ip_str(&b, y, sizeof(y)));
		return 0;
	}
	return fail(err, errlen, "kind is subnet, vlan, port or dhcp");
}

int otw_names_key(enum otw_names_kind k, const char *spec, char *key,
		  size_t keylen, char *err, size_t errlen)
{
	char c[96];
	int rc;

	if ((unsigned)k >= 4)
		return fail(err, errlen, "kind is subnet, vlan, port or dhcp");
	if ((rc = canon(k, spec, c, sizeof(c), err, errlen)) != 0)
		return rc;
	snprintf(key, keylen, "%s%s", prefixes[k], c);
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int otw_names_put(struct otw_txn *txn, enum otw_names_kind k, const char *spec,
		  const char *name, char *err, size_t errlen)
{
	char key[OTW_SETTING_NAME_MAX];
	size_t n = strlen(name);
	int rc;

	if ((rc = otw_names_key(k, spec, key, sizeof(key), err, errlen)) != 0)
		return rc;
	if (n >= OTW_NAMES_NAME_MAX || !printable(name) ||
	    (n == 0 && k != OTW_NK_DHCP))
		return fail(err, errlen, "name wants 1..63 printable bytes");
	return otw_store_setting_put(txn, key, name, n);
}

int otw_names_del(struct otw_txn *txn, enum otw_names_kind k, const char *spec,
		  char *err, size_t errlen)
{
	char key[OTW_SETTING_NAME_MAX];
	int rc;

	if ((rc = otw_names_key(k, spec, key, sizeof(key), err, errlen)) != 0)
		return rc;
	return otw_store_setting_del(txn, key);
}

struct each {
	size_t plen;
	otw_names_fn fn;
	void *arg;
};

static int each_one(void *arg, const char *name, const void *val, size_t len)
{
	struct each *e = arg;
	char v[OTW_NAMES_NAME_MAX];

	if (len >= sizeof(v))
		len = sizeof(v) - 1;
	memcpy(v, val, len);
	v[len] = '\0';
	return e->fn(e->arg, name + e->plen, v);
}

int otw_names_foreach(struct otw_txn *txn, enum otw_names_kind k,
		      otw_names_fn fn, void *arg)
{
	struct each e = { 0, fn, arg };

	if ((unsigned)k >= 4)
		return -EINVAL;
	e.plen = strlen(prefixes[k]);
	return otw_store_setting_foreach(txn, prefixes[k], each_one, &e);
}

/* --- monitor rules ------------------------------------------------------ */

static int rule_key(const char *text, char *key, size_t keylen,
		    char *canon_out, size_t canonlen, char *err, size_t errlen)
{
	struct otw_filter_rule r;
	char c[OTW_FILTER_TEXT_MAX];
	int rc;

	if ((rc = otw_filter_parse(text, &r, err, errlen)) != 0)
		return rc;
	otw_filter_str(&r, c, sizeof(c));
	snprintf(key, keylen, RULE_PREFIX "%s", c);
	if (canon_out != NULL)
		snprintf(canon_out, canonlen, "%s", c);
	return 0;
}

static int count_one(void *arg, const char *name, const void *val, size_t len)
{
	(void)name, (void)val, (void)len;
	++*(unsigned *)arg;
	return 0;
}

int otw_names_rule_add(struct otw_txn *txn, const char *text, char *canon_out,
		       size_t canonlen, char *err, size_t errlen)
{
	char key[OTW_SETTING_NAME_MAX];
	size_t n;
	unsigned count = 0;
	int rc;

	if ((rc = rule_key(text, key, sizeof(key), canon_out, canonlen, err,
			   errlen)) != 0)
		return rc;
	if (otw_store_setting_get(txn, key, NULL, 0, &n) == 0) {
		fail(err, errlen, "this rule exists already");
		return -EEXIST;
	}
	if ((rc = otw_store_setting_foreach(txn, RULE_PREFIX, count_one, &count)) != 0)
		return rc;
	if (count >= OTW_FILTER_MAX) {
		fail(err, errlen, "at most 64 monitor rules");
		return -ENOSPC;
	}
	return otw_store_setting_put(txn, key, key + strlen(RULE_PREFIX),
				     strlen(key) - strlen(RULE_PREFIX));
}

int otw_names_rule_del(struct otw_txn *txn, const char *text, char *err,
		       size_t errlen)
{
	char key[OTW_SETTING_NAME_MAX];
	int rc;

	if ((rc = rule_key(text, key, sizeof(key), NULL, 0, err, errlen)) != 0)
		return rc;
	return otw_store_setting_del(txn, key);
}

static int rule_one(void *arg, const char *name, const void *val, size_t len)
{
	struct otw_filter_rule r;

	(void)val, (void)len;
	if (otw_filter_parse(name + strlen(RULE_PREFIX), &r, NULL, 0) != 0)
		return 0; /* not ours to judge: skip a rule we cannot read */
	return otw_filter_add(arg, &r);
}

int otw_names_rules_load(struct otw_txn *txn, struct otw_filter *f)
{
	memset(f, 0, sizeof(*f));
	return otw_store_setting_foreach(txn, RULE_PREFIX, rule_one, f);
}

/* --- loaded snapshot ---------------------------------------------------- */

struct name_ent {
	uint8_t kind;
	uint8_t l4, plen;
	uint16_t num;            /* vlan or port */
	struct otw_ip a, b;      /* subnet: net; dhcp: start, end */
	char spec[64];
	char name[OTW_NAMES_NAME_MAX];
};

struct otw_names {
	struct name_ent *e;
	size_t n, cap;
};

struct load {
	struct otw_names *nm;
	enum otw_names_kind k;
};

static int load_one(void *arg, const char *spec, const char *name)
{
	struct load *l = arg;
	struct otw_names *nm = l->nm;
	struct name_ent *e;
	unsigned long v;

	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : 16;
		void *p = realloc(nm->e, cap * sizeof(*nm->e));
		if (p == NULL)
			return -ENOMEM;
		nm->e = p;
		nm->cap = cap;
	}
	e = &nm->e[nm->n];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)l->k;
	snprintf(e->spec, sizeof(e->spec), "%s", spec);
	snprintf(e->name, sizeof(e->name), "%s", name);
	switch (l->k) {
	case OTW_NK_SUBNET:
		if (!otw_filter_parse_cidr(spec, &e->a, &e->plen))
			return 0;
		break;
	case OTW_NK_VLAN:
		if (!parse_num(spec, 4094, &v))
			return 0;
		e->num = (uint16_t)v;
		break;
	case OTW_NK_PORT:
		if (strlen(spec) < 5 || !parse_num(spec + 4, 65535, &v))
			return 0;
		e->l4 = spec[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		e->num = (uint16_t)v;
		break;
	case OTW_NK_DHCP:
		if (!parse_range(spec, &e->a, &e->b))
			return 0;
		break;
	}
	nm->n++;
	return 0;
}

int otw_names_load(struct otw_txn *txn, struct otw_names **out)
{
	struct otw_names *nm = calloc(1, sizeof(*nm));
	int rc = 0;

	if (nm == NULL)
		return -ENOMEM;
	for (int k = 0; k < 4 && rc == 0; k++) {
		struct load l = { nm, (enum otw_names_kind)k };
		rc = otw_names_foreach(txn, l.k, load_one, &l);
	}
	if (rc != 0) {
		otw_names_free(nm);
		return rc;
	}
	*out = nm;
	return 0;
}

void otw_names_free(struct otw_names *n)
{
	if (n == NULL)
		return;
	free(n->e);
	free(n);
}

size_t otw_names_count(const struct otw_names *n)
{
	return n ? n->n : 0;
}

const char *otw_names_subnet(const struct otw_names *n, const struct otw_ip *ip,
			     char *cidr, size_t cidrlen)
{
	const struct name_ent *best = NULL;

	for (size_t i = 0; n && i < n->n; i++) {
		const struct name_ent *e = &n->e[i];
		if (e->kind == OTW_NK_SUBNET && otw_filter_in_net(ip, &e->a, e->plen) &&
		    (best == NULL || e->plen > best->plen))
			best = e;
	}
	if (best != NULL && cidr != NULL)
		snprintf(cidr, cidrlen, "%s", best->spec);
	return best ? best->name : NULL;
}

const char *otw_names_vlan(const struct otw_names *n, uint16_t vlan)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (n->e[i].kind == OTW_NK_VLAN && n->e[i].num == vlan)
			return n->e[i].name;
	return NULL;
}

const char *otw_names_port(const struct otw_names *n, uint8_t l4, uint16_t port)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (n->e[i].kind == OTW_NK_PORT && n->e[i].l4 == l4 &&
		    n->e[i].num == port)
			return n->e[i].name;
	return NULL;
}

bool otw_names_dynamic(const struct otw_names *n, const struct otw_ip *ip)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (n->e[i].kind == OTW_NK_DHCP &&
		    memcmp(ip, &n->e[i].a, sizeof(*ip)) >= 0 &&
		    memcmp(ip, &n->e[i].b, sizeof(*ip)) <= 0)
			return true;
	return false;
}
