#include "activation.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "otw_err.h"
#include "setting.h"

#define FORMAT "otwatch-activation-1"
#define FILE_MAX 4096 /* fits one setting value */

const char *otw_act_refusal_name(int why)
{
	static const char *const n[] = { "ok", "malformed", "unsigned", "untrusted",
					 "tampered", "not-yet-valid", "expired",
					 "other-sensor", "no-trusted-key", "store" };
	return why >= 0 && why < (int)(sizeof(n) / sizeof(n[0])) ? n[why] : "?";
}

void otw_act_time_str(int64_t t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

int64_t otw_act_time_parse(const char *s)
{
	struct tm tm = { 0 };
	char z = 0;
	int n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
				&tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
	    z != 'Z' || s[n] != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* first 8 bytes of SHA-256 over the DER public key, as hex */
static int key_id(EVP_PKEY *k, char out[17])
{
	unsigned char *der = NULL, h[32];
	unsigned hl = 0;
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		return OTW_ECRYPTO;
	if (EVP_Digest(der, (size_t)n, h, &hl, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return OTW_ECRYPTO;
	}
	OPENSSL_free(der);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

int otw_act_keygen(const char *priv, const char *pub, char *err, size_t errlen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *k = NULL;
	FILE *f = NULL;
	int fd, rc = OTW_ECRYPTO;

	if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1 || EVP_PKEY_keygen(pc, &k) != 1) {
		snprintf(err, errlen, "cannot make an Ed25519 key");
		goto out;
	}
	if ((fd = open(priv, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s (an existing key is never overwritten)",
			 priv, strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		rc = -errno;
		goto out;
	}
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s", priv);
		goto out;
	}
	if ((f = fopen(pub, "w")) == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", pub, strerror(errno));
		goto out;
	}
	if (PEM_write_PUBKEY(f, k) != 1 || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s", pub);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *o = malloc(4 * ((n + 2) / 3) + 1);

	if (o != NULL)
		EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	return o;
}

/* decode base64 text; *n = exact length (padding accounted). NULL on bad input */
static unsigned char *unb64(const char *s, size_t *n)
{
	size_t l = strlen(s);
	unsigned char *o;
	int got;

	if (l == 0 || l % 4 != 0 || l > 2 * FILE_MAX || (o = malloc(l / 4 * 3 + 1)) == NULL)
		return NULL;
	if ((got = EVP_DecodeBlock(o, (const unsigned char *)s, (int)l)) < 0) {
		free(o);
		return NULL;
	}
	*n = (size_t)got - (s[l - 1] == '=') - (s[l - 2] == '=');
	o[*n] = '\0';
	return o;
}

int otw_act_issue(const char *priv_pem_file, const struct otw_act_doc *d,
		  char **out, char *err, size_t errlen)
{
	FILE *f = fopen(priv_pem_file, "r");
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *md = NULL;
	cJSON *p = NULL, *env = NULL;
	char *payload = NULL, *pb = NULL, *sb = NULL, kid[17], t[32];
	unsigned char sig[64];
	size_t sl = sizeof(sig);
	int rc = OTW_ECRYPTO;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", priv_pem_file, strerror(errno));
		return -errno;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s is not an Ed25519 private key", priv_pem_file);
		goto out;
	}
	if (key_id(k, kid) != 0)
		goto out;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "sensor_name", d->sensor_name);
	cJSON_AddStringToObject(p, "sensor_id", d->sensor_id);
	cJSON_AddStringToObject(p, "mode", d->mode);
	cJSON_AddStringToObject(p, "site", d->site);
	cJSON_AddStringToObject(p, "zone", d->zone);
	otw_act_time_str(d->not_before, t, sizeof(t));
	cJSON_AddStringToObject(p, "not_before", t);
	otw_act_time_str(d->not_after, t, sizeof(t));
	cJSON_AddStringToObject(p, "not_after", t);
	otw_act_time_str((int64_t)time(NULL), t, sizeof(t));
	cJSON_AddStringToObject(p, "issued", t);
	if ((payload = cJSON_PrintUnformatted(p)) == NULL || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(md, sig, &sl, (const unsigned char *)payload, strlen(payload)) != 1) {
		snprintf(err, errlen, "cannot sign");
		goto out;
	}
	pb = b64((const unsigned char *)payload, strlen(payload));
	sb = b64(sig, sl);
	env = cJSON_CreateObject();
	cJSON_AddStringToObject(env, "format", FORMAT);
	cJSON_AddStringToObject(env, "key_id", kid);
	cJSON_AddStringToObject(env, "payload", pb ? pb : "");
	cJSON_AddStringToObject(env, "signature", sb ? sb : "");
	if (pb == NULL || sb == NULL || (*out = cJSON_Print(env)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
out:
	free(pb);
	free(sb);
	cJSON_free(payload);
	cJSON_Delete(p);
	cJSON_Delete(env);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

static EVP_PKEY *read_pub(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (k != NULL && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static bool copy_str(const cJSON *o, const char *name, char *dst, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
		return false;
	snprintf(dst, cap, "%s", v->valuestring);
	return true;
}

#define REFUSE(code, ...)                              \
	do {                                            \
		snprintf(err, errlen, __VA_ARGS__);     \
		rc = (code);                            \
		goto out;                               \
	} while (0)

int otw_act_verify(const char *file, size_t len, const char *trusted_pem,
		   const char *sensor_id, const char *sensor_name, int64_t now,
		   struct otw_act_doc *d, char *err, size_t errlen)
{
	cJSON *env = NULL, *p = NULL;
	const cJSON *jp, *js, *jf;
	unsigned char *payload = NULL, *sig = NULL;
	size_t pl = 0, sl = 0;
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *md = NULL;
	char kid[17], nb[32], na[32], env_kid[17] = "";
	int rc = OTW_ACT_MALFORMED;

	memset(d, 0, sizeof(*d));
	if (len > FILE_MAX || (env = cJSON_ParseWithLength(file, len)) == NULL || !cJSON_IsObject(env))
		REFUSE(OTW_ACT_MALFORMED, "not an activation file (not a JSON object of at most 4 KiB)");
	jf = cJSON_GetObjectItemCaseSensitive(env, "format");
	jp = cJSON_GetObjectItemCaseSensitive(env, "payload");
	js = cJSON_GetObjectItemCaseSensitive(env, "signature");
	if (!cJSON_IsString(jf) || strcmp(jf->valuestring, FORMAT) != 0 || !cJSON_IsString(jp) ||
	    (payload = unb64(jp->valuestring, &pl)) == NULL)
		REFUSE(OTW_ACT_MALFORMED, "not an activation file (format " FORMAT " with a payload)");
	if (!cJSON_IsString(js) || js->valuestring[0] == '\0')
		REFUSE(OTW_ACT_UNSIGNED, "the activation file is not signed");
	if ((sig = unb64(js->valuestring, &sl)) == NULL || sl != 64)
		REFUSE(OTW_ACT_TAMPERED, "the signature is not a valid Ed25519 signature");
	if (trusted_pem == NULL || (k = read_pub(trusted_pem)) == NULL)
		REFUSE(OTW_ACT_NO_TRUST, "no trusted activation key is installed "
					 "(otwatch setup --activation-key FILE)");
	if (key_id(k, kid) != 0)
		REFUSE(OTW_ACT_MALFORMED, "cannot fingerprint the trusted key");
	copy_str(env, "key_id", env_kid, sizeof(env_kid));
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) != 1)
		REFUSE(OTW_ACT_MALFORMED, "cannot verify (OpenSSL)");
	if (EVP_DigestVerify(md, sig, sl, payload, pl) != 1) {
		/* the key id only chooses the wording: either way it is refused */
		if (strcmp(env_kid, kid) != 0)
			REFUSE(OTW_ACT_UNTRUSTED, "signed by key %s, not by the trusted key %s",
			       env_kid[0] ? env_kid : "(unnamed)", kid);
		REFUSE(OTW_ACT_TAMPERED, "the signature does not match the content: "
					 "the file was altered after signing");
	}
	if ((p = cJSON_ParseWithLength((const char *)payload, pl)) == NULL ||
	    !copy_str(p, "sensor_name", d->sensor_name, sizeof(d->sensor_name)) ||
	    !copy_str(p, "sensor_id", d->sensor_id, sizeof(d->sensor_id)) ||
	    !copy_str(p, "mode", d->mode, sizeof(d->mode)) ||
	    !copy_str(p, "site", d->site, sizeof(d->site)) ||
	    !copy_str(p, "zone", d->zone, sizeof(d->zone)) ||
	    !copy_str(p, "not_before", nb, sizeof(nb)) || !copy_str(p, "not_after", na, sizeof(na)) ||
	    (d->not_before = otw_act_time_parse(nb)) < 0 ||
	    (d->not_after = otw_act_time_parse(na)) < 0)
		REFUSE(OTW_ACT_MALFORMED, "the signed document lacks a field or has a bad time");
	if (strcmp(d->mode, "cloud") != 0 && strcmp(d->mode, "local") != 0 &&
	    strcmp(d->mode, "managed") != 0)
		REFUSE(OTW_ACT_MALFORMED, "mode must be cloud, local or managed");
	snprintf(d->key_id, sizeof(d->key_id), "%s", kid);
	if (strcmp(d->sensor_id, sensor_id ? sensor_id : "") != 0 ||
	    strcmp(d->sensor_name, sensor_name ? sensor_name : "") != 0)
		REFUSE(OTW_ACT_OTHER_SENSOR, "issued for sensor %s (id %s); this is %s (id %s)",
		       d->sensor_name, d->sensor_id, sensor_name ? sensor_name : "(no name)",
		       sensor_id ? sensor_id : "?");
	if (now < d->not_before)
		REFUSE(OTW_ACT_NOT_YET, "not valid before %s", nb);
	if (now > d->not_after)
		REFUSE(OTW_ACT_EXPIRED, "expired at %s", na);
	rc = 0;
out:
	if (rc != 0 && rc != OTW_ACT_OTHER_SENSOR && rc != OTW_ACT_NOT_YET && rc != OTW_ACT_EXPIRED)
		memset(d, 0, sizeof(*d));
	cJSON_Delete(p);
	cJSON_Delete(env);
	free(payload);
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

static int get_text(struct otw_txn *txn, const char *name, char *buf, size_t cap)
{
	size_t n;
	int rc = otw_store_setting_get(txn, name, buf, cap, &n);

	if (rc == 0 && n >= cap)
		return -E2BIG;
	return rc;
}

int otw_sensor_id(struct otw_txn *txn, char out[OTW_ACT_STR])
{
	int rc = get_text(txn, "sensor.id", out, OTW_ACT_STR);

	if (rc != OTW_ENOTFOUND)
		return rc;
	if ((rc = otw_random_hex(out, 16)) != 0)
		return rc;
	return otw_store_setting_put(txn, "sensor.id", out, strlen(out));
}

int otw_act_apply(struct otw_txn *txn, const char *file, size_t len, int64_t now,
		  struct otw_act_doc *d, char *err, size_t errlen)
{
	char id[OTW_ACT_STR], name[OTW_ACT_STR] = "", *pem;
	static const size_t pem_cap = 1024;
	int rc;

	if ((pem = calloc(1, pem_cap)) == NULL)
		return OTW_ACT_STORE;
	if (otw_sensor_id(txn, id) != 0 ||
	    ((rc = get_text(txn, "sensor.name", name, sizeof(name))) != 0 && rc != OTW_ENOTFOUND)) {
		free(pem);
		snprintf(err, errlen, "cannot read the sensor identity");
		return OTW_ACT_STORE;
	}
	rc = get_text(txn, "activation.pubkey", pem, pem_cap);
	rc = otw_act_verify(file, len, rc == 0 ? pem : NULL, id, name, now, d, err, errlen);
	free(pem);
	if (rc != 0)
		return rc;
	{
		char nb[32], na[32];
		otw_act_time_str(d->not_before, nb, sizeof(nb));
		otw_act_time_str(d->not_after, na, sizeof(na));
		if (otw_store_setting_put(txn, "activation.file", file, len) != 0 ||
		    otw_store_setting_put(txn, "activation.mode", d->mode, strlen(d->mode)) != 0 ||
		    otw_store_setting_put(txn, "activation.site", d->site, strlen(d->site)) != 0 ||
		    otw_store_setting_put(txn, "activation.zone", d->zone, strlen(d->zone)) != 0 ||
		    otw_store_setting_put(txn, "activation.not_before", nb, strlen(nb)) != 0 ||
		    otw_store_setting_put(txn, "activation.not_after", na, strlen(na)) != 0) {
			snprintf(err, errlen, "cannot store the activation");
			return OTW_ACT_STORE;
		}
	}
	return 0;
}

int otw_act_trust(struct otw_txn *txn, const char *pub_pem, char *err, size_t errlen)
{
	EVP_PKEY *k = read_pub(pub_pem);
	char kid[17];
	int rc;

	if (k == NULL) {
		snprintf(err, errlen, "not an Ed25519 public key in PEM");
		return -EINVAL;
	}
	rc = key_id(k, kid);
	EVP_PKEY_free(k);
	if (rc == 0 && strlen(pub_pem) >= 1024)
		rc = -EINVAL;
	if (rc == 0)
		rc = otw_store_setting_put(txn, "activation.pubkey", pub_pem, strlen(pub_pem));
	if (rc != 0)
		snprintf(err, errlen, "cannot install the key: %s", otw_strerror(rc));
	return rc;
}
