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
