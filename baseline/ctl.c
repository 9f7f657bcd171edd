#include "ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otw_err.h"
#include "setting.h"

static const char *const mode_names[] = { "auto", "on", "off" };

const char *otw_learn_mode_name(enum otw_learn_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

int otw_learn_mode_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, mode_names[i]) == 0)
			return i;
	return -EINVAL;
}

static int scope_one(void *arg, const char *name, const void *val, size_t len)
{
	struct otw_ctl_learning *l = arg;

	(void)val;
	(void)len;
	if (l->n < OTW_DET_SCOPES_MAX &&
	    otw_cidr_parse(name + strlen(OTW_CTL_LEARN_SCOPE), &l->scopes[l->n]) == 0)
		l->n++;
	return 0;
}

int otw_ctl_learning_get(struct otw_txn *txn, struct otw_ctl_learning *out)
{
	char v[16];
	size_t len;
	int rc, m;

	memset(out, 0, sizeof(*out));
	rc = otw_store_setting_get(txn, OTW_CTL_LEARN_MODE, v, sizeof(v) - 1, &len);
	if (rc == 0) {
		v[len < sizeof(v) - 1 ? len : sizeof(v) - 1] = '\0';
		if ((m = otw_learn_mode_parse(v)) >= 0)
			out->mode = (enum otw_learn_mode)m;
	} else if (rc != OTW_ENOTFOUND) {
		return rc;
	}
	return otw_store_setting_foreach(txn, OTW_CTL_LEARN_SCOPE, scope_one, out);
}

int otw_ctl_learning_put_mode(struct otw_txn *txn, enum otw_learn_mode m)
{
	const char *n = otw_learn_mode_name(m);

	return otw_store_setting_put(txn, OTW_CTL_LEARN_MODE, n, strlen(n));
}

int otw_ctl_learning_scope(struct otw_txn *txn, const struct otw_cidr *c, bool on)
{
	char name[96], b[64];

	snprintf(name, sizeof(name), "%s%s", OTW_CTL_LEARN_SCOPE, otw_cidr_str(c, b, sizeof(b)));
	return on ? otw_store_setting_put(txn, name, "", 0) : otw_store_setting_del(txn, name);
}

struct names {
	char n[OTW_DET_SCOPES_MAX * 4][96];
	unsigned k;
};

static int collect(void *arg, const char *name, const void *val, size_t len)
{
	struct names *ns = arg;

	(void)val;
	(void)len;
	if (ns->k < sizeof(ns->n) / sizeof(ns->n[0]))
		snprintf(ns->n[ns->k++], sizeof(ns->n[0]), "%s", name);
	return 0;
}

int otw_ctl_learning_clear_scopes(struct otw_txn *txn)
{
	struct names *ns = calloc(1, sizeof(*ns));
	int rc;

	if (ns == NULL)
		return -ENOMEM;
	rc = otw_store_setting_foreach(txn, OTW_CTL_LEARN_SCOPE, collect, ns);
	for (unsigned i = 0; rc == 0 && i < ns->k; i++)
		rc = otw_store_setting_del(txn, ns->n[i]);
	free(ns);
	return rc;
}

int otw_ctl_rules_gen(struct otw_txn *txn, uint64_t *gen)
{
	char v[24];
	size_t len;
	int rc = otw_store_setting_get(txn, OTW_CTL_RULES_RELOAD, v, sizeof(v) - 1, &len);

	*gen = 0;
	if (rc == OTW_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	v[len < sizeof(v) - 1 ? len : sizeof(v) - 1] = '\0';
	*gen = strtoull(v, NULL, 10);
	return 0;
}

int otw_ctl_rules_bump(struct otw_txn *txn)
{
	uint64_t g;
	char v[24];
	int rc = otw_ctl_rules_gen(txn, &g);

	if (rc != 0)
		return rc;
	snprintf(v, sizeof(v), "%" PRIu64, g + 1);
	return otw_store_setting_put(txn, OTW_CTL_RULES_RELOAD, v, strlen(v));
}

struct excl_walk {
	struct otw_excl *out;
	unsigned cap, n, bad;
	uint32_t max_id;
};

static int excl_one(void *arg, const char *name, const void *val, size_t len)
{
	struct excl_walk *w = arg;
	char text[OTW_SETTING_VAL_MAX + 1];
	const char *err;
	unsigned long id = strtoul(name + strlen(OTW_CTL_EXCL), NULL, 10);

	if (id > w->max_id)
		w->max_id = (uint32_t)id;
	if (w->out == NULL)
		return 0;
	memcpy(text, val, len);
	text[len] = '\0';
	if (id == 0 || id > UINT32_MAX || otw_excl_parse(text, &w->out[w->n], &err) != 0) {
		w->bad++;
		return 0;
	}
	w->out[w->n].id = (uint32_t)id;
	if (++w->n == w->cap)
		return 1; /* full */
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct otw_excl *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int otw_ctl_excl_get(struct otw_txn *txn, struct otw_excl *out, unsigned cap,
		     unsigned *n, unsigned *bad)
{
	struct excl_walk w = { .out = out, .cap = cap };
	char name[48];
	int rc = cap ? otw_store_setting_foreach(txn, OTW_CTL_EXCL, excl_one, &w) : 0;

	if (rc != 0 && rc != 1)
		return rc;
	qsort(out, w.n, sizeof(*out), cmp_id);
	for (unsigned i = 0; i < w.n; i++) {
		snprintf(name, sizeof(name), "%s%u", OTW_CTL_EXCL_HITS, out[i].id);
		rc = otw_store_counter_get(txn, name, &out[i].hits);
		if (rc != 0 && rc != OTW_ENOTFOUND)
			return rc;
	}
	*n = w.n;
	if (bad)
		*bad = w.bad;
	return 0;
}

int otw_ctl_excl_add(struct otw_txn *txn, const struct otw_excl *x, uint32_t *id)
{
	struct excl_walk w = { 0 };
	char name[48], text[512];
	int rc;

	if ((rc = otw_store_setting_foreach(txn, OTW_CTL_EXCL, excl_one, &w)) != 0)
		return rc;
	if ((rc = otw_excl_format(x, text, sizeof(text))) != 0)
		return rc;
	*id = w.max_id + 1;
	snprintf(name, sizeof(name), "%s%u", OTW_CTL_EXCL, *id);
	return otw_store_setting_put(txn, name, text, strlen(text));
}

int otw_ctl_excl_del(struct otw_txn *txn, uint32_t id)
{
	char name[48];

	snprintf(name, sizeof(name), "%s%u", OTW_CTL_EXCL, id);
	return otw_store_setting_del(txn, name);
}

int otw_ctl_excl_save_hits(struct otw_txn *txn, const struct otw_excl *r, unsigned n)
{
	char name[48];
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "%s%u", OTW_CTL_EXCL_HITS, r[i].id);
		rc = otw_store_counter_put(txn, name, r[i].hits);
	}
	return rc;
}
