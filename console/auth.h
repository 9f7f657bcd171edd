/* Passwords: PBKDF2-HMAC-SHA256 (OpenSSL) with a per-user random salt, a
 * policy check, and constant-time verification. */
#ifndef OTW_AUTH_H
#define OTW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "user.h"

#define OTW_PW_ITERATIONS 210000 /* ~OWASP 2023 order of magnitude */
#define OTW_PW_MIN 12
#define OTW_PW_MAX 256

/* NULL when pw satisfies the policy (OTW_PW_MIN..OTW_PW_MAX bytes, at least
 * three of: lower case, upper case, digit, other); else why not. */
const char *otw_pw_policy(const char *pw);

/* Set u's salt, iterations and hash for pw. Returns 0, or OTW_ECRYPTO. */
int otw_pw_set(struct otw_store_user *u, const char *pw);
/* true when pw matches u's hash. */
bool otw_pw_check(const struct otw_store_user *u, const char *pw);

/* n random bytes as 2n lower-case hex characters plus a NUL in out. */
int otw_random_hex(char *out, size_t n);

#endif
