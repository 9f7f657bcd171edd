/* S7comm (Siemens S7 communication, protocol id 0x32) in COTP DT user data.
 * Public descriptions: the Wireshark S7comm dissector and its wiki page,
 * Snap7 documentation. Header: protocol id, ROSCTR (1 job, 2 ack,
 * 3 ack_data, 7 userdata), redundancy id, PDU reference, parameter and data
 * lengths, error class/code in ack and ack_data.
 *
 * op encoding (docs/protocols/s7comm.md):
 *   job/ack_data: func = parameter function code (0x04 read var, ...);
 *     PLC control (0x28) with a known PI service: func = 0x2800 | index of
 *     the service in pi_names[]; unit = area of the first S7ANY item
 *     (0x84 DB, 0x81 I, 0x82 Q, 0x83 M, ...), addr = its byte address
 *     (DB/DI: DB number << 16 | byte address), naddr = its length in bytes.
 *   userdata: func = 0x1000 | function group << 8 | subfunction. */
#include <stdio.h>
#include <string.h>

#include "iso_int.h"
#include "otw_app.h"

#define S7_JOB 1
#define S7_ACK 2
#define S7_ACK_DATA 3
#define S7_USERDATA 7

#define S7F_CPU_SERVICES 0x00
#define S7F_READ 0x04
#define S7F_WRITE 0x05
#define S7F_PLC_CONTROL 0x28
#define S7F_SETUP 0xf0

struct opname {
	const char *name;
	const char *cat;
};

/* Job functions (parameter function code). */
static const struct opname s7_job[256] = {
	[0x00] = { "cpu_services", OTW_CAT_DIAG },
	[0x04] = { "read_var", OTW_CAT_READ },
	[0x05] = { "write_var", OTW_CAT_WRITE },
	[0x1a] = { "request_download", OTW_CAT_PROGRAM },
	[0x1b] = { "download_block", OTW_CAT_PROGRAM },
	[0x1c] = { "download_ended", OTW_CAT_PROGRAM },
	[0x1d] = { "start_upload", OTW_CAT_PROGRAM },
	[0x1e] = { "upload", OTW_CAT_PROGRAM },
	[0x1f] = { "end_upload", OTW_CAT_PROGRAM },
	[0x28] = { "plc_control", OTW_CAT_CONTROL },
	[0x29] = { "plc_stop", OTW_CAT_CONTROL },
	[0xf0] = { "setup_communication", OTW_CAT_SESSION },
};

/* PLC control PI services (func 0x2801...). */
static const struct {
	const char *pi;
	struct opname op;
} pi_names[] = {
	{ NULL, { NULL, NULL } },
	{ "_INSE", { "plc_control_insert_block", OTW_CAT_PROGRAM } },
	{ "_DELE", { "plc_control_delete_block", OTW_CAT_PROGRAM } },
	{ "P_PROGRAM", { "plc_control_start", OTW_CAT_CONTROL } },
	{ "_GARB", { "plc_control_compress", OTW_CAT_PROGRAM } },
	{ "_MODU", { "plc_control_copy_ram_to_rom", OTW_CAT_PROGRAM } },
	{ "_EXTMOD", { "plc_control_extmod", OTW_CAT_PROGRAM } },
	{ "_N_", { "plc_control_nc_service", OTW_CAT_CONTROL } },
};
#define PI_COUNT (sizeof(pi_names) / sizeof(pi_names[0]))

/* Userdata function groups and their subfunctions. */
static const struct opname ud_mode[16] = {
	[0x00] = { "mode_stop", OTW_CAT_CONTROL },
	[0x01] = { "mode_warm_restart", OTW_CAT_CONTROL },
	[0x02] = { "mode_run", OTW_CAT_CONTROL },
	[0x03] = { "mode_hot_restart", OTW_CAT_CONTROL },
	[0x04] = { "mode_hold", OTW_CAT_CONTROL },
	[0x06] = { "mode_cold_restart", OTW_CAT_CONTROL },
	[0x09] = { "mode_run_r", OTW_CAT_CONTROL },
	[0x0b] = { "mode_link_up", OTW_CAT_CONTROL },
	[0x0c] = { "mode_update", OTW_CAT_CONTROL },
};
static const struct opname ud_prog[32] = {
	[0x01] = { "prog_request_diag_data", OTW_CAT_DIAG },
	[0x02] = { "prog_vartab", OTW_CAT_WRITE },
	[0x0c] = { "prog_erase", OTW_CAT_PROGRAM },
	[0x0e] = { "prog_read_diag_data", OTW_CAT_DIAG },
	[0x0f] = { "prog_remove_diag_data", OTW_CAT_DIAG },
	[0x10] = { "prog_forces", OTW_CAT_PROGRAM },
	[0x13] = { "prog_request_diag_data2", OTW_CAT_DIAG },
};
static const struct opname ud_cyclic[16] = {
	[0x01] = { "cyclic_memory", OTW_CAT_MONITOR },
	[0x04] = { "cyclic_unsubscribe", OTW_CAT_MONITOR },
	[0x05] = { "cyclic_change_driven", OTW_CAT_MONITOR },
	[0x07] = { "cyclic_change_driven2", OTW_CAT_MONITOR },
	[0x08] = { "cyclic_rdrec", OTW_CAT_MONITOR },
};
static const struct opname ud_block[16] = {
	[0x01] = { "block_list", OTW_CAT_DIAG },
	[0x02] = { "block_list_of_type", OTW_CAT_DIAG },
	[0x03] = { "block_info", OTW_CAT_DIAG },
};
static const struct opname ud_cpu[32] = {
	[0x01] = { "read_szl", OTW_CAT_DIAG },
	[0x02] = { "message_service", OTW_CAT_MONITOR },
	[0x03] = { "diagnostic_message", OTW_CAT_MONITOR },
	[0x05] = { "alarm8_indication", OTW_CAT_MONITOR },
	[0x06] = { "notify_indication", OTW_CAT_MONITOR },
	[0x07] = { "alarm8_lock", OTW_CAT_CONFIG },
	[0x08] = { "alarm8_unlock", OTW_CAT_CONFIG },
	[0x09] = { "scan_indication", OTW_CAT_MONITOR },
	[0x0b] = { "alarm_ack", OTW_CAT_WRITE },
	[0x0c] = { "alarm_ack_indication", OTW_CAT_MONITOR },
	[0x0d] = { "alarm_lock_indication", OTW_CAT_MONITOR },
	[0x0e] = { "alarm_unlock_indication", OTW_CAT_MONITOR },
	[0x11] = { "alarm_sq_indication", OTW_CAT_MONITOR },
	[0x12] = { "alarm_s_indication", OTW_CAT_MONITOR },
	[0x13] = { "alarm_query", OTW_CAT_READ },
	[0x16] = { "notify8_indication", OTW_CAT_MONITOR },
};
static const struct opname ud_sec[4] = {
	[0x01] = { "plc_password", OTW_CAT_AUTH },
	[0x02] = { "clean_session", OTW_CAT_AUTH },
};
static const struct opname ud_time[8] = {
	[0x01] = { "read_clock", OTW_CAT_READ },
	[0x02] = { "set_clock", OTW_CAT_CONFIG },
	[0x03] = { "read_clock_following", OTW_CAT_READ },
	[0x04] = { "set_clock_utc", OTW_CAT_CONFIG },
};
static const struct {
	const struct opname *t;
	unsigned n;
	struct opname other; /* subfunction not in t */
} ud_groups[16] = {
	[0x0] = { ud_mode, 16, { "mode_transition", OTW_CAT_CONTROL } },
	[0x1] = { ud_prog, 32, { "programmer_command", OTW_CAT_PROGRAM } },
	[0x2] = { ud_cyclic, 16, { "cyclic_data", OTW_CAT_MONITOR } },
	[0x3] = { ud_block, 16, { "block_function", OTW_CAT_DIAG } },
	[0x4] = { ud_cpu, 32, { "cpu_function", OTW_CAT_DIAG } },
	[0x5] = { ud_sec, 4, { "security", OTW_CAT_AUTH } },
	[0x6] = { NULL, 0, { "pbc_bsend_brecv", OTW_CAT_WRITE } },
	[0x7] = { ud_time, 8, { "time_function", OTW_CAT_CONFIG } },
	[0xf] = { NULL, 0, { "nc_programming", OTW_CAT_PROGRAM } },
};

const char *otw_iso_s7_name(unsigned func, const char **cat)
{
	const struct opname *o = NULL;

	if (func < 0x100) {
		o = &s7_job[func];
	} else if ((func & 0xff00) == 0x2800) {
		unsigned i = func & 0xff;
		if (i > 0 && i < PI_COUNT)
			o = &pi_names[i].op;
	} else if ((func & 0xf000) == 0x1000) {
		unsigned g = (func >> 8) & 0xf, sub = func & 0xff;
		if (ud_groups[g].other.name == NULL)
			return NULL;
		o = &ud_groups[g].other;
		if (sub < ud_groups[g].n && ud_groups[g].t[sub].name != NULL)
			o = &ud_groups[g].t[sub];
	}
	if (o == NULL || o->name == NULL)
		return NULL;
	*cat = o->cat;
	return o->name;
}

/* Bytes per element of an S7ANY transport size. */
static unsigned ts_size(uint8_t ts)
{
	switch (ts) {
	case 0x04: case 0x05: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
		return 2; /* WORD INT COUNTER TIMER IEC counter/timer */
	case 0x06: case 0x07: case 0x08:
		return 4; /* DWORD DINT REAL */
	default:
		return 1; /* BIT BYTE CHAR */
	}
}

/* First item of read/write var: unit, addr, naddr of op. */
static void s7_item(struct otw_cur p, struct otw_op *op)
{
	uint8_t spec, ilen, syn, ts, area;
	uint16_t n, db;
	uint32_t a;

	if (!otw_cur_u8(&p, &spec) || !otw_cur_u8(&p, &ilen) ||
	    !otw_cur_u8(&p, &syn) || spec != 0x12 || syn != 0x10 || ilen < 10 ||
	    !otw_cur_u8(&p, &ts) || !otw_cur_u16be(&p, &n) ||
	    !otw_cur_u16be(&p, &db) || !otw_cur_u8(&p, &area) ||
	    !otw_cur_u24be(&p, &a))
		return;
	op->unit = area;
	a >>= 3; /* bit address -> byte address */
	op->addr = (area == 0x84 || area == 0x85) ? (uint32_t)db << 16 | (a & 0xffff)
						  : a;
	op->naddr = ts == 0x01 ? 1 : (uint32_t)n * ts_size(ts);
}

/* PLC control: index of its PI service name in pi_names[], 0 if unknown. */
static unsigned s7_pi(struct otw_cur p)
{
	uint16_t blen;
	uint8_t slen;
	char name[16];

	if (!otw_cur_skip(&p, 8) || !otw_cur_u16be(&p, &blen) ||
	    !otw_cur_skip(&p, blen) || !otw_cur_u8(&p, &slen) || slen == 0)
		return 0;
	if (slen > sizeof(name))
		slen = sizeof(name);
	if (!otw_cur_bytes(&p, name, slen))
		return 0;
	for (unsigned i = 1; i < PI_COUNT; i++) {
		size_t l = strlen(pi_names[i].pi);
		if (slen >= l && memcmp(name, pi_names[i].pi, l) == 0 &&
		    (slen == l || pi_names[i].pi[l - 1] == '_'))
			return i;
	}
	return 0;
}

static void job_remember(struct iso_state *st, uint16_t ref, uint16_t func,
			 uint8_t unit)
{
	unsigned i = st->u.s7.next & 1u;
	st->u.s7.job[i].ref[0] = (uint8_t)(ref >> 8);
	st->u.s7.job[i].ref[1] = (uint8_t)ref;
	st->u.s7.job[i].func[0] = (uint8_t)(func >> 8);
	st->u.s7.job[i].func[1] = (uint8_t)func;
	st->u.s7.job[i].unit = unit;
	st->u.s7.next = (uint8_t)(i ^ 1u);
}

/* The remembered job with PDU reference ref (and parameter function
 * pfunc unless any), forgotten once found. */
static bool job_find(struct iso_state *st, uint16_t ref, uint8_t pfunc,
		     bool any, uint16_t *func, uint8_t *unit)
{
	for (unsigned i = 0; i < 2; i++) {
		uint16_t r = (uint16_t)(st->u.s7.job[i].ref[0] << 8 |
					st->u.s7.job[i].ref[1]);
		uint16_t f = (uint16_t)(st->u.s7.job[i].func[0] << 8 |
					st->u.s7.job[i].func[1]);
		if (f == 0xffff || r != ref ||
		    (!any && (f >> (f > 0xff ? 8 : 0)) != pfunc))
			continue;
		*func = f;
		*unit = st->u.s7.job[i].unit;
		memset(&st->u.s7.job[i], 0xff, sizeof(st->u.s7.job[i]));
		return true;
	}
	return false;
}

static void fact(const struct otw_dctx *x, unsigned key, const uint8_t *s,
		 size_t n)
{
	otw_iso_attr(x, true, key, s, n);
}

/* SZL 0x0011 (module identification) records: index, MlfB[20], BGTyp,
 * Ausbg, Ausbe. */
static void szl_0011(const struct otw_dctx *x, struct otw_cur r)
{
	uint16_t idx, bgtyp, ausbg, ausbe;
	uint8_t mlfb[20];
	char v[24];
	int n;

	if (!otw_cur_u16be(&r, &idx) || !otw_cur_bytes(&r, mlfb, 20) ||
	    !otw_cur_u16be(&r, &bgtyp) || !otw_cur_u16be(&r, &ausbg) ||
	    !otw_cur_u16be(&r, &ausbe))
		return;
	switch (idx) {
	case 0x0001: /* the module */
		fact(x, OTW_ATTR_PRODUCT_CODE, mlfb, 20);
		if (memcmp(mlfb, "6ES7", 4) == 0) { /* Siemens SIMATIC order no. */
			otw_attr_report(x, true, OTW_ATTR_VENDOR, "Siemens", 7);
			otw_attr_report(x, true, OTW_ATTR_ROLE, "plc", 3);
		}
		break;
	case 0x0006: /* basic hardware */
		n = snprintf(v, sizeof(v), "%u", ausbe);
		if (n > 0)
			otw_attr_report(x, true, OTW_ATTR_HW_VERSION, v, (size_t)n);
		break;
	case 0x0007: /* basic firmware: Ausbg = 'V' major, Ausbe = minor patch */
		if ((ausbg >> 8) != 'V')
			break;
		n = snprintf(v, sizeof(v), "V%u.%u.%u", ausbg & 0xffu,
			     ausbe >> 8, ausbe & 0xffu);
		if (n > 0)
			otw_attr_report(x, true, OTW_ATTR_FIRMWARE, v, (size_t)n);
		break;
	default:
		break;
	}
}

/* SZL 0x001C (component identification) records: index, text[32]. */
static void szl_001c(const struct otw_dctx *x, struct otw_cur r)
{
	static const uint8_t keys[12] = {
		[1] = OTW_ATTR_NAME,        /* name of the automation system */
		[2] = OTW_ATTR_MODEL,       /* name of the module */
		[3] = OTW_ATTR_DESCRIPTION, /* plant designation */
		[5] = OTW_ATTR_SERIAL,      /* serial number of the module */
		[7] = OTW_ATTR_DEVICE_TYPE, /* module type name */
	};
	uint16_t idx;
	uint8_t s[32];

	if (!otw_cur_u16be(&r, &idx) || !otw_cur_bytes(&r, s, 32))
		return;
	if (idx == 4) { /* copyright: "Original Siemens Equipment" */
		for (size_t i = 0; i + 7 <= sizeof(s); i++)
			if (memcmp(s + i, "Siemens", 7) == 0) {
				otw_attr_report(x, true, OTW_ATTR_VENDOR,
						"Siemens", 7);
				break;
			}
		return;
	}
	if (idx < 12 && keys[idx] != 0)
		fact(x, keys[idx], s, idx == 3 || idx == 7 ? 32 : 24);
}

/* Read SZL response data: SZL id, index, record length, record count. */
static void szl_response(const struct otw_dctx *x, struct otw_cur d)
{
	uint8_t rc, ts;
	uint16_t len, id, idx, rlen, cnt;
	unsigned want;

	if (!otw_cur_u8(&d, &rc) || !otw_cur_u8(&d, &ts) ||
	    !otw_cur_u16be(&d, &len) || rc != 0xff || !otw_cur_u16be(&d, &id) ||
	    !otw_cur_u16be(&d, &idx) || !otw_cur_u16be(&d, &rlen) ||
	    !otw_cur_u16be(&d, &cnt))
		return;
	(void)idx;
	want = (id & 0xff) == 0x11 ? 28 : (id & 0xff) == 0x1c ? 34 : 0;
	if (want == 0 || rlen != want || (id & 0x0f00) == 0x0f00)
		return;
	for (unsigned i = 0; i < cnt && i < 16; i++) {
		struct otw_cur r;
		if (!otw_cur_sub(&d, rlen, &r))
			return;
		if (want == 28)
			szl_0011(x, r);
		else
			szl_001c(x, r);
	}
}

static enum otw_verdict s7_userdata(struct otw_cur par, struct otw_cur dat,
				    struct otw_dctx *x)
{
	uint8_t h[3], plen, method, tg, sub, seq;
	uint16_t err = 0;
	unsigned type, group;
	struct otw_op op = { .app = OTW_APP_S7COMM, .addr = OTW_ADDR_NONE };

	(void)method;
	if (!otw_cur_bytes(&par, h, 3) || !otw_cur_u8(&par, &plen) ||
	    !otw_cur_u8(&par, &method) || !otw_cur_u8(&par, &tg) ||
	    !otw_cur_u8(&par, &sub) || !otw_cur_u8(&par, &seq))
		return OTW_MALFORMED;
	if (h[0] != 0x00 || h[1] != 0x01 || h[2] != 0x12)
		return OTW_MALFORMED;
	if (plen >= 8 && (!otw_cur_skip(&par, 2) || !otw_cur_u16be(&par, &err)))
		err = 0;
	type = tg >> 4;
	group = tg & 0x0fu;
	op.func = (uint16_t)(0x1000u | group << 8 | sub);
	if (type == 4) {
		op.kind = OTW_OPK_REQUEST;
	} else {
		op.kind = err != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
		if (type == 8 && group == 4 && sub == 1 && err == 0)
			szl_response(x, dat);
	}
	otw_op_report(x, &op);
	return OTW_OK;
}

enum otw_verdict otw_iso_s7(struct otw_cur *pdu, struct otw_dctx *x,
			    struct iso_state *st, bool partial)
{
	uint8_t proto, rosctr, ecls = 0, ecode = 0, pfunc = 0;
	uint16_t red, ref, plen, dlen;
	struct otw_cur par, dat;
	struct otw_op op = { .app = OTW_APP_S7COMM, .addr = OTW_ADDR_NONE };
	bool have_pfunc;

	if (!otw_cur_u8(pdu, &proto) || !otw_cur_u8(pdu, &rosctr) ||
	    !otw_cur_u16be(pdu, &red) || !otw_cur_u16be(pdu, &ref) ||
	    !otw_cur_u16be(pdu, &plen) || !otw_cur_u16be(pdu, &dlen))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (proto != 0x32 || (rosctr != S7_JOB && rosctr != S7_ACK &&
			       rosctr != S7_ACK_DATA && rosctr != S7_USERDATA))
		return OTW_MALFORMED;
	if ((rosctr == S7_ACK || rosctr == S7_ACK_DATA) &&
	    (!otw_cur_u8(pdu, &ecls) || !otw_cur_u8(pdu, &ecode)))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (!otw_cur_sub(pdu, plen, &par)) {
		if (!partial)
			return OTW_MALFORMED;
		par = *pdu;
		pdu->p = pdu->end;
	}
	if (!otw_cur_sub(pdu, dlen, &dat)) {
		if (!partial)
			return OTW_MALFORMED;
		dat = *pdu;
		pdu->p = pdu->end;
	}
	if (rosctr == S7_USERDATA)
		return s7_userdata(par, dat, x);
	have_pfunc = otw_cur_peek_u8(&par, 0, &pfunc);
	if (rosctr == S7_JOB) {
		if (!have_pfunc)
			return partial ? OTW_OK : OTW_MALFORMED;
		op.func = pfunc;
		op.kind = OTW_OPK_REQUEST;
		if (pfunc == S7F_READ || pfunc == S7F_WRITE) {
			struct otw_cur it = par;
			(void)otw_cur_skip(&it, 2);
			s7_item(it, &op);
		} else if (pfunc == S7F_PLC_CONTROL) {
			unsigned i = s7_pi(par);
			if (i != 0)
				op.func = (uint16_t)(0x2800u | i);
		} else if (pfunc == S7F_SETUP) {
			uint16_t pdusz;
			struct otw_cur s = par;
			if (otw_cur_skip(&s, 6) && otw_cur_u16be(&s, &pdusz))
				op.addr = pdusz; /* PDU size asked for */
		}
		job_remember(st, ref, op.func, (uint8_t)op.unit);
		otw_op_report(x, &op);
		return OTW_OK;
	}
	/* ack / ack_data: key by the job it answers */
	{
		uint16_t f;
		uint8_t u;
		if (job_find(st, ref, pfunc, !have_pfunc, &f, &u)) {
			op.func = f;
			op.unit = u;
		} else if (have_pfunc) {
			op.func = pfunc;
		} else {
			return OTW_OK; /* an unpaired ack with no parameter */
		}
	}
	if (pfunc == S7F_SETUP && rosctr == S7_ACK_DATA) {
		uint16_t pdusz;
		struct otw_cur s = par;
		if (otw_cur_skip(&s, 6) && otw_cur_u16be(&s, &pdusz))
			op.addr = pdusz; /* PDU size granted */
	}
	op.kind = (ecls != 0 || ecode != 0) ? OTW_OPK_EXCEPTION
					      : OTW_OPK_RESPONSE;
	otw_op_report(x, &op);
	return OTW_OK;
}
