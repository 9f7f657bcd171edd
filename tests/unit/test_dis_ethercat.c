/* EtherCAT plug-in: datagram commands, returned frames, working counter. */
#include "l2_harness.h"
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Two datagrams: BRD 0x0130 len 2 (wkc w1), FPWR station 0x1001 0x0120 len
 * 2 (wkc w2). */
static size_t ecat(uint8_t *b, uint8_t w1, uint8_t w2)
{
	static const uint8_t d[] = {
		0x1c, 0x10, /* length 28, type 1 */
		0x07, 0x01, 0x00, 0x00, 0x30, 0x01, 0x02, 0x80, 0, 0, 0xaa, 0xbb, 0, 0,
		0x05, 0x02, 0x01, 0x10, 0x20, 0x01, 0x02, 0x00, 0, 0, 0x02, 0x00, 0, 0 };
	memcpy(b, d, sizeof(d));
	b[14] = w1;
	b[28] = w2;
	return sizeof(d);
}

static void commands_and_returned_frames(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t b[64], ret_mac[6];
	size_t n;
	const struct otw_ev_op *op;
	const char *cat = NULL;
	(void)s;
	memcpy(ret_mac, WS, 6);
	ret_mac[0] |= 0x02; /* the first slave marks the returned frame */
	n = ecat(b, 0, 0);
	l2(e, WS, BC, 0x88a4, b, n, 1);
	n = ecat(b, 3, 0); /* FPWR nobody answered */
	l2(e, ret_mac, BC, 0x88a4, b, n, 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_ETHERCAT, 7);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->addr_lo, 0x130);
	assert_int_equal(op->addr_hi, 0x131);
	assert_memory_equal(op->src_ip.b + 10, WS, 6);
	op = find_op(&c, OTW_APP_ETHERCAT, 5);
	assert_non_null(op);
	assert_int_equal(op->unit, 0x1001);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	assert_string_equal(otw_registry_op_name(OTW_APP_ETHERCAT, 11, &cat),
			    "lwr");
	assert_string_equal(cat, "write");
	otw_engine_destroy(e);
}

static void truncations_are_malformed(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_dissector *d = otw_registry_l2(0x88a4);
	uint8_t b[64];
	size_t n = ecat(b, 1, 1);
	(void)s;
	assert_non_null(d);
	assert_int_equal(every_prefix(e, d, b, n), n);
	b[2] = 0x20; /* unknown command */
	assert_int_equal(every_prefix(e, d, b, n + 1), n + 1);
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(commands_and_returned_frames),
		cmocka_unit_test(truncations_are_malformed),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
