/* Modbus/TCP (Modbus Messaging on TCP/IP Implementation Guide V1.0b,
 * Application Protocol Specification V1.1b3). Several ADUs may share a
 * segment; an ADU cut by a segment boundary is skipped, not misparsed. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define MB_PORT 502
#define MB_MAX_LEN 254   /* MBAP length: unit id + PDU (max PDU 253) */
#define MB_PENDING 4

/* Per-flow state (fits OTW_APP_STATE_BYTES). */
struct mb_state {
	struct {
		uint16_t tid;
		uint8_t func;
		uint8_t unit;
	} pend[MB_PENDING];  /* requests awaiting their response */
	uint16_t skip[2];    /* bytes of a cut ADU still to come, per direction */
	uint8_t n_pend;
	uint8_t next;        /* round-robin victim when pend is full */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct mb_state) == 24, "state layout");
_Static_assert(sizeof(struct mb_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* Modbus Application Protocol Specification V1.1b3 §6, plus the
 * vendor-defined codes users care about (Schneider UMAS on 90). */
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

static const char *mb_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_MODBUS || func >= 128 || modbus_ops[func].name == NULL)
		return NULL;
	*cat = modbus_ops[func].cat;
	return modbus_ops[func].name;
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

static void mb_request(struct mb_state *st, uint16_t tid, uint8_t unit,
		       uint8_t func)
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
	st->pend[i].unit = unit;
}

static bool mb_response(struct mb_state *st, uint16_t tid, uint8_t unit,
			uint8_t func)
{
	for (unsigned i = 0; i < st->n_pend; i++) {
		if (st->pend[i].tid != tid || st->pend[i].unit != unit ||
		    st->pend[i].func != func)
			continue;
		st->pend[i] = st->pend[--st->n_pend];
		return true;
	}
	return false;
}

static enum otw_verdict mb_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct mb_state st;
	unsigned dir = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap) /* lost bytes: resynchronise on this segment */
		st.skip[dir] = 0;
	if (st.skip[dir] != 0) { /* tail of an ADU cut by the previous segment */
		size_t n = st.skip[dir] < otw_cur_left(c) ? st.skip[dir]
							  : otw_cur_left(c);
		(void)otw_cur_skip(c, n);
		st.skip[dir] = (uint16_t)(st.skip[dir] - n);
	}
	while (otw_cur_left(c) > 0) {
		uint16_t tid, pid, len;
		uint8_t unit, func;
		struct otw_cur pdu;

		if (!otw_cur_u16be(c, &tid) || !otw_cur_u16be(c, &pid) ||
		    !otw_cur_u16be(c, &len)) {
			v = OTW_SHORT;
			break;
		}
		if (pid != 0 || len < 2 || len > MB_MAX_LEN) {
			v = OTW_MALFORMED;
			break;
		}
		if (!otw_cur_sub(c, len, &pdu)) {
			/* the ADU continues in the next segment */
			st.skip[dir] = (uint16_t)(len - otw_cur_left(c));
			pdu = *c;
			c->p = c->end;
			v = OTW_SHORT;
		}
		if (!otw_cur_u8(&pdu, &unit) || !otw_cur_u8(&pdu, &func))
			break;
		if (x->from_client) {
			struct otw_op op = { .unit = unit, .func = func,
					     .kind = OTW_OPK_REQUEST,
					     .addr = OTW_ADDR_NONE };
			mb_request(&st, tid, unit, func);
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
			(void)mb_response(&st, tid, unit, func & 0x7f);
			otw_op_report(x, &op);
		}
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static const struct otw_dissector dis_modbus = {
	.name = "modbus",
	.app = OTW_APP_MODBUS,
	.l4 = IPPROTO_TCP,
	.port = MB_PORT,
	.probe = mb_probe,
	.dissect = mb_dissect,
	.op_name = mb_op_name,
};

const struct otw_dissector *const otw_plugin_modbus[] = { &dis_modbus, NULL };
