/* ISO transport on TCP port 102: TPKT (RFC 1006) carrying COTP (ISO 8073 /
 * X.224 class 0: CR, CC, DT, DR, DC, ER) whose DT user data is S7comm
 * (protocol id 0x32, s7comm.c), S7comm-plus (0x72, s7plus.c) or the OSI
 * session/presentation/ACSE stack with MMS on top (mms.c).
 *
 * The engine frames the stream by the TPKT length (iso_pdu_len) and
 * reassembles TPKTs cut by segment boundaries; one over its buffer cap is
 * parsed as far as its prefix goes (partial). A DT with EOT=0 is parsed
 * partially, its continuation DTs are skipped.
 *
 * One plug-in, three descriptors on port 102: the probe of the first
 * payload picks the flow's app (S7comm-plus for a "SIMATIC-..." TSAP or a
 * 0x72 DT, MMS for OSI TSAPs 0x00xx or a session SPDU, S7comm otherwise);
 * ops carry the app of what each PDU really is. */
#include <netinet/in.h>
#include <string.h>

#include "iso_int.h"
#include "otw_app.h"

#define ISO_PORT 102
#define TPKT_HDR 4
#define COTP_CR 0xe0
#define COTP_CC 0xd0
#define COTP_DR 0x80
#define COTP_DC 0xc0
#define COTP_DT 0xf0
#define COTP_ED 0x10
#define COTP_AK 0x60
#define COTP_EA 0x20
#define COTP_RJ 0x50
#define COTP_ER 0x70

void otw_iso_attr(const struct otw_dctx *x, bool of_src, unsigned key,
		  const uint8_t *s, size_t n)
{
	while (n > 0 && (s[0] == ' ' || s[0] == 0)) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == 0))
		n--;
	if (n > 0)
		otw_attr_report(x, of_src, key, (const char *)s, n);
}

static bool cotp_type_ok(uint8_t t)
{
	switch (t & 0xf0) {
	case COTP_CR: case COTP_CC: case COTP_DR: case COTP_DC: case COTP_DT:
	case COTP_ED: case COTP_AK: case COTP_EA: case COTP_RJ: case COTP_ER:
		return true;
	default:
		return false;
	}
}

enum iso_kind { ISO_ANY, ISO_S7, ISO_S7PLUS, ISO_MMS };

/* Called TSAP (or, failing that, calling TSAP) of a CR/CC. */
static enum iso_kind cotp_tsap_kind(struct otw_cur p)
{
	enum iso_kind k = ISO_ANY;

	while (otw_cur_left(&p) >= 2) {
		uint8_t code, len, b0 = 0;
		struct otw_cur v;
		if (!otw_cur_u8(&p, &code) || !otw_cur_u8(&p, &len) ||
		    !otw_cur_sub(&p, len, &v))
			break;
		if (code != 0xc1 && code != 0xc2)
			continue;
		if (len >= 7) {
			char tsap[7];
			struct otw_cur t = v;
			if (otw_cur_bytes(&t, tsap, 7) &&
			    memcmp(tsap, "SIMATIC", 7) == 0)
				return ISO_S7PLUS;
		}
		if (code != 0xc2 || !otw_cur_peek_u8(&v, 0, &b0))
			continue;
		k = (len == 2 && b0 != 0) ? ISO_S7 : ISO_MMS;
	}
	return k;
}

/* What the DT user data is, by its first octets. */
static enum iso_kind dt_kind(const struct otw_cur *d)
{
	uint8_t b0, b1 = 0;

	if (!otw_cur_peek_u8(d, 0, &b0))
		return ISO_ANY;
	(void)otw_cur_peek_u8(d, 1, &b1);
	if (b0 == 0x32)
		return ISO_S7;
	if (b0 == 0x72 || (b0 >= 0x14 && b0 <= 0x17 && b1 == 0x03))
		return ISO_S7PLUS;
	/* session SPDUs (X.225: GT/DT 1, CN 13, AC 14, RF 12, FN 9, DN 10,
	 * AB 25, AA 26, NF 8) or an MMS PDU straight on COTP */
	if (b0 == 0x01 || b0 == 0x0d || b0 == 0x0e || b0 == 0x0c ||
	    b0 == 0x09 || b0 == 0x0a || b0 == 0x19 || b0 == 0x1a ||
	    b0 == 0x08 || (b0 >= 0xa0 && b0 <= 0xad) ||
	    (b0 >= 0x8b && b0 <= 0x8d))
		return ISO_MMS;
	return ISO_ANY;
}

/* Does the payload start with TPKT + COTP, and what does it carry? */
static bool iso_probe_kind(const struct otw_cur *c, enum iso_kind *kind)
{
	struct otw_cur p = *c, cotp;
	uint8_t ver, res, li, type;
	uint16_t len;

	if (!otw_cur_u8(&p, &ver) || !otw_cur_u8(&p, &res) ||
	    !otw_cur_u16be(&p, &len) || ver != 3 || res != 0 || len < 7)
		return false;
	cotp = p;
	if (otw_cur_left(&cotp) > (size_t)len - TPKT_HDR)
		cotp.end = cotp.p + (len - TPKT_HDR);
	if (!otw_cur_u8(&cotp, &li) || !otw_cur_u8(&cotp, &type) || li < 1 ||
	    li > len - TPKT_HDR - 1 || !cotp_type_ok(type))
		return false;
	*kind = ISO_ANY;
	if ((type & 0xf0) == COTP_DT) {
		if (li < 2 || !otw_cur_skip(&cotp, li - 1u))
			return false;
		*kind = dt_kind(&cotp);
	} else if ((type & 0xf0) == COTP_CR || (type & 0xf0) == COTP_CC) {
		if (li < 6 || !otw_cur_skip(&cotp, 5))
			return false;
		if (otw_cur_left(&cotp) > li - 6u)
			cotp.end = cotp.p + (li - 6u);
		*kind = cotp_tsap_kind(cotp);
	}
	return true;
}

static bool probe_s7(const struct otw_cur *c, const struct otw_dctx *x)
{
	enum iso_kind k;
	(void)x;
	return iso_probe_kind(c, &k); /* the default for port 102 */
}

static bool probe_s7plus(const struct otw_cur *c, const struct otw_dctx *x)
{
	enum iso_kind k;
	(void)x;
	return iso_probe_kind(c, &k) && k == ISO_S7PLUS;
}

static bool probe_mms(const struct otw_cur *c, const struct otw_dctx *x)
{
	enum iso_kind k;
	(void)x;
	return iso_probe_kind(c, &k) && k == ISO_MMS;
}

/* One COTP TPDU (the TPKT body, maybe cut short: partial). */
static enum otw_verdict cotp(struct otw_cur *c, struct otw_dctx *x,
			     struct iso_state *st, bool partial)
{
	uint8_t li, type, nr;
	unsigned fbit = x->from_client ? ISO_F_FRAG0 : ISO_F_FRAG1;
	bool cont;

	if (!otw_cur_u8(c, &li) || !otw_cur_u8(c, &type))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (li < 1 || !cotp_type_ok(type))
		return OTW_MALFORMED;
	if ((type & 0xf0) != COTP_DT)
		return otw_cur_left(c) >= li - 1u || partial ? OTW_OK
							     : OTW_MALFORMED;
	if (li < 2 || !otw_cur_u8(c, &nr))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (!otw_cur_skip(c, li - 2u))
		return partial ? OTW_OK : OTW_MALFORMED;
	cont = (st->flags & fbit) != 0; /* continues an EOT=0 DT */
	/* an empty DT with EOT=0 (some S7 clients send one before each job)
	 * leaves the next DT at the start of the TSDU */
	if ((nr & 0x80) || (!cont && otw_cur_left(c) == 0))
		st->flags = (uint8_t)(st->flags & ~fbit);
	else
		st->flags = (uint8_t)(st->flags | fbit);
	if (cont)
		return OTW_OK;
	partial = partial || !(nr & 0x80);
	switch (dt_kind(c)) {
	case ISO_S7:
		return otw_iso_s7(c, x, st, partial);
	case ISO_S7PLUS:
		return otw_iso_s7plus(c, x, st, partial);
	case ISO_MMS: {
		uint8_t b0 = 0;
		(void)otw_cur_peek_u8(c, 0, &b0);
		if (b0 >= 0x80)
			return otw_iso_mms(c, x, st, partial);
		return otw_iso_osi(c, x, st, partial);
	}
	default:
		return OTW_OK; /* empty DT or something we do not know */
	}
}

/* TPKT (RFC 1006 §6): version 3, reserved 0, length of the whole packet.
 * Anything else leaves nothing to go on: the rest of the segment is
 * dropped. */
static enum otw_pdu iso_pdu_len(const struct otw_cur *c,
				const struct otw_dctx *x, uint32_t *len)
{
	uint8_t ver, res = 0;
	uint16_t n;

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &ver) || ver != 3 ||
	    (otw_cur_peek_u8(c, 1, &res) && res != 0)) {
		*len = (uint32_t)otw_cur_left(c);
		return OTW_PDU_JUNK;
	}
	if (!otw_cur_peek_u16be(c, 2, &n)) {
		*len = TPKT_HDR;
		return OTW_PDU_MORE;
	}
	if (n < 7) {
		*len = (uint32_t)otw_cur_left(c);
		return OTW_PDU_JUNK;
	}
	*len = n;
	return OTW_PDU_LEN;
}

/* One TPKT from the engine (several from a fuzzer); a prefix of one is
 * parsed as partial. */
static enum otw_verdict iso_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct iso_state st;
	unsigned dir = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap) /* lost bytes: a continued DT is lost too */
		st.flags = (uint8_t)(st.flags & ~(dir ? ISO_F_FRAG1 | ISO_F_SPC1
						      : ISO_F_FRAG0 | ISO_F_SPC0));
	while (otw_cur_left(c) > 0) {
		uint8_t ver, res;
		uint16_t len;
		struct otw_cur body;
		bool partial = false;
		enum otw_verdict r;

		if (!otw_cur_peek_u8(c, 0, &ver) || ver != 3) {
			v = OTW_MALFORMED;
			break;
		}
		if (!otw_cur_u8(c, &ver) || !otw_cur_u8(c, &res) ||
		    !otw_cur_u16be(c, &len)) {
			v = OTW_SHORT; /* a header cut short */
			break;
		}
		if (res != 0 || len < 7) {
			v = OTW_MALFORMED;
			break;
		}
		if (!otw_cur_sub(c, len - TPKT_HDR, &body)) {
			/* a prefix: the rest was not buffered */
			body = *c;
			c->p = c->end;
			partial = true;
			v = OTW_SHORT;
		}
		r = cotp(&body, x, &st, partial);
		if (r == OTW_MALFORMED)
			v = r;
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static const char *iso_op_name(unsigned app, unsigned func, const char **cat)
{
	switch (app) {
	case OTW_APP_S7COMM:
		return otw_iso_s7_name(func, cat);
	case OTW_APP_S7COMMPLUS:
		return otw_iso_s7plus_name(func, cat);
	case OTW_APP_MMS:
		return otw_iso_mms_name(func, cat);
	default:
		return NULL;
	}
}

static const struct otw_dissector dis_s7plus = {
	.name = "s7comm-plus",
	.app = OTW_APP_S7COMMPLUS,
	.l4 = IPPROTO_TCP,
	.port = ISO_PORT,
	.probe = probe_s7plus,
	.dissect = iso_dissect,
	.pdu_len = iso_pdu_len,
	.pdu_max = UINT16_MAX, /* TPKT length; the buffer size caps it */
	.op_name = iso_op_name,
};

static const struct otw_dissector dis_mms = {
	.name = "mms",
	.app = OTW_APP_MMS,
	.l4 = IPPROTO_TCP,
	.port = ISO_PORT,
	.probe = probe_mms,
	.dissect = iso_dissect,
	.pdu_len = iso_pdu_len,
	.pdu_max = UINT16_MAX, /* TPKT length; the buffer size caps it */
	.op_name = NULL, /* dis_s7 names all three apps */
};

static const struct otw_dissector dis_s7 = {
	.name = "s7comm",
	.app = OTW_APP_S7COMM,
	.l4 = IPPROTO_TCP,
	.port = ISO_PORT,
	.probe = probe_s7,
	.dissect = iso_dissect,
	.pdu_len = iso_pdu_len,
	.pdu_max = UINT16_MAX, /* TPKT length; the buffer size caps it */
	.op_name = NULL,
};

/* Order matters: the specific probes first, S7comm takes the rest. */
const struct otw_dissector *const otw_plugin_iso[] = { &dis_s7plus, &dis_mms,
						       &dis_s7, NULL };
