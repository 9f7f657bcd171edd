/* Modbus/TCP (Modbus Messaging on TCP/IP Implementation Guide V1.0b,
 * Application Protocol Specification V1.1b3) and Schneider UMAS carried in
 * function code 90. The engine frames the stream by the MBAP length
 * (mb_pdu_len) and reassembles ADUs cut by segment boundaries, so dissect
 * sees one whole ADU. docs/protocols/modbus.md has the unit/func/addr
 * encoding and the identity facts. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define MB_PORT 502
#define MB_MAX_LEN 254   /* MBAP length: unit id + PDU (max PDU 253) */
#define MBAP_HDR 6       /* transaction id, protocol id, length */
#define MB_PENDING 4

#define FC_DIAG 8        /* §6.8: sub-function in the op func */
#define FC_MEI 43        /* §6.19-6.21: MEI type in the op func */
#define FC_UMAS 90       /* Schneider UMAS: reported as app umas */
#define FUNC_DIAG(sub) (0x0800u | (sub))
#define FUNC_MEI(mei) (0x2b00u | (mei))
#define MEI_CANOPEN 13
#define MEI_DEVICE_ID 14

/* UMAS (public descriptions, see docs/protocols/modbus.md): request
 * 0x5A, session key, UMAS function, data; response 0x5A, session key,
 * status 0xFE (OK) or 0xFD (error), data. */
#define UMAS_OK 0xfe
#define UMAS_ERR 0xfd
#define UMAS_READ_ID 0x02

#define MB_FLAG_ROLE 1   /* ROLE plc already reported for this flow */

/* Per-flow state (fits OTW_APP_STATE_BYTES). */
struct mb_state {
	struct {
		uint16_t tid;
		uint8_t func;  /* Modbus function code of the request */
		uint8_t sub;   /* FC 8 sub-function (<= 0xff), FC 43 MEI
				* type, FC 90 UMAS function; else 0 */
	} pend[MB_PENDING];  /* requests awaiting their response */
	uint8_t n_pend;
	uint8_t next;        /* round-robin victim when pend is full */
	uint8_t flags;       /* MB_FLAG_* */
	uint8_t pad[5];
};
_Static_assert(sizeof(struct mb_state) == 24, "state layout");
_Static_assert(sizeof(struct mb_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* Modbus Application Protocol Specification V1.1b3 §5.1 (public function
 * codes) and §6, plus the vendor codes users care about (Schneider UMAS
 * on 90 when its PDU is too short to name the UMAS function, Modicon
 * programming on 125/126). */
static const struct opname modbus_ops[128] = {
	[1] = { "read_coils", OTW_CAT_READ },
	[2] = { "read_discrete_inputs", OTW_CAT_READ },
	[3] = { "read_holding_registers", OTW_CAT_READ },
	[4] = { "read_input_registers", OTW_CAT_READ },
	[5] = { "write_single_coil", OTW_CAT_WRITE },
	[6] = { "write_single_register", OTW_CAT_WRITE },
	[7] = { "read_exception_status", OTW_CAT_DIAG },
	[8] = { "diagnostics", OTW_CAT_DIAG },
	[11] = { "get_comm_event_counter", OTW_CAT_DIAG },
	[12] = { "get_comm_event_log", OTW_CAT_DIAG },
	[15] = { "write_multiple_coils", OTW_CAT_WRITE },
	[16] = { "write_multiple_registers", OTW_CAT_WRITE },
	[17] = { "report_server_id", OTW_CAT_DIAG },
	[20] = { "read_file_record", OTW_CAT_READ },
	[21] = { "write_file_record", OTW_CAT_WRITE },
	[22] = { "mask_write_register", OTW_CAT_WRITE },
	[23] = { "read_write_multiple_registers", OTW_CAT_WRITE },
	[24] = { "read_fifo_queue", OTW_CAT_READ },
	[43] = { "encapsulated_interface_transport", OTW_CAT_DIAG },
	[90] = { "schneider_umas", OTW_CAT_PROGRAM },
	[125] = { "modicon_program", OTW_CAT_PROGRAM },
	[126] = { "modicon_program", OTW_CAT_PROGRAM },
};

/* §6.8.1: diagnostics sub-functions (op func 0x0800 | sub). Restarting
 * the port and forcing listen-only mode take a device off the bus. */
static const struct opname diag_ops[21] = {
	[0] = { "return_query_data", OTW_CAT_DIAG },
	[1] = { "restart_communications_option", OTW_CAT_CONTROL },
	[2] = { "return_diagnostic_register", OTW_CAT_DIAG },
	[3] = { "change_ascii_input_delimiter", OTW_CAT_CONFIG },
	[4] = { "force_listen_only_mode", OTW_CAT_CONTROL },
	[10] = { "clear_counters_and_diagnostic_register", OTW_CAT_DIAG },
	[11] = { "return_bus_message_count", OTW_CAT_DIAG },
	[12] = { "return_bus_communication_error_count", OTW_CAT_DIAG },
	[13] = { "return_bus_exception_error_count", OTW_CAT_DIAG },
	[14] = { "return_server_message_count", OTW_CAT_DIAG },
	[15] = { "return_server_no_response_count", OTW_CAT_DIAG },
	[16] = { "return_server_nak_count", OTW_CAT_DIAG },
	[17] = { "return_server_busy_count", OTW_CAT_DIAG },
	[18] = { "return_bus_character_overrun_count", OTW_CAT_DIAG },
	[20] = { "clear_overrun_counter_and_flag", OTW_CAT_DIAG },
};

/* UMAS function codes as public write-ups name them (docs/protocols/
 * modbus.md cites them); snake_case of the usual upper-case names. */
static const struct opname umas_ops[256] = {
	[0x01] = { "init_comm", OTW_CAT_SESSION },
	[0x02] = { "read_id", OTW_CAT_DIAG },
	[0x03] = { "read_project_info", OTW_CAT_DIAG },
	[0x04] = { "read_plc_info", OTW_CAT_DIAG },
	[0x06] = { "read_card_info", OTW_CAT_DIAG },
	[0x0a] = { "repeat", OTW_CAT_SESSION },
	[0x10] = { "take_plc_reservation", OTW_CAT_AUTH },
	[0x11] = { "release_plc_reservation", OTW_CAT_AUTH },
	[0x12] = { "keep_alive", OTW_CAT_SESSION },
	[0x20] = { "read_memory_block", OTW_CAT_READ },
	[0x22] = { "read_variables", OTW_CAT_READ },
	[0x23] = { "write_variables", OTW_CAT_WRITE },
	[0x24] = { "read_coils_registers", OTW_CAT_READ },
	[0x25] = { "write_coils_registers", OTW_CAT_WRITE },
	[0x26] = { "data_dictionary", OTW_CAT_READ },
	[0x30] = { "initialize_upload", OTW_CAT_PROGRAM },
	[0x31] = { "upload_block", OTW_CAT_PROGRAM },
	[0x32] = { "end_strategy_upload", OTW_CAT_PROGRAM },
	[0x33] = { "initialize_download", OTW_CAT_PROGRAM },
	[0x34] = { "download_block", OTW_CAT_PROGRAM },
	[0x35] = { "end_strategy_download", OTW_CAT_PROGRAM },
	[0x39] = { "read_eth_master_data", OTW_CAT_READ },
	[0x40] = { "start_plc", OTW_CAT_CONTROL },
	[0x41] = { "stop_plc", OTW_CAT_CONTROL },
	[0x50] = { "monitor_plc", OTW_CAT_MONITOR },
	[0x58] = { "check_plc", OTW_CAT_DIAG },
	[0x70] = { "read_io_object", OTW_CAT_READ },
	[0x71] = { "write_io_object", OTW_CAT_WRITE },
	[0x73] = { "get_status_module", OTW_CAT_DIAG },
};

static const char *mb_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *o = NULL;

	if (app == OTW_APP_UMAS) {
		if (func < 256)
			o = &umas_ops[func];
	} else if (app != OTW_APP_MODBUS) {
		return NULL;
	} else if (func < 128) {
		o = &modbus_ops[func];
	} else if ((func & 0xff00) == FUNC_DIAG(0)) {
		unsigned sub = func & 0xff;
		o = sub < 21 && diag_ops[sub].name ? &diag_ops[sub]
						   : &modbus_ops[FC_DIAG];
	} else if ((func & 0xff00) == FUNC_MEI(0)) {
		static const struct opname canopen = {
			"canopen_general_reference", OTW_CAT_OTHER };
		static const struct opname devid = {
			"read_device_identification", OTW_CAT_DIAG };
		unsigned mei = func & 0xff;
		o = mei == MEI_CANOPEN ? &canopen
		    : mei == MEI_DEVICE_ID ? &devid : &modbus_ops[FC_MEI];
	}
	if (o == NULL || o->name == NULL)
		return NULL;
	*cat = o->cat;
	return o->name;
}

/* MBAP: transaction id, protocol id (always 0), length, unit id (§4.1). */
static bool mb_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint16_t pid, len;
	uint8_t func;

	(void)x;
	if (!otw_cur_peek_u16be(c, 2, &pid) || !otw_cur_peek_u16be(c, 4, &len) ||
	    !otw_cur_peek_u8(c, 7, &func))
		return false;
	return pid == 0 && len >= 2 && len <= MB_MAX_LEN && (func & 0x7f) != 0;
}

static void mb_request(struct mb_state *st, uint16_t tid, uint8_t func,
		       uint8_t sub)
{
	unsigned i = st->n_pend;

	if (st->n_pend < MB_PENDING) {
		st->n_pend++;
	} else { /* a client that never gets answers: forget the oldest */
		i = st->next;
		st->next = (uint8_t)((st->next + 1) % MB_PENDING);
	}
	st->pend[i].tid = tid;
	st->pend[i].func = func;
	st->pend[i].sub = sub;
}

/* Pair a response with its request by (transaction id, function): the
 * request's sub-code, or -1 when it was not seen. */
static int mb_response(struct mb_state *st, uint16_t tid, uint8_t func)
{
	for (unsigned i = 0; i < st->n_pend; i++) {
		int sub;
		if (st->pend[i].tid != tid || st->pend[i].func != func)
			continue;
		sub = st->pend[i].sub;
		st->pend[i] = st->pend[--st->n_pend];
		if (st->next >= st->n_pend)
			st->next = 0;
		return sub;
	}
	return -1;
}

/* Request PDU after the function code: the address range it touches
 * (§6.1-6.6, 6.11, 6.12, 6.16, 6.17, 6.18) or its sub-code. False when
 * the PDU is too short for its function. */
static bool mb_req_pdu(struct otw_cur *pdu, uint8_t func, struct otw_op *op,
		       uint8_t *sub)
{
	uint16_t a, n;
	uint8_t b;

	switch (func) {
	case 1: case 2: case 3: case 4: case 15: case 16:
		/* starting address, quantity of coils/registers */
		if (!otw_cur_u16be(pdu, &a) || !otw_cur_u16be(pdu, &n))
			return false;
		op->addr = a;
		op->naddr = n;
		return true;
	case 5: case 6: case 22: case 24:
		/* output/register address (FC 24: FIFO pointer address) */
		if (!otw_cur_u16be(pdu, &a))
			return false;
		op->addr = a;
		op->naddr = 1;
		return true;
	case 23:
		/* read start, read quantity, write start, write quantity:
		 * the write range is what the op changes */
		if (!otw_cur_skip(pdu, 4) || !otw_cur_u16be(pdu, &a) ||
		    !otw_cur_u16be(pdu, &n))
			return false;
		op->addr = a;
		op->naddr = n;
		return true;
	case FC_DIAG:
		if (!otw_cur_u16be(pdu, &a))
			return false;
		*sub = (uint8_t)(a > 0xff ? 0xff : a);
		op->func = (uint16_t)FUNC_DIAG(*sub);
		return true;
	case FC_MEI:
		if (!otw_cur_u8(pdu, &b))
			return false;
		*sub = b;
		op->func = (uint16_t)FUNC_MEI(b);
		return true;
	case FC_UMAS:
		/* session key, UMAS function code */
		if (!otw_cur_skip(pdu, 1) || !otw_cur_u8(pdu, &b))
			return false;
		*sub = b;
		op->app = OTW_APP_UMAS;
		op->func = b;
		return true;
	default:
		return true;
	}
}

/* Printable ASCII, as identity strings must be. */
static bool mb_printable(struct otw_cur s)
{
	uint8_t b;

	if (otw_cur_left(&s) == 0)
		return false;
	while (otw_cur_u8(&s, &b))
		if (b < 0x20 || b > 0x7e)
			return false;
	return true;
}

/* §6.21 Read Device Identification response after the MEI type:
 * read device id code, conformity level, more follows, next object id,
 * number of objects, then (id, length, value) per object. Basic and
 * regular objects name the server: 0 VendorName, 1 ProductCode,
 * 2 MajorMinorRevision, 3 VendorUrl, 4 ProductName, 5 ModelName,
 * 6 UserApplicationName. ModelName is preferred over ProductName. */
static bool mb_device_id(struct otw_cur *pdu, const struct otw_dctx *x)
{
	static const uint8_t key[7] = {
		OTW_ATTR_VENDOR, OTW_ATTR_PRODUCT_CODE, OTW_ATTR_FIRMWARE, 0,
		OTW_ATTR_MODEL, OTW_ATTR_MODEL, OTW_ATTR_NAME,
	};
	uint8_t nobj, id, len;
	struct otw_cur scan, val;
	bool has_model = false;

	if (!otw_cur_skip(pdu, 4) || !otw_cur_u8(pdu, &nobj))
		return false;
	scan = *pdu;
	for (unsigned i = 0; i < nobj; i++) {
		if (!otw_cur_u8(&scan, &id) || !otw_cur_u8(&scan, &len) ||
		    !otw_cur_skip(&scan, len))
			break;
		has_model |= id == 5;
	}
	for (unsigned i = 0; i < nobj; i++) {
		if (!otw_cur_u8(pdu, &id) || !otw_cur_u8(pdu, &len) ||
		    !otw_cur_sub(pdu, len, &val))
			return false;
		if (id >= sizeof(key) || key[id] == 0 ||
		    (id == 4 && has_model) || !mb_printable(val))
			continue;
		otw_attr_report(x, true, key[id], (const char *)val.p, len);
	}
	return true;
}

/* §6.13 Report Server ID response: byte count, server id (device
 * specific length), run indicator (0x00 off / 0xFF on), additional data.
 * Devices put their text in the id or in the additional data; the
 * longest printable run of at least 4 bytes is reported. */
static bool mb_server_id(struct otw_cur *pdu, const struct otw_dctx *x)
{
	uint8_t n, b;
	struct otw_cur d, it, txt;
	size_t best = 0, best_at = 0, run = 0, i = 0;

	if (!otw_cur_u8(pdu, &n) || !otw_cur_sub(pdu, n, &d))
		return false;
	for (it = d;; i++) {
		bool more = otw_cur_u8(&it, &b);
		if (more && b >= 0x20 && b <= 0x7e) {
			run++;
			continue;
		}
		if (run > best) {
			best = run;
			best_at = i - run;
		}
		run = 0;
		if (!more)
			break;
	}
	if (best >= 4 && otw_cur_skip(&d, best_at) && otw_cur_sub(&d, best, &txt))
		otw_attr_report(x, true, OTW_ATTR_DESCRIPTION,
				(const char *)txt.p, best);
	return true;
}

/* UMAS READ_ID response data after the status byte (little-endian):
 * range (2), hardware id (4), model (2), communication version (2),
 * patch (2), internal version (2), hardware version (2), crash code (4),
 * reserved (2), name length (1), CPU name ("BMX P34 2020"), ... */
static void umas_read_id(struct otw_cur *d, const struct otw_dctx *x)
{
	static const char vendor[] = "Schneider Electric";
	uint16_t ver;
	uint8_t n;
	struct otw_cur name = *d, txt;
	char fw[8];

	otw_attr_report(x, true, OTW_ATTR_VENDOR, vendor, sizeof(vendor) - 1);
	if (!otw_cur_skip(d, 8) || !otw_cur_u16le(d, &ver))
		return;
	/* the version is BCD-like: 0x0214 is "2.14" */
	snprintf(fw, sizeof(fw), "%X.%02X", (unsigned)(ver >> 8), ver & 0xffu);
	otw_attr_report(x, true, OTW_ATTR_FIRMWARE, fw, strlen(fw));
	if (!otw_cur_skip(&name, 22) || !otw_cur_u8(&name, &n) ||
	    !otw_cur_sub(&name, n, &txt) || !mb_printable(txt))
		return;
	otw_attr_report(x, true, OTW_ATTR_MODEL, (const char *)txt.p, n);
}

/* One response ADU's PDU after the function code. Returns false when the
 * PDU is too short for its function. */
static bool mb_resp_pdu(struct otw_cur *pdu, struct otw_dctx *x,
			struct otw_op *op, int sub)
{
	uint16_t w;
	uint8_t b, status;
	unsigned fc = op->func;

	if (op->kind == OTW_OPK_EXCEPTION) {
		/* §7: exception code; the sub-code comes from the request */
		if (fc == FC_DIAG && sub >= 0)
			op->func = (uint16_t)FUNC_DIAG((unsigned)sub);
		else if (fc == FC_MEI && sub >= 0)
			op->func = (uint16_t)FUNC_MEI((unsigned)sub);
		else if (fc == FC_UMAS && sub >= 0) {
			op->app = OTW_APP_UMAS;
			op->func = (uint16_t)sub;
		}
		return otw_cur_u8(pdu, &b);
	}
	switch (fc) {
	case FC_DIAG: /* the sub-function is echoed */
		if (!otw_cur_u16be(pdu, &w))
			return false;
		op->func = (uint16_t)FUNC_DIAG(w > 0xff ? 0xffu : w);
		return true;
	case FC_MEI:
		if (!otw_cur_u8(pdu, &b))
			return false;
		op->func = (uint16_t)FUNC_MEI(b);
		return b != MEI_DEVICE_ID || mb_device_id(pdu, x);
	case 17:
		return mb_server_id(pdu, x);
	case FC_UMAS:
		/* the response does not repeat the UMAS function: it is the
		 * paired request's; unpaired, it stays Modbus FC 90 */
		if (!otw_cur_skip(pdu, 1) || !otw_cur_u8(pdu, &status))
			return false;
		if (sub < 0)
			return true;
		op->app = OTW_APP_UMAS;
		op->func = (uint16_t)sub;
		if (status == UMAS_ERR)
			op->kind = OTW_OPK_EXCEPTION;
		else if (status == UMAS_OK && sub == UMAS_READ_ID)
			umas_read_id(pdu, x);
		return true;
	default:
		return true;
	}
}

/* MBAP length (§4.1) frames the stream; a bad protocol id or length
 * leaves nothing to go on: the rest of the segment is dropped. */
static enum otw_pdu mb_pdu_len(const struct otw_cur *c,
			       const struct otw_dctx *x, uint32_t *len)
{
	uint16_t pid, n;

	(void)x;
	if (!otw_cur_peek_u16be(c, 2, &pid) || !otw_cur_peek_u16be(c, 4, &n)) {
		*len = MBAP_HDR;
		return OTW_PDU_MORE;
	}
	if (pid != 0 || n < 2 || n > MB_MAX_LEN) {
		*len = (uint32_t)otw_cur_left(c);
		return OTW_PDU_JUNK;
	}
	*len = MBAP_HDR + (uint32_t)n;
	return OTW_PDU_LEN;
}

/* One ADU from the engine (several when called on a datagram-like buffer,
 * as the fuzzers do); a cut one (the pool was full) is parsed as far as it
 * goes. */
static enum otw_verdict mb_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct mb_state st;
	enum otw_verdict v = OTW_OK;
	bool malformed = false;

	memcpy(&st, x->state, sizeof(st));
	while (otw_cur_left(c) > 0) {
		uint16_t tid, pid, len;
		uint8_t unit, func;
		struct otw_cur pdu;
		bool cut = false, ok;

		if (!otw_cur_u16be(c, &tid) || !otw_cur_u16be(c, &pid) ||
		    !otw_cur_u16be(c, &len)) {
			v = OTW_SHORT;
			break;
		}
		if (pid != 0 || len < 2 || len > MB_MAX_LEN) {
			malformed = true;
			break;
		}
		if (!otw_cur_sub(c, len, &pdu)) {
			/* a prefix: the rest was not buffered */
			pdu = *c;
			c->p = c->end;
			v = OTW_SHORT;
			cut = true;
		}
		if (!otw_cur_u8(&pdu, &unit) || !otw_cur_u8(&pdu, &func))
			break;
		if (x->from_client) {
			struct otw_op op = { .unit = unit, .func = func,
					     .kind = OTW_OPK_REQUEST,
					     .addr = OTW_ADDR_NONE };
			uint8_t sub = 0;
			ok = mb_req_pdu(&pdu, func, &op, &sub);
			/* a request too short to carry its sub-code is not
			 * remembered: its answer stays under the bare FC */
			if (ok || (func != FC_DIAG && func != FC_MEI &&
				   func != FC_UMAS))
				mb_request(&st, tid, func, sub);
			otw_op_report(x, &op);
		} else {
			/* exception responses set the top bit (§7) */
			/* an unpaired response still counts: its request
			 * may predate the capture, and a server answering
			 * unasked is itself worth seeing */
			struct otw_op op = {
				.unit = unit, .func = func & 0x7f,
				.kind = (func & 0x80) ? OTW_OPK_EXCEPTION
						      : OTW_OPK_RESPONSE,
				.addr = OTW_ADDR_NONE,
			};
			int sub = mb_response(&st, tid, func & 0x7f);
			ok = mb_resp_pdu(&pdu, x, &op, sub);
			otw_op_report(x, &op);
			if (sub >= 0 && !(st.flags & MB_FLAG_ROLE)) {
				/* a device answering a Modbus request we saw:
				 * not from unpaired traffic, which may be a
				 * mis-oriented flow */
				otw_attr_report(x, true, OTW_ATTR_ROLE, "plc", 3);
				st.flags |= MB_FLAG_ROLE;
			}
		}
		if (!ok && !cut)
			malformed = true;
	}
	memcpy(x->state, &st, sizeof(st));
	return malformed ? OTW_MALFORMED : v;
}

static const struct otw_dissector dis_modbus = {
	.name = "modbus",
	.app = OTW_APP_MODBUS,
	.l4 = IPPROTO_TCP,
	.port = MB_PORT,
	.probe = mb_probe,
	.dissect = mb_dissect,
	.op_name = mb_op_name,
	.pdu_len = mb_pdu_len,
	.pdu_max = MBAP_HDR + MB_MAX_LEN,
};

const struct otw_dissector *const otw_plugin_modbus[] = { &dis_modbus, NULL };
