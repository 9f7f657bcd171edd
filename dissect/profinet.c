/* PROFINET IO (IEC 61158-5-10/-6-10, IEC 61784-2): the real-time frames of
 * EtherType 0x8892 (cyclic RT, alarms, DCP) and PN-IO CM, the connection
 * manager carried by DCE/RPC over UDP (port 34964, C706 clause 12).
 *
 * Operation encoding (docs/protocols/profinet.md):
 *   app profinet (L2): func 1..3 cyclic RT class 1/2/3, 4/5 alarm high/low,
 *     6 ptcp, 0x103..0x106 DCP get/set/identify/hello (0x100 + ServiceID);
 *     unit 0 (DCP, PTCP)
 *     or the FrameID (cyclic, alarm).
 *   app pnio-cm (UDP): func = opnum of the PNIO interfaces (0 connect ..
 *     5 read_implicit), 0x100 + opnum for other interfaces (endpoint mapper);
 *     unit = 1 device, 2 controller, 3 supervisor, 4 parameter server
 *     interface, 0 other. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define PN_ETHERTYPE 0x8892
#define PNCM_PORT 34964

#define PN_F_RT1 1
#define PN_F_RT2 2
#define PN_F_RT3 3
#define PN_F_ALARM_HI 4
#define PN_F_ALARM_LO 5
#define PN_F_PTCP 6
#define PN_F_DCP 0x100 /* + DCP ServiceID */
#define PNCM_F_OTHER 0x100

struct opname {
	const char *name;
	const char *cat;
};

static const struct opname pn_ops[7] = {
	[PN_F_RT1] = { "rt_cyclic_class1", OTW_CAT_MONITOR },
	[PN_F_RT2] = { "rt_cyclic_class2", OTW_CAT_MONITOR },
	[PN_F_RT3] = { "rt_cyclic_class3", OTW_CAT_MONITOR },
	[PN_F_ALARM_HI] = { "alarm_high", OTW_CAT_MONITOR },
	[PN_F_ALARM_LO] = { "alarm_low", OTW_CAT_MONITOR },
	[PN_F_PTCP] = { "ptcp_sync", OTW_CAT_DIAG },
};

/* DCP ServiceIDs */
#define DCP_GET 3
#define DCP_SET 4
#define DCP_IDENTIFY 5
#define DCP_HELLO 6
static const struct opname pn_dcp_ops[7] = {
	[DCP_GET] = { "dcp_get", OTW_CAT_READ },
	[DCP_SET] = { "dcp_set", OTW_CAT_CONFIG },
	[DCP_IDENTIFY] = { "dcp_identify", OTW_CAT_DIAG },
	[DCP_HELLO] = { "dcp_hello", OTW_CAT_DIAG },
};

/* PNIO interface opnums (IEC 61158-6-10, RPC operations). */
static const struct opname pncm_ops[6] = {
	[0] = { "connect", OTW_CAT_SESSION },
	[1] = { "release", OTW_CAT_SESSION },
	[2] = { "read", OTW_CAT_READ },
	[3] = { "write", OTW_CAT_WRITE },
	[4] = { "control", OTW_CAT_CONTROL },
	[5] = { "read_implicit", OTW_CAT_READ },
};

/* DCE/RPC endpoint mapper (C706 Appendix O, ept_*) */
static const struct opname pncm_epm_ops[8] = {
	[0] = { "epm_insert", OTW_CAT_CONFIG },
	[1] = { "epm_delete", OTW_CAT_CONFIG },
	[2] = { "epm_lookup", OTW_CAT_DIAG },
	[3] = { "epm_map", OTW_CAT_DIAG },
	[4] = { "epm_lookup_handle_free", OTW_CAT_DIAG },
	[5] = { "epm_inq_object", OTW_CAT_DIAG },
	[6] = { "epm_mgmt_delete", OTW_CAT_CONFIG },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *pn_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *o = NULL;

	if (app == OTW_APP_PROFINET) {
		if (func < NELEM(pn_ops))
			o = &pn_ops[func];
		else if (func >= PN_F_DCP && func - PN_F_DCP < NELEM(pn_dcp_ops))
			o = &pn_dcp_ops[func - PN_F_DCP];
	} else if (app == OTW_APP_PNIO_CM) {
		if (func < NELEM(pncm_ops))
			o = &pncm_ops[func];
		else if (func >= PNCM_F_OTHER &&
			 func - PNCM_F_OTHER < NELEM(pncm_epm_ops))
			o = &pncm_epm_ops[func - PNCM_F_OTHER];
	}
	if (o == NULL || o->name == NULL)
		return NULL;
	*cat = o->cat;
	return o->name;
}

/* PROFINET vendor ids (PI assigns them; the value appears in DCP Device ID
 * blocks and PNIO object UUIDs): Siemens 0x002a, Phoenix Contact 0x00b0
 * (the vendor of the PC WORX controller in the icsnpp PN-IO CM captures). */
static const char *pn_vendor(unsigned id)
{
	switch (id) {
	case 0x002a: return "Siemens AG";
	case 0x00b0: return "Phoenix Contact";
	default: return NULL;
	}
}

static void pn_ids(const struct otw_dctx *x, bool of_src, uint16_t vendor,
		   uint16_t device)
{
	char b[12];
	const char *v;
	int n;

	n = snprintf(b, sizeof(b), "%u", vendor);
	otw_attr_report(x, of_src, OTW_ATTR_VENDOR_ID, b, (size_t)n);
	n = snprintf(b, sizeof(b), "0x%04x", device);
	otw_attr_report(x, of_src, OTW_ATTR_PRODUCT_CODE, b, (size_t)n);
	if ((v = pn_vendor(vendor)) != NULL)
		otw_attr_report(x, of_src, OTW_ATTR_VENDOR, v, strlen(v));
}

/* L2 ops go from the requester's MAC to the responder's: the engine keys
 * them by (source, destination), so a response swaps the two. */
static void pn_l2_op(const struct otw_dctx *x, bool req_by_sender, uint16_t unit,
		     uint16_t func, uint8_t kind)
{
	struct otw_dctx y = *x;
	struct otw_ip a, b;
	struct otw_op op = { .unit = unit, .func = func, .kind = kind,
			     .addr = OTW_ADDR_NONE };

	if (!req_by_sender) {
		otw_ip_from_mac(&a, x->pkt->dmac);
		otw_ip_from_mac(&b, x->pkt->smac);
		y.client = &a;
		y.server = &b;
	}
	otw_op_report(&y, &op);
}

/* ---- DCP (IEC 61158-6-10 §4.3) -------------------------------------------- */

static void dcp_block(const struct otw_dctx *x, uint8_t opt, uint8_t sub,
		      struct otw_cur *d)
{
	uint16_t vendor, device, role;
	uint8_t ip[4];
	char b[16];
	int n;

	if (opt == 1 && sub == 2) { /* IP parameter: address, mask, gateway */
		if (!otw_cur_bytes(d, ip, 4) ||
		    (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] == 0))
			return;
		n = snprintf(b, sizeof(b), "%u.%u.%u.%u", ip[0], ip[1], ip[2],
			     ip[3]);
		otw_attr_report(x, true, OTW_ATTR_MGMT_ADDR, b, (size_t)n);
	} else if (opt == 2 && sub == 1) { /* type of station */
		otw_attr_report(x, true, OTW_ATTR_MODEL, (const char *)d->p,
				otw_cur_left(d));
	} else if (opt == 2 && sub == 2) { /* name of station */
		otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)d->p,
				otw_cur_left(d));
	} else if (opt == 2 && sub == 3) { /* device id */
		if (otw_cur_u16be(d, &vendor) && otw_cur_u16be(d, &device))
			pn_ids(x, true, vendor, device);
	} else if (opt == 2 && sub == 4) { /* device role, reserved octet */
		uint8_t r;

		if (!otw_cur_u8(d, &r))
			return;
		role = r;
		if (role & 0x02) /* IO-Controller */
			otw_attr_report(x, true, OTW_ATTR_ROLE, "plc", 3);
		else if (role & 0x01) /* IO-Device */
			otw_attr_report(x, true, OTW_ATTR_ROLE, "io", 2);
		else if (role & 0x08) /* PN-Supervisor */
			otw_attr_report(x, true, OTW_ATTR_ROLE, "engineering",
					11);
	}
}

static enum otw_verdict pn_dcp(struct otw_cur *c, const struct otw_dctx *x,
			       uint16_t frame_id)
{
	uint8_t svc, type;
	uint16_t dlen;
	struct otw_cur blocks;
	bool resp, has_info, err = false;

	/* ServiceID, ServiceType, Xid, ResponseDelay/reserved, DCPDataLength */
	if (!otw_cur_u8(c, &svc) || !otw_cur_u8(c, &type) ||
	    !otw_cur_skip(c, 6) || !otw_cur_u16be(c, &dlen) ||
	    !otw_cur_sub(c, dlen, &blocks))
		return OTW_MALFORMED;
	if (svc < DCP_GET || svc > DCP_HELLO || (type & 0xf8) != 0)
		return OTW_MALFORMED;
	/* Hello (0xfefc) goes from the device; identify responses on
	 * 0xfeff; get/set both ways on 0xfefd. */
	resp = (type & 0x01) != 0 || (type & 0x04) != 0;
	if (type & 0x04) /* response: request not supported */
		err = true;
	/* Blocks of responses and hellos start with BlockInfo; set
	 * requests with BlockQualifier; identify requests are filters;
	 * get requests list option pairs only. */
	has_info = (resp && svc != DCP_SET) || svc == DCP_HELLO;
	(void)frame_id;
	while (otw_cur_left(&blocks) >= 4 && (svc != DCP_GET || resp)) {
		uint8_t opt, sub;
		uint16_t blen;
		struct otw_cur d;

		if (!otw_cur_u8(&blocks, &opt) || !otw_cur_u8(&blocks, &sub) ||
		    !otw_cur_u16be(&blocks, &blen) ||
		    !otw_cur_sub(&blocks, blen, &d))
			return OTW_MALFORMED;
		if (blen & 1) /* blocks are padded to an even length */
			(void)otw_cur_skip(&blocks, 1);
		if (opt == 5 && sub == 4 && resp) { /* control: response */
			uint8_t ropt, rsub, berr;

			if (otw_cur_u8(&d, &ropt) && otw_cur_u8(&d, &rsub) &&
			    otw_cur_u8(&d, &berr) && berr != 0)
				err = true;
			continue;
		}
		if (!has_info || !otw_cur_skip(&d, 2))
			continue;
		dcp_block(x, opt, sub, &d);
	}
	pn_l2_op(x, !resp, 0, (uint16_t)(PN_F_DCP + svc),
		 err ? OTW_OPK_EXCEPTION
		     : resp ? OTW_OPK_RESPONSE : OTW_OPK_REQUEST);
	return OTW_OK;
}

/* RTA-PDU of the alarm frames: endpoints, PDUType, flags, sequence
 * numbers, VarPartLen. */
static enum otw_verdict pn_alarm(struct otw_cur *c, const struct otw_dctx *x,
				 uint16_t frame_id)
{
	uint8_t pdu_type;
	uint16_t func = frame_id == 0xfc01 ? PN_F_ALARM_HI : PN_F_ALARM_LO;

	if (!otw_cur_skip(c, 4) || !otw_cur_u8(c, &pdu_type) ||
	    !otw_cur_skip(c, 7))
		return OTW_MALFORMED;
	switch (pdu_type & 0x0f) {
	case 1: /* DATA: an alarm notification */
		pn_l2_op(x, true, frame_id, func, OTW_OPK_REQUEST);
		return OTW_OK;
	case 2: /* NACK */
	case 3: /* ACK */
		pn_l2_op(x, false, frame_id, func, OTW_OPK_RESPONSE);
		return OTW_OK;
	case 4: /* ERR: the alarm channel failed */
		pn_l2_op(x, false, frame_id, func, OTW_OPK_EXCEPTION);
		return OTW_OK;
	default:
		return OTW_MALFORMED;
	}
}

static enum otw_verdict pn_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint16_t fid;

	if (!otw_cur_u16be(c, &fid))
		return OTW_MALFORMED;
	if (fid >= 0xfefc && fid <= 0xfeff)
		return pn_dcp(c, x, fid);
	if (fid == 0xfc01 || fid == 0xfe01)
		return pn_alarm(c, x, fid);
	if (fid >= 0xc000 && fid <= 0xfbff) {
		pn_l2_op(x, true, fid, PN_F_RT1, OTW_OPK_REQUEST);
		return OTW_OK;
	}
	if (fid >= 0x8000) {
		if (fid > 0xbfff) /* 0xfc00-0xfefb other than alarms */
			return OTW_OK;
		pn_l2_op(x, true, fid, PN_F_RT2, OTW_OPK_REQUEST);
		return OTW_OK;
	}
	if (fid >= 0x0100) {
		pn_l2_op(x, true, fid, PN_F_RT3, OTW_OPK_REQUEST);
		return OTW_OK;
	}
	/* 0x0000-0x00ff: PTCP (RTSync, delay) */
	pn_l2_op(x, true, 0, PN_F_PTCP, OTW_OPK_REQUEST);
	return OTW_OK;
}

/* ---- PN-IO CM: DCE/RPC connectionless (C706 §12.5) ------------------------ */

#define RPC_HDR 80

/* DEA0000x-6C97-11D1-8271-00A02442DF7D: the PNIO interfaces. */
static const uint8_t pnio_uuid_tail[8] = { 0x82, 0x71, 0x00, 0xa0,
					   0x24, 0x42, 0xdf, 0x7d };
/* E1AF8308-5D1F-11C9-91A4-08002B14A0FA: the endpoint mapper. */
static const uint8_t epm_uuid_tail[8] = { 0x91, 0xa4, 0x08, 0x00,
					  0x2b, 0x14, 0xa0, 0xfa };

struct rpc_uuid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};

static bool rpc_uuid(struct otw_cur *c, bool le, struct rpc_uuid *u)
{
	if (le) {
		if (!otw_cur_u32le(c, &u->d1) || !otw_cur_u16le(c, &u->d2) ||
		    !otw_cur_u16le(c, &u->d3))
			return false;
	} else if (!otw_cur_u32be(c, &u->d1) || !otw_cur_u16be(c, &u->d2) ||
		   !otw_cur_u16be(c, &u->d3)) {
		return false;
	}
	return otw_cur_bytes(c, u->d4, 8);
}

/* PNIO interface number 1..4 of an interface UUID, 0x10 for the endpoint
 * mapper, 0 for anything else. */
static unsigned pncm_iface(const struct rpc_uuid *u)
{
	if ((u->d1 & 0xfffffff0u) == 0xdea00000u && u->d1 <= 0xdea00004u &&
	    u->d2 == 0x6c97 && u->d3 == 0x11d1 &&
	    memcmp(u->d4, pnio_uuid_tail, 8) == 0)
		return u->d1 & 0x0f;
	if (u->d1 == 0xe1af8308u && u->d2 == 0x5d1f && u->d3 == 0x11c9 &&
	    memcmp(u->d4, epm_uuid_tail, 8) == 0)
		return 0x10;
	return 0;
}

struct rpc_hdr {
	uint8_t ptype;
	bool le;
	struct rpc_uuid obj, iface;
	uint16_t opnum, frag_len, frag_num;
};

static bool rpc_hdr(struct otw_cur *c, struct rpc_hdr *h)
{
	uint8_t ver, drep;

	if (!otw_cur_u8(c, &ver) || !otw_cur_u8(c, &h->ptype) ||
	    !otw_cur_skip(c, 2) || !otw_cur_u8(c, &drep) || !otw_cur_skip(c, 3))
		return false;
	if (ver != 4 || h->ptype > 10 || (drep & 0xe0) != 0)
		return false;
	h->le = (drep & 0x10) != 0;
	if (!rpc_uuid(c, h->le, &h->obj) || !rpc_uuid(c, h->le, &h->iface) ||
	    !otw_cur_skip(c, 16 + 12)) /* activity, boot time, version, seq */
		return false;
	if (h->le) {
		if (!otw_cur_u16le(c, &h->opnum) || !otw_cur_skip(c, 4) ||
		    !otw_cur_u16le(c, &h->frag_len) ||
		    !otw_cur_u16le(c, &h->frag_num))
			return false;
	} else if (!otw_cur_u16be(c, &h->opnum) || !otw_cur_skip(c, 4) ||
		   !otw_cur_u16be(c, &h->frag_len) ||
		   !otw_cur_u16be(c, &h->frag_num)) {
		return false;
	}
	return otw_cur_skip(c, 2); /* auth protocol, serial low */
}

static bool pncm_probe_any(const struct otw_cur *c, bool pnio_only)
{
	struct otw_cur d = *c;
	struct rpc_hdr h;
	unsigned i;

	if (!rpc_hdr(&d, &h) || h.frag_len > otw_cur_left(&d))
		return false;
	i = pncm_iface(&h.iface);
	return pnio_only ? (i >= 1 && i <= 4) : true;
}

static bool pncm_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return pncm_probe_any(c, false);
}

/* Off port 34964 (the controller's own CM server on an ephemeral port,
 * device -> controller application-ready): only a PNIO interface. */
static bool pncm_probe_heur(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return pncm_probe_any(c, true);
}

/* ARBlockReq (block type 0x0101) of a connect request: the initiator's
 * station name, object UUID and AR type. */
static void pncm_ar_block(struct otw_cur *b, const struct otw_dctx *x)
{
	uint16_t ar_type, nlen, vendor, device;
	uint8_t obj[16];
	static const uint8_t pfx[10] = { 0xde, 0xa0, 0x00, 0x00, 0x6c,
					 0x97, 0x11, 0xd1, 0x82, 0x71 };

	if (!otw_cur_u16be(b, &ar_type) || !otw_cur_skip(b, 16 + 2 + 6) ||
	    !otw_cur_bytes(b, obj, 16) || !otw_cur_skip(b, 4 + 2 + 2) ||
	    !otw_cur_u16be(b, &nlen) || nlen > otw_cur_left(b))
		return;
	otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)b->p, nlen);
	if (memcmp(obj, pfx, sizeof(pfx)) == 0) {
		vendor = (uint16_t)(obj[14] << 8 | obj[15]);
		device = (uint16_t)(obj[12] << 8 | obj[13]);
		pn_ids(x, true, vendor, device);
	}
	if (ar_type == 0x0006) /* IOSAR: a supervisor (engineering tool) */
		otw_attr_report(x, true, OTW_ATTR_ROLE, "engineering", 11);
	else if (ar_type == 0x0001 || ar_type == 0x0010 || ar_type == 0x0020)
		otw_attr_report(x, true, OTW_ATTR_ROLE, "plc", 3);
}

static enum otw_verdict pncm_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct rpc_hdr h;
	struct otw_cur body;
	struct otw_dctx y = *x;
	struct otw_op op = { .addr = OTW_ADDR_NONE };
	unsigned iface;
	bool req, obj_pnio;

	if (!rpc_hdr(c, &h))
		return OTW_MALFORMED;
	if (!otw_cur_sub(c, h.frag_len, &body))
		return OTW_MALFORMED;
	switch (h.ptype) {
	case 0: /* request */
		req = true;
		op.kind = OTW_OPK_REQUEST;
		break;
	case 2: /* response */
		req = false;
		op.kind = OTW_OPK_RESPONSE;
		break;
	case 3: /* fault */
	case 6: /* reject */
		req = false;
		op.kind = OTW_OPK_EXCEPTION;
		break;
	default: /* ping, working, nocall, ack, cancel: transport only */
		return OTW_OK;
	}
	if (h.frag_num != 0) /* later fragments of a fragmented call */
		return OTW_OK;
	iface = pncm_iface(&h.iface);
	op.unit = (uint16_t)iface;
	op.func = (iface >= 1 && iface <= 4) ? h.opnum
					     : (uint16_t)(PNCM_F_OTHER + h.opnum);
	/* a PNIO response starts with PNIOStatus: non-zero is an error */
	if (h.ptype == 2 && iface >= 1 && iface <= 4) {
		uint32_t st;

		if (otw_cur_u32be(&body, &st) && st != 0)
			op.kind = OTW_OPK_EXCEPTION;
	}
	/* requests go client -> server whoever the flow calls the client */
	if (x->client != NULL && req != x->from_client) {
		y.client = x->server;
		y.server = x->client;
	}
	otw_op_report(&y, &op);

	/* object UUID DEA00000-6C97-11D1-8271-<instance><device><vendor>
	 * names the device whose interface is called */
	obj_pnio = h.obj.d1 == 0xdea00000u && h.obj.d2 == 0x6c97 &&
		   h.obj.d3 == 0x11d1 && h.obj.d4[0] == 0x82 &&
		   h.obj.d4[1] == 0x71;
	if (obj_pnio && iface == 1)
		pn_ids(x, !req, (uint16_t)(h.obj.d4[6] << 8 | h.obj.d4[7]),
		       (uint16_t)(h.obj.d4[4] << 8 | h.obj.d4[5]));
	if (req && iface == 1 && h.opnum == 0) {
		/* NDR: ArgsMaximum, ArgsLength, MaxCount, Offset,
		 * ActualCount, then PNIO blocks (big-endian) */
		uint16_t btype, blen;
		struct otw_cur b;

		if (otw_cur_skip(&body, 20) && otw_cur_u16be(&body, &btype) &&
		    otw_cur_u16be(&body, &blen) && btype == 0x0101 && blen >= 2 &&
		    otw_cur_sub(&body, blen, &b) && otw_cur_skip(&b, 2))
			pncm_ar_block(&b, x);
	}
	return OTW_OK;
}

static const struct otw_dissector dis_profinet = {
	.name = "profinet",
	.app = OTW_APP_PROFINET,
	.l4 = 0,
	.ethertype = PN_ETHERTYPE,
	.dissect = pn_dissect,
	.op_name = pn_op_name,
};

static const struct otw_dissector dis_pniocm = {
	.name = "pnio-cm",
	.app = OTW_APP_PNIO_CM,
	.l4 = IPPROTO_UDP,
	.port = PNCM_PORT,
	.probe = pncm_probe,
	.dissect = pncm_dissect,
	.op_name = pn_op_name,
};

/* The same, found by its PNIO interface UUID on other ports. */
static const struct otw_dissector dis_pniocm_heur = {
	.name = "pnio-cm",
	.app = OTW_APP_PNIO_CM,
	.l4 = IPPROTO_UDP,
	.port = 0,
	.probe = pncm_probe_heur,
	.dissect = pncm_dissect,
};

const struct otw_dissector *const otw_plugin_profinet[] = {
	&dis_profinet, &dis_pniocm, &dis_pniocm_heur, NULL
};
