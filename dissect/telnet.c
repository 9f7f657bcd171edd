/* Telnet (RFC 854, options RFC 855): sessions, data segments and option
 * negotiations are counted; a login prompt ("login:", "Username:") or a
 * "Password:" prompt from the server followed by the client's typing is a
 * cleartext login, reported as a capability of the server. Nothing the
 * client types is stored. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define TELNET_PORT 23
#define TN_SCAN_SEGS 32   /* server segments scanned for prompts */

#define IAC 255

enum {
	TN_SESSION = 1,   /* first payload of a connection */
	TN_DATA = 2,      /* a segment carrying user data */
	TN_OPTION = 3,    /* a segment carrying only option negotiation */
	TN_LOGIN = 4,     /* cleartext login (prompt answered) */
};

#define TF_SESSION 0x01
#define TF_PROMPT 0x02   /* a login/password prompt is waiting */
#define TF_LOGIN 0x04    /* reported */

struct tn_state {
	uint8_t flags;
	uint8_t scanned;  /* server segments scanned */
	uint8_t pad[22];
};
_Static_assert(sizeof(struct tn_state) == 24, "state layout");
_Static_assert(sizeof(struct tn_state) <= OTW_APP_STATE_BYTES, "state size");

static const char *tn_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_TELNET)
		return NULL;
	switch (func) {
	case TN_SESSION: *cat = OTW_CAT_SESSION; return "session";
	case TN_DATA: *cat = OTW_CAT_SESSION; return "data";
	case TN_OPTION: *cat = OTW_CAT_SESSION; return "option_negotiation";
	case TN_LOGIN: *cat = OTW_CAT_AUTH; return "cleartext_login";
	default: return NULL;
	}
}

/* Case-insensitive "word" in p[0..n). */
static bool tn_has(const uint8_t *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (p[i + j] | 0x20) == (uint8_t)w[j])
			j++;
		if (j == k)
			return true;
	}
	return false;
}

/* Does the segment hold bytes other than IAC sequences? */
static bool tn_has_data(struct otw_cur c)
{
	while (otw_cur_left(&c) > 0) {
		uint8_t b, cmd;
		(void)otw_cur_u8(&c, &b);
		if (b != IAC)
			return true;
		if (!otw_cur_u8(&c, &cmd))
			return false;
		if (cmd == IAC)
			return true; /* an escaped 0xff data byte */
		if (cmd >= 251 && cmd <= 254) { /* WILL WONT DO DONT <opt> */
			(void)otw_cur_skip(&c, 1);
		} else if (cmd == 250) { /* SB ... IAC SE */
			const uint8_t *se;
			while ((se = memchr(c.p, IAC, otw_cur_left(&c))) != NULL) {
				c.p = se + 1;
				if (otw_cur_left(&c) > 0 && c.p[0] == 240) {
					c.p++;
					break;
				}
			}
			if (se == NULL)
				return false;
		}
	}
	return false;
}

static enum otw_verdict tn_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct tn_state st;
	uint8_t kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
	bool data;

	memcpy(&st, x->state, sizeof(st));
	if (!(st.flags & TF_SESSION)) {
		st.flags |= TF_SESSION;
		otw_op_report(x, &(struct otw_op){ .func = TN_SESSION, .kind = kind,
						   .addr = OTW_ADDR_NONE });
	}
	if (otw_cur_left(c) == 0)
		goto out;
	data = tn_has_data(*c);
	otw_op_report(x, &(struct otw_op){ .func = data ? TN_DATA : TN_OPTION,
					   .kind = kind, .addr = OTW_ADDR_NONE });
	if (st.flags & TF_LOGIN || !data)
		goto out;
	if (!x->from_client && st.scanned < TN_SCAN_SEGS) {
		size_t n = otw_cur_left(c);
		st.scanned++;
		/* prompts end the segment: look at its tail only */
		const uint8_t *p = n > 64 ? c->p + n - 64 : c->p;
		if (tn_has(p, (size_t)(c->end - p), "login:") ||
		    tn_has(p, (size_t)(c->end - p), "username:") ||
		    tn_has(p, (size_t)(c->end - p), "password:"))
			st.flags |= TF_PROMPT;
	} else if (x->from_client && (st.flags & TF_PROMPT)) {
		st.flags |= TF_LOGIN;
		otw_attr_report(x, false, OTW_ATTR_CAPABILITIES, "cleartext-login", 15);
		otw_op_report(x, &(struct otw_op){ .func = TN_LOGIN, .kind = OTW_OPK_REQUEST,
						   .addr = OTW_ADDR_NONE });
	}
out:
	c->p = c->end;
	memcpy(x->state, &st, sizeof(st));
	return OTW_OK;
}

/* IAC WILL/WONT/DO/DONT, or text (a banner or prompt) from either side. */
static bool tn_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t b0, b1;
	size_t n = otw_cur_left(c);

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &b0))
		return false;
	if (b0 == IAC)
		return otw_cur_peek_u8(c, 1, &b1) && b1 >= 250 && b1 <= 254;
	if (n > 256) /* a banner or a line: its start decides */
		n = 256;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = c->p[i];
		if (ch == IAC)
			break;
		if ((ch < 0x20 || ch > 0x7e) && ch != '\r' && ch != '\n' && ch != '\t' &&
		    ch != 0)
			return false;
	}
	return true;
}

static const struct otw_dissector dis_telnet = {
	.name = "telnet",
	.app = OTW_APP_TELNET,
	.l4 = IPPROTO_TCP,
	.port = TELNET_PORT,
	.probe = tn_probe,
	.dissect = tn_dissect,
	.op_name = tn_op_name,
};

const struct otw_dissector *const otw_plugin_telnet[] = { &dis_telnet, NULL };
