/* GOOSE / Sampled Values plug-in: publish ops, state changes, simulation,
 * identity, malformed BER and truncations. */
#include "l2_harness.h"
static const uint8_t GMC[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

/* A GOOSE frame: APPID 0x3001, sqNum sq, test flag, optional allData. */
static size_t goose(uint8_t *b, uint8_t sq, uint8_t test, uint16_t res1,
		    bool bad_alldata)
{
	static const char ref[] = "IED1LD0/LLN0$GO$gcb1";
	size_t n = 8, pdu;
	b[0] = 0x30;
	b[1] = 0x01;
	b[4] = (uint8_t)(res1 >> 8);
	b[5] = (uint8_t)res1;
	b[6] = b[7] = 0;
	b[n++] = 0x61;
	pdu = n++;
	b[n++] = 0x80;
	b[n++] = sizeof(ref) - 1;
	memcpy(b + n, ref, sizeof(ref) - 1);
	n += sizeof(ref) - 1;
	memcpy(b + n, "\x81\x02\x07\xd0\x84\x08\0\0\0\0\0\0\0\0", 14);
	n += 14;
	b[n++] = 0x85; b[n++] = 1; b[n++] = 7;   /* stNum */
	b[n++] = 0x86; b[n++] = 1; b[n++] = sq;  /* sqNum */
	b[n++] = 0x87; b[n++] = 1; b[n++] = test;
	b[n++] = 0x88; b[n++] = 1; b[n++] = 1;   /* confRev */
	b[n++] = 0xab;
	if (bad_alldata) {
		b[n++] = 3;
		b[n++] = 0x83; b[n++] = 5; b[n++] = 0; /* inner length lies */
	} else {
		b[n++] = 3;
		b[n++] = 0x83; b[n++] = 1; b[n++] = 0xff;
	}
	b[pdu] = (uint8_t)(n - pdu - 1);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	return n;
}

static void goose_publish_state_change_and_simulation(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t b[128];
	size_t n;
	const struct otw_ev_op *op;
	struct otw_engine_stats st;
	const char *cat = NULL;
	(void)s;
	n = goose(b, 0, 0, 0, false);
	l2(e, DEV, GMC, 0x88b8, b, n, 1);
	n = goose(b, 1, 0, 0, false);
	l2(e, DEV, GMC, 0x88b8, b, n, 2);
	n = goose(b, 2, 1, 0, false); /* test flag */
	l2(e, DEV, GMC, 0x88b8, b, n, 3);
	n = goose(b, 3, 0, 0x8000, false); /* Ed.2 simulate bit */
	l2(e, DEV, GMC, 0x88b8, b, n, 4);
	n = goose(b, 4, 0, 0, true);
	l2(e, DEV, GMC, 0x88b8, b, n, 5);
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.app_malformed[OTW_APP_GOOSE], 1);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_GOOSE, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 2);
	assert_int_equal(op->unit, 0x3001);
	op = find_op(&c, OTW_APP_GOOSE, 2);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	op = find_op(&c, OTW_APP_GOOSE, 3);
	assert_non_null(op);
	assert_int_equal(op->count, 2);
	assert_attr(&c, OTW_ATTR_DESCRIPTION, "IED1LD0/LLN0$GO$gcb1");
	assert_attr(&c, OTW_ATTR_ROLE, "ied");
	assert_string_equal(otw_registry_op_name(OTW_APP_GOOSE, 3, &cat),
			    "goose_simulated");
	assert_string_equal(otw_registry_op_name(OTW_APP_SV, 1, &cat),
			    "sv_publish");
	otw_engine_destroy(e);
}

static size_t sv(uint8_t *b, uint16_t res1)
{
	static const uint8_t pdu[] = {
		0x60, 0x1b, 0x80, 0x01, 0x01, 0xa2, 0x16, 0x30, 0x14,
		0x80, 0x06, 'M', 'U', '0', '0', '0', '1',
		0x82, 0x02, 0x00, 0x05, 0x83, 0x01, 0x01,
		0x85, 0x01, 0x02, 0x87, 0x00 };
	b[0] = 0x40;
	b[1] = 0x00;
	b[2] = 0;
	b[3] = (uint8_t)(8 + sizeof(pdu));
	b[4] = (uint8_t)(res1 >> 8);
	b[5] = (uint8_t)res1;
	b[6] = b[7] = 0;
	memcpy(b + 8, pdu, sizeof(pdu));
	return 8 + sizeof(pdu);
}

static void sampled_values_publish(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t b[128];
	size_t n;
	const struct otw_ev_op *op;
	(void)s;
	n = sv(b, 0);
	l2(e, DEV, GMC, 0x88ba, b, n, 1);
	l2(e, DEV, GMC, 0x88ba, b, n, 2);
	n = sv(b, 0x8000);
	l2(e, DEV, GMC, 0x88ba, b, n, 3);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_SV, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 2);
	assert_int_equal(op->unit, 0x4000);
	op = find_op(&c, OTW_APP_SV, 2);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_attr(&c, OTW_ATTR_DESCRIPTION, "MU0001");
	otw_engine_destroy(e);
}

static void truncations_and_garbage_are_malformed(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_dissector *g = otw_registry_l2(0x88b8);
	const struct otw_dissector *v = otw_registry_l2(0x88ba);
	uint8_t b[128];
	size_t n;
	(void)s;
	assert_non_null(g);
	assert_non_null(v);
	n = goose(b, 0, 0, 0, false);
	assert_int_equal(every_prefix(e, g, b, n), n);
	b[8] = 0x30; /* not a goosePdu */
	assert_int_equal(every_prefix(e, g, b, n + 1), n + 1);
	n = goose(b, 0, 0, 0, false);
	b[10] = 0x84; /* a 4-octet long length in the gocbRef: overruns */
	assert_int_equal(every_prefix(e, g, b, n + 1), n + 1);
	n = sv(b, 0);
	assert_int_equal(every_prefix(e, v, b, n), n);
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(goose_publish_state_change_and_simulation),
		cmocka_unit_test(sampled_values_publish),
		cmocka_unit_test(truncations_and_garbage_are_malformed),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
