/* Sensor activation: a JSON document naming the sensor and how it runs
 * (mode, site, zone, validity), signed with Ed25519 by the issuer's
 * offline key. The sensor applies it only when the signature verifies
 * under the trusted public key installed at setup, the document is for
 * this sensor, and now is inside its validity.
 *
 * File: {"format":"otwatch-activation-1","key_id":HEX16,"payload":B64,
 *        "signature":B64}; payload is the signed bytes (a JSON object), so
 * verification never depends on how JSON is re-serialised. */
#ifndef OTW_ACTIVATION_H
#define OTW_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define OTW_ACT_STR 64

struct otw_act_doc {
	char sensor_name[OTW_ACT_STR];
	char sensor_id[OTW_ACT_STR];
	char mode[16];                 /* cloud | local | managed */
	char site[OTW_ACT_STR];
	char zone[OTW_ACT_STR];
	int64_t not_before, not_after; /* unix seconds */
	char key_id[17];               /* signer's key fingerprint (hex) */
};

/* Why a file was refused; also the negative return of verify/apply. */
enum otw_act_refusal {
	OTW_ACT_OK = 0,
	OTW_ACT_MALFORMED = 1,   /* not an activation file */
	OTW_ACT_UNSIGNED = 2,
	OTW_ACT_UNTRUSTED = 3,   /* signed by another key */
	OTW_ACT_TAMPERED = 4,    /* signature does not match the content */
	OTW_ACT_NOT_YET = 5,
	OTW_ACT_EXPIRED = 6,
	OTW_ACT_OTHER_SENSOR = 7,
	OTW_ACT_NO_TRUST = 8,    /* no trusted key installed */
	OTW_ACT_STORE = 9,
};
const char *otw_act_refusal_name(int why); /* "tampered", ... */

/* Ed25519 key pair: private key PEM to priv (mode 0600, must not exist),
 * public key PEM to pub. 0, or -errno / OTW_ECRYPTO with a sentence. */
int otw_act_keygen(const char *priv, const char *pub, char *err, size_t errlen);

/* Sign d with the private key in priv_pem_file; *out gets the file text
 * (malloc'd, caller frees). 0, or an error with a sentence. */
int otw_act_issue(const char *priv_pem_file, const struct otw_act_doc *d,
		  char **out, char *err, size_t errlen);

/* Check file text against trusted public key PEM, this sensor's id and
 * name, and now. Returns 0 and *out, or an enum otw_act_refusal with the
 * reason in err. */
int otw_act_verify(const char *file, size_t len, const char *trusted_pem,
		   const char *sensor_id, const char *sensor_name, int64_t now,
		   struct otw_act_doc *out, char *err, size_t errlen);

/* This sensor's identity and trust from the setting table ("sensor.id",
 * "sensor.name", "activation.pubkey"); verify, then store the file as
 * "activation.file" and its fields as "activation.*". The caller commits
 * txn (and adds the audit entry). Returns 0 or a refusal, as verify. */
int otw_act_apply(struct otw_txn *txn, const char *file, size_t len,
		  int64_t now, struct otw_act_doc *out, char *err, size_t errlen);

/* Install pub_pem (must parse as an Ed25519 public key) as the trusted
 * key. 0, -EINVAL with a sentence, or a store error. */
int otw_act_trust(struct otw_txn *txn, const char *pub_pem, char *err,
		  size_t errlen);

/* The sensor id, made (16 random bytes, hex) and stored on first use. */
int otw_sensor_id(struct otw_txn *txn, char out[OTW_ACT_STR]);

/* Time as "YYYY-MM-DDTHH:MM:SSZ" and back (-1 when malformed). */
void otw_act_time_str(int64_t t, char *buf, size_t len);
int64_t otw_act_time_parse(const char *s);

#endif
