/* EtherCAT (IEC 61158-4-12/-6-12, ETG.1000): EtherType 0x88a4, a 2-octet
 * frame header (length 11 bits, type 4 bits; type 1 = datagrams) and a
 * chain of datagrams: Cmd, Idx, Address (ADP+ADO or logical), Len/C/M,
 * IRQ, data, working counter.
 *
 * A frame leaves the master and comes back through the slaves, the first
 * of which sets the locally administered bit (0x02) of the source MAC: such
 * returned frames count as responses of the master's requests.
 *
 * Operation encoding (docs/protocols/ethercat.md): master MAC -> destination
 * MAC, func = command (0 NOP .. 14 FRMW), unit = configured station address
 * for FPxx/FRMW, else 0, addr = ADO (register offset) or the logical
 * address for LRD/LWR/LRW, naddr = datagram length. */
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define ECAT_ETHERTYPE 0x88a4
#define ECAT_MAX_DGRAMS 64

struct opname {
	const char *name;
	const char *cat;
};

/* ETG.1000.4 table "EtherCAT command types" */
static const struct opname ecat_ops[15] = {
	[0] = { "nop", OTW_CAT_OTHER },
	[1] = { "aprd", OTW_CAT_READ },
	[2] = { "apwr", OTW_CAT_WRITE },
	[3] = { "aprw", OTW_CAT_WRITE },
	[4] = { "fprd", OTW_CAT_READ },
	[5] = { "fpwr", OTW_CAT_WRITE },
	[6] = { "fprw", OTW_CAT_WRITE },
	[7] = { "brd", OTW_CAT_READ },
	[8] = { "bwr", OTW_CAT_WRITE },
	[9] = { "brw", OTW_CAT_WRITE },
	[10] = { "lrd", OTW_CAT_READ },
	[11] = { "lwr", OTW_CAT_WRITE },
	[12] = { "lrw", OTW_CAT_WRITE },
	[13] = { "armw", OTW_CAT_WRITE },
	[14] = { "frmw", OTW_CAT_WRITE },
};

static const char *ecat_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_ETHERCAT || func >= 15)
		return NULL;
	*cat = ecat_ops[func].cat;
	return ecat_ops[func].name;
}

static enum otw_verdict ecat_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint16_t hdr, len;
	struct otw_cur body;
	struct otw_dctx y = *x;
	struct otw_ip master, dst;
	uint8_t mac[6];
	bool returned;
	bool more = true;

	if (!otw_cur_u16le(c, &hdr))
		return OTW_MALFORMED;
	len = hdr & 0x07ff;
	if ((hdr >> 12) != 1) /* network variables, mailbox gateway: not
			       * datagrams */
		return OTW_OK;
	if (!otw_cur_sub(c, len, &body))
		return OTW_MALFORMED;
	returned = (x->pkt->smac[0] & 0x02) != 0;
	memcpy(mac, x->pkt->smac, 6);
	mac[0] &= (uint8_t)~0x02;
	otw_ip_from_mac(&master, mac);
	otw_ip_from_mac(&dst, x->pkt->dmac);
	y.client = &master;
	y.server = &dst;
	for (unsigned i = 0; more; i++) {
		uint8_t cmd;
		uint16_t adp, ado, dlen, wkc;
		uint32_t laddr;
		struct otw_op op = { .kind = OTW_OPK_REQUEST };

		if (i == ECAT_MAX_DGRAMS)
			return OTW_MALFORMED;
		if (!otw_cur_u8(&body, &cmd) || !otw_cur_skip(&body, 1) ||
		    !otw_cur_u32le(&body, &laddr) ||
		    !otw_cur_u16le(&body, &dlen) || !otw_cur_skip(&body, 2) ||
		    !otw_cur_skip(&body, dlen & 0x07ffu) ||
		    !otw_cur_u16le(&body, &wkc))
			return OTW_MALFORMED;
		more = (dlen & 0x8000) != 0;
		dlen &= 0x07ff;
		if (cmd > 14)
			return OTW_MALFORMED;
		adp = (uint16_t)(laddr & 0xffff);
		ado = (uint16_t)(laddr >> 16);
		op.func = cmd;
		op.naddr = dlen ? dlen : 1;
		if (cmd >= 10 && cmd <= 12) {
			op.addr = laddr;
		} else {
			op.addr = ado;
			if ((cmd >= 4 && cmd <= 6) || cmd == 14)
				op.unit = adp;
		}
		if (cmd == 0)
			op.addr = OTW_ADDR_NONE;
		if (returned)
			op.kind = (wkc == 0 && cmd != 0) ? OTW_OPK_EXCEPTION
							 : OTW_OPK_RESPONSE;
		otw_op_report(&y, &op);
	}
	return OTW_OK;
}

static const struct otw_dissector dis_ethercat = {
	.name = "ethercat",
	.app = OTW_APP_ETHERCAT,
	.l4 = 0,
	.ethertype = ECAT_ETHERTYPE,
	.dissect = ecat_dissect,
	.op_name = ecat_op_name,
};

const struct otw_dissector *const otw_plugin_ethercat[] = { &dis_ethercat,
							     NULL };
