/* The engine's TCP reassembly (dissect/reasm.c) with each framed OT
 * plug-in: PDUs cut over 2 and 3 segments, several per segment, a cut PDU
 * followed by the next one's head, the per-flow cap, pool exhaustion, a
 * gap. Each case runs for Modbus, DNP3, IEC-104, ISO (S7comm), EtherNet/IP
 * and OPC UA on a request whose op the test knows. */
#include "dis_harness.h"

struct proto {
	const char *name;
	uint16_t port;
	uint16_t app;       /* app of the op */
	uint16_t func;      /* func of the op */
	uint8_t pdu[64];
	size_t len;
};

/* DNP3 read of five class/object headers, master 1 -> outstation 10:
 * 18 bytes of user data = two CRC blocks, 32 bytes on the wire. */
static size_t dnp3_read(uint8_t *o)
{
	static const uint8_t ud[18] = { 0xc0, 0xc0, 0x01, 60, 2, 6, 60, 3, 6,
					60, 4, 6, 60, 1, 6, 1, 0, 6 };

	return pb_dnp3_frame(o, 0xc4, 10, 1, ud, sizeof(ud));
}

static struct proto protos[] = {
	{ "modbus", 502, OTW_APP_MODBUS, 3,
	  { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0x10, 0, 2 }, 12 },
	{ "dnp3", 20000, OTW_APP_DNP3, 1, { 0 }, 0 },
	/* C_SC_NA_1, common address 7, IOA 0x010203 */
	{ "iec104", 2404, OTW_APP_IEC104, 45,
	  { 0x68, 14, 0, 0, 0, 0, 45, 1, 6, 0, 7, 0, 3, 2, 1, 1 }, 16 },
	/* TPKT + COTP DT + S7comm read var */
	{ "iso", 102, OTW_APP_S7COMM, 4,
	  { 3, 0, 0, 31, 2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 7, 0, 14, 0, 0,
	    0x04, 1, 0x12, 0x0a, 0x10, 0x02, 0, 4, 0, 5, 0x84, 0x00, 0x00,
	    0x80 }, 31 },
	/* SendRRData: Set_Attribute_Single class 1 instance 1 attribute 1
	 * (its value last, so a prefix one byte short still has the path) */
	{ "enip", 44818, OTW_APP_ENIP, 0x10,
	  { 0x6f, 0, 26, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
	    0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xb2, 0, 10, 0,
	    0x10, 3, 0x20, 1, 0x24, 1, 0x30, 1, 0xaa, 0xbb }, 50 },
	/* MSG ReadRequest (631) on a plain channel */
	{ "opcua", 4840, OTW_APP_OPCUA, 631,
	  { 'M', 'S', 'G', 'F', 44, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 101, 0,
	    0, 0, 1, 0, 0, 0, 1, 0, 0x77, 0x02 }, 44 },
};

static struct otw_engine *mk_rs(uint32_t bufs, uint32_t bytes)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;

	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.reasm_bufs = bufs;
	conf.reasm_buf_bytes = bytes;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

static int setup(void **state)
{
	struct proto *p = *state;

	if (p->len == 0)
		p->len = dnp3_read(p->pdu);
	return 0;
}

static struct otw_engine_stats stats(struct otw_engine *e)
{
	struct otw_engine_stats st;

	otw_engine_get_stats(e, &st);
	return st;
}

/* The op count after the end of the capture; every buffer given back and
 * nothing counted malformed. */
static unsigned finish(struct otw_engine *e, const struct proto *p)
{
	struct otw_engine_stats st;

	otw_engine_flush(e, true);
	st = stats(e);
	assert_int_equal(st.reasm_bufs_used, 0);
	assert_int_equal(st.app_malformed[p->app], 0);
	return find_op(p->app, p->func).count;
}

/* A conversation whose first segment is one whole PDU, which classifies
 * the flow (a probe cannot tell from a few bytes); counts 1 op. */
static void opened(struct conv *cv, struct otw_engine *e, uint16_t cport,
		   const struct proto *p)
{
	conv_init(cv, e, cport, p->port);
	conv_send(cv, true, p->pdu, p->len);
}

static void split_in_two(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv;

	opened(&cv, e, 40001, p);
	conv_send(&cv, true, p->pdu, p->len / 2);
	assert_int_equal(stats(e).reasm_bufs_used, 1);
	otw_engine_tick_ops(e);
	assert_int_equal(find_op(p->app, p->func).count, 1); /* the opening */
	conv_send(&cv, true, p->pdu + p->len / 2, p->len - p->len / 2);
	assert_int_equal(stats(e).reasm_pdus, 1);
	assert_int_equal(finish(e, p), 2);
	otw_engine_destroy(e);
}

static void split_in_three(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv;

	/* the first cut is inside every protocol's header */
	opened(&cv, e, 40002, p);
	conv_send(&cv, true, p->pdu, 3);
	conv_send(&cv, true, p->pdu + 3, p->len - 6);
	conv_send(&cv, true, p->pdu + p->len - 3, 3);
	assert_int_equal(stats(e).reasm_pdus, 1);
	assert_int_equal(finish(e, p), 2);
	otw_engine_destroy(e);
}

static void three_in_one(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv;
	uint8_t b[3 * 64];

	for (int i = 0; i < 3; i++)
		memcpy(b + (size_t)i * p->len, p->pdu, p->len);
	opened(&cv, e, 40003, p);
	conv_send(&cv, true, b, 3 * p->len);
	/* whole PDUs are dissected where they lie: no buffer, no copy */
	assert_int_equal(stats(e).reasm_pdus, 0);
	assert_int_equal(finish(e, p), 4);
	otw_engine_destroy(e);
}

static void cut_then_next_head(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv;
	uint8_t b[2 * 64];
	size_t h = p->len / 2;

	memcpy(b, p->pdu + 5, p->len - 5);
	memcpy(b + p->len - 5, p->pdu, h);
	opened(&cv, e, 40004, p);
	conv_send(&cv, true, p->pdu, 5);
	conv_send(&cv, true, b, p->len - 5 + h); /* tail + next's head */
	otw_engine_tick_ops(e);
	assert_int_equal(find_op(p->app, p->func).count, 2);
	conv_send(&cv, true, p->pdu + h, p->len - h);
	assert_int_equal(stats(e).reasm_pdus, 2);
	assert_int_equal(finish(e, p), 3);
	otw_engine_destroy(e);
}

/* A PDU one byte over the per-flow cap: its prefix is dissected (the op
 * is there), its last byte skipped, and the next PDU in the same segment
 * is found where it starts. */
static void over_the_cap(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, (uint32_t)p->len - 1);
	struct conv cv;
	uint8_t b[2 * 64];
	size_t h = p->len / 2;

	memcpy(b, p->pdu + h, p->len - h);
	memcpy(b + p->len - h, p->pdu, p->len);
	opened(&cv, e, 40005, p);
	conv_send(&cv, true, p->pdu, h);
	conv_send(&cv, true, b, 2 * p->len - h);
	assert_int_equal(stats(e).reasm_cap_over, 1);
	assert_int_equal(stats(e).reasm_pool_full, 0);
	assert_int_equal(finish(e, p), 3);
	otw_engine_destroy(e);
}

/* One buffer for two flows: the second's cut PDU finds the pool empty
 * (counted), the first still completes. */
static void pool_exhausted(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(1, 4096);
	struct conv a, b;
	size_t h = p->len / 2;

	opened(&a, e, 40006, p);
	opened(&b, e, 40007, p);
	conv_send(&a, true, p->pdu, h);
	conv_send(&b, true, p->pdu, h);
	assert_int_equal(stats(e).reasm_pool_full, 1);
	assert_int_equal(stats(e).reasm_bufs_used, 1);
	conv_send(&a, true, p->pdu + h, p->len - h);
	assert_int_equal(stats(e).reasm_pdus, 1);
	/* the starved flow resynchronises on its next PDU */
	conv_send(&b, true, p->pdu + h, p->len - h);
	conv_send(&b, true, p->pdu, p->len);
	otw_engine_flush(e, true);
	assert_int_equal(stats(e).reasm_bufs_used, 0);
	/* two openings, a's PDU, b's last one (b's prefix may count too) */
	assert_true(find_op(p->app, p->func).count >= 4);
	otw_engine_destroy(e);
}

/* Lost bytes after a cut PDU: its buffer is dropped (counted), the PDU
 * after the gap is read. */
static void gap_drops_buffer(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv;

	opened(&cv, e, 40008, p);
	conv_send(&cv, true, p->pdu, p->len / 2);
	assert_int_equal(stats(e).reasm_bufs_used, 1);
	cv.seq[0] += (uint32_t)(p->len - p->len / 2) + 100; /* lost */
	conv_send(&cv, true, p->pdu, p->len);
	assert_int_equal(stats(e).reasm_gap_drops, 1);
	assert_int_equal(stats(e).reasm_bufs_used, 0);
	assert_int_equal(finish(e, p), 2);
	otw_engine_destroy(e);
}

/* Idle expiry gives the buffers back too. */
static void expiry_releases(void **state)
{
	const struct proto *p = *state;
	struct otw_engine *e = mk_rs(16, 4096);
	struct conv cv, late;

	opened(&cv, e, 40009, p);
	conv_send(&cv, true, p->pdu, p->len / 2);
	assert_int_equal(stats(e).reasm_bufs_used, 1);
	opened(&late, e, 40010, p);
	late.ts = cv.ts + 200ull * 1000000000ull; /* past the idle time */
	conv_send(&late, true, p->pdu, p->len);
	otw_engine_tick(e); /* one sweep covers this small table */
	assert_int_equal(stats(e).reasm_bufs_used, 0);
	otw_engine_destroy(e);
}

#define PER_PROTO(fn)                                                       \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[0]), \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[1]), \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[2]), \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[3]), \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[4]), \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &protos[5])

int main(void)
{
	const struct CMUnitTest t[] = {
		PER_PROTO(split_in_two),      PER_PROTO(split_in_three),
		PER_PROTO(three_in_one),      PER_PROTO(cut_then_next_head),
		PER_PROTO(over_the_cap),      PER_PROTO(pool_exhausted),
		PER_PROTO(gap_drops_buffer),  PER_PROTO(expiry_releases),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
