#include "token.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "otw_err.h"
#include "otw_time.h"
#include "setting.h"
#include "user.h"

#define KEY_PREFIX "token."

bool otw_name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '@'))
			return false;
	}
	return true;
}

/* setting name of a secret: "token." + hex SHA-256 */
static int key_of(const char *secret, char key[sizeof(KEY_PREFIX) + 64])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[32];
	unsigned hl = 0;

	if (EVP_Digest(secret, strlen(secret), h, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		return OTW_ECRYPTO;
	memcpy(key, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
	for (unsigned i = 0; i < 32; i++) {
		key[sizeof(KEY_PREFIX) - 1 + 2 * i] = hex[h[i] >> 4];
		key[sizeof(KEY_PREFIX) - 1 + 2 * i + 1] = hex[h[i] & 15];
	}
	key[sizeof(KEY_PREFIX) - 1 + 64] = '\0';
	return 0;
}

/* value: "role created_ns by name" (space separated; names have no spaces) */
static bool parse(const void *val, size_t len, struct otw_token *t)
{
	char b[256];
	unsigned role;

	if (len >= sizeof(b))
		return false;
	memcpy(b, val, len);
	b[len] = '\0';
	memset(t, 0, sizeof(*t));
	if (sscanf(b, "%u %" SCNu64 " %63s %40s", &role, &t->created_ns, t->by, t->name) != 4 ||
	    otw_role_name(role) == NULL)
		return false;
	t->role = (uint8_t)role;
	return true;
}

struct by_name {
	const char *name;
	char key[OTW_SETTING_NAME_MAX];
	bool found;
};

static int find_name(void *arg, const char *key, const void *val, size_t len)
{
	struct by_name *b = arg;
	struct otw_token t;

	if (parse(val, len, &t) && strcmp(t.name, b->name) == 0) {
		snprintf(b->key, sizeof(b->key), "%s", key);
		b->found = true;
		return 1;
	}
	return 0;
}

static int lookup_name(struct otw_txn *txn, const char *name, struct by_name *b)
{
	int rc;

	b->name = name;
	b->found = false;
	rc = otw_store_setting_foreach(txn, KEY_PREFIX, find_name, b);
	return rc == 1 ? 0 : rc;
}

int otw_token_add(struct otw_txn *txn, const char *name, uint8_t role,
		  const char *by, char *secret)
{
	char key[sizeof(KEY_PREFIX) + 64], val[256];
	struct by_name b;
	int rc, n;

	if (!otw_name_ok(name, OTW_TOKEN_NAME_MAX) || otw_role_name(role) == NULL ||
	    by == NULL || by[0] == '\0' || strchr(by, ' ') != NULL)
		return -EINVAL;
	if ((rc = lookup_name(txn, name, &b)) != 0)
		return rc;
	if (b.found)
		return -EEXIST;
	memcpy(secret, OTW_TOKEN_PREFIX, 4);
	if ((rc = otw_random_hex(secret + 4, 32)) != 0 || (rc = key_of(secret, key)) != 0)
		return rc;
	n = snprintf(val, sizeof(val), "%u %" PRIu64 " %.63s %s", role,
		     otw_clock_ns(CLOCK_REALTIME), by, name);
	return otw_store_setting_put(txn, key, val, (size_t)n);
}

int otw_token_find(struct otw_txn *txn, const char *secret, struct otw_token *out)
{
	char key[sizeof(KEY_PREFIX) + 64], val[256];
	size_t len;

	if (strlen(secret) != OTW_TOKEN_LEN || strncmp(secret, OTW_TOKEN_PREFIX, 4) != 0 ||
	    key_of(secret, key) != 0)
		return OTW_ENOTFOUND;
	/* lookup by hash: the stored value never meets the secret itself */
	if (otw_store_setting_get(txn, key, val, sizeof(val), &len) != 0 ||
	    len >= sizeof(val) || !parse(val, len, out))
		return OTW_ENOTFOUND;
	return 0;
}

int otw_token_del(struct otw_txn *txn, const char *name)
{
	struct by_name b;
	int rc;

	if ((rc = lookup_name(txn, name, &b)) != 0)
		return rc;
	if (!b.found)
		return OTW_ENOTFOUND;
	return otw_store_setting_del(txn, b.key);
}

struct each {
	otw_token_fn fn;
	void *arg;
};

static int each_one(void *arg, const char *key, const void *val, size_t len)
{
	struct each *e = arg;
	struct otw_token t;

	(void)key;
	return parse(val, len, &t) ? e->fn(e->arg, &t) : 0;
}

int otw_token_foreach(struct otw_txn *txn, otw_token_fn fn, void *arg)
{
	struct each e = { fn, arg };

	return otw_store_setting_foreach(txn, KEY_PREFIX, each_one, &e);
}
