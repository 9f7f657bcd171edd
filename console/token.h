/* API tokens for automation: a named bearer secret with a role. Only the
 * SHA-256 of the secret is stored (setting "token.<sha256 hex>"), so the
 * secret is shown once, when made. The secret carries 256 random bits, so
 * a plain hash (no PBKDF2) is enough: there is nothing to guess. */
#ifndef OTW_TOKEN_H
#define OTW_TOKEN_H

#include <stdint.h>

#include "store.h"

#define OTW_TOKEN_PREFIX "otw_"
#define OTW_TOKEN_LEN (4 + 64)      /* "otw_" + 32 random bytes in hex */
#define OTW_TOKEN_NAME_MAX 41       /* incl. the NUL; "token:" + name fits a user */
#define OTW_TOKEN_BY_MAX 64

struct otw_token {
	char name[OTW_TOKEN_NAME_MAX];
	uint8_t role;                 /* enum otw_role */
	char by[OTW_TOKEN_BY_MAX];    /* who made it */
	uint64_t created_ns;
};

/* Make token name with role, made by `by`; the secret goes to
 * secret[OTW_TOKEN_LEN + 1] and is not kept. Returns 0, -EINVAL (bad name
 * or role), -EEXIST (name taken), OTW_ECRYPTO or a store error. */
int otw_token_add(struct otw_txn *txn, const char *name, uint8_t role,
		  const char *by, char *secret);
/* The token whose secret this is. Returns 0 and *out, or OTW_ENOTFOUND
 * (unknown, revoked or malformed). */
int otw_token_find(struct otw_txn *txn, const char *secret,
		   struct otw_token *out);
/* Revoke by name. OTW_ENOTFOUND when there is none. */
int otw_token_del(struct otw_txn *txn, const char *name);

typedef int (*otw_token_fn)(void *arg, const struct otw_token *t);
/* Walk every token (order of the hashes); non-zero from fn stops. */
int otw_token_foreach(struct otw_txn *txn, otw_token_fn fn, void *arg);

/* true for 1..max-1 of A-Z a-z 0-9 . - _ @ (user and token names). */
bool otw_name_ok(const char *s, size_t max);

#endif
