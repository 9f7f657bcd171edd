/* IEC 61850-8-1 GOOSE (EtherType 0x88b8) and IEC 61850-9-2 Sampled Values
 * (0x88ba): APPID, Length, Reserved1/2, then a BER APDU (goosePdu [APPLICATION
 * 1], savPdu [APPLICATION 0]).
 *
 * Operation encoding (docs/protocols/iec61850-goose-sv.md): publisher MAC
 * -> destination (multicast) MAC, unit = APPID,
 *   goose: func 1 goose_publish, 2 goose_state_change (sqNum 0: the first
 *          frame after a change of stNum), 3 goose_simulated (test flag or
 *          the Reserved1 simulate bit set);
 *   sv:    func 1 sv_publish, 2 sv_simulated. */
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define GOOSE_ETHERTYPE 0x88b8
#define SV_ETHERTYPE 0x88ba

#define GOOSE_F_PUBLISH 1
#define GOOSE_F_STATE_CHANGE 2
#define GOOSE_F_SIMULATED 3
#define SV_F_PUBLISH 1
#define SV_F_SIMULATED 2

static const char *goose_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app == OTW_APP_GOOSE) {
		*cat = OTW_CAT_MONITOR;
		switch (func) {
		case GOOSE_F_PUBLISH: return "goose_publish";
		case GOOSE_F_STATE_CHANGE: return "goose_state_change";
		case GOOSE_F_SIMULATED: return "goose_simulated";
		default: return NULL;
		}
	}
	if (app == OTW_APP_SV) {
		*cat = OTW_CAT_MONITOR;
		switch (func) {
		case SV_F_PUBLISH: return "sv_publish";
		case SV_F_SIMULATED: return "sv_simulated";
		default: return NULL;
		}
	}
	return NULL;
}

/* One BER TLV (X.690 §8.1): single-octet tags only (all GOOSE/SV tags are
 * below 31), definite lengths of at most 4 octets. */
static bool ber_tlv(struct otw_cur *c, uint8_t *tag, struct otw_cur *val)
{
	uint8_t t, l, b;
	uint32_t len;

	if (!otw_cur_u8(c, &t) || (t & 0x1f) == 0x1f || !otw_cur_u8(c, &l))
		return false;
	if (l & 0x80) {
		unsigned n = l & 0x7f;

		if (n == 0 || n > 4)
			return false; /* indefinite or absurd length */
		len = 0;
		while (n-- > 0) {
			if (!otw_cur_u8(c, &b))
				return false;
			len = len << 8 | b;
		}
	} else {
		len = l;
	}
	*tag = t;
	return otw_cur_sub(c, len, val);
}

static bool ber_uint(struct otw_cur v, uint32_t *out)
{
	uint8_t b;
	size_t n = otw_cur_left(&v);

	if (n == 0 || n > 5)
		return false;
	*out = 0;
	while (otw_cur_u8(&v, &b))
		*out = *out << 8 | b;
	return true;
}

/* Check that v holds a sequence of well-formed TLVs (nested ones too, to a
 * small depth): allData must parse for the PDU to count as well formed. */
static bool ber_walk(struct otw_cur v, unsigned depth)
{
	while (otw_cur_left(&v) > 0) {
		uint8_t tag;
		struct otw_cur in;

		if (!ber_tlv(&v, &tag, &in))
			return false;
		if ((tag & 0x20) && (depth >= 8 || !ber_walk(in, depth + 1)))
			return false;
	}
	return true;
}

/* APPID, Length (from APPID on, >= 8), Reserved1, Reserved2 (§C.2.2). */
static bool l2_hdr(struct otw_cur *c, uint16_t *appid, uint16_t *res1,
		   struct otw_cur *apdu)
{
	uint16_t len;

	if (!otw_cur_u16be(c, appid) || !otw_cur_u16be(c, &len) ||
	    !otw_cur_u16be(c, res1) || !otw_cur_skip(c, 2) || len < 8)
		return false;
	return otw_cur_sub(c, len - 8u, apdu);
}

static void l2_op(const struct otw_dctx *x, uint16_t unit, uint16_t func)
{
	struct otw_op op = { .unit = unit, .func = func,
			     .kind = OTW_OPK_REQUEST, .addr = OTW_ADDR_NONE };

	otw_op_report(x, &op);
}

static enum otw_verdict goose_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint16_t appid, res1;
	uint8_t tag;
	struct otw_cur apdu, pdu, v, gocb = { 0 };
	uint32_t sq = 1, n;
	bool sim, have_sq = false, have_st = false;

	if (!l2_hdr(c, &appid, &res1, &apdu))
		return OTW_MALFORMED;
	if (!ber_tlv(&apdu, &tag, &pdu) || tag != 0x61) /* goosePdu */
		return OTW_MALFORMED;
	sim = (res1 & 0x8000) != 0; /* Ed.2 simulate bit */
	while (otw_cur_left(&pdu) > 0) {
		if (!ber_tlv(&pdu, &tag, &v))
			return OTW_MALFORMED;
		switch (tag) {
		case 0x80: /* gocbRef */
			gocb = v;
			break;
		case 0x85: /* stNum */
			if (!ber_uint(v, &n))
				return OTW_MALFORMED;
			have_st = true;
			break;
		case 0x86: /* sqNum */
			if (!ber_uint(v, &sq))
				return OTW_MALFORMED;
			have_sq = true;
			break;
		case 0x87: /* simulation / test */
		{
			uint8_t b;

			if (otw_cur_left(&v) != 1 || !otw_cur_u8(&v, &b))
				return OTW_MALFORMED;
			if (b != 0)
				sim = true;
		}
			break;
		case 0xab: /* allData */
			if (!ber_walk(v, 0))
				return OTW_MALFORMED;
			break;
		default: /* timeAllowedtoLive, datSet, goID, t, confRev,
			  * ndsCom, numDatSetEntries, security */
			break;
		}
	}
	if (gocb.p == NULL || !have_st || !have_sq)
		return OTW_MALFORMED; /* mandatory fields */
	l2_op(x, appid, sim ? GOOSE_F_SIMULATED : GOOSE_F_PUBLISH);
	if (sq == 0)
		l2_op(x, appid, GOOSE_F_STATE_CHANGE);
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, (const char *)gocb.p,
			otw_cur_left(&gocb));
	otw_attr_report(x, true, OTW_ATTR_ROLE, "ied", 3);
	return OTW_OK;
}

static enum otw_verdict sv_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint16_t appid, res1;
	uint8_t tag;
	struct otw_cur apdu, pdu, v, seq, svid = { 0 };
	uint32_t nasdu = 0, smp;
	unsigned seen = 0;

	if (!l2_hdr(c, &appid, &res1, &apdu))
		return OTW_MALFORMED;
	if (!ber_tlv(&apdu, &tag, &pdu) || tag != 0x60) /* savPdu */
		return OTW_MALFORMED;
	while (otw_cur_left(&pdu) > 0) {
		if (!ber_tlv(&pdu, &tag, &v))
			return OTW_MALFORMED;
		if (tag == 0x80 && !ber_uint(v, &nasdu)) /* noASDU */
			return OTW_MALFORMED;
		if (tag != 0xa2) /* seqASDU */
			continue;
		while (otw_cur_left(&v) > 0) { /* ASDU ::= SEQUENCE */
			if (!ber_tlv(&v, &tag, &seq) || tag != 0x30)
				return OTW_MALFORMED;
			seen++;
			while (otw_cur_left(&seq) > 0) {
				struct otw_cur f;

				if (!ber_tlv(&seq, &tag, &f))
					return OTW_MALFORMED;
				if (tag == 0x80 && svid.p == NULL) /* svID */
					svid = f;
				else if (tag == 0x82 && !ber_uint(f, &smp))
					return OTW_MALFORMED; /* smpCnt */
			}
		}
	}
	if (seen == 0 || svid.p == NULL || (nasdu != 0 && nasdu != seen))
		return OTW_MALFORMED;
	l2_op(x, appid, (res1 & 0x8000) ? SV_F_SIMULATED : SV_F_PUBLISH);
	/* repeats are dropped by the engine's fact cache */
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, (const char *)svid.p,
			otw_cur_left(&svid));
	otw_attr_report(x, true, OTW_ATTR_ROLE, "ied", 3);
	return OTW_OK;
}

static const struct otw_dissector dis_goose = {
	.name = "goose",
	.app = OTW_APP_GOOSE,
	.l4 = 0,
	.ethertype = GOOSE_ETHERTYPE,
	.dissect = goose_dissect,
	.op_name = goose_op_name,
};

static const struct otw_dissector dis_sv = {
	.name = "sv",
	.app = OTW_APP_SV,
	.l4 = 0,
	.ethertype = SV_ETHERTYPE,
	.dissect = sv_dissect,
	.op_name = goose_op_name,
};

const struct otw_dissector *const otw_plugin_goose[] = { &dis_goose, &dis_sv,
							  NULL };
