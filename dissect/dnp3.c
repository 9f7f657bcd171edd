/* DNP3 over TCP and UDP 20000 (IEEE 1815-2012).
 *
 * Link layer (§9.2): start 0x0564, LEN, CTRL, DST, SRC, header CRC, then
 * the user data in blocks of up to 16 bytes, each followed by its CRC.
 * Every CRC present is checked; a bad one makes the frame malformed and
 * unused. Transport layer (§8): the FIR segment of an application fragment
 * carries its first 249 bytes, which always hold the application header and
 * the first object header we need (function, first object, index range), so
 * continuation segments are not reassembled (their data is never needed).
 * Application layer (§4): function code, IIN of responses (exceptions =
 * IIN2 "no function code support", "object unknown", "parameter error"),
 * first object header's index range, Group 0 device attributes.
 *
 * On TCP the engine frames the stream by the link header (dnp3_pdu_len)
 * and reassembles frames cut by segment boundaries, so dissect sees one
 * whole frame; a frame given cut (no buffer was free) is used as far as its
 * complete CRC blocks go (the first block alone holds the application and
 * first object headers). Lost bytes or garbage: resynchronise on the next
 * 0x0564 with a good header CRC. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define DNP3_PORT 20000
#define DNP3_HDR 10       /* start, LEN, CTRL, DST, SRC, CRC */
#define DNP3_UD_MAX 250   /* LEN is at most 255: 5 header bytes + 250 */

/* Link control (§9.2.4.1): direction (from master), primary, function. */
#define LC_DIR 0x80
#define LC_PRM 0x40
#define LFC_CONFIRMED_USER_DATA 3
#define LFC_UNCONFIRMED_USER_DATA 4
#define TH_FIR 0x40        /* transport header (§8.2) */
#define AC_FIN 0x20        /* application control (§4.2.2.4) */
#define AC_SEQ 0x0f
#define FC_CONFIRM 0x00
#define FC_RESPONSE 0x81
#define FC_UNSOLICITED 0x82
#define FC_AUTH_RESPONSE 0x83
/* IIN2 (§4.2.2.7.2): no func code support, object unknown, parameter error */
#define IIN2_ERRORS 0x07
/* Op func namespaces beside the function codes (docs/protocols/dnp3.md):
 * one op per object header of a request, unit = group << 8 | variation;
 * one op per IIN flag set in a response. */
#define FUNC_OBJ 0x100u
#define FUNC_IIN 0x200u
#define OBJ_MAX 32         /* object headers walked per fragment */

/* Per-flow state (fits OTW_APP_STATE_BYTES). */
struct dnp3_state {
	uint16_t addr_seen[2]; /* source address reported, + 1 (0: none) */
	uint16_t pend_unit;  /* outstation address of the pending request */
	uint8_t pend_func;   /* function of the request awaiting a response */
	uint8_t pend_seq;    /* its application sequence | PEND_VALID */
	uint8_t role_seen;   /* ROLE reported for the server (1) / client (2) */
	uint8_t pad[15];
};
#define PEND_VALID 0x80
_Static_assert(sizeof(struct dnp3_state) == 24, "state layout");
_Static_assert(sizeof(struct dnp3_state) <= OTW_APP_STATE_BYTES, "state size");

/* CRC-16/DNP: polynomial 0x3d65, reflected (0xa6bc), init 0, complemented,
 * sent low byte first (§9.2.6). Table computed from the polynomial. */
static const uint16_t dnp3_crc_tab[256] = {
	0x0000, 0x365e, 0x6cbc, 0x5ae2, 0xd978, 0xef26, 0xb5c4, 0x839a,
	0xff89, 0xc9d7, 0x9335, 0xa56b, 0x26f1, 0x10af, 0x4a4d, 0x7c13,
	0xb26b, 0x8435, 0xded7, 0xe889, 0x6b13, 0x5d4d, 0x07af, 0x31f1,
	0x4de2, 0x7bbc, 0x215e, 0x1700, 0x949a, 0xa2c4, 0xf826, 0xce78,
	0x29af, 0x1ff1, 0x4513, 0x734d, 0xf0d7, 0xc689, 0x9c6b, 0xaa35,
	0xd626, 0xe078, 0xba9a, 0x8cc4, 0x0f5e, 0x3900, 0x63e2, 0x55bc,
	0x9bc4, 0xad9a, 0xf778, 0xc126, 0x42bc, 0x74e2, 0x2e00, 0x185e,
	0x644d, 0x5213, 0x08f1, 0x3eaf, 0xbd35, 0x8b6b, 0xd189, 0xe7d7,
	0x535e, 0x6500, 0x3fe2, 0x09bc, 0x8a26, 0xbc78, 0xe69a, 0xd0c4,
	0xacd7, 0x9a89, 0xc06b, 0xf635, 0x75af, 0x43f1, 0x1913, 0x2f4d,
	0xe135, 0xd76b, 0x8d89, 0xbbd7, 0x384d, 0x0e13, 0x54f1, 0x62af,
	0x1ebc, 0x28e2, 0x7200, 0x445e, 0xc7c4, 0xf19a, 0xab78, 0x9d26,
	0x7af1, 0x4caf, 0x164d, 0x2013, 0xa389, 0x95d7, 0xcf35, 0xf96b,
	0x8578, 0xb326, 0xe9c4, 0xdf9a, 0x5c00, 0x6a5e, 0x30bc, 0x06e2,
	0xc89a, 0xfec4, 0xa426, 0x9278, 0x11e2, 0x27bc, 0x7d5e, 0x4b00,
	0x3713, 0x014d, 0x5baf, 0x6df1, 0xee6b, 0xd835, 0x82d7, 0xb489,
	0xa6bc, 0x90e2, 0xca00, 0xfc5e, 0x7fc4, 0x499a, 0x1378, 0x2526,
	0x5935, 0x6f6b, 0x3589, 0x03d7, 0x804d, 0xb613, 0xecf1, 0xdaaf,
	0x14d7, 0x2289, 0x786b, 0x4e35, 0xcdaf, 0xfbf1, 0xa113, 0x974d,
	0xeb5e, 0xdd00, 0x87e2, 0xb1bc, 0x3226, 0x0478, 0x5e9a, 0x68c4,
	0x8f13, 0xb94d, 0xe3af, 0xd5f1, 0x566b, 0x6035, 0x3ad7, 0x0c89,
	0x709a, 0x46c4, 0x1c26, 0x2a78, 0xa9e2, 0x9fbc, 0xc55e, 0xf300,
	0x3d78, 0x0b26, 0x51c4, 0x679a, 0xe400, 0xd25e, 0x88bc, 0xbee2,
	0xc2f1, 0xf4af, 0xae4d, 0x9813, 0x1b89, 0x2dd7, 0x7735, 0x416b,
	0xf5e2, 0xc3bc, 0x995e, 0xaf00, 0x2c9a, 0x1ac4, 0x4026, 0x7678,
	0x0a6b, 0x3c35, 0x66d7, 0x5089, 0xd313, 0xe54d, 0xbfaf, 0x89f1,
	0x4789, 0x71d7, 0x2b35, 0x1d6b, 0x9ef1, 0xa8af, 0xf24d, 0xc413,
	0xb800, 0x8e5e, 0xd4bc, 0xe2e2, 0x6178, 0x5726, 0x0dc4, 0x3b9a,
	0xdc4d, 0xea13, 0xb0f1, 0x86af, 0x0535, 0x336b, 0x6989, 0x5fd7,
	0x23c4, 0x159a, 0x4f78, 0x7926, 0xfabc, 0xcce2, 0x9600, 0xa05e,
	0x6e26, 0x5878, 0x029a, 0x34c4, 0xb75e, 0x8100, 0xdbe2, 0xedbc,
	0x91af, 0xa7f1, 0xfd13, 0xcb4d, 0x48d7, 0x7e89, 0x246b, 0x1235,
};

static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++)
		crc = (uint16_t)((crc >> 8) ^ dnp3_crc_tab[(crc ^ p[i]) & 0xff]);
	return (uint16_t)~crc;
}

struct opname {
	const char *name;
	const char *obj;   /* name of its object header ops (FUNC_OBJ) */
	const char *cat;
};

/* Application function codes (§4.2.2.5, Table 4-2). Freezes act on the
 * outstation's counters (commands: control); configuration-changing and
 * time functions are config; restarts and application start/stop control. */
static const struct opname dnp3_ops[256] = {
	[0x00] = { "confirm", "confirm_objects", OTW_CAT_SESSION },
	[0x01] = { "read", "read_objects", OTW_CAT_READ },
	[0x02] = { "write", "write_objects", OTW_CAT_WRITE },
	[0x03] = { "select", "select_objects", OTW_CAT_CONTROL },
	[0x04] = { "operate", "operate_objects", OTW_CAT_CONTROL },
	[0x05] = { "direct_operate", "direct_operate_objects", OTW_CAT_CONTROL },
	[0x06] = { "direct_operate_no_ack", "direct_operate_no_ack_objects", OTW_CAT_CONTROL },
	[0x07] = { "immediate_freeze", "immediate_freeze_objects", OTW_CAT_CONTROL },
	[0x08] = { "immediate_freeze_no_ack", "immediate_freeze_no_ack_objects", OTW_CAT_CONTROL },
	[0x09] = { "freeze_and_clear", "freeze_and_clear_objects", OTW_CAT_CONTROL },
	[0x0a] = { "freeze_and_clear_no_ack", "freeze_and_clear_no_ack_objects", OTW_CAT_CONTROL },
	[0x0b] = { "freeze_at_time", "freeze_at_time_objects", OTW_CAT_CONTROL },
	[0x0c] = { "freeze_at_time_no_ack", "freeze_at_time_no_ack_objects", OTW_CAT_CONTROL },
	[0x0d] = { "cold_restart", "cold_restart_objects", OTW_CAT_CONTROL },
	[0x0e] = { "warm_restart", "warm_restart_objects", OTW_CAT_CONTROL },
	[0x0f] = { "initialize_data", "initialize_data_objects", OTW_CAT_CONTROL },
	[0x10] = { "initialize_application", "initialize_application_objects", OTW_CAT_CONTROL },
	[0x11] = { "start_application", "start_application_objects", OTW_CAT_CONTROL },
	[0x12] = { "stop_application", "stop_application_objects", OTW_CAT_CONTROL },
	[0x13] = { "save_configuration", "save_configuration_objects", OTW_CAT_CONFIG },
	[0x14] = { "enable_unsolicited", "enable_unsolicited_objects", OTW_CAT_CONFIG },
	[0x15] = { "disable_unsolicited", "disable_unsolicited_objects", OTW_CAT_CONFIG },
	[0x16] = { "assign_class", "assign_class_objects", OTW_CAT_CONFIG },
	[0x17] = { "delay_measure", "delay_measure_objects", OTW_CAT_CONFIG },
	[0x18] = { "record_current_time", "record_current_time_objects", OTW_CAT_CONFIG },
	[0x19] = { "open_file", "open_file_objects", OTW_CAT_FILE },
	[0x1a] = { "close_file", "close_file_objects", OTW_CAT_FILE },
	[0x1b] = { "delete_file", "delete_file_objects", OTW_CAT_FILE },
	[0x1c] = { "get_file_info", "get_file_info_objects", OTW_CAT_FILE },
	[0x1d] = { "authenticate_file", "authenticate_file_objects", OTW_CAT_FILE },
	[0x1e] = { "abort_file", "abort_file_objects", OTW_CAT_FILE },
	[0x1f] = { "activate_config", "activate_config_objects", OTW_CAT_CONFIG },
	[0x20] = { "authentication_request", "authentication_request_objects", OTW_CAT_AUTH },
	[0x21] = { "authentication_request_no_ack", "authentication_request_no_ack_objects", OTW_CAT_AUTH },
	[0x81] = { "response", NULL, OTW_CAT_MONITOR },
	[0x82] = { "unsolicited_response", NULL, OTW_CAT_MONITOR },
	[0x83] = { "authentication_response", NULL, OTW_CAT_AUTH },
};

/* IIN flags reported as ops of responses (FUNC_IIN + bit: IIN1 bits 0-7,
 * IIN2 bits 8-15; §4.2.2.7.2): the ones a detection engine acts on. */
static const struct opname iin_ops[16] = {
	[4] = { "iin_need_time", NULL, OTW_CAT_DIAG },
	[5] = { "iin_local_control", NULL, OTW_CAT_DIAG },
	[6] = { "iin_device_trouble", NULL, OTW_CAT_DIAG },
	[7] = { "iin_device_restart", NULL, OTW_CAT_DIAG },
	[13] = { "iin_config_corrupt", NULL, OTW_CAT_DIAG },
};
#define IIN_REPORTED 0x20f0u /* the bits of iin_ops */

static const char *dnp3_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *o;
	const char *name;

	if (app != OTW_APP_DNP3)
		return NULL;
	if (func < 256) {
		o = &dnp3_ops[func];
		name = o->name;
	} else if ((func & 0xff00) == FUNC_OBJ) {
		o = &dnp3_ops[func & 0xff];
		name = o->obj;
	} else if ((func & 0xff00) == FUNC_IIN && (func & 0xff) < 16) {
		o = &iin_ops[func & 0xff];
		name = o->name;
	} else {
		return NULL;
	}
	if (name == NULL)
		return NULL;
	*cat = o->cat;
	return name;
}

/* Link header at c (not consumed): LEN, CTRL, DST, SRC with a good CRC. */
struct dnp3_hdr {
	uint8_t len, ctrl;
	uint16_t dst, src;
};

static bool dnp3_hdr_peek(const struct otw_cur *c, struct dnp3_hdr *h)
{
	uint8_t b[DNP3_HDR];
	struct otw_cur t = *c;

	if (!otw_cur_bytes(&t, b, sizeof(b)))
		return false;
	if (b[0] != 0x05 || b[1] != 0x64 || b[2] < 5 ||
	    dnp3_crc(b, 8) != (uint16_t)(b[8] | b[9] << 8))
		return false;
	h->len = b[2];
	h->ctrl = b[3];
	h->dst = (uint16_t)(b[4] | b[5] << 8);
	h->src = (uint16_t)(b[6] | b[7] << 8);
	return true;
}

/* Whole frame size on the wire for LEN (§9.2.5). */
static size_t dnp3_frame_size(uint8_t len)
{
	size_t ud = (size_t)len - 5;

	return DNP3_HDR + ud + 2 * ((ud + 15) / 16);
}

static bool dnp3_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	struct dnp3_hdr h;

	/* a TCP keep-alive first (one garbage octet): wait for frames */
	if (otw_cur_left(c) == 1 && x->pkt != NULL &&
	    x->pkt->l4 == IPPROTO_TCP)
		return true;
	if (otw_cur_left(c) < DNP3_HDR && x->pkt != NULL &&
	    x->pkt->l4 == IPPROTO_TCP) { /* a segment cut in the header */
		uint16_t w;
		uint8_t b;

		if (otw_cur_peek_u16be(c, 0, &w))
			return w == 0x0564;
		return otw_cur_peek_u8(c, 0, &b) && b == 0x05;
	}
	return dnp3_hdr_peek(c, &h);
}

/* Group 0 device attribute variations (§11.9.1, "Device attributes")
 * mapped to identity keys; data type 1 = VSTR only. */
static unsigned g0_attr_key(uint8_t var)
{
	switch (var) {
	case 252: return OTW_ATTR_VENDOR;      /* manufacturer's name */
	case 250: return OTW_ATTR_MODEL;       /* product name and model */
	case 248: return OTW_ATTR_SERIAL;      /* device serial number */
	case 247: return OTW_ATTR_NAME;        /* user-assigned device name */
	case 245: return OTW_ATTR_DESCRIPTION; /* user-assigned location */
	case 243: return OTW_ATTR_HW_VERSION;  /* hardware version */
	case 242: return OTW_ATTR_FIRMWARE;    /* software version */
	default: return 0;
	}
}

static bool cur_uint(struct otw_cur *c, unsigned size, uint32_t *v)
{
	uint8_t b8;
	uint16_t b16;

	switch (size) {
	case 1:
		if (!otw_cur_u8(c, &b8))
			return false;
		*v = b8;
		return true;
	case 2:
		if (!otw_cur_u16le(c, &b16))
			return false;
		*v = b16;
		return true;
	case 4:
		return otw_cur_u32le(c, v);
	default:
		return false;
	}
}

/* Size of the range field (§4.2.2.7.3, Table 4-3) of qualifier code qc,
 * and whether it is start/stop (else count); false if none/unknown. */
static bool range_size(unsigned qc, unsigned *size, bool *startstop)
{
	static const uint8_t sz[16] = { 1, 2, 4, 1, 2, 4, 0, 1, 2, 4, 0, 1 };

	if (qc > 0x0b || qc == 0x06 || qc == 0x0a)
		return false;
	*size = sz[qc];
	*startstop = qc <= 0x05;
	return true;
}

/* Index range of the object header at c: start/stop ranges give the
 * range, index-prefixed counts the first index. */
static void first_range(struct otw_cur c, struct otw_op *op)
{
	uint8_t grp, var, q;
	unsigned size, pc;
	bool ss;
	uint32_t a, b;

	if (!otw_cur_u8(&c, &grp) || !otw_cur_u8(&c, &var) || !otw_cur_u8(&c, &q))
		return;
	pc = (q >> 4) & 0x07;
	if (!range_size(q & 0x0f, &size, &ss) || q & 0x80)
		return;
	if (ss) {
		if (!cur_uint(&c, size, &a) || !cur_uint(&c, size, &b) || b < a)
			return;
		op->addr = a;
		op->naddr = b - a + 1;
		return;
	}
	if (pc < 1 || pc > 3 || (q & 0x0f) == 0x0b || !cur_uint(&c, size, &b) ||
	    b == 0)
		return;
	if (!cur_uint(&c, pc == 3 ? 4 : pc, &a))
		return;
	op->addr = a;
	op->naddr = 1;
}

/* Octets of one object of group g variation v in a request that carries
 * data (§A, object library): OBJ_BITS for packed bits, OBJ_G0 for a
 * device attribute (type, length, value), 0 when unknown. */
#define OBJ_BITS 0xfe
#define OBJ_G0 0xff
static uint8_t req_obj_size(uint8_t g, uint8_t v)
{
	switch (g << 8 | v) {
	case 0x0c01: case 0x0c02: return 11;     /* CROB, PCB */
	case 0x0c03: return OBJ_BITS;            /* pattern mask */
	case 0x2901: case 0x2903: return 5;      /* analog output, 32/float */
	case 0x2902: return 3;                   /* 16-bit */
	case 0x2904: return 9;                   /* double */
	case 0x2201: return 2;                   /* analog deadbands */
	case 0x2202: case 0x2203: return 4;
	case 0x3201: case 0x3203: return 6;      /* time and date */
	case 0x3202: return 10;                  /* ... and interval */
	case 0x3204: return 11;                  /* indexed absolute time */
	case 0x3401: case 0x3402: return 2;      /* time delay */
	case 0x5001: return OBJ_BITS;            /* IIN bits */
	default:
		if (g == 0 && v >= 0xf0)
			return OBJ_G0;
		if (g == 110 && v > 0)
			return v;                    /* octet string of v */
		return 0;
	}
}

/* Functions whose request objects carry no data, only headers (and
 * index prefixes): read, freezes, (dis)able unsolicited, assign class. */
static bool req_no_data(uint8_t fc)
{
	return fc == 0x01 || (fc >= 0x07 && fc <= 0x0a) ||
	       (fc >= 0x14 && fc <= 0x16);
}

/* Every object header of a request (§4.2.2.7.3), as ops FUNC_OBJ | fc,
 * unit = group << 8 | variation, addr/naddr = the index range (start-stop
 * qualifiers: the range; index prefixes 0x17/0x28/0x39: lowest..highest
 * index; "all" and plain counts: none). The walk stops at a header it
 * cannot step over (free-format objects, an object of unknown size). */
static void req_objects(const struct otw_dctx *x, struct otw_cur c,
			uint8_t fc)
{
	for (unsigned n = 0; n < OBJ_MAX && otw_cur_left(&c) > 0; n++) {
		uint8_t g, v, q, size;
		unsigned rsz, pc;
		bool ss, walk = true;
		uint32_t a = 0, b = 0, count = 0, lo = UINT32_MAX, hi = 0;
		struct otw_op op = { .kind = OTW_OPK_REQUEST,
				     .func = (uint16_t)(FUNC_OBJ | fc),
				     .addr = OTW_ADDR_NONE };

		if (!otw_cur_u8(&c, &g) || !otw_cur_u8(&c, &v) ||
		    !otw_cur_u8(&c, &q))
			return;
		op.unit = (uint16_t)(g << 8 | v);
		if (q & 0x80) { /* reserved qualifier bit: nothing after it */
			otw_op_report(x, &op);
			return;
		}
		pc = (q >> 4) & 0x07;
		if ((q & 0x0f) == 0x06) { /* all objects: no range, no data */
			otw_op_report(x, &op);
			continue;
		}
		if (!range_size(q & 0x0f, &rsz, &ss) || pc > 3 ||
		    (q & 0x0f) == 0x0b) {
			otw_op_report(x, &op); /* header known, then lost */
			return;
		}
		if (ss) {
			if (!cur_uint(&c, rsz, &a) || !cur_uint(&c, rsz, &b) ||
			    b < a)
				return;
			count = b - a + 1;
			op.addr = a;
			op.naddr = count;
		} else if (!cur_uint(&c, rsz, &count)) {
			return;
		}
		size = req_no_data(fc) ? 1 : req_obj_size(g, v);
		if (size == 0 || (size == OBJ_BITS && pc != 0))
			walk = false; /* data of unknown size: the last header */
		if (size == OBJ_BITS && walk) {
			walk = ss && otw_cur_skip(&c, (count + 7) / 8);
		} else if (walk) {
			for (uint32_t i = 0; i < count && walk; i++) {
				uint32_t idx;
				uint8_t t, len;

				if (pc != 0) {
					if (!cur_uint(&c, pc == 3 ? 4 : pc, &idx)) {
						walk = false;
						break;
					}
					lo = idx < lo ? idx : lo;
					hi = idx > hi ? idx : hi;
				}
				if (req_no_data(fc))
					continue;
				if (size == OBJ_G0)
					walk = otw_cur_u8(&c, &t) &&
					       otw_cur_u8(&c, &len) &&
					       otw_cur_skip(&c, len);
				else
					walk = otw_cur_skip(&c, size);
			}
		}
		if (pc != 0 && lo != UINT32_MAX) {
			op.addr = lo;
			op.naddr = hi - lo + 1;
		}
		otw_op_report(x, &op);
		if (!walk)
			return;
	}
}

/* Device attributes (group 0) of a response, object after object, as long
 * as they are group 0 and whole in this link frame. */
static void g0_attrs(const struct otw_dctx *x, struct otw_cur c)
{
	for (unsigned n = 0; n < 32; n++) {
		uint8_t grp, var, q, type, len;
		unsigned size, pc, key;
		bool ss;
		uint32_t a, b, count;

		if (!otw_cur_u8(&c, &grp) || !otw_cur_u8(&c, &var) ||
		    !otw_cur_u8(&c, &q) || grp != 0 || q & 0x80)
			return;
		pc = (q >> 4) & 0x07;
		if (!range_size(q & 0x0f, &size, &ss) || (q & 0x0f) == 0x0b ||
		    pc > 3)
			return;
		if (ss) {
			if (pc != 0 || !cur_uint(&c, size, &a) ||
			    !cur_uint(&c, size, &b) || b < a)
				return;
			count = b - a + 1;
		} else if (!cur_uint(&c, size, &count)) {
			return;
		}
		key = g0_attr_key(var);
		for (uint32_t i = 0; i < count && i < 8; i++) {
			if (pc != 0 && !otw_cur_skip(&c, pc == 3 ? 4 : pc))
				return;
			struct otw_cur val;
			char v[OTW_ATTR_VAL_MAX];
			size_t vn;

			if (!otw_cur_u8(&c, &type) || !otw_cur_u8(&c, &len) ||
			    !otw_cur_sub(&c, len, &val))
				return;
			vn = len < sizeof(v) ? len : sizeof(v);
			if (key != 0 && type == 1 && /* VSTR */
			    otw_cur_bytes(&val, v, vn))
				otw_attr_report(x, true, key, v, vn);
		}
		if (count > 8)
			return;
	}
}

static void report_addr(const struct otw_dctx *x, struct dnp3_state *st,
			uint16_t src)
{
	unsigned d = x->from_client ? 0 : 1;
	char v[8];
	int n;

	if (src >= 0xfff0 || st->addr_seen[d] == (uint16_t)(src + 1))
		return; /* 0xfff0-0xffff are reserved/broadcast (§9.2.5.3) */
	st->addr_seen[d] = (uint16_t)(src + 1);
	n = snprintf(v, sizeof(v), "%u", src);
	otw_attr_report(x, true, OTW_ATTR_PROTO_ADDR, v, (size_t)n);
}

/* One link frame's user data (ud, n bytes, CRCs removed). */
static void dnp3_user_data(struct otw_dctx *x, struct dnp3_state *st,
			   const struct dnp3_hdr *h, const uint8_t *ud,
			   size_t n)
{
	struct otw_cur c = otw_cur_make(ud, n);
	uint8_t th, ac, fc, iin1 = 0, iin2 = 0;
	struct otw_op op = { .addr = OTW_ADDR_NONE };
	struct otw_dctx mx = *x;

	/* ops go master -> outstation whoever opened the connection: the
	 * link DIR bit says whether the sender is the master (§9.2.4.1.1) */
	if (((h->ctrl & LC_DIR) != 0) != x->from_client) {
		mx.client = x->server;
		mx.server = x->client;
		mx.from_client = !x->from_client;
	}
	if (!otw_cur_u8(&c, &th) || !(th & TH_FIR))
		return; /* continuation segment: headers were in the FIR one */
	if (!otw_cur_u8(&c, &ac) || !otw_cur_u8(&c, &fc))
		return;
	op.func = fc;
	if (fc < 0x80) { /* request, to outstation dst (§4.2.2.5) */
		op.unit = h->dst;
		op.kind = OTW_OPK_REQUEST;
		first_range(c, &op);
		if (fc != FC_CONFIRM) {
			st->pend_func = fc;
			st->pend_seq = (uint8_t)((ac & AC_SEQ) | PEND_VALID);
			st->pend_unit = h->dst;
		}
		otw_op_report(&mx, &op);
		req_objects(&mx, c, fc);
		return;
	}
	if (fc < FC_RESPONSE || fc > FC_AUTH_RESPONSE)
		return;
	if (!otw_cur_u8(&c, &iin1) || !otw_cur_u8(&c, &iin2))
		return;
	op.unit = h->src;
	op.kind = (iin2 & IIN2_ERRORS) ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
	if (fc != FC_UNSOLICITED && st->pend_seq == ((ac & AC_SEQ) | PEND_VALID) &&
	    st->pend_unit == h->src) {
		op.func = st->pend_func;
		/* a multi-fragment response goes on with the next sequence */
		st->pend_seq = (ac & AC_FIN) ? 0 : (uint8_t)(((ac + 1) & AC_SEQ) |
							     PEND_VALID);
	}
	first_range(c, &op);
	otw_op_report(&mx, &op);
	{ /* status flags a detection engine acts on, one op each */
		unsigned iin = (unsigned)iin1 | (unsigned)iin2 << 8;

		for (unsigned bit = 0; bit < 16; bit++)
			if (iin & IIN_REPORTED & (1u << bit))
				otw_op_report(&mx, &(struct otw_op){
					.unit = h->src, .func = (uint16_t)(FUNC_IIN | bit),
					.kind = OTW_OPK_RESPONSE, .addr = OTW_ADDR_NONE });
	}
	if (!(st->role_seen & (x->from_client ? 2 : 1))) {
		/* a station sending responses is an outstation */
		st->role_seen |= x->from_client ? 2 : 1;
		otw_attr_report(x, true, OTW_ATTR_ROLE, "rtu", 3);
	}
	if (fc == FC_RESPONSE)
		g0_attrs(x, c);
}

/* Frame at c (header already checked into h): check CRCs of the blocks
 * present, strip them, use the user data. Returns false on a bad CRC. */
static bool dnp3_frame(struct otw_dctx *x, struct dnp3_state *st,
		       const struct dnp3_hdr *h, struct otw_cur *c)
{
	uint8_t ud[DNP3_UD_MAX];
	size_t want = (size_t)h->len - 5, n = 0;

	(void)otw_cur_skip(c, DNP3_HDR);
	while (n < want) {
		size_t blk = want - n < 16 ? want - n : 16;
		uint8_t crc[2];

		if (otw_cur_left(c) < blk + 2)
			break; /* cut frame: use the complete blocks */
		(void)otw_cur_bytes(c, ud + n, blk);
		(void)otw_cur_bytes(c, crc, 2);
		if (dnp3_crc(ud + n, blk) != (uint16_t)(crc[0] | crc[1] << 8))
			return false;
		n += blk;
	}
	report_addr(x, st, h->src);
	if ((h->ctrl & LC_PRM) &&
	    ((h->ctrl & 0x0f) == LFC_CONFIRMED_USER_DATA ||
	     (h->ctrl & 0x0f) == LFC_UNCONFIRMED_USER_DATA))
		dnp3_user_data(x, st, h, ud, n);
	return true;
}

/* Bytes before the next possible start octets 0x05 0x64 (a lone 0x05 at
 * the end may be one), at least 1. */
static uint32_t dnp3_junk(const struct otw_cur *c)
{
	struct otw_cur t = *c;
	uint16_t w;
	uint8_t b;

	(void)otw_cur_skip(&t, 1);
	while (otw_cur_peek_u16be(&t, 0, &w) && w != 0x0564)
		(void)otw_cur_skip(&t, 1);
	if (otw_cur_left(&t) == 1 && (!otw_cur_peek_u8(&t, 0, &b) || b != 0x05))
		(void)otw_cur_skip(&t, 1);
	return (uint32_t)(t.p - c->p);
}

/* TCP framing (§9.2.5): a start with a good header CRC gives the frame
 * size; anything else is skipped up to the next 0x0564. */
static enum otw_pdu dnp3_pdu_len(const struct otw_cur *c,
				 const struct otw_dctx *x, uint32_t *len)
{
	struct dnp3_hdr h;
	uint8_t b0, b1;

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &b0) || b0 != 0x05 ||
	    (otw_cur_peek_u8(c, 1, &b1) && b1 != 0x64)) {
		*len = dnp3_junk(c);
		return OTW_PDU_JUNK;
	}
	if (otw_cur_left(c) < DNP3_HDR) {
		*len = DNP3_HDR;
		return OTW_PDU_MORE;
	}
	if (!dnp3_hdr_peek(c, &h)) {
		*len = dnp3_junk(c);
		return OTW_PDU_JUNK;
	}
	*len = (uint32_t)dnp3_frame_size(h.len);
	return OTW_PDU_LEN;
}

/* One link frame from the TCP engine, or a UDP datagram's frames. */
static enum otw_verdict dnp3_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct dnp3_state st;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	while (otw_cur_left(c) > 0) {
		struct dnp3_hdr h;
		size_t size;

		if (otw_cur_left(c) < DNP3_HDR) {
			if (v == OTW_OK)
				v = OTW_SHORT; /* header cut: frame lost */
			break;
		}
		if (!dnp3_hdr_peek(c, &h)) {
			/* garbage or a bad header CRC: resynchronise */
			v = OTW_MALFORMED;
			(void)otw_cur_skip(c, 1);
			for (uint16_t w; otw_cur_peek_u16be(c, 0, &w) &&
					 w != 0x0564;)
				(void)otw_cur_skip(c, 1);
			continue;
		}
		size = dnp3_frame_size(h.len);
		if (otw_cur_left(c) < size) { /* a cut frame: its prefix */
			size_t have = otw_cur_left(c);
			struct otw_cur f = *c;

			(void)otw_cur_skip(c, have);
			if (!dnp3_frame(x, &st, &h, &f))
				v = OTW_MALFORMED;
			else if (v == OTW_OK)
				v = OTW_SHORT;
			break;
		}
		{
			struct otw_cur f;

			(void)otw_cur_sub(c, size, &f);
			if (!dnp3_frame(x, &st, &h, &f))
				v = OTW_MALFORMED;
		}
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static const struct otw_dissector dis_dnp3_tcp = {
	.name = "dnp3",
	.app = OTW_APP_DNP3,
	.l4 = IPPROTO_TCP,
	.port = DNP3_PORT,
	.probe = dnp3_probe,
	.dissect = dnp3_dissect,
	.op_name = dnp3_op_name,
	.pdu_len = dnp3_pdu_len,
	.pdu_max = DNP3_HDR + DNP3_UD_MAX + 2 * 16, /* LEN 255: 292 bytes */
};

static const struct otw_dissector dis_dnp3_udp = {
	.name = "dnp3",
	.app = OTW_APP_DNP3,
	.l4 = IPPROTO_UDP,
	.port = DNP3_PORT,
	.probe = dnp3_probe,
	.dissect = dnp3_dissect,
	.op_name = dnp3_op_name,
};

const struct otw_dissector *const otw_plugin_dnp3[] = { &dis_dnp3_tcp,
							&dis_dnp3_udp, NULL };
