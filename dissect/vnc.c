/* VNC / RFB (RFC 6143): the ProtocolVersion of each side (the server's as
 * its SERVER fact), the security types the server offers, the client's
 * choice, the SecurityResult (a failure is an exception) and the desktop
 * name of ServerInit; after the handshake, client messages (key and
 * pointer events drive the remote screen) are counted by type. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define VNC_PORT 5900

/* func: 1-3 handshake, 0x100 + client message type after it */
enum {
	VNC_VERSION = 1,   /* ProtocolVersion (each side) */
	VNC_SECURITY = 2,  /* server: offered types; client: chosen type */
	VNC_RESULT = 3,    /* SecurityResult / VNC authentication */
	VNC_INIT = 4,      /* ClientInit / ServerInit */
	VNC_DATA = 5,      /* server data after the handshake */
};
#define VNC_MSG(t) (0x100u + (t))

enum { VS_VERSION, VS_SECURITY, VS_AUTH, VS_INIT, VS_DATA };

struct vnc_state {
	uint8_t phase[2];   /* VS_*, per direction */
	uint8_t minor;      /* 3, 7 or 8: RFB 003.00x */
	uint8_t sec;        /* security type chosen */
	uint8_t pad[20];
};
_Static_assert(sizeof(struct vnc_state) == 24, "state layout");
_Static_assert(sizeof(struct vnc_state) <= OTW_APP_STATE_BYTES, "state size");

static const char *vnc_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_VNC)
		return NULL;
	*cat = OTW_CAT_SESSION;
	switch (func) {
	case VNC_VERSION: return "protocol_version";
	case VNC_SECURITY: return "security_type";
	case VNC_RESULT: *cat = OTW_CAT_AUTH; return "security_result";
	case VNC_INIT: return "init";
	case VNC_DATA: *cat = OTW_CAT_MONITOR; return "server_data";
	case VNC_MSG(0): *cat = OTW_CAT_CONFIG; return "set_pixel_format";
	case VNC_MSG(2): *cat = OTW_CAT_CONFIG; return "set_encodings";
	case VNC_MSG(3): *cat = OTW_CAT_READ; return "framebuffer_update_request";
	case VNC_MSG(4): *cat = OTW_CAT_CONTROL; return "key_event";
	case VNC_MSG(5): *cat = OTW_CAT_CONTROL; return "pointer_event";
	case VNC_MSG(6): *cat = OTW_CAT_WRITE; return "client_cut_text";
	default: return NULL;
	}
}

static bool vnc_is_version(const struct otw_cur *c)
{
	return otw_cur_left(c) >= 12 && memcmp(c->p, "RFB ", 4) == 0 &&
	       c->p[7] == '.' && c->p[11] == '\n';
}

static const char *vnc_sec_name(uint8_t t)
{
	switch (t) {
	case 1: return "none";
	case 2: return "vnc-auth";
	case 5: return "ra2";
	case 16: return "tight";
	case 18: return "tls";
	case 19: return "vencrypt";
	case 30: return "apple-dh";
	default: return NULL;
	}
}

static void vnc_report(struct otw_dctx *x, unsigned func, uint8_t kind)
{
	otw_op_report(x, &(struct otw_op){ .func = (uint16_t)func, .kind = kind,
					   .addr = OTW_ADDR_NONE });
}

/* Client-to-server messages after ClientInit (§7.5); a message cut by the
 * segment ends the walk (the next segment starts a new one, as clients
 * send whole messages). */
static void vnc_client_msgs(struct otw_cur *c, struct otw_dctx *x)
{
	for (unsigned n = 0; n < 64 && otw_cur_left(c) > 0; n++) {
		uint8_t t;
		uint16_t cnt;
		uint32_t len;
		size_t sz;

		(void)otw_cur_u8(c, &t);
		switch (t) {
		case 0: sz = 19; break;
		case 3: sz = 9; break;
		case 4: sz = 7; break;
		case 5: sz = 5; break;
		case 2:
			if (!otw_cur_skip(c, 1) || !otw_cur_u16be(c, &cnt))
				return;
			sz = (size_t)cnt * 4;
			break;
		case 6:
			if (!otw_cur_skip(c, 3) || !otw_cur_u32be(c, &len))
				return;
			sz = len;
			break;
		default:
			c->p = c->end;
			return;
		}
		vnc_report(x, VNC_MSG(t), OTW_OPK_REQUEST);
		if (!otw_cur_skip(c, sz))
			c->p = c->end;
	}
	c->p = c->end;
}

/* SecurityResult (§7.1.3): u32 0 ok, 1 failed (+ reason string in 3.8). */
static bool vnc_is_result(const struct otw_cur *c)
{
	struct otw_cur t = *c;
	uint32_t r, len;

	if (otw_cur_left(c) == 4)
		return true;
	return otw_cur_u32be(&t, &r) && (r == 1 || r == 2) && otw_cur_u32be(&t, &len) &&
	       len == otw_cur_left(&t);
}

/* ServerInit (§7.3.2): width, height, pixel format (16), name. */
static void vnc_server_init(const struct otw_cur *c, struct otw_dctx *x)
{
	uint32_t nlen;
	struct otw_cur t = *c;
	char s[OTW_ATTR_VAL_MAX];
	int k;

	vnc_report(x, VNC_INIT, OTW_OPK_RESPONSE);
	if (!otw_cur_skip(&t, 20) || !otw_cur_u32be(&t, &nlen) || nlen == 0 ||
	    otw_cur_left(&t) < nlen || nlen > 4096)
		return;
	k = snprintf(s, sizeof(s), "vnc-desktop:%.*s", (int)(nlen < 40 ? nlen : 40),
		     (const char *)t.p);
	if (k > 0)
		otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, s,
				(size_t)k < sizeof(s) ? (size_t)k : sizeof(s) - 1);
}

static enum otw_verdict vnc_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct vnc_state st;
	unsigned d = x->from_client ? 0 : 1;
	uint8_t kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
	enum otw_verdict v = OTW_OK;
	size_t n = otw_cur_left(c);

	memcpy(&st, x->state, sizeof(st));
	if (n == 0)
		goto out;
	if (x->gap)
		st.phase[d] = VS_DATA;
	switch (st.phase[d]) {
	case VS_VERSION:
		if (!vnc_is_version(c)) {
			v = OTW_MALFORMED;
			st.phase[d] = VS_DATA;
			break;
		}
		if (!x->from_client) {
			otw_attr_report(x, true, OTW_ATTR_SERVER, (const char *)c->p, 11);
			st.minor = (uint8_t)(c->p[10] - '0');
		}
		vnc_report(x, VNC_VERSION, kind);
		(void)otw_cur_skip(c, 12);
		st.phase[d] = VS_SECURITY;
		break;
	case VS_SECURITY:
		if (!x->from_client && st.minor >= 7) {
			/* u8 count + types; 0 = failure with a reason */
			uint8_t cnt = 0, t;
			char s[OTW_ATTR_VAL_MAX];
			int k = 0;
			(void)otw_cur_u8(c, &cnt);
			vnc_report(x, VNC_SECURITY, cnt ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION);
			for (unsigned i = 0; i < cnt && otw_cur_u8(c, &t); i++) {
				const char *nm = vnc_sec_name(t);
				int r = nm ? snprintf(s + k, sizeof(s) - (size_t)k, "%s%s",
						      k ? "," : "", nm)
					   : snprintf(s + k, sizeof(s) - (size_t)k, "%s%u",
						      k ? "," : "", t);
				if (r < 0 || (size_t)(k + r) >= sizeof(s))
					break;
				k += r;
			}
			if (k > 0)
				otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, s, (size_t)k);
		} else if (!x->from_client) { /* 3.3: u32 type chosen by the server */
			uint32_t t = 0;
			(void)otw_cur_u32be(c, &t);
			st.sec = (uint8_t)t;
			vnc_report(x, VNC_SECURITY, t ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION);
		} else {
			(void)otw_cur_u8(c, &st.sec);
			vnc_report(x, VNC_SECURITY, OTW_OPK_REQUEST);
		}
		st.phase[d] = VS_AUTH;
		c->p = c->end;
		break;
	case VS_AUTH:
		if (x->from_client) {
			if (n == 1) { /* ClientInit: auth needed no answer */
				vnc_report(x, VNC_INIT, OTW_OPK_REQUEST);
				st.phase[d] = VS_DATA;
			} else {
				vnc_report(x, VNC_RESULT, OTW_OPK_REQUEST);
				st.phase[d] = VS_INIT;
			}
		} else if (n == 16) {
			/* the VNC authentication challenge */
		} else if (vnc_is_result(c)) {
			uint32_t r = 1;
			(void)otw_cur_u32be(c, &r);
			vnc_report(x, VNC_RESULT, r == 0 ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION);
			st.phase[d] = VS_INIT;
		} else if (n >= 24) { /* ServerInit, no result was sent */
			vnc_server_init(c, x);
			st.phase[d] = VS_DATA;
		}
		c->p = c->end;
		break;
	case VS_INIT:
		if (x->from_client) {
			vnc_report(x, VNC_INIT, OTW_OPK_REQUEST);
			(void)otw_cur_skip(c, 1);
			st.phase[d] = VS_DATA;
			vnc_client_msgs(c, x);
		} else if (vnc_is_result(c)) {
			uint32_t r = 1;
			(void)otw_cur_u32be(c, &r);
			vnc_report(x, VNC_RESULT, r == 0 ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION);
		} else {
			vnc_server_init(c, x);
			st.phase[d] = VS_DATA;
		}
		c->p = c->end;
		break;
	default:
		if (x->from_client)
			vnc_client_msgs(c, x);
		else
			vnc_report(x, VNC_DATA, OTW_OPK_RESPONSE);
		c->p = c->end;
		break;
	}
out:
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static bool vnc_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return vnc_is_version(c) && memcmp(c->p, "RFB 00", 6) == 0;
}

static const struct otw_dissector dis_vnc = {
	.name = "vnc",
	.app = OTW_APP_VNC,
	.l4 = IPPROTO_TCP,
	.port = VNC_PORT,
	.probe = vnc_probe,
	.dissect = vnc_dissect,
	.op_name = vnc_op_name,
};

static const struct otw_dissector dis_vnc_any = {
	.name = "vnc-heuristic",
	.app = OTW_APP_VNC,
	.l4 = IPPROTO_TCP,
	.port = 0,
	.probe = vnc_probe,
	.dissect = vnc_dissect,
	.op_name = vnc_op_name,
};

const struct otw_dissector *const otw_plugin_vnc[] = { &dis_vnc, &dis_vnc_any, NULL };
