/* Syslog over UDP 514: BSD syslog (RFC 3164 §4) and RFC 5424 §6 headers.
 * One op per message: func = severity (0..7), unit = facility (0..23);
 * the header's HOSTNAME, when a plain host name, is the sender's.
 * See docs/protocols/syslog.md. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define SYSLOG_PORT 514
#define SYSLOG_HOST_MAX 64

struct opname {
	const char *name;
	const char *cat;
};

/* RFC 5424 §6.2.1 Table 2 severities. */
static const struct opname syslog_ops[8] = {
	[0] = { "emergency", OTW_CAT_MONITOR },
	[1] = { "alert", OTW_CAT_MONITOR },
	[2] = { "critical", OTW_CAT_MONITOR },
	[3] = { "error", OTW_CAT_MONITOR },
	[4] = { "warning", OTW_CAT_MONITOR },
	[5] = { "notice", OTW_CAT_MONITOR },
	[6] = { "informational", OTW_CAT_MONITOR },
	[7] = { "debug", OTW_CAT_MONITOR },
};

static const char *syslog_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_SYSLOG || func >= 8)
		return NULL;
	*cat = syslog_ops[func].cat;
	return syslog_ops[func].name;
}

/* "<PRI>": 1..3 digits, value <= 191 (RFC 5424 §6.2.1). */
static bool read_pri(struct otw_cur *c, unsigned *pri)
{
	uint8_t ch;
	unsigned v = 0, n = 0;

	if (!otw_cur_u8(c, &ch) || ch != '<')
		return false;
	while (otw_cur_u8(c, &ch)) {
		if (ch == '>')
			break;
		if (ch < '0' || ch > '9' || ++n > 3)
			return false;
		v = v * 10 + (unsigned)(ch - '0');
	}
	if (ch != '>' || n == 0 || v > 191)
		return false;
	*pri = v;
	return true;
}

static bool syslog_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	struct otw_cur t = *c;
	unsigned pri;

	(void)x;
	return read_pri(&t, &pri) && otw_cur_left(&t) > 0;
}

/* Next space-delimited token (single spaces, as RFC 5424 demands; RFC
 * 3164 "Mmm  d" pads the day with a second space). */
static bool token(struct otw_cur *c, struct otw_cur *t)
{
	while (otw_cur_left(c) > 0 && *c->p == ' ')
		c->p++;
	if (otw_cur_left(c) == 0)
		return false;
	t->p = c->p;
	while (otw_cur_left(c) > 0 && *c->p != ' ')
		c->p++;
	t->end = c->p;
	return true;
}

/* A host name worth keeping: letters, digits, '-', '_', '.', starting
 * with a letter or digit, not an IPv4/IPv6 literal, not RFC 5424's "-". */
static bool plain_host(const struct otw_cur *t)
{
	size_t n = otw_cur_left(t);
	bool alpha = false;

	if (n == 0 || n > SYSLOG_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = t->p[i];
		bool al = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		bool dg = ch >= '0' && ch <= '9';
		if (i == 0 && !al && !dg)
			return false;
		if (!al && !dg && ch != '-' && ch != '_' && ch != '.')
			return false;
		alpha = alpha || al;
	}
	return alpha; /* all digits and dots: an address */
}

static bool is_month(const struct otw_cur *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	if (otw_cur_left(t) != 3)
		return false;
	for (unsigned i = 0; i < 12; i++)
		if (memcmp(t->p, months + 3 * i, 3) == 0)
			return true;
	return false;
}

static enum otw_verdict syslog_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	unsigned pri;
	struct otw_cur t, host = { NULL, NULL };

	if (!read_pri(c, &pri))
		return otw_cur_left(c) == 0 ? OTW_SHORT : OTW_MALFORMED;
	otw_op_report(x, &(struct otw_op){
		.unit = (uint16_t)(pri >> 3), .func = (uint16_t)(pri & 7),
		.kind = OTW_OPK_REQUEST, .addr = OTW_ADDR_NONE });
	uint8_t v0 = 0, v1 = 0;
	(void)otw_cur_peek_u8(c, 0, &v0);
	(void)otw_cur_peek_u8(c, 1, &v1);
	if (v0 == '1' && v1 == ' ') {
		/* RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME ... */
		(void)otw_cur_skip(c, 2);
		if (token(c, &t) && token(c, &t))
			host = t;
	} else if (token(c, &t) && is_month(&t)) {
		/* RFC 3164: "Mmm dd hh:mm:ss HOSTNAME TAG..." */
		struct otw_cur day, tm;
		if (token(c, &day) && token(c, &tm) && otw_cur_left(&tm) == 8 &&
		    tm.p[2] == ':' && token(c, &t) && t.end < c->end)
			host = t; /* a TAG ends with ':' or '[': rejected below */
	}
	if (host.p != NULL && plain_host(&host))
		otw_attr_report(x, true, OTW_ATTR_HOSTNAME, (const char *)host.p,
				otw_cur_left(&host));
	return OTW_OK;
}

static const struct otw_dissector dis_syslog = {
	.name = "syslog",
	.app = OTW_APP_SYSLOG,
	.l4 = IPPROTO_UDP,
	.port = SYSLOG_PORT,
	.probe = syslog_probe,
	.dissect = syslog_dissect,
	.op_name = syslog_op_name,
};

const struct otw_dissector *const otw_plugin_syslog[] = { &dis_syslog, NULL };
