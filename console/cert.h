/* The console's TLS certificate: a self-signed one made on first start, or
 * an operator's certificate and key, checked before use. */
#ifndef OTW_CERT_H
#define OTW_CERT_H

#include <stddef.h>

/* Write a new P-256 key and a self-signed certificate for cn (and
 * localhost / 127.0.0.1 / ::1) valid for days, as one PEM file (key first,
 * mode 0600). Returns 0 or OTW_ECRYPTO / -errno. */
int otw_cert_selfsigned(const char *pem_path, const char *cn, unsigned days);

/* Check cert_path (PEM, leaf first, chain after) and key_path: the key
 * matches the leaf, the leaf is valid now. On success write both into
 * out_pem (mode 0600) for the web server and return 0; else return
 * OTW_ECRYPTO with why (a sentence) in err. */
int otw_cert_import(const char *cert_path, const char *key_path,
		    const char *out_pem, char *err, size_t errlen);

/* Check that cert_path (leaf, then intermediates) chains to a CA in
 * ca_path (PEM bundle; NULL: the system store) and that every certificate
 * on the path is valid now. 0, or OTW_ECRYPTO with OpenSSL's reason and
 * the failing depth in err. */
int otw_cert_verify_chain(const char *cert_path, const char *ca_path,
			  char *err, size_t errlen);

#endif
