/* Operator changes to devices (devedit.h). */
#include "devedit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "class.h"
#include "csv.h"
#include "otw_err.h"

#define DK OTW_STORE_DEVKEY_LEN

static int fail(char *err, size_t len, int rc, const char *msg, const char *arg)
{
	if (err != NULL)
		snprintf(err, len, msg, arg ? arg : "");
	return rc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int otw_devedit_auth_parse(const char *s)
{
	static const char *const yes[] = { "yes", "true", "1", "y" };
	static const char *const no[] = { "no", "false", "0", "n" };

	if (s[0] == '\0')
		return OTW_DEVMETA_AUTH_UNSET;
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return OTW_DEVMETA_AUTH_YES;
		if (strcasecmp(s, no[i]) == 0)
			return OTW_DEVMETA_AUTH_NO;
	}
	return -1;
}

const char *otw_devedit_auth_str(unsigned a)
{
	return a == OTW_DEVMETA_AUTH_YES ? "yes" : a == OTW_DEVMETA_AUTH_NO ? "no" : "";
}

static bool type_ok(const char *t)
{
	if (t[0] == '\0')
		return true;
	for (int i = 1; i < OTW_DT__COUNT; i++)
		if (strcmp(t, otw_dev_type_name((enum otw_dev_type)i)) == 0)
			return true;
	return false;
}

static bool text_ok(const char *s, bool multiline)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(multiline && (*s == '\n' || *s == '\t'))) ||
		    *s == 0x7f)
			return false;
	return true;
}

static int exists(struct otw_txn *txn, const uint8_t key[DK], char *err,
		  size_t errlen)
{
	struct otw_store_device d;
	char k[OTW_DEVKEY_STR_MAX];
	int rc = otw_store_device_get_key(txn, key, &d);

	if (rc == OTW_ENOTFOUND)
		return fail(err, errlen, rc, "no device %s",
			    otw_store_devkey_str(key, k, sizeof(k)));
	return rc != 0 ? fail(err, errlen, rc, "store: %s", otw_strerror(rc)) : 0;
}

static int audit(struct otw_txn *txn, const char *user, const char *action,
		 const uint8_t key[DK], const char *detail)
{
	char obj[OTW_DEVKEY_STR_MAX + 8], k[OTW_DEVKEY_STR_MAX];

	snprintf(obj, sizeof(obj), "device:%s", otw_store_devkey_str(key, k, sizeof(k)));
	return otw_store_audit_log(txn, user, action, obj, detail);
}

/* Check e against the limits and apply it to m. */
static int edit_into(struct otw_store_devmeta *m, const struct otw_devedit *e,
		     char *err, size_t errlen)
{
	if (e->name && (strlen(e->name) >= sizeof(m->name) || !text_ok(e->name, false)))
		return fail(err, errlen, -EINVAL, "name wants at most 63 printable bytes%s", NULL);
	if (e->type && !type_ok(e->type))
		return fail(err, errlen, -EINVAL,
			    "type '%s' is not one of plc, rtu, ied, hmi, engineering, historian, scada, switch, router, firewall, printer, workstation, server, camera, iot",
			    e->type);
	if (e->notes && (strlen(e->notes) >= sizeof(m->notes) || !text_ok(e->notes, true)))
		return fail(err, errlen, -EINVAL, "notes want at most 511 bytes of text%s", NULL);
	if (e->authorized > OTW_DEVMETA_AUTH_NO)
		return fail(err, errlen, -EINVAL, "authorized is yes, no or empty%s", NULL);
	if (e->name)
		snprintf(m->name, sizeof(m->name), "%s", e->name);
	if (e->type)
		snprintf(m->type, sizeof(m->type), "%s", e->type);
	if (e->notes)
		snprintf(m->notes, sizeof(m->notes), "%s", e->notes);
	if (e->authorized >= 0)
		m->authorized = (uint8_t)e->authorized;
	return 0;
}

static void describe(char *d, size_t len, const struct otw_devedit *e)
{
	size_t o = 0;

	d[0] = '\0';
	if (e->name)
		o += (size_t)snprintf(d + o, len - o, "name=%s ", e->name);
	if (e->type && o < len)
		o += (size_t)snprintf(d + o, len - o, "type=%s ", e->type);
	if (e->authorized >= 0 && o < len)
		o += (size_t)snprintf(d + o, len - o, "authorized=%s ",
				      otw_devedit_auth_str((unsigned)e->authorized));
	if (e->notes && o < len)
		snprintf(d + o, len - o, "notes=%.200s", e->notes);
}

/* Edit; *changed says whether anything differed (nothing is written or
 * audited otherwise: a re-imported export is a no-op). */
static int edit(struct otw_txn *txn, const uint8_t key[DK],
		const struct otw_devedit *e, const char *user, char *err,
		size_t errlen, bool *changed)
{
	struct otw_store_devmeta m, before;
	char d[OTW_AUDIT_DETAIL_MAX];
	int rc;

	*changed = false;

	if ((rc = exists(txn, key, err, errlen)) != 0)
		return rc;
	rc = otw_store_devmeta_get(txn, key, &m);
	if (rc != 0 && rc != OTW_ENOTFOUND)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	before = m;
	if ((rc = edit_into(&m, e, err, errlen)) != 0)
		return rc;
	if (memcmp(&before, &m, sizeof(m)) == 0)
		return 0;
	*changed = true;
	m.changed_ns = now_ns();
	describe(d, sizeof(d), e);
	if ((rc = otw_store_devmeta_put(txn, &m)) != 0 ||
	    (rc = audit(txn, user, "device.edit", key, d)) != 0)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	return 0;
}

int otw_devedit_edit(struct otw_txn *txn, const uint8_t key[DK],
		     const struct otw_devedit *e, const char *user, char *err,
		     size_t errlen)
{
	bool changed;

	return edit(txn, key, e, user, err, errlen, &changed);
}

struct has_alias {
	const uint8_t *key;
	bool found;
};

static int alias_of(void *arg, const struct otw_store_devmeta *m)
{
	struct has_alias *h = arg;

	if (m->merged && memcmp(m->merged_into, h->key, DK) == 0)
		h->found = true;
	return 0;
}

int otw_devedit_merge(struct otw_txn *txn, const uint8_t alias[DK],
		      const uint8_t survivor[DK], const char *user, char *err,
		      size_t errlen)
{
	struct otw_store_devmeta ma, ms;
	struct has_alias h = { alias, false };
	char d[OTW_DEVKEY_STR_MAX + 16], k[OTW_DEVKEY_STR_MAX];
	int rc;

	if (memcmp(alias, survivor, DK) == 0)
		return fail(err, errlen, -EINVAL, "a device cannot be merged into itself%s", NULL);
	if ((rc = exists(txn, alias, err, errlen)) != 0 ||
	    (rc = exists(txn, survivor, err, errlen)) != 0)
		return rc;
	if ((rc = otw_store_devmeta_get(txn, alias, &ma)) != 0 && rc != OTW_ENOTFOUND)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	if (ma.merged)
		return fail(err, errlen, -EEXIST, "%s is merged already: unmerge it first",
			    otw_store_devkey_str(alias, k, sizeof(k)));
	if ((rc = otw_store_devmeta_get(txn, survivor, &ms)) != 0 && rc != OTW_ENOTFOUND)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	if (ms.merged)
		return fail(err, errlen, -EINVAL, "%s is itself merged into another device",
			    otw_store_devkey_str(survivor, k, sizeof(k)));
	if ((rc = otw_store_devmeta_foreach(txn, alias_of, &h)) != 0)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	if (h.found)
		return fail(err, errlen, -EINVAL, "%s has devices merged into it: merge into it instead",
			    otw_store_devkey_str(alias, k, sizeof(k)));
	ma.merged = true;
	memcpy(ma.merged_into, survivor, DK);
	ma.changed_ns = now_ns();
	snprintf(d, sizeof(d), "into=%s", otw_store_devkey_str(survivor, k, sizeof(k)));
	if ((rc = otw_store_devmeta_put(txn, &ma)) != 0 ||
	    (rc = audit(txn, user, "device.merge", alias, d)) != 0)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	return 0;
}

int otw_devedit_unmerge(struct otw_txn *txn, const uint8_t alias[DK],
			const char *user, char *err, size_t errlen)
{
	struct otw_store_devmeta m;
	char d[OTW_DEVKEY_STR_MAX + 16], k[OTW_DEVKEY_STR_MAX];
	int rc = otw_store_devmeta_get(txn, alias, &m);

	if (rc != 0 && rc != OTW_ENOTFOUND)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	if (!m.merged)
		return fail(err, errlen, OTW_ENOTFOUND, "%s is not merged into another device",
			    otw_store_devkey_str(alias, k, sizeof(k)));
	snprintf(d, sizeof(d), "from=%s", otw_store_devkey_str(m.merged_into, k, sizeof(k)));
	m.merged = false;
	memset(m.merged_into, 0, DK);
	m.changed_ns = now_ns();
	if ((rc = otw_store_devmeta_put(txn, &m)) != 0 ||
	    (rc = audit(txn, user, "device.unmerge", alias, d)) != 0)
		return fail(err, errlen, rc, "store: %s", otw_strerror(rc));
	return 0;
}

int otw_devedit_delete(struct otw_txn *txn, const uint8_t key[DK],
		       const char *user, char *err, size_t errlen)
{
	struct otw_store_devmeta *all = NULL;
	size_t n = 0;
	int rc;

	if ((rc = exists(txn, key, err, errlen)) != 0)
		return rc;
	rc = otw_store_devmeta_load(txn, &all, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!all[i].merged || memcmp(all[i].merged_into, key, DK) != 0)
			continue;
		all[i].merged = false; /* history of its own again */
		memset(all[i].merged_into, 0, DK);
		rc = otw_store_devmeta_put(txn, &all[i]);
	}
	free(all);
	if (rc == 0)
		rc = otw_store_device_del(txn, key);
	if (rc == 0 && (rc = otw_store_devmeta_del(txn, key)) == OTW_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = audit(txn, user, "device.delete", key, "");
	return rc != 0 ? fail(err, errlen, rc, "store: %s", otw_strerror(rc)) : 0;
}

/* --- CSV import ---------------------------------------------------------- */

enum col { COL_KEY, COL_NAME, COL_TYPE, COL_AUTH, COL_NOTES, COL__COUNT };

struct imp {
	struct otw_txn *txn;
	const char *user;
	otw_devedit_err_fn errfn;
	void *arg;
	int col[COL__COUNT];    /* field index, -1 if absent */
	bool header;
	unsigned errors, changed;
	int fatal;              /* store failure: stop */
};

static void imp_err(struct imp *im, unsigned line, const char *msg)
{
	im->errors++;
	if (im->errfn != NULL)
		im->errfn(im->arg, line, msg);
}

/* Export prefixed a leading = + - @ with ' (csv.h): take it off again. */
static const char *unescape(const char *s)
{
	return s[0] == '\'' && s[1] != '\0' && strchr("=+-@", s[1]) ? s + 1 : s;
}

static int imp_row(void *arg, unsigned line, char **f, unsigned n)
{
	static const char *const names[COL__COUNT] = { "key", "name", "type",
						       "authorized", "notes" };
	struct imp *im = arg;
	struct otw_devedit e = { .authorized = -1 };
	uint8_t key[DK];
	char err[256];
	bool changed;
	int rc;

	if (!im->header) {
		im->header = true;
		for (int c = 0; c < COL__COUNT; c++) {
			im->col[c] = -1;
			for (unsigned i = 0; i < n; i++)
				if (strcasecmp(f[i], names[c]) == 0)
					im->col[c] = (int)i;
		}
		if (im->col[COL_KEY] < 0) {
			imp_err(im, line, "the header has no key column");
			return -EINVAL;
		}
		return 0;
	}
	if ((unsigned)im->col[COL_KEY] >= n ||
	    !otw_store_devkey_parse(f[im->col[COL_KEY]], key)) {
		imp_err(im, line, "key is not mac:XX:XX:XX:XX:XX:XX or ip:ADDRESS");
		return 0;
	}
	if (im->col[COL_NAME] >= 0 && (unsigned)im->col[COL_NAME] < n)
		e.name = unescape(f[im->col[COL_NAME]]);
	if (im->col[COL_TYPE] >= 0 && (unsigned)im->col[COL_TYPE] < n)
		e.type = f[im->col[COL_TYPE]];
	if (im->col[COL_NOTES] >= 0 && (unsigned)im->col[COL_NOTES] < n)
		e.notes = unescape(f[im->col[COL_NOTES]]);
	if (im->col[COL_AUTH] >= 0 && (unsigned)im->col[COL_AUTH] < n &&
	    (e.authorized = otw_devedit_auth_parse(f[im->col[COL_AUTH]])) < 0) {
		imp_err(im, line, "authorized is yes, no or empty");
		return 0;
	}
	rc = edit(im->txn, key, &e, im->user, err, sizeof(err), &changed);
	if (rc == -EINVAL || rc == OTW_ENOTFOUND) {
		imp_err(im, line, err);
		return 0;
	}
	if (rc != 0) {
		im->fatal = rc;
		imp_err(im, line, err);
		return rc;
	}
	im->changed += changed;
	return 0;
}

int otw_devedit_import(struct otw_txn *txn, const char *buf, size_t len,
		       const char *user, otw_devedit_err_fn errfn, void *arg,
		       unsigned *changed)
{
	struct imp im = { .txn = txn, .user = user, .errfn = errfn, .arg = arg };
	char err[128];
	unsigned line;
	int rc = otw_csv_parse(buf, len, imp_row, &im, &line, err, sizeof(err));

	*changed = 0;
	if (rc == -EINVAL && line != 0)
		imp_err(&im, line, err + strcspn(err, ":") + 2);
	if (im.fatal != 0)
		return im.fatal;
	if (rc == 0 && !im.header)
		imp_err(&im, 1, "empty file: no header line");
	if (rc != 0 || im.errors != 0)
		return rc != 0 && rc != -EINVAL ? rc : -EINVAL;
	*changed = im.changed;
	return 0;
}
