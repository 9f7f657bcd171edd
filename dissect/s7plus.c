/* S7comm-plus (S7-1200/1500, protocol id 0x72) in COTP DT user data.
 * Public descriptions: the Wireshark s7comm_plus plug-in (T. Wiens) and
 * ICSNPP s7comm-plus. Header: 0x72, protocol version (1, 2, 3; 0xfe
 * light), data length; V3 puts an integrity part (digest length + HMAC
 * digest) first. Data: opcode (0x31 request, 0x32 response, 0x33
 * notification, 0x02 response2), 2 reserved, function code, 2 reserved,
 * sequence number, ... Newer firmware wraps the whole thing in TLS: those
 * DTs are only counted.
 *
 * op encoding (docs/protocols/s7comm-plus.md): unit = protocol version
 * (0xff for TLS-encrypted payloads), func = function code; notifications
 * func 0, encrypted payloads func 0xffff. */
#include <string.h>

#include "iso_int.h"
#include "otw_app.h"

#define SP_REQUEST 0x31
#define SP_RESPONSE 0x32
#define SP_NOTIFICATION 0x33
#define SP_RESPONSE2 0x02

#define SPF_NOTIFICATION 0x0000
#define SPF_CREATE_OBJECT 0x04ca
#define SPF_GET_VAR_SUBSTR 0x0586
#define SPF_TLS 0xffff

struct opname {
	unsigned func;
	const char *name;
	const char *cat;
};

/* Sorted by func. */
static const struct opname sp_ops[] = {
	{ SPF_NOTIFICATION, "notification", OTW_CAT_MONITOR },
	{ 0x04b1, "error", OTW_CAT_OTHER },
	{ 0x04bb, "explore", OTW_CAT_DIAG },
	{ SPF_CREATE_OBJECT, "create_object", OTW_CAT_SESSION },
	{ 0x04d4, "delete_object", OTW_CAT_SESSION },
	{ 0x04f2, "set_variable", OTW_CAT_WRITE },
	{ 0x04fc, "get_variable", OTW_CAT_READ },
	{ 0x0506, "add_link", OTW_CAT_CONFIG },
	{ 0x051a, "remove_link", OTW_CAT_CONFIG },
	{ 0x0524, "get_link", OTW_CAT_READ },
	{ 0x0542, "set_multi_variables", OTW_CAT_WRITE },
	{ 0x054c, "get_multi_variables", OTW_CAT_READ },
	{ 0x0556, "begin_sequence", OTW_CAT_PROGRAM },
	{ 0x0560, "end_sequence", OTW_CAT_PROGRAM },
	{ 0x056b, "invoke", OTW_CAT_CONTROL },
	{ 0x057c, "set_var_substreamed", OTW_CAT_WRITE },
	{ SPF_GET_VAR_SUBSTR, "get_var_substreamed", OTW_CAT_READ },
	{ 0x0590, "get_variables_address", OTW_CAT_READ },
	{ 0x059a, "abort", OTW_CAT_SESSION },
	{ 0x05a9, "error2", OTW_CAT_OTHER },
	{ 0x05b3, "init_ssl", OTW_CAT_SESSION },
	{ SPF_TLS, "tls_encrypted", OTW_CAT_OTHER },
};
#define SP_NOPS (sizeof(sp_ops) / sizeof(sp_ops[0]))

const char *otw_iso_s7plus_name(unsigned func, const char **cat)
{
	size_t lo = 0, hi = SP_NOPS;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sp_ops[mid].func == func) {
			*cat = sp_ops[mid].cat;
			return sp_ops[mid].name;
		}
		if (sp_ops[mid].func < func)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool order_char(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	       ch == ' ' || ch == '-';
}

/* A SIMATIC order number "6ES7 xxx-xxxxx-xxxx" in clear text of a server
 * answer: product code, vendor, role. Only looked for in the few answers
 * that carry it (CreateObject, GetVarSubStreamed). True when found. */
static bool sp_identity(const struct otw_dctx *x, struct otw_cur c)
{
	uint8_t b[20];

	while (otw_cur_left(&c) >= 19) {
		uint8_t ch = 0;
		struct otw_cur s = c;
		size_t n = 0;
		(void)otw_cur_u8(&c, &ch);
		if (ch != '6' || !otw_cur_bytes(&s, b, 4) ||
		    memcmp(b, "6ES7", 4) != 0)
			continue;
		n = 4; /* "6ES7" */
		while (n < sizeof(b) && otw_cur_u8(&s, &b[n]) && order_char(b[n]))
			n++;
		if (n < 19)
			continue;
		otw_iso_attr(x, true, OTW_ATTR_PRODUCT_CODE, b, 19);
		otw_attr_report(x, true, OTW_ATTR_VENDOR, "Siemens", 7);
		otw_attr_report(x, true, OTW_ATTR_ROLE, "plc", 3);
		return true;
	}
	return false;
}

enum otw_verdict otw_iso_s7plus(struct otw_cur *pdu, struct otw_dctx *x,
				struct iso_state *st, bool partial)
{
	unsigned cbit = x->from_client ? ISO_F_SPC0 : ISO_F_SPC1;
	bool cont;
	uint8_t proto, ver, opcode;
	uint16_t len, func = 0;
	struct otw_op op = { .app = OTW_APP_S7COMMPLUS, .addr = OTW_ADDR_NONE };

	if (!otw_cur_u8(pdu, &proto))
		return OTW_OK;
	if (proto != 0x72) { /* TLS record (dt_kind checked 0x14-0x17 0x03) */
		op.unit = 0xff;
		op.func = SPF_TLS;
		op.kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
		otw_op_report(x, &op);
		return OTW_OK;
	}
	if (!otw_cur_u8(pdu, &ver) || !otw_cur_u16be(pdu, &len))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (ver != 1 && ver != 2 && ver != 3 && ver != 0xfe)
		return OTW_MALFORMED;
	if (!partial && otw_cur_left(pdu) < len)
		return OTW_MALFORMED;
	/* A PDU too large for one DT is sent as several 0x72 frames; all but
	 * the last lack the trailer (0x72, version, 0x0000) after the data,
	 * and all but the first lack the opcode header. */
	cont = (st->flags & cbit) != 0;
	if (!partial && otw_cur_left(pdu) < (size_t)len + 4)
		st->flags = (uint8_t)(st->flags | cbit);
	else
		st->flags = (uint8_t)(st->flags & ~cbit);
	if (cont)
		return OTW_OK;
	if (ver == 3) { /* integrity part: digest length, digest */
		uint8_t dl;
		if (!otw_cur_u8(pdu, &dl) || !otw_cur_skip(pdu, dl))
			return partial ? OTW_OK : OTW_MALFORMED;
	}
	if (!otw_cur_u8(pdu, &opcode))
		return partial || len == 0 ? OTW_OK : OTW_MALFORMED;
	if (ver == 0xfe) /* "light" keep-alive frames: no function */
		return OTW_OK;
	op.unit = ver;
	switch (opcode) {
	case SP_NOTIFICATION:
		op.func = SPF_NOTIFICATION;
		op.kind = OTW_OPK_RESPONSE;
		otw_op_report(x, &op);
		return OTW_OK;
	case SP_REQUEST:
	case SP_RESPONSE:
	case SP_RESPONSE2:
		break;
	default:
		return OTW_MALFORMED;
	}
	if (!otw_cur_skip(pdu, 2) || !otw_cur_u16be(pdu, &func))
		return partial ? OTW_OK : OTW_MALFORMED;
	op.func = func;
	op.kind = opcode == SP_REQUEST ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
	if (func == 0x04b1 || func == 0x05a9)
		op.kind = OTW_OPK_EXCEPTION;
	otw_op_report(x, &op);
	/* scanned until found once per flow: GetVarSubStreamed is frequent */
	if (op.kind == OTW_OPK_RESPONSE && !(st->flags & ISO_F_ROLE) &&
	    (func == SPF_CREATE_OBJECT || func == SPF_GET_VAR_SUBSTR) &&
	    sp_identity(x, *pdu))
		st->flags |= ISO_F_ROLE;
	return OTW_OK;
}
