/* user table: console accounts. Key = user name (1..OTW_USER_NAME_MAX-1
 * bytes); value = role u8, flags u8, pad u16, iterations u32le, salt 16,
 * hash 32, failed u32le, pad u32, locked_until_ns, created_ns,
 * pw_changed_ns, last_login_ns u64le (104 bytes). */
#ifndef OTW_STORE_USER_H
#define OTW_STORE_USER_H

#include <stdint.h>

#include "store.h"

#define OTW_USER_NAME_MAX 64 /* incl. the NUL */

enum otw_role {
	OTW_ROLE_READONLY = 1,
	OTW_ROLE_ANALYST = 2,
	OTW_ROLE_ADMIN = 3,
};

struct otw_store_user {
	char name[OTW_USER_NAME_MAX];
	uint8_t role;            /* enum otw_role */
	uint8_t flags;
	uint32_t iterations;     /* PBKDF2-SHA256 rounds */
	uint8_t salt[16];
	uint8_t hash[32];
	uint32_t failed;         /* consecutive failed sign-ins */
	uint64_t locked_until_ns;
	uint64_t created_ns, pw_changed_ns, last_login_ns;
};

typedef int (*otw_store_user_fn)(void *arg, const struct otw_store_user *u);

/* put inserts or replaces by name (-EINVAL for an empty or long name);
 * get returns OTW_ENOTFOUND when absent; del too. */
int otw_store_user_put(struct otw_txn *txn, const struct otw_store_user *u);
int otw_store_user_get(struct otw_txn *txn, const char *name,
		       struct otw_store_user *out);
int otw_store_user_del(struct otw_txn *txn, const char *name);
int otw_store_user_foreach(struct otw_txn *txn, otw_store_user_fn fn, void *arg);

/* "admin" / "analyst" / "readonly" and back; 0 for an unknown name. */
const char *otw_role_name(unsigned role);
unsigned otw_role_parse(const char *s);

#endif
