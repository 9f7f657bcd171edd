/* ISO-on-TCP plug-in (iso.c): TPKT/COTP framing, S7comm, S7comm-plus and
 * MMS decoded through the engine from synthetic frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t CLI[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t SRV[6] = { 0x00, 0x1b, 0x1b, 2, 2, 2 };
#define CLI_IP 0x0a000064
#define SRV_IP 0x0a00000a

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
		c->ev[c->n++] = evs[i];
}

static struct cap cap;
static struct otw_engine *eng;
static uint32_t seq[2];
static uint16_t cport = 40000;

static int setup(void **s)
{
	struct otw_engine_conf conf;
	(void)s;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	seq[0] = seq[1] = 1000;
	cport++;
	return otw_engine_create(&conf, &eng) == 0 ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	otw_engine_destroy(eng);
	eng = NULL;
	return 0;
}

/* One TCP segment client->server (req) or back. */
static void seg(bool req, const void *p, size_t n)
{
	struct pb b;
	uint32_t *sq = &seq[req ? 0 : 1];
	if (req)
		pb_tcp_frame_seq(&b, CLI, SRV, CLI_IP, SRV_IP, cport, 102, *sq,
				 0x18, p, n);
	else
		pb_tcp_frame_seq(&b, SRV, CLI, SRV_IP, CLI_IP, 102, cport, *sq,
				 0x18, p, n);
	*sq += (uint32_t)n;
	otw_engine_packet(eng, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000);
}

/* Wrap user data in TPKT + COTP DT (EOT set). */
static size_t tpkt(uint8_t *out, const uint8_t *d, size_t n)
{
	size_t len = n + 7;
	out[0] = 3;
	out[1] = 0;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = 2;
	out[5] = 0xf0;
	out[6] = 0x80;
	memcpy(out + 7, d, n);
	return len;
}

static void dt(bool req, const uint8_t *d, size_t n)
{
	uint8_t b[1500];
	seg(req, b, tpkt(b, d, n));
}

static void done(void) { otw_engine_flush(eng, true); }

/* Sum of op events for (app, func). */
static bool op_sum(uint16_t app, uint16_t func, uint32_t *cnt, uint32_t *resp,
		   uint32_t *exc, uint16_t *unit, uint32_t *lo, uint32_t *hi)
{
	bool found = false;
	*cnt = *resp = *exc = 0;
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func)
			continue;
		found = true;
		*cnt += o->count;
		*resp += o->responses;
		*exc += o->exceptions;
		if (unit)
			*unit = o->unit;
		if (lo)
			*lo = o->addr_lo;
		if (hi)
			*hi = o->addr_hi;
	}
	return found;
}

static const char *attr(uint16_t key)
{
	static char v[OTW_ATTR_VAL_MAX + 1];
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->key != key)
			continue;
		memcpy(v, a->val, a->len);
		v[a->len] = 0;
		return v;
	}
	return NULL;
}

static uint16_t conn_app(void)
{
	for (unsigned i = 0; i < cap.n; i++)
		if (cap.ev[i].kind == OTW_EV_CONN)
			return cap.ev[i].u.conn.app;
	return 0xffff;
}

/* ---- S7comm PDUs ------------------------------------------------------ */

static const uint8_t CR_S7[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0,
				 0xc0, 1, 0x0a, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2 };
/* read var, 1 item: DB5.DBB16, 4 bytes (pdu ref 7) */
static const uint8_t S7_READ[] = { 0x32, 1, 0, 0, 0, 7, 0, 14, 0, 0,
				   0x04, 1, 0x12, 0x0a, 0x10, 0x02, 0, 4, 0, 5,
				   0x84, 0x00, 0x00, 0x80 };
static const uint8_t S7_READ_ACK[] = { 0x32, 3, 0, 0, 0, 7, 0, 2, 0, 8, 0, 0,
				       0x04, 1, 0xff, 0x04, 0, 32, 1, 2, 3, 4 };
static const uint8_t S7_READ_ERR[] = { 0x32, 3, 0, 0, 0, 7, 0, 2, 0, 0, 0x81,
				       0x04, 0x04, 1 };
/* PLC control, PI service _INSE */
static const uint8_t S7_INSE[] = { 0x32, 1, 0, 0, 0, 9, 0, 26, 0, 0,
				   0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 10,
				   'P', '0', 'A', '0', '0', '0', '0', '1', 0, 'B',
				   5, '_', 'I', 'N', 'S', 'E' };
static const uint8_t S7_INSE_ACK[] = { 0x32, 3, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0,
				       0x28 };
static const uint8_t S7_STOP[] = { 0x32, 1, 0, 0, 0, 10, 0, 16, 0, 0, 0x29,
				   0, 0, 0, 0, 0, 9, 'P', '_', 'P', 'R', 'O',
				   'G', 'R', 'A', 'M' };
static const uint8_t S7_SETUP[] = { 0x32, 1, 0, 0, 0, 1, 0, 8, 0, 0, 0xf0, 0,
				    0, 1, 0, 1, 0x01, 0xe0 };
/* userdata request: time functions / set clock */
static const uint8_t S7_SETCLOCK[] = { 0x32, 7, 0, 0, 0, 2, 0, 8, 0, 4, 0, 1,
				       0x12, 4, 0x11, 0x47, 0x02, 0,
				       0xff, 0x09, 0, 0 };

/* userdata response: read SZL, given id and records */
static size_t szl_resp(uint8_t *b, uint16_t id, unsigned rlen,
		       const uint8_t *recs, unsigned cnt)
{
	size_t dlen = 12 + (size_t)rlen * cnt;
	size_t n = 0;
	uint8_t h[] = { 0x32, 7, 0, 0, 0, 3, 0, 12, (uint8_t)(dlen >> 8),
			(uint8_t)dlen, 0, 1, 0x12, 8, 0x12, 0x84, 0x01, 1, 0, 0,
			0, 0, 0xff, 0x09, (uint8_t)((dlen - 4) >> 8),
			(uint8_t)(dlen - 4), (uint8_t)(id >> 8), (uint8_t)id, 0,
			0, 0, (uint8_t)rlen, 0, (uint8_t)cnt };
	memcpy(b, h, sizeof(h));
	n = sizeof(h);
	memcpy(b + n, recs, (size_t)rlen * cnt);
	return n + (size_t)rlen * cnt;
}

static size_t szl11(uint8_t *b)
{
	uint8_t r[3 * 28];
	memset(r, ' ', sizeof(r));
	/* index 1: the CPU */
	r[0] = 0; r[1] = 1;
	memcpy(r + 2, "6ES7 315-2EH14-0AB0", 19);
	r[22] = 0; r[23] = 0xc0; r[24] = 0; r[25] = 4; r[26] = 0; r[27] = 1;
	/* index 6: hardware 5 */
	r[28] = 0; r[29] = 6;
	memcpy(r + 30, "6ES7 315-2EH14-0AB0", 19);
	r[50] = 0; r[51] = 0xc0; r[52] = 0; r[53] = 4; r[54] = 0; r[55] = 5;
	/* index 7: firmware V3.2.6 */
	r[56] = 0; r[57] = 7;
	r[78] = 0; r[79] = 0xc0; r[80] = 'V'; r[81] = 3; r[82] = 2; r[83] = 6;
	return szl_resp(b, 0x0011, 28, r, 3);
}

static size_t szl1c(uint8_t *b)
{
	uint8_t r[4 * 34];
	memset(r, 0, sizeof(r));
	r[1] = 1; memcpy(r + 2, "PLC-TANK-3", 10);
	r[35] = 2; memcpy(r + 36, "CPU 315-2 PN/DP", 15);
	r[69] = 4; memcpy(r + 70, "Original Siemens Equipment", 26);
	r[103] = 5; memcpy(r + 104, "S C-C2UR28922012", 16);
	return szl_resp(b, 0x001c, 34, r, 4);
}

static void s7_read_write_control(void **s)
{
	uint32_t c, r, e, lo, hi;
	uint16_t unit;
	const char *cat = NULL;
	(void)s;
	seg(true, CR_S7, sizeof(CR_S7));
	dt(true, S7_SETUP, sizeof(S7_SETUP));
	dt(true, S7_READ, sizeof(S7_READ));
	dt(true, S7_READ, sizeof(S7_READ)); /* pipelined, same PDU ref */
	dt(false, S7_READ_ACK, sizeof(S7_READ_ACK));
	dt(false, S7_READ_ERR, sizeof(S7_READ_ERR));
	dt(true, S7_INSE, sizeof(S7_INSE));
	dt(false, S7_INSE_ACK, sizeof(S7_INSE_ACK));
	dt(true, S7_STOP, sizeof(S7_STOP));
	dt(true, S7_SETCLOCK, sizeof(S7_SETCLOCK));
	done();
	assert_int_equal(conn_app(), OTW_APP_S7COMM);
	assert_true(op_sum(OTW_APP_S7COMM, 0x04, &c, &r, &e, &unit, &lo, &hi));
	assert_int_equal(c, 2);
	assert_int_equal(r, 2);
	assert_int_equal(e, 1);
	assert_int_equal(unit, 0x84);
	assert_int_equal(lo, 5u << 16 | 16);
	assert_int_equal(hi, 5u << 16 | 19);
	assert_true(op_sum(OTW_APP_S7COMM, 0x2801, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 1);
	assert_int_equal(r, 1);
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x2801, &cat),
			    "plc_control_insert_block");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_true(op_sum(OTW_APP_S7COMM, 0x29, &c, &r, &e, NULL, NULL, NULL));
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x29, &cat),
			    "plc_stop");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_true(op_sum(OTW_APP_S7COMM, 0xf0, &c, &r, &e, NULL, &lo, NULL));
	assert_int_equal(lo, 480); /* PDU size */
	assert_true(op_sum(OTW_APP_S7COMM, 0x1702, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 1);
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x1702, &cat),
			    "set_clock");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x1401, &cat),
			    "read_szl");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x1501, &cat),
			    "plc_password");
	assert_string_equal(cat, OTW_CAT_AUTH);
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMM, 0x1b, &cat),
			    "download_block");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_null(otw_registry_op_name(OTW_APP_S7COMM, 0x77, &cat));
}

static void s7_szl_identity(void **s)
{
	uint8_t b[400];
	size_t n;
	uint32_t c, r, e;
	(void)s;
	n = szl11(b);
	dt(false, b, n);
	n = szl1c(b);
	dt(false, b, n);
	done();
	assert_true(op_sum(OTW_APP_S7COMM, 0x1401, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(r, 2);
	assert_string_equal(attr(OTW_ATTR_PRODUCT_CODE), "6ES7 315-2EH14-0AB0");
	assert_string_equal(attr(OTW_ATTR_VENDOR), "Siemens");
	assert_string_equal(attr(OTW_ATTR_ROLE), "plc");
	assert_string_equal(attr(OTW_ATTR_FIRMWARE), "V3.2.6");
	assert_string_equal(attr(OTW_ATTR_HW_VERSION), "5");
	assert_string_equal(attr(OTW_ATTR_NAME), "PLC-TANK-3");
	assert_string_equal(attr(OTW_ATTR_MODEL), "CPU 315-2 PN/DP");
	assert_string_equal(attr(OTW_ATTR_SERIAL), "S C-C2UR28922012");
}

/* Several TPKTs per segment, a TPKT cut across segments, a header cut
 * after two bytes, an empty EOT=0 DT before a job. */
static void s7_framing(void **s)
{
	uint8_t b[1500], one[200];
	size_t n = 0, m;
	uint32_t c, r, e;
	static const uint8_t empty_dt[] = { 3, 0, 0, 7, 2, 0xf0, 0x00 };
	(void)s;
	for (int i = 0; i < 3; i++)
		n += tpkt(b + n, S7_READ, sizeof(S7_READ));
	seg(true, b, n);                   /* 3 in one segment */
	m = tpkt(one, S7_READ, sizeof(S7_READ));
	seg(true, one, 10);                /* cut inside COTP/S7 header */
	seg(true, one + 10, m - 10);
	seg(true, one, 2);                 /* TPKT header cut after 2 bytes */
	seg(true, one + 2, m - 2);
	memcpy(b, empty_dt, sizeof(empty_dt));
	n = sizeof(empty_dt) + tpkt(b + sizeof(empty_dt), S7_READ,
				    sizeof(S7_READ));
	seg(true, b, n);
	done();
	assert_true(op_sum(OTW_APP_S7COMM, 0x04, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 6); /* the engine reassembles the cut ones */
}

/* ---- S7comm-plus ------------------------------------------------------ */

static void s7plus(void **s)
{
	static const uint8_t CR_PLUS[] = { 3, 0, 0, 35, 30, 0xe0, 0, 0, 0, 1, 0,
		0xc0, 1, 0x0a, 0xc1, 2, 6, 0, 0xc2, 15, 'S', 'I', 'M', 'A', 'T',
		'I', 'C', '-', 'R', 'O', 'O', 'T', '-', 'E', 'S' };
	/* V1 CreateObject request, response carrying an order number */
	static const uint8_t CREATE[] = { 0x72, 1, 0, 12, 0x31, 0, 0, 0x04,
		0xca, 0, 0, 0, 1, 0, 0, 0, 0x72, 1, 0, 0 };
	uint8_t resp[64] = { 0x72, 1, 0, 40, 0x32, 0, 0, 0x04, 0xca, 0, 0, 0,
			     1, 0, 0 };
	/* V3: integrity part (digest length 32) then SetVariable */
	uint8_t v3[60] = { 0x72, 3, 0, 41, 0x20 }; /* + 4 trailer */
	static const uint8_t TLS[] = { 0x17, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4 };
	uint32_t c, r, e;
	uint16_t unit;
	const char *cat;
	(void)s;
	memcpy(resp + 20, "6ES7 214-1HE30-0XB0 xx", 22);
	v3[37] = 0x31;
	v3[40] = 0x04;
	v3[41] = 0xf2;
	seg(true, CR_PLUS, sizeof(CR_PLUS));
	dt(true, CREATE, sizeof(CREATE));
	dt(false, resp, 48);
	dt(true, v3, 49);
	v3[37] = 0x33; /* a notification */
	dt(false, v3, 49);
	dt(true, TLS, sizeof(TLS));
	{ /* a PDU in two 0x72 frames: the first has no trailer, the second
	   * no opcode header (0xbe would be an unknown opcode) */
		static const uint8_t F1[] = { 0x72, 2, 0, 12, 0x31, 0, 0, 0x05,
			0x4c, 0, 0, 0, 2, 0, 0, 0 };
		static const uint8_t F2[] = { 0x72, 2, 0, 4, 0xbe, 1, 2, 3, 0x72,
			2, 0, 0 };
		struct otw_engine_stats est;
		dt(true, F1, sizeof(F1));
		dt(true, F2, sizeof(F2));
		otw_engine_get_stats(eng, &est);
		assert_int_equal(est.app_malformed[OTW_APP_S7COMMPLUS], 0);
	}
	done();
	assert_int_equal(conn_app(), OTW_APP_S7COMMPLUS);
	assert_true(op_sum(OTW_APP_S7COMMPLUS, 0x04ca, &c, &r, &e, &unit, NULL,
			   NULL));
	assert_int_equal(c, 1);
	assert_int_equal(r, 1);
	assert_int_equal(unit, 1);
	assert_true(op_sum(OTW_APP_S7COMMPLUS, 0x04f2, &c, &r, &e, &unit, NULL,
			   NULL));
	assert_int_equal(c, 1);
	assert_int_equal(unit, 3);
	assert_true(op_sum(OTW_APP_S7COMMPLUS, 0, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(r, 1);
	assert_true(op_sum(OTW_APP_S7COMMPLUS, 0xffff, &c, &r, &e, &unit, NULL,
			   NULL));
	assert_int_equal(c, 1);
	assert_int_equal(unit, 0xff);
	assert_true(op_sum(OTW_APP_S7COMMPLUS, 0x054c, &c, &r, &e, NULL, NULL,
			   NULL));
	assert_int_equal(c, 1);
	assert_string_equal(attr(OTW_ATTR_PRODUCT_CODE), "6ES7 214-1HE30-0XB0");
	assert_string_equal(attr(OTW_ATTR_ROLE), "plc");
	assert_string_equal(otw_registry_op_name(OTW_APP_S7COMMPLUS, 0x054c,
						 &cat), "get_multi_variables");
	assert_string_equal(cat, OTW_CAT_READ);
}

/* ---- MMS ---------------------------------------------------------------- */

/* Session GT + DT, presentation fully-encoded-data around an MMS PDU. */
static size_t osi_dt(uint8_t *b, const uint8_t *mms, size_t n)
{
	size_t k = 0;
	b[k++] = 1; b[k++] = 0; b[k++] = 1; b[k++] = 0;
	b[k++] = 0x61; b[k++] = (uint8_t)(n + 7);
	b[k++] = 0x30; b[k++] = (uint8_t)(n + 5);
	b[k++] = 0x02; b[k++] = 1; b[k++] = 3;
	b[k++] = 0xa0; b[k++] = (uint8_t)n;
	memcpy(b + k, mms, n);
	return k + n;
}

static void mms(void **s)
{
	static const uint8_t CR_MMS[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0,
		0xc0, 1, 0x0a, 0xc1, 2, 0, 1, 0xc2, 2, 0, 1 };
	/* CN SPDU: User Data PGI 193 -> CP-type -> AARQ -> initiate-request */
	static const uint8_t CN[] = { 0x0d, 40, 0xc1, 38,
		0x31, 36, 0xa0, 3, 0x80, 1, 1, 0xa2, 29,
		0x61, 27, 0x30, 25, 0x02, 1, 1, 0xa0, 20,
		0x60, 18, 0xbe, 16, 0x28, 14, 0x02, 1, 3, 0xa0, 9,
		0xa8, 7, 0x80, 2, 0x7d, 0, 0x81, 1, 5 };
	static const uint8_t READ[] = { 0xa0, 8, 0x02, 1, 9, 0xa4, 3, 0xa1, 1,
					0x00 };
	static const uint8_t READ_RESP[] = { 0xa1, 7, 0x02, 1, 9, 0xa4, 2, 0xa1,
					     0 };
	static const uint8_t IDENT[] = { 0xa0, 5, 0x02, 1, 10, 0x82, 0 };
	static const uint8_t IDENT_RESP[] = { 0xa1, 29, 0x02, 1, 10, 0xa2, 24,
		0x80, 3, 'A', 'B', 'B', 0x81, 7, 'R', 'E', 'F', '6', '1', '5',
		' ', 0x82, 8, '5', '.', '0', ' ', 'F', 'P', '1', ' ' };
	static const uint8_t STOP[] = { 0xa0, 9, 0x02, 1, 11, 0xbf, 0x29, 3,
					0x80, 1, 'P' };
	static const uint8_t ERR[] = { 0xa2, 9, 0x80, 1, 11, 0xa2, 4, 0x80, 1,
				       0, 0 };
	static const uint8_t FOPEN[] = { 0xa0, 8, 0x02, 1, 12, 0xbf, 0x48, 2,
					 0xa0, 0 };
	uint8_t b[200];
	uint32_t c, r, e;
	const char *cat;
	(void)s;
	seg(true, CR_MMS, sizeof(CR_MMS));
	dt(true, CN, sizeof(CN));
	dt(true, b, osi_dt(b, READ, sizeof(READ)));
	dt(false, b, osi_dt(b, READ_RESP, sizeof(READ_RESP)));
	dt(true, b, osi_dt(b, IDENT, sizeof(IDENT)));
	dt(false, b, osi_dt(b, IDENT_RESP, sizeof(IDENT_RESP)));
	dt(true, b, osi_dt(b, STOP, sizeof(STOP)));
	dt(false, b, osi_dt(b, ERR, sizeof(ERR)));
	dt(true, b, osi_dt(b, FOPEN, sizeof(FOPEN)));
	done();
	assert_int_equal(conn_app(), OTW_APP_MMS);
	assert_true(op_sum(OTW_APP_MMS, 0x200, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 1);
	assert_true(op_sum(OTW_APP_MMS, 4, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 1);
	assert_int_equal(r, 1);
	assert_true(op_sum(OTW_APP_MMS, 41, &c, &r, &e, NULL, NULL, NULL));
	assert_int_equal(c, 1);
	assert_int_equal(e, 1);
	assert_string_equal(otw_registry_op_name(OTW_APP_MMS, 41, &cat), "stop");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_true(op_sum(OTW_APP_MMS, 72, &c, &r, &e, NULL, NULL, NULL));
	assert_string_equal(otw_registry_op_name(OTW_APP_MMS, 72, &cat),
			    "file_open");
	assert_string_equal(cat, OTW_CAT_FILE);
	assert_string_equal(attr(OTW_ATTR_VENDOR), "ABB");
	assert_string_equal(attr(OTW_ATTR_MODEL), "REF615");
	assert_string_equal(attr(OTW_ATTR_FIRMWARE), "5.0 FP1");
	assert_string_equal(attr(OTW_ATTR_ROLE), "ied");
}

/* Domain facts: a getNameList of the domain class and its answer, a Read
 * and a Write naming a domain-specific variable; a getNameList of named
 * variables (class 0) and a vmd-specific Read are no domains. */
static void mms_domains(void **s)
{
	static const uint8_t CR_MMS[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0,
		0xc0, 1, 0x0a, 0xc1, 2, 0, 1, 0xc2, 2, 0, 1 };
	static const uint8_t GNL[] = {
		0xa0, 0x0e, 0x02, 0x01, 0x01, 0xa1, 0x09, 0xa0, 0x03, 0x80, 0x01, 0x09,
		0xa1, 0x02, 0x80, 0x00 };
	static const uint8_t GNL_RESP[] = {
		0xa1, 0x17, 0x02, 0x01, 0x01, 0xa1, 0x12, 0xa0, 0x0d, 0x1a, 0x04, 0x4c,
		0x44, 0x30, 0x41, 0x1a, 0x05, 0x50, 0x52, 0x4f, 0x54, 0x31, 0x81, 0x01,
		0x00 };
	static const uint8_t GNL_VARS[] = {
		0xa0, 0x0e, 0x02, 0x01, 0x02, 0xa1, 0x09, 0xa0, 0x03, 0x80, 0x01, 0x00,
		0xa1, 0x02, 0x80, 0x00 };
	static const uint8_t GNL_VARS_RESP[] = {
		0xa1, 0x10, 0x02, 0x01, 0x02, 0xa1, 0x0b, 0xa0, 0x06, 0x1a, 0x04, 0x4c,
		0x4c, 0x4e, 0x30, 0x81, 0x01, 0x00 };
	static const uint8_t READ_DOM[] = {
		0xa0, 0x1b, 0x02, 0x01, 0x03, 0xa4, 0x16, 0xa1, 0x14, 0xa0, 0x12, 0x30,
		0x10, 0xa0, 0x0e, 0xa1, 0x0c, 0x1a, 0x04, 0x4d, 0x45, 0x41, 0x53, 0x1a,
		0x04, 0x4d, 0x4d, 0x58, 0x55 };
	static const uint8_t WRITE_DOM[] = {
		0xa0, 0x1d, 0x02, 0x01, 0x04, 0xa5, 0x18, 0xa0, 0x11, 0x30, 0x0f, 0xa0,
		0x0d, 0xa1, 0x0b, 0x1a, 0x04, 0x43, 0x54, 0x52, 0x4c, 0x1a, 0x03, 0x58,
		0x43, 0x42, 0xa0, 0x03, 0x83, 0x01, 0x00 };
	static const uint8_t READ_VMD[] = {
		0xa0, 0x11, 0x02, 0x01, 0x05, 0xa4, 0x0c, 0xa1, 0x0a, 0xa0, 0x08, 0x30,
		0x06, 0xa0, 0x04, 0x80, 0x02, 0x6d, 0x75 };
	const char *want[] = { "LD0A", "PROT1", "MEAS", "CTRL" };
	uint8_t b[200];
	unsigned n = 0;
	(void)s;
	seg(true, CR_MMS, sizeof(CR_MMS));
	dt(true, b, osi_dt(b, GNL, sizeof(GNL)));
	dt(false, b, osi_dt(b, GNL_RESP, sizeof(GNL_RESP)));
	dt(true, b, osi_dt(b, GNL_VARS, sizeof(GNL_VARS)));
	dt(false, b, osi_dt(b, GNL_VARS_RESP, sizeof(GNL_VARS_RESP)));
	dt(true, b, osi_dt(b, READ_DOM, sizeof(READ_DOM)));
	dt(true, b, osi_dt(b, WRITE_DOM, sizeof(WRITE_DOM)));
	dt(true, b, osi_dt(b, READ_VMD, sizeof(READ_VMD)));
	done();
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->key != OTW_ATTR_DOMAIN)
			continue;
		assert_true(n < 4);
		assert_int_equal(a->len, strlen(want[n]));
		assert_memory_equal(a->val, want[n], a->len);
		assert_true(a->has_ip); /* about the server */
		assert_memory_equal(a->ip.b + 12,
				    ((uint8_t[]){ SRV_IP >> 24, SRV_IP >> 16 & 255,
						  SRV_IP >> 8 & 255, SRV_IP & 255 }), 4);
		n++;
	}
	assert_int_equal(n, 4);
}

/* Every prefix of every PDU, and byte flips, on fresh flows: no crash, no
 * read past the end (ASan), and the engine survives. */
static void truncations(void **s)
{
	uint8_t b[400], f[400];
	const uint8_t *pdus[] = { S7_READ, S7_READ_ACK, S7_INSE, S7_SETCLOCK };
	const size_t lens[] = { sizeof(S7_READ), sizeof(S7_READ_ACK),
				sizeof(S7_INSE), sizeof(S7_SETCLOCK) };
	struct otw_engine_stats st;
	(void)s;
	for (unsigned p = 0; p < 4; p++) {
		size_t n = tpkt(b, pdus[p], lens[p]);
		for (size_t k = 1; k <= n; k++) {
			cport++;
			seq[0] = seq[1] = 1000;
			seg(true, b, k);
		}
		for (size_t k = 0; k < n; k++) {
			memcpy(f, b, n);
			f[k] ^= 0xff;
			cport++;
			seg(k & 1, f, n);
		}
	}
	{
		size_t n = szl11(b);
		uint8_t w[400];
		size_t m = tpkt(w, b, n);
		for (size_t k = 1; k <= m; k++) {
			cport++;
			seg(false, w, k);
		}
	}
	otw_engine_get_stats(eng, &st);
	assert_true(st.app_packets[OTW_APP_S7COMM] > 0);
	/* a TPKT that lies about its version is malformed */
	cport++;
	b[0] = 3; b[1] = 0; b[2] = 0; b[3] = 9;
	b[4] = 2; b[5] = 0xf0; b[6] = 0x80; b[7] = 0x32; b[8] = 1;
	seg(true, b, 9);
	b[0] = 4;
	seg(true, b, 9);
	otw_engine_get_stats(eng, &st);
	assert_true(st.app_malformed[OTW_APP_S7COMM] > 0);
}

/* A payload on port 102 that is not TPKT is not classified. */
static void probe_rejects(void **s)
{
	static const uint8_t junk[] = { 'G', 'E', 'T', ' ', '/', ' ', 'H' };
	struct otw_engine_stats st;
	(void)s;
	seg(true, junk, sizeof(junk));
	otw_engine_get_stats(eng, &st);
	assert_int_equal(st.app_packets[OTW_APP_S7COMM], 0);
	assert_int_equal(st.app_packets[OTW_APP_MMS], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(s7_read_write_control, setup, teardown),
		cmocka_unit_test_setup_teardown(s7_szl_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(s7_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(s7plus, setup, teardown),
		cmocka_unit_test_setup_teardown(mms, setup, teardown),
		cmocka_unit_test_setup_teardown(mms_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(truncations, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_rejects, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
