#include "setup.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "activation.h"
#include "otw_err.h"
#include "setting.h"

#define F(n) { #n, offsetof(struct otw_setup, n), sizeof(((struct otw_setup *)0)->n) }
const struct otw_setup_field otw_setup_fields[] = {
	F(sensor_name), F(mgmt_address), F(interfaces), F(timezone), F(proxy), F(mode), F(cert),
	{ NULL, 0, 0 },
};

static bool only(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

static bool host_port(const char *s)
{
	const char *colon = strrchr(s, ':');

	if (s[0] == '\0' || strlen(s) > 253 || !only(s, ".-:[]"))
		return false;
	if (colon != NULL && s[0] != '[' && strchr(s, ':') == colon) {
		/* host:port: a port of 1..65535 */
		char *end;
		long p = strtol(colon + 1, &end, 10);
		return *end == '\0' && p >= 1 && p <= 65535 && colon != s;
	}
	return true;
}

static bool interfaces_ok(const char *s)
{
	char b[256], *save, *tok;

	if (s[0] == '\0' || strlen(s) >= sizeof(b) || !only(s, ",.-_:"))
		return false;
	snprintf(b, sizeof(b), "%s", s);
	for (tok = strtok_r(b, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strlen(tok) > 15 && strlen(tok) != 12) /* IFNAMSIZ-1, or a PCI address */
			return false;
	return s[strlen(s) - 1] != ',' && s[0] != ',' && strstr(s, ",,") == NULL;
}

static bool timezone_ok(const char *tz)
{
	char path[128];
	struct stat sb;

	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") || !only(tz, "/_-+"))
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool proxy_ok(const char *p)
{
	if (p[0] == '\0')
		return true;
	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else
		return false;
	return host_port(p);
}

const char *otw_setup_check(const struct otw_setup *s)
{
	if (s->sensor_name[0] == '\0' || !only(s->sensor_name, ".-_"))
		return "sensor_name: 1-63 of A-Z a-z 0-9 . - _";
	if (s->mgmt_address[0] != '\0' && !host_port(s->mgmt_address))
		return "mgmt_address: a host name or address, optionally :port";
	if (!interfaces_ok(s->interfaces))
		return "interfaces: a comma list of interface names or PCI addresses";
	if (!timezone_ok(s->timezone))
		return "timezone: an IANA time zone such as UTC or Europe/Berlin";
	if (!proxy_ok(s->proxy))
		return "proxy: empty, or http(s)://host[:port]";
	if (strcmp(s->mode, "cloud") != 0 && strcmp(s->mode, "local") != 0 &&
	    strcmp(s->mode, "managed") != 0)
		return "mode: cloud, local or managed";
	if (strcmp(s->cert, "self-signed") != 0 && strcmp(s->cert, "imported") != 0)
		return "cert: self-signed or imported";
	return NULL;
}

int otw_setup_save(struct otw_txn *txn, const struct otw_setup *s)
{
	char key[64], id[OTW_ACT_STR];
	int rc;

	for (const struct otw_setup_field *f = otw_setup_fields; f->name; f++) {
		const char *v = (const char *)s + f->off;
		snprintf(key, sizeof(key), "setup.%s", f->name);
		if ((rc = otw_store_setting_put(txn, key, v, strlen(v))) != 0)
			return rc;
	}
	if ((rc = otw_store_setting_put(txn, "sensor.name", s->sensor_name,
					strlen(s->sensor_name))) != 0 ||
	    (rc = otw_sensor_id(txn, id)) != 0)
		return rc;
	return otw_store_setting_put(txn, "setup.complete", "1", 1);
}

int otw_setup_load(struct otw_txn *txn, struct otw_setup *s, bool *complete)
{
	char key[64], b[4];
	size_t n;
	int rc;

	memset(s, 0, sizeof(*s));
	for (const struct otw_setup_field *f = otw_setup_fields; f->name; f++) {
		char *v = (char *)s + f->off;
		snprintf(key, sizeof(key), "setup.%s", f->name);
		rc = otw_store_setting_get(txn, key, v, f->cap, &n);
		if (rc == OTW_ENOTFOUND || (rc == 0 && n >= f->cap))
			v[0] = '\0';
		else if (rc != 0)
			return rc;
	}
	rc = otw_store_setting_get(txn, "setup.complete", b, sizeof(b), &n);
	*complete = rc == 0 && n == 1 && b[0] == '1';
	return rc == OTW_ENOTFOUND ? 0 : rc;
}
