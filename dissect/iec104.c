/* IEC 60870-5-104 over TCP 2404 (IEC 60870-5-104:2006, ASDUs of
 * IEC 60870-5-101:2003).
 *
 * APCI (104 §5): start 0x68, length (4..253), four control octets: I, S or
 * U format. U functions (STARTDT/STOPDT/TESTFR act/con) are ops 0x100 +
 * the "act" control octet; S frames are bare acknowledgements and are not
 * reported. ASDU (101 §7.1 with 104 §9 sizes): type id, variable structure
 * qualifier (SQ bit, number of objects), cause of transmission (2 octets:
 * cause with P/N and T bits, originator address), common address (2
 * octets), information objects with 3-octet addresses.
 *
 * The engine frames the stream by the APCI length (i104_pdu_len) and
 * reassembles APDUs cut by segment boundaries: dissect sees one whole
 * APDU. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define IEC104_PORT 2404
#define APCI_START 0x68
#define APDU_MAX 253       /* length octet: control octets + ASDU */
#define ASDU_HDR 6         /* type, VSQ, COT, OA, CA (2) */
#define HDR_END 12         /* APDU offset where information objects start */
#define IOA1_END (HDR_END + 3) /* APDU offset after the first object address */

/* U-format control octet 1 (104 §5.3): act bit, con bit = act << 1. */
#define U_STARTDT_ACT 0x07
#define U_STARTDT_CON 0x0b
#define U_STOPDT_ACT 0x13
#define U_STOPDT_CON 0x23
#define U_TESTFR_ACT 0x43
#define U_TESTFR_CON 0x83
#define FUNC_U 0x100       /* func of U-format ops: 0x100 + act octet */

#define COT_PN 0x40        /* negative confirm (101 §7.2.3) */
#define COT_CAUSE 0x3f
#define COT_UNKNOWN_FIRST 44 /* 44..47: unknown type/cause/CA/IOA */
#define COT_UNKNOWN_LAST 47

/* Per-flow state (fits OTW_APP_STATE_BYTES). */
struct i104_state {
	uint16_t ca_seen;  /* common address + 1 the server last reported
			    * (with its ROLE); 0: none yet */
	uint8_t pad[22];
};
_Static_assert(sizeof(struct i104_state) == 24, "state layout");
_Static_assert(sizeof(struct i104_state) <= OTW_APP_STATE_BYTES, "state size");

struct i104_type {
	const char *name;
	const char *cat;
	uint8_t size; /* information element octets after the IOA; SZ_VAR: unknown */
};
#define SZ_VAR 0xff

/* Type identifications (101 §7.2.1 Tables 8-14; 104 §9 Table 2 for
 * 58-64, 107, 127) with element sizes (101 §7.3). */
static const struct i104_type i104_types[128] = {
	[1] = { "M_SP_NA_1", OTW_CAT_MONITOR, 1 },
	[2] = { "M_SP_TA_1", OTW_CAT_MONITOR, 4 },
	[3] = { "M_DP_NA_1", OTW_CAT_MONITOR, 1 },
	[4] = { "M_DP_TA_1", OTW_CAT_MONITOR, 4 },
	[5] = { "M_ST_NA_1", OTW_CAT_MONITOR, 2 },
	[6] = { "M_ST_TA_1", OTW_CAT_MONITOR, 5 },
	[7] = { "M_BO_NA_1", OTW_CAT_MONITOR, 5 },
	[8] = { "M_BO_TA_1", OTW_CAT_MONITOR, 8 },
	[9] = { "M_ME_NA_1", OTW_CAT_MONITOR, 3 },
	[10] = { "M_ME_TA_1", OTW_CAT_MONITOR, 6 },
	[11] = { "M_ME_NB_1", OTW_CAT_MONITOR, 3 },
	[12] = { "M_ME_TB_1", OTW_CAT_MONITOR, 6 },
	[13] = { "M_ME_NC_1", OTW_CAT_MONITOR, 5 },
	[14] = { "M_ME_TC_1", OTW_CAT_MONITOR, 8 },
	[15] = { "M_IT_NA_1", OTW_CAT_MONITOR, 5 },
	[16] = { "M_IT_TA_1", OTW_CAT_MONITOR, 8 },
	[17] = { "M_EP_TA_1", OTW_CAT_MONITOR, 6 },
	[18] = { "M_EP_TB_1", OTW_CAT_MONITOR, 7 },
	[19] = { "M_EP_TC_1", OTW_CAT_MONITOR, 7 },
	[20] = { "M_PS_NA_1", OTW_CAT_MONITOR, 5 },
	[21] = { "M_ME_ND_1", OTW_CAT_MONITOR, 2 },
	[30] = { "M_SP_TB_1", OTW_CAT_MONITOR, 8 },
	[31] = { "M_DP_TB_1", OTW_CAT_MONITOR, 8 },
	[32] = { "M_ST_TB_1", OTW_CAT_MONITOR, 9 },
	[33] = { "M_BO_TB_1", OTW_CAT_MONITOR, 12 },
	[34] = { "M_ME_TD_1", OTW_CAT_MONITOR, 10 },
	[35] = { "M_ME_TE_1", OTW_CAT_MONITOR, 10 },
	[36] = { "M_ME_TF_1", OTW_CAT_MONITOR, 12 },
	[37] = { "M_IT_TB_1", OTW_CAT_MONITOR, 12 },
	[38] = { "M_EP_TD_1", OTW_CAT_MONITOR, 10 },
	[39] = { "M_EP_TE_1", OTW_CAT_MONITOR, 11 },
	[40] = { "M_EP_TF_1", OTW_CAT_MONITOR, 11 },
	[45] = { "C_SC_NA_1", OTW_CAT_CONTROL, 1 },
	[46] = { "C_DC_NA_1", OTW_CAT_CONTROL, 1 },
	[47] = { "C_RC_NA_1", OTW_CAT_CONTROL, 1 },
	[48] = { "C_SE_NA_1", OTW_CAT_CONTROL, 3 },
	[49] = { "C_SE_NB_1", OTW_CAT_CONTROL, 3 },
	[50] = { "C_SE_NC_1", OTW_CAT_CONTROL, 5 },
	[51] = { "C_BO_NA_1", OTW_CAT_CONTROL, 5 },
	[58] = { "C_SC_TA_1", OTW_CAT_CONTROL, 8 },
	[59] = { "C_DC_TA_1", OTW_CAT_CONTROL, 8 },
	[60] = { "C_RC_TA_1", OTW_CAT_CONTROL, 8 },
	[61] = { "C_SE_TA_1", OTW_CAT_CONTROL, 10 },
	[62] = { "C_SE_TB_1", OTW_CAT_CONTROL, 10 },
	[63] = { "C_SE_TC_1", OTW_CAT_CONTROL, 12 },
	[64] = { "C_BO_TA_1", OTW_CAT_CONTROL, 11 },
	[70] = { "M_EI_NA_1", OTW_CAT_MONITOR, 1 },
	[100] = { "C_IC_NA_1", OTW_CAT_READ, 1 },
	[101] = { "C_CI_NA_1", OTW_CAT_READ, 1 },
	[102] = { "C_RD_NA_1", OTW_CAT_READ, 0 },
	[103] = { "C_CS_NA_1", OTW_CAT_CONFIG, 7 },
	[104] = { "C_TS_NA_1", OTW_CAT_DIAG, 2 },
	[105] = { "C_RP_NA_1", OTW_CAT_CONTROL, 1 },
	[106] = { "C_CD_NA_1", OTW_CAT_CONFIG, 2 },
	[107] = { "C_TS_TA_1", OTW_CAT_DIAG, 9 },
	[110] = { "P_ME_NA_1", OTW_CAT_CONFIG, 3 },
	[111] = { "P_ME_NB_1", OTW_CAT_CONFIG, 3 },
	[112] = { "P_ME_NC_1", OTW_CAT_CONFIG, 5 },
	[113] = { "P_AC_NA_1", OTW_CAT_CONFIG, 1 },
	[120] = { "F_FR_NA_1", OTW_CAT_FILE, 6 },
	[121] = { "F_SR_NA_1", OTW_CAT_FILE, 7 },
	[122] = { "F_SC_NA_1", OTW_CAT_FILE, 4 },
	[123] = { "F_LS_NA_1", OTW_CAT_FILE, 5 },
	[124] = { "F_AF_NA_1", OTW_CAT_FILE, 4 },
	[125] = { "F_SG_NA_1", OTW_CAT_FILE, SZ_VAR },
	[126] = { "F_DR_TA_1", OTW_CAT_FILE, 13 },
	[127] = { "F_SC_NB_1", OTW_CAT_FILE, 16 },
};

static const char *i104_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_IEC104)
		return NULL;
	if (func >= FUNC_U) {
		*cat = OTW_CAT_SESSION;
		switch (func - FUNC_U) {
		case U_STARTDT_ACT: return "startdt";
		case U_STOPDT_ACT: return "stopdt";
		case U_TESTFR_ACT: return "testfr";
		default: return NULL;
		}
	}
	if (func >= 128 || i104_types[func].name == NULL)
		return NULL;
	*cat = i104_types[func].cat;
	return i104_types[func].name;
}

/* A valid U control octet 1: its act code and whether it is a con. */
static bool u_func(uint8_t c1, uint8_t *act, bool *con)
{
	switch (c1) {
	case U_STARTDT_ACT: case U_STOPDT_ACT: case U_TESTFR_ACT:
		*act = c1;
		*con = false;
		return true;
	case U_STARTDT_CON: case U_STOPDT_CON: case U_TESTFR_CON:
		*act = (uint8_t)(((c1 & 0xfc) >> 1) | 0x03);
		*con = true;
		return true;
	default:
		return false;
	}
}

/* APCI at c (not consumed): start octet and a length fitting its format. */
static bool apci_ok(uint8_t len, uint8_t c1)
{
	uint8_t act;
	bool con;

	if (len < 4 || len > APDU_MAX)
		return false;
	if ((c1 & 0x01) == 0)               /* I format carries an ASDU */
		return len >= 4 + ASDU_HDR;
	if ((c1 & 0x03) == 0x01)            /* S format */
		return len == 4;
	return len == 4 && u_func(c1, &act, &con); /* U format */
}

static bool i104_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t start, len, c1;

	(void)x;
	/* a capture that starts with a TCP keep-alive (one garbage octet,
	 * sequence number one below the next byte) still shows its APDUs */
	if (otw_cur_left(c) == 1)
		return true;
	if (!otw_cur_peek_u8(c, 0, &start) || start != APCI_START)
		return false;
	if (!otw_cur_peek_u8(c, 1, &len)) /* a segment cut after 0x68 */
		return true;
	if (!otw_cur_peek_u8(c, 2, &c1))
		return len >= 4 && len <= APDU_MAX;
	return apci_ok(len, c1);
}

static uint32_t ioa_at(struct otw_cur *c, bool *ok)
{
	uint8_t b[3];

	*ok = otw_cur_bytes(c, b, 3);
	return *ok ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
		   : 0;
}

/* One ASDU: header fields h = {type, vsq, cot, oa, ca_lo, ca_hi}, objects
 * at obj (possibly fewer than announced if the APDU was cut). */
static void i104_asdu(struct otw_dctx *x, struct i104_state *st,
		      const uint8_t h[ASDU_HDR], struct otw_cur obj)
{
	uint8_t type = h[0], nobj = h[1] & 0x7f, cause = h[2] & COT_CAUSE;
	bool sq = h[1] & 0x80, ok;
	uint16_t ca = (uint16_t)(h[4] | h[5] << 8);
	struct otw_op op = { .unit = ca, .func = type, .addr = OTW_ADDR_NONE };
	uint8_t size = type < 128 && i104_types[type].name != NULL
			       ? i104_types[type].size
			       : SZ_VAR;
	uint32_t lo, hi;

	if (x->from_client)
		op.kind = OTW_OPK_REQUEST;
	else if ((h[2] & COT_PN) ||
		 (cause >= COT_UNKNOWN_FIRST && cause <= COT_UNKNOWN_LAST))
		op.kind = OTW_OPK_EXCEPTION;
	else
		op.kind = OTW_OPK_RESPONSE;
	/* information object addresses (101 §7.2.2): SQ=1 one address for
	 * nobj consecutive elements, else an address per object */
	lo = hi = ioa_at(&obj, &ok);
	if (ok && nobj > 0) {
		if (sq) {
			hi = lo + nobj - 1;
		} else if (size != SZ_VAR) {
			for (unsigned i = 1; i < nobj; i++) {
				uint32_t a;

				if (!otw_cur_skip(&obj, size))
					break;
				a = ioa_at(&obj, &ok);
				if (!ok)
					break;
				lo = a < lo ? a : lo;
				hi = a > hi ? a : hi;
			}
		}
		op.addr = lo;
		op.naddr = hi - lo + 1;
	}
	otw_op_report(x, &op);

	/* the controlled station (server side) and its common address,
	 * as it sends them (the cache spares formatting per ASDU) */
	if (!x->from_client && ca != 0xffff &&
	    st->ca_seen != (uint16_t)(ca + 1)) {
		char v[8];
		int n = snprintf(v, sizeof(v), "%u", ca);

		st->ca_seen = (uint16_t)(ca + 1);
		otw_attr_report(x, true, OTW_ATTR_ROLE, "rtu", 3);
		otw_attr_report(x, true, OTW_ATTR_PROTO_ADDR, v, (size_t)n);
	}
}

static void i104_u(struct otw_dctx *x, uint8_t c1)
{
	uint8_t act;
	bool con;

	if (!u_func(c1, &act, &con))
		return;
	otw_op_report(x, &(struct otw_op){
		.func = (uint16_t)(FUNC_U + act),
		.kind = con ? OTW_OPK_RESPONSE : OTW_OPK_REQUEST,
		.addr = OTW_ADDR_NONE });
}

/* APCI framing (104 §5.1): start 0x68, then the length of the rest. A
 * length no format can have, or a wrong start, is skipped to the next
 * 0x68; while resynchronising, the control octet must fit the length. */
static enum otw_pdu i104_pdu_len(const struct otw_cur *c,
				 const struct otw_dctx *x, uint32_t *len)
{
	uint8_t start, n, c1;
	struct otw_cur t = *c;

	if (!otw_cur_peek_u8(c, 0, &start))
		return *len = 1, OTW_PDU_MORE;
	if (start == APCI_START) {
		if (!otw_cur_peek_u8(c, 1, &n) || !otw_cur_peek_u8(c, 2, &c1))
			return *len = 3, OTW_PDU_MORE;
		if (n >= 4 && n <= APDU_MAX && (!x->resync || apci_ok(n, c1))) {
			*len = (uint32_t)n + 2;
			return OTW_PDU_LEN;
		}
	}
	(void)otw_cur_skip(&t, 1);
	while (otw_cur_peek_u8(&t, 0, &start) && start != APCI_START)
		(void)otw_cur_skip(&t, 1);
	*len = (uint32_t)(t.p - c->p);
	return OTW_PDU_JUNK;
}

/* One APDU from the engine (or several, from a fuzzer); a cut one (no
 * buffer was free) reports its ASDU with the objects at hand. */
static enum otw_verdict i104_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct i104_state st;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	while (otw_cur_left(c) > 0) {
		uint8_t start, len, c1, h[ASDU_HDR];
		struct otw_cur apdu;

		if (!otw_cur_peek_u8(c, 0, &start) || start != APCI_START) {
			v = OTW_MALFORMED;
			break;
		}
		if (!otw_cur_peek_u8(c, 1, &len) || !otw_cur_peek_u8(c, 2, &c1)) {
			if (v != OTW_MALFORMED)
				v = OTW_SHORT;
			break;
		}
		if (len < 4 || len > APDU_MAX) {
			v = OTW_MALFORMED; /* no length to go on: drop the rest */
			break;
		}
		if (!apci_ok(len, c1)) {
			/* a length that cannot hold its format (an I frame
			 * shorter than an ASDU header): skip this APDU */
			v = OTW_MALFORMED;
			c1 = 0x01;
		}
		if (otw_cur_left(c) < (size_t)len + 2) {
			/* a prefix: the ASDU with the objects at hand */
			if (otw_cur_left(c) >= IOA1_END && (c1 & 0x01) == 0) {
				struct otw_cur obj = *c;

				(void)otw_cur_skip(&obj, 6);
				(void)otw_cur_bytes(&obj, h, sizeof(h));
				i104_asdu(x, &st, h, obj);
			}
			(void)otw_cur_skip(c, otw_cur_left(c));
			if (v != OTW_MALFORMED)
				v = OTW_SHORT;
			break;
		}
		(void)otw_cur_sub(c, (size_t)len + 2, &apdu);
		if ((c1 & 0x01) == 0) {
			(void)otw_cur_skip(&apdu, 6);
			(void)otw_cur_bytes(&apdu, h, sizeof(h));
			i104_asdu(x, &st, h, apdu);
		} else if ((c1 & 0x03) == 0x03) {
			i104_u(x, c1);
		}
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static const struct otw_dissector dis_iec104 = {
	.name = "iec104",
	.app = OTW_APP_IEC104,
	.l4 = IPPROTO_TCP,
	.port = IEC104_PORT,
	.probe = i104_probe,
	.dissect = i104_dissect,
	.op_name = i104_op_name,
	.pdu_len = i104_pdu_len,
	.pdu_max = APDU_MAX + 2,
};

const struct otw_dissector *const otw_plugin_iec104[] = { &dis_iec104, NULL };
