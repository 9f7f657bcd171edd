/* NTP (RFC 5905; mode 6 control messages RFC 1305 App. B / RFC 9327;
 * mode 7 is ntpd's private "ntpdc" protocol) on UDP 123.
 * func = mode, unit = version; see docs/protocols/ntp.md. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define NTP_PORT 123
#define NTP_HDR 48        /* RFC 5905 §7.3 packet header */
#define NTP_CTL_HDR 12    /* mode 6 header */
#define NTP_PRIV_HDR 8    /* mode 7 header (ntpd ntp_request.h) */

struct opname {
	const char *name;
	const char *cat;
};

static const struct opname ntp_ops[8] = {
	[1] = { "symmetric_active", OTW_CAT_CONFIG },
	[2] = { "symmetric_passive", OTW_CAT_CONFIG },
	[3] = { "client", OTW_CAT_CONFIG },
	[4] = { "server", OTW_CAT_CONFIG },
	[5] = { "broadcast", OTW_CAT_CONFIG },
	[6] = { "control", OTW_CAT_DIAG },
	[7] = { "private", OTW_CAT_CONFIG },
};

static const char *ntp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_NTP || func >= 8 || ntp_ops[func].name == NULL)
		return NULL;
	*cat = ntp_ops[func].cat;
	return ntp_ops[func].name;
}

static bool ntp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t b0, b1;
	unsigned vn, mode;

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &b0) || !otw_cur_peek_u8(c, 1, &b1))
		return false;
	vn = b0 >> 3 & 7;
	mode = b0 & 7;
	if (vn < 1 || vn > 4 || mode == 0)
		return false;
	if (mode == 6)
		return otw_cur_left(c) >= NTP_CTL_HDR;
	if (mode == 7)
		return otw_cur_left(c) >= NTP_PRIV_HDR;
	return otw_cur_left(c) >= NTP_HDR && b1 <= 16; /* stratum */
}

/* RFC 5905 §7.3: a stratum-1 reference id is four ASCII characters naming
 * the reference clock ("GPS", "PPS", "DCF", ...). */
static void refclock(const struct otw_dctx *x, const uint8_t id[4])
{
	char d[32] = "stratum-1 ntp server, refid ";
	size_t n = strlen(d), k = 0;

	while (k < 4 && id[k] >= 0x21 && id[k] <= 0x7e)
		d[n++] = (char)id[k++];
	if (k == 0 || (k < 4 && id[k] != 0))
		return; /* not a printable, NUL-padded id */
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, d, n);
}

static enum otw_verdict ntp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint8_t b0, b1, b2, b3, refid[4];
	unsigned vn, mode;
	struct otw_op op = { .addr = OTW_ADDR_NONE };

	if (!otw_cur_u8(c, &b0) || !otw_cur_u8(c, &b1) || !otw_cur_u8(c, &b2) ||
	    !otw_cur_u8(c, &b3))
		return OTW_SHORT;
	vn = b0 >> 3 & 7;
	mode = b0 & 7;
	if (vn == 0 || vn > 4 || mode == 0)
		return OTW_MALFORMED;
	op.func = (uint16_t)mode;
	op.unit = (uint16_t)vn;
	switch (mode) {
	case 6: /* b1: R(esponse) E(rror) M(ore) opcode */
		if (otw_cur_left(c) < NTP_CTL_HDR - 4)
			return OTW_SHORT;
		op.kind = !(b1 & 0x80) ? OTW_OPK_REQUEST
			  : (b1 & 0x40) ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
		break;
	case 7: /* b0 top bit: response; b3... err in the high nibble of
		 * byte 4 (ntp_request.h ERR_NIBBLE) */
	{
		uint8_t b4;
		if (!otw_cur_u8(c, &b4) || otw_cur_left(c) < NTP_PRIV_HDR - 5)
			return OTW_SHORT;
		op.kind = !(b0 & 0x80) ? OTW_OPK_REQUEST
			  : (b4 >> 4) != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
		break;
	}
	default:
		if (!otw_cur_skip(c, 8) || !otw_cur_bytes(c, refid, 4) ||
		    !otw_cur_skip(c, 32))
			return OTW_SHORT;
		if (b1 > 16) /* stratum 16 = unsynchronised; above: reserved */
			return OTW_MALFORMED;
		/* client, symmetric active and broadcast speak first; a
		 * server (passive peer) reply counts under the client
		 * (active) request it answers */
		op.kind = mode == 2 || mode == 4 ? OTW_OPK_RESPONSE
						 : OTW_OPK_REQUEST;
		if (mode == 2 || mode == 4)
			op.func = (uint16_t)(mode - 1);
		if (mode == 4 && x->pkt->sport == NTP_PORT) {
			otw_attr_report(x, true, OTW_ATTR_CAPABILITIES,
					"ntp-server", 10);
			if (b1 == 1)
				refclock(x, refid);
		}
		break;
	}
	(void)b2;
	(void)b3;
	otw_op_report(x, &op);
	return OTW_OK;
}

static const struct otw_dissector dis_ntp = {
	.name = "ntp",
	.app = OTW_APP_NTP,
	.l4 = IPPROTO_UDP,
	.port = NTP_PORT,
	.probe = ntp_probe,
	.dissect = ntp_dissect,
	.op_name = ntp_op_name,
};

const struct otw_dissector *const otw_plugin_ntp[] = { &dis_ntp, NULL };
