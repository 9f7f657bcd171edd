/* capture: worker selection (capture/dispatch.h) and the stats shm layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dispatch.h"
#include "otw_stats-t.h"
#include "pktbuild.h"

static const uint8_t mac_a[6] = { 0, 1, 2, 3, 4, 5 };
static const uint8_t mac_b[6] = { 0, 1, 2, 3, 4, 6 };

static uint32_t rng = 12345;
static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Both directions of a TCP flow land on the same worker, for any N. */
static void capture_flow_directions_meet(void **state)
{
	struct pb fwd, rev;
	(void)state;
	for (int i = 0; i < 500; i++) {
		uint32_t a = 0x0a000000u | (next_rand() & 0xffffff);
		uint32_t b = 0xc0a80000u | (next_rand() & 0xffff);
		uint16_t sp = (uint16_t)(1024 + next_rand() % 60000);
		uint16_t dp = (uint16_t)(i % 2 ? 502 : 102);

		pb_tcp_frame(&fwd, mac_a, mac_b, a, b, sp, dp, 0x18, "ab", 2);
		pb_tcp_frame(&rev, mac_b, mac_a, b, a, dp, sp, 0x18, "cd", 2);
		for (unsigned nw = 1; nw <= OTW_MAX_WORKERS; nw++) {
			unsigned w = otw_cap_worker_of(fwd.b, fwd.n, nw);

			assert_true(w < nw);
			assert_int_equal(w, otw_cap_worker_of(rev.b, rev.n, nw));
		}
	}
}

/* A VLAN-tagged flow: both directions still meet. */
static void capture_vlan_directions_meet(void **state)
{
	struct pb fwd = { .n = 0 }, rev = { .n = 0 };
	(void)state;
	pb_eth(&fwd, mac_b, mac_a, 0x8100);
	pb_u16(&fwd, 42);
	pb_u16(&fwd, 0x0800);
	pb_ipv4(&fwd, 0x0a000001, 0x0a000002, 6, 20);
	pb_tcp(&fwd, 40000, 502, 0x02);
	pb_eth(&rev, mac_a, mac_b, 0x8100);
	pb_u16(&rev, 42);
	pb_u16(&rev, 0x0800);
	pb_ipv4(&rev, 0x0a000002, 0x0a000001, 6, 20);
	pb_tcp(&rev, 502, 40000, 0x12);
	for (unsigned nw = 2; nw <= OTW_MAX_WORKERS; nw++)
		assert_int_equal(otw_cap_worker_of(fwd.b, fwd.n, nw),
				 otw_cap_worker_of(rev.b, rev.n, nw));
}

/* Flows spread over the workers (no worker starves or takes all). */
static void capture_flows_spread(void **state)
{
	unsigned cnt[4] = { 0 };
	struct pb f;
	(void)state;
	for (int i = 0; i < 4000; i++) {
		pb_tcp_frame(&f, mac_a, mac_b, 0x0a000000u | (next_rand() & 0xffff),
			     0x0a010001, (uint16_t)(1024 + next_rand() % 60000), 502,
			     0x18, NULL, 0);
		cnt[otw_cap_worker_of(f.b, f.n, 4)]++;
	}
	for (int w = 0; w < 4; w++)
		assert_in_range(cnt[w], 700, 1300);
}

/* Truncated frames never crash and, if refused, go to worker 0. */
static void capture_truncations_are_safe(void **state)
{
	struct pb f;
	(void)state;
	pb_tcp_frame(&f, mac_a, mac_b, 0x0a000001, 0x0a000002, 1234, 502, 0x18,
		     "\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01", 12);
	for (size_t n = 0; n < 14; n++)
		assert_int_equal(otw_cap_worker_of(f.b, n, 8), 0);
	for (size_t n = 14; n <= f.n; n++)
		assert_true(otw_cap_worker_of(f.b, n, 8) < 8);
}

/* One writer per cache line: the blocks must not share lines. */
static void capture_stats_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct otw_stats_shm, port) % OTW_STATS_LINE, 0);
	assert_int_equal(offsetof(struct otw_stats_shm, ring) % OTW_STATS_LINE, 0);
	assert_int_equal(offsetof(struct otw_stats_shm, worker) % OTW_STATS_LINE, 0);
	assert_int_equal(sizeof(struct otw_stats_worker) % OTW_STATS_LINE, 0);
	assert_int_equal(sizeof(struct otw_stats_ring) % OTW_STATS_LINE, 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(capture_flow_directions_meet),
		cmocka_unit_test(capture_vlan_directions_meet),
		cmocka_unit_test(capture_flows_spread),
		cmocka_unit_test(capture_truncations_are_safe),
		cmocka_unit_test(capture_stats_layout),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
