#include "cert.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "otw_err.h"

static FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	return fd < 0 ? NULL : fdopen(fd, "w");
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return ok;
}

int otw_cert_selfsigned(const char *pem_path, const char *cn, unsigned days)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	ASN1_INTEGER *serial = NULL;
	unsigned char rnd[16];
	FILE *f = NULL;
	int rc = OTW_ECRYPTO;

	if (key == NULL || x == NULL)
		goto out;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	rnd[0] &= 0x7f; /* a positive serial */
	{
		BIGNUM *bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
		serial = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
		BN_free(bn);
	}
	if (serial == NULL || !X509_set_version(x, 2) ||
	    !X509_set_serialNumber(x, serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) ||
	    !X509_set_pubkey(x, key))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"otwatch sensor", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		goto out;
	{
		char san[512];
		snprintf(san, sizeof(san),
			 "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", cn);
		if (!add_ext(x, NID_subject_alt_name, san) ||
		    !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
		    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
		    !add_ext(x, NID_ext_key_usage, "serverAuth"))
			goto out;
	}
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	if ((f = open_private(pem_path)) == NULL) {
		rc = -errno;
		goto out;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) &&
	    PEM_write_X509(f, x))
		rc = 0;
out:
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = -errno;
	ASN1_INTEGER_free(serial);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int otw_cert_import(const char *cert_path, const char *key_path,
		    const char *out_pem, char *err, size_t errlen)
{
	FILE *fc = fopen(cert_path, "r"), *fk = fopen(key_path, "r"), *fo = NULL;
	X509 *leaf = NULL, *extra;
	EVP_PKEY *key = NULL;
	int rc = OTW_ECRYPTO;

	err[0] = '\0';
	if (fc == NULL || fk == NULL) {
		snprintf(err, errlen, "cannot read %s", fc == NULL ? cert_path : key_path);
		goto out;
	}
	if ((leaf = PEM_read_X509(fc, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s holds no PEM certificate", cert_path);
		goto out;
	}
	if ((key = PEM_read_PrivateKey(fk, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s holds no (unencrypted) PEM private key", key_path);
		goto out;
	}
	if (X509_check_private_key(leaf, key) != 1) {
		snprintf(err, errlen, "the private key does not match the certificate");
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
		snprintf(err, errlen, "the certificate has expired");
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
		snprintf(err, errlen, "the certificate is not valid yet");
		goto out;
	}
	if ((fo = open_private(out_pem)) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", out_pem, strerror(errno));
		goto out;
	}
	if (!PEM_write_PrivateKey(fo, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_X509(fo, leaf)) {
		snprintf(err, errlen, "cannot write %s", out_pem);
		goto out;
	}
	/* the rest of the file: the chain, in order */
	while ((extra = PEM_read_X509(fc, NULL, NULL, NULL)) != NULL) {
		int ok = PEM_write_X509(fo, extra);
		X509_free(extra);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	if (fo != NULL && fclose(fo) != 0 && rc == 0)
		rc = -errno;
	if (fc != NULL)
		fclose(fc);
	if (fk != NULL)
		fclose(fk);
	EVP_PKEY_free(key);
	X509_free(leaf);
	return rc;
}

int otw_cert_verify_chain(const char *cert_path, const char *ca_path, char *err,
			  size_t errlen)
{
	FILE *fc = fopen(cert_path, "r");
	X509 *leaf = NULL, *x;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = OTW_ECRYPTO;

	err[0] = '\0';
	if (fc == NULL) {
		snprintf(err, errlen, "cannot read %s", cert_path);
		goto out;
	}
	if (chain == NULL || store == NULL || ctx == NULL)
		goto out;
	if ((leaf = PEM_read_X509(fc, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s holds no PEM certificate", cert_path);
		goto out;
	}
	while ((x = PEM_read_X509(fc, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			goto out;
		}
	if (ca_path != NULL ? X509_STORE_load_file(store, ca_path) != 1
			    : X509_STORE_set_default_paths(store) != 1) {
		snprintf(err, errlen, "cannot load the CA certificates from %s",
			 ca_path ? ca_path : "the system store");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, chain) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		snprintf(err, errlen, "certificate chain does not verify%s%s (depth %d): %s",
			 ca_path ? " against " : "", ca_path ? ca_path : "",
			 X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(e));
		goto out;
	}
	rc = 0;
out:
	if (fc != NULL)
		fclose(fc);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	return rc;
}
