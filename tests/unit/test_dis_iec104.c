/* IEC 60870-5-104 plug-in: U/S/I formats, type names, IOA ranges (SQ and
 * not), exceptions, several APDUs per segment, APDUs cut anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t SCADA[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t RTU[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define SCADA_IP 0x0a000064
#define RTU_IP 0x0a00000a

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

static struct otw_engine *mk(struct cap *c)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = c;
	c->n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

static uint32_t seq[2];

static void tx(struct otw_engine *e, bool from_scada, uint16_t cport,
	       const uint8_t *pay, size_t n, uint64_t ts)
{
	struct pb b;
	uint32_t *s = &seq[from_scada ? 0 : 1];
	if (from_scada)
		pb_tcp_frame_seq(&b, SCADA, RTU, SCADA_IP, RTU_IP, cport, 2404, *s,
				 0x18, pay, n);
	else
		pb_tcp_frame_seq(&b, RTU, SCADA, RTU_IP, SCADA_IP, 2404, cport, *s,
				 0x18, pay, n);
	*s += (uint32_t)n;
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

static const struct otw_ev_op *find_op(const struct cap *c, uint16_t unit,
				       uint16_t func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.app == OTW_APP_IEC104 &&
		    c->ev[i].u.op.unit == unit && c->ev[i].u.op.func == func)
			return &c->ev[i].u.op;
	return NULL;
}

static unsigned n_ops(const struct cap *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.app == OTW_APP_IEC104;
	return n;
}

static bool has_attr(const struct cap *c, unsigned key, const char *val,
		     uint32_t ip)
{
	size_t l = strlen(val);
	for (unsigned i = 0; i < c->n; i++) {
		const struct otw_ev_attr *a = &c->ev[i].u.attr;
		if (c->ev[i].kind == OTW_EV_ATTR && a->key == key && a->len == l &&
		    memcmp(a->val, val, l) == 0 && a->ip.b[15] == (uint8_t)ip)
			return true;
	}
	return false;
}

static const uint8_t STARTDT_ACT[] = { 0x68, 4, 0x07, 0, 0, 0 };
static const uint8_t STARTDT_CON[] = { 0x68, 4, 0x0b, 0, 0, 0 };
static const uint8_t S_ACK[] = { 0x68, 4, 0x01, 0, 0x02, 0 };
/* C_SC_NA_1 act, CA 7, IOA 0x010203 = 66051, SCO on + select */
static const uint8_t SC_ACT[] = { 0x68, 14, 0, 0, 0, 0, 45, 1, 6, 0, 7, 0,
				  0x03, 0x02, 0x01, 0x81 };
static const uint8_t SC_CON[] = { 0x68, 14, 2, 0, 2, 0, 45, 1, 7, 0, 7, 0,
				  0x03, 0x02, 0x01, 0x81 };
static const uint8_t SC_NEG[] = { 0x68, 14, 4, 0, 2, 0, 45, 1, 0x47, 0, 7, 0,
				  0x03, 0x02, 0x01, 0x81 };
/* M_ME_NC_1 spontaneous, 3 objects, IOAs 300, 100, 200 (not SQ) */
static const uint8_t ME_3[] = { 0x68, 10 + 3 * 8, 6, 0, 4, 0, 13, 3, 3, 0, 7, 0,
				44, 1, 0, 0, 0, 0x80, 0x3f, 0,
				100, 0, 0, 0, 0, 0x80, 0x3f, 0,
				200, 0, 0, 0, 0, 0x80, 0x3f, 0 };
/* M_SP_NA_1 interrogated, SQ, 5 elements from IOA 1000 */
static const uint8_t SP_SQ[] = { 0x68, 10 + 3 + 5, 8, 0, 4, 0, 1, 0x85, 20, 0,
				 7, 0, 0xe8, 0x03, 0, 1, 0, 1, 0, 1 };

static void names_and_categories(void **s)
{
	const char *cat = NULL;
	(void)s;
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 45, &cat), "C_SC_NA_1");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 13, &cat), "M_ME_NC_1");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 100, &cat), "C_IC_NA_1");
	assert_string_equal(cat, OTW_CAT_READ);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 103, &cat), "C_CS_NA_1");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 105, &cat), "C_RP_NA_1");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 112, &cat), "P_ME_NC_1");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 122, &cat), "F_SC_NA_1");
	assert_string_equal(cat, OTW_CAT_FILE);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 64, &cat), "C_BO_TA_1");
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 0x107, &cat), "startdt");
	assert_string_equal(cat, OTW_CAT_SESSION);
	assert_string_equal(otw_registry_op_name(OTW_APP_IEC104, 0x143, &cat), "testfr");
	assert_null(otw_registry_op_name(OTW_APP_IEC104, 25, &cat));
	assert_null(otw_registry_op_name(OTW_APP_IEC104, 0x10b, &cat));
}

static void command_session_and_monitor(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_ev_op *op;
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40001, STARTDT_ACT, sizeof(STARTDT_ACT), 1);
	tx(e, false, 40001, STARTDT_CON, sizeof(STARTDT_CON), 2);
	tx(e, true, 40001, SC_ACT, sizeof(SC_ACT), 3);
	tx(e, false, 40001, SC_CON, sizeof(SC_CON), 4);
	tx(e, true, 40001, S_ACK, sizeof(S_ACK), 5);
	tx(e, false, 40001, SC_NEG, sizeof(SC_NEG), 6);
	tx(e, false, 40001, ME_3, sizeof(ME_3), 7);
	tx(e, false, 40001, SP_SQ, sizeof(SP_SQ), 8);
	otw_engine_flush(e, true);
	op = find_op(&c, 0, 0x107);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(&c, 7, 45);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 2);
	assert_int_equal(op->exceptions, 1);
	assert_int_equal(op->addr_lo, 66051);
	assert_int_equal(op->addr_hi, 66051);
	op = find_op(&c, 7, 13);
	assert_non_null(op);
	assert_int_equal(op->count, 0);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->addr_lo, 100);
	assert_int_equal(op->addr_hi, 300);
	op = find_op(&c, 7, 1);
	assert_non_null(op);
	assert_int_equal(op->addr_lo, 1000);
	assert_int_equal(op->addr_hi, 1004);
	assert_int_equal(n_ops(&c), 4); /* S frames are not ops */
	assert_true(has_attr(&c, OTW_ATTR_ROLE, "rtu", RTU_IP));
	assert_false(has_attr(&c, OTW_ATTR_ROLE, "rtu", SCADA_IP));
	assert_true(has_attr(&c, OTW_ATTR_PROTO_ADDR, "7", RTU_IP));
	otw_engine_destroy(e);
}

static void malformed_apdus(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	struct otw_engine_stats st;
	/* an I frame too short for an ASDU, then a valid one: skipped, the
	 * next parsed; then a bad start octet */
	uint8_t seg[64];
	static const uint8_t short_i[] = { 0x68, 4, 0, 0, 0, 0 };
	static const uint8_t bad[] = { 0x69, 4, 0x07, 0, 0, 0 };
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40002, STARTDT_ACT, sizeof(STARTDT_ACT), 1);
	memcpy(seg, short_i, sizeof(short_i));
	memcpy(seg + sizeof(short_i), SC_ACT, sizeof(SC_ACT));
	tx(e, true, 40002, seg, sizeof(short_i) + sizeof(SC_ACT), 2);
	tx(e, true, 40002, bad, sizeof(bad), 3);
	otw_engine_flush(e, true);
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.app_malformed[OTW_APP_IEC104], 2);
	assert_int_equal(find_op(&c, 7, 45)->count, 1);
	assert_int_equal(n_ops(&c), 2);
	otw_engine_destroy(e);
}

/* Several APDUs in one segment, cut at every point into two segments: each
 * APDU counted exactly once with its full IOA range. */
static void apdus_cut_anywhere(void **s)
{
	uint8_t all[128];
	size_t n = 0;
	(void)s;
	memcpy(all + n, SC_ACT, sizeof(SC_ACT));
	n += sizeof(SC_ACT);
	memcpy(all + n, STARTDT_ACT, sizeof(STARTDT_ACT));
	n += sizeof(STARTDT_ACT);
	memcpy(all + n, ME_3, sizeof(ME_3));
	n += sizeof(ME_3);
	memcpy(all + n, S_ACK, sizeof(S_ACK));
	n += sizeof(S_ACK);
	for (size_t cut = 0; cut <= n; cut++) {
		struct cap c;
		struct otw_engine *e = mk(&c);
		struct otw_engine_stats st;
		const struct otw_ev_op *op;
		seq[0] = seq[1] = 1;
		tx(e, true, (uint16_t)(41000 + cut), all, cut, 1);
		tx(e, true, (uint16_t)(41000 + cut), all + cut, n - cut, 2);
		otw_engine_flush(e, true);
		otw_engine_get_stats(e, &st);
		assert_int_equal(st.app_malformed[OTW_APP_IEC104], 0);
		op = find_op(&c, 7, 45);
		assert_non_null(op);
		assert_int_equal(op->count, 1);
		assert_int_equal(op->addr_lo, 66051);
		op = find_op(&c, 0, 0x107);
		assert_non_null(op);
		assert_int_equal(op->count, 1);
		op = find_op(&c, 7, 13);
		assert_non_null(op);
		assert_int_equal(op->count, 1);
		/* M_ME_NC_1 is at 22..57, its objects at 34, 42, 50: the
		 * engine reassembles it wherever the cut, all addresses seen */
		assert_int_equal(op->addr_hi, 300);
		assert_int_equal(op->addr_lo, 100);
		assert_int_equal(n_ops(&c), 3);
		otw_engine_destroy(e);
	}
}

/* Every prefix of every APDU as a flow's only payload: no overread. */
static void every_truncation_is_safe(void **s)
{
	const uint8_t *pdus[] = { SC_ACT, ME_3, SP_SQ, STARTDT_ACT };
	const size_t lens[] = { sizeof(SC_ACT), sizeof(ME_3), sizeof(SP_SQ),
				sizeof(STARTDT_ACT) };
	(void)s;
	for (unsigned p = 0; p < 4; p++)
		for (size_t k = 0; k < lens[p]; k++) {
			struct cap c;
			struct otw_engine *e = mk(&c);
			uint8_t cp[64];
			memcpy(cp, pdus[p], k);
			seq[0] = seq[1] = 1;
			tx(e, false, (uint16_t)(43000 + k), cp, k, 1);
			otw_engine_flush(e, true);
			if (k < 12)
				assert_int_equal(n_ops(&c), 0);
			otw_engine_destroy(e);
		}
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(names_and_categories),
		cmocka_unit_test(command_session_and_monitor),
		cmocka_unit_test(malformed_apdus),
		cmocka_unit_test(apdus_cut_anywhere),
		cmocka_unit_test(every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
