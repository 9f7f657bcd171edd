#include "auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "otw_err.h"

const char *otw_pw_policy(const char *pw)
{
	size_t n = strnlen(pw, OTW_PW_MAX + 1);
	int lo = 0, up = 0, dg = 0, ot = 0;

	if (n < OTW_PW_MIN)
		return "password must be at least 12 characters";
	if (n > OTW_PW_MAX)
		return "password must be at most 256 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];
		if (islower(c))
			lo = 1;
		else if (isupper(c))
			up = 1;
		else if (isdigit(c))
			dg = 1;
		else
			ot = 1;
	}
	if (lo + up + dg + ot < 3)
		return "password must mix three of: lower case, upper case, digits, symbols";
	return NULL;
}

static int derive(const char *pw, const uint8_t salt[16], uint32_t iter,
		  uint8_t out[32])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)strnlen(pw, OTW_PW_MAX + 1), salt, 16,
				 (int)iter, EVP_sha256(), 32, out) == 1
		       ? 0
		       : OTW_ECRYPTO;
}

int otw_pw_set(struct otw_store_user *u, const char *pw)
{
	if (RAND_bytes(u->salt, sizeof(u->salt)) != 1)
		return OTW_ECRYPTO;
	u->iterations = OTW_PW_ITERATIONS;
	return derive(pw, u->salt, u->iterations, u->hash);
}

bool otw_pw_check(const struct otw_store_user *u, const char *pw)
{
	uint8_t h[32];

	if (u->iterations == 0 || derive(pw, u->salt, u->iterations, h) != 0)
		return false;
	return CRYPTO_memcmp(h, u->hash, sizeof(h)) == 0;
}

int otw_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[64];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		return OTW_ECRYPTO;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}
