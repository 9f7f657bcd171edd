/* RDP connection sequence ([MS-RDPBCGR] §2.2.1.1-2): the X.224
 * Connection Request (TPKT, RFC 1006) with its routing cookie (skipped,
 * never stored) and RDP_NEG_REQ requested protocols, the Connection
 * Confirm with the selected protocol or a negotiation failure; what
 * follows (TLS/CredSSP or MCS) is only counted. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define RDP_PORT 3389

enum {
	RDP_CONNECT = 1,  /* X.224 CR (request) / CC (response); unit = protocols */
	RDP_DATA = 2,     /* any later segment */
};

struct rdp_state {
	uint32_t requested; /* requestedProtocols of the CR */
	uint8_t done;       /* CC seen */
	uint8_t pad[19];
};
_Static_assert(sizeof(struct rdp_state) == 24, "state layout");
_Static_assert(sizeof(struct rdp_state) <= OTW_APP_STATE_BYTES, "state size");

static const char *rdp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_RDP)
		return NULL;
	*cat = OTW_CAT_SESSION;
	if (func == RDP_CONNECT)
		return "x224_connect";
	if (func == RDP_DATA)
		return "data";
	return NULL;
}

/* The server's selected protocol (§2.2.1.2.1) as a capability. */
static void rdp_selected(struct otw_dctx *x, uint32_t proto)
{
	const char *s;

	switch (proto) {
	case 0: s = "rdp-security:standard"; break;
	case 1: s = "rdp-security:tls"; break;
	case 2: s = "rdp-security:credssp"; break;
	case 4: s = "rdp-security:rdstls"; break;
	case 8: s = "rdp-security:credssp-ex"; break;
	default: return;
	}
	otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, s, strlen(s));
}

static enum otw_verdict rdp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct rdp_state st;
	uint8_t ver, li, code, type = 0, flags;
	uint16_t tlen, nlen;
	uint32_t proto = 0;
	struct otw_cur tp;
	enum otw_verdict v = OTW_OK;
	uint8_t kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;

	memcpy(&st, x->state, sizeof(st));
	if (st.done || otw_cur_left(c) == 0) {
		if (otw_cur_left(c) > 0)
			otw_op_report(x, &(struct otw_op){ .func = RDP_DATA, .kind = kind,
							   .addr = OTW_ADDR_NONE });
		c->p = c->end;
		goto out;
	}
	/* TPKT: version 3, reserved, length (RFC 1006 §6) */
	if (!otw_cur_u8(c, &ver) || !otw_cur_skip(c, 1) || !otw_cur_u16be(c, &tlen) ||
	    !otw_cur_u8(c, &li) || !otw_cur_u8(c, &code)) {
		v = OTW_SHORT;
		goto out;
	}
	if (ver != 3 || tlen < 7) {
		v = OTW_MALFORMED;
		st.done = 1;
		goto out;
	}
	if (!otw_cur_sub(c, tlen - 6u, &tp)) {
		tp = *c;
		c->p = c->end;
	}
	if ((code & 0xf0) != 0xe0 && (code & 0xf0) != 0xd0) { /* not CR/CC */
		otw_op_report(x, &(struct otw_op){ .func = RDP_DATA, .kind = kind,
						   .addr = OTW_ADDR_NONE });
		goto out;
	}
	(void)otw_cur_skip(&tp, 5); /* dst-ref, src-ref, class */
	if ((code & 0xf0) == 0xe0) {
		/* optional "Cookie: mstshash=..." or routing token, to CR LF */
		if (otw_cur_left(&tp) > 0 && tp.p[0] == 'C') {
			const uint8_t *lf = memchr(tp.p, '\n', otw_cur_left(&tp));
			if (lf == NULL)
				goto report;
			tp.p = lf + 1;
		}
	}
	/* RDP_NEG_REQ / RSP / FAILURE: type, flags, length 8, u32 */
	if (otw_cur_u8(&tp, &type) && otw_cur_u8(&tp, &flags) &&
	    otw_cur_u16le(&tp, &nlen) && nlen == 8)
		(void)otw_cur_u32le(&tp, &proto);
	else
		type = 0;
report:
	if ((code & 0xf0) == 0xe0) {
		st.requested = type == 1 ? proto : 0;
		otw_op_report(x, &(struct otw_op){ .unit = (uint16_t)st.requested,
						   .func = RDP_CONNECT,
						   .kind = OTW_OPK_REQUEST,
						   .addr = OTW_ADDR_NONE });
	} else {
		st.done = 1;
		if (type == 2 || type == 0)
			rdp_selected(x, type == 2 ? proto : 0);
		otw_op_report(x, &(struct otw_op){
			.unit = (uint16_t)st.requested, .func = RDP_CONNECT,
			.kind = type == 3 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE,
			.addr = OTW_ADDR_NONE });
	}
out:
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* TPKT version 3 carrying an X.224 CR or CC TPDU. */
static bool rdp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t ver, code, li;
	uint16_t len;
	(void)x;
	return otw_cur_peek_u8(c, 0, &ver) && ver == 3 && otw_cur_peek_u16be(c, 2, &len) &&
	       len >= 11 && otw_cur_peek_u8(c, 4, &li) && li >= 6 &&
	       otw_cur_peek_u8(c, 5, &code) && (code == 0xe0 || code == 0xd0);
}

static const struct otw_dissector dis_rdp = {
	.name = "rdp",
	.app = OTW_APP_RDP,
	.l4 = IPPROTO_TCP,
	.port = RDP_PORT,
	.probe = rdp_probe,
	.dissect = rdp_dissect,
	.op_name = rdp_op_name,
};

const struct otw_dissector *const otw_plugin_rdp[] = { &dis_rdp, NULL };
