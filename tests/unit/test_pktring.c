/* dissect/pktring.c: the evidence ring keeps the newest frames, selects
 * frames of a pair in both directions (or any peer, or by MAC), honours the
 * time floor and the packet cap, and writes a pcap whose records carry the
 * frames back byte for byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "otw_pkt.h"
#include "pktbuild.h"
#include "otw_pktring.h"

static const uint8_t MA[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t MB[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
static const uint8_t MC[6] = { 0x00, 0x80, 0xf4, 3, 3, 3 };
#define IPA 0x0a000001
#define IPB 0x0a000002
#define IPC 0x0a000003

static uint8_t out[OTW_PKTRING_PCAP_BYTES(OTW_PKTRING_MAX_PKTS)];

static struct otw_ip v4(uint32_t a)
{
	struct otw_ip ip = { { 0 } };
	ip.b[10] = ip.b[11] = 0xff;
	for (int i = 0; i < 4; i++)
		ip.b[12 + i] = (uint8_t)(a >> (24 - 8 * i));
	return ip;
}

static void push(struct otw_pktring *r, const uint8_t *sm, const uint8_t *dm,
		 uint32_t s, uint32_t d, uint16_t sport, uint64_t ts)
{
	struct pb b = { 0 };
	uint8_t pay[8] = { (uint8_t)sport };

	pb_tcp_frame(&b, sm, dm, s, d, sport, 502, 0x18, pay, sizeof(pay));
	otw_pktring_push(r, ts, b.b, (uint32_t)b.n, (uint32_t)b.n);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Walk the pcap in out[0..len): count records, check time order, return
 * the sport of the first one. */
static unsigned walk(size_t len, uint16_t *first_sport, uint64_t *first_ts)
{
	size_t off = 24;
	unsigned n = 0;
	uint64_t last = 0;

	assert_int_equal(rd32(out), 0xa1b23c4d);
	assert_int_equal(rd32(out + 20), 1);
	while (off < len) {
		uint64_t ts = rd32(out + off) * 1000000000ull + rd32(out + off + 4);
		uint32_t cl = rd32(out + off + 8);
		struct otw_pkt p;
		assert_true(ts >= last);
		assert_true(otw_pkt_decode(out + off + 16, cl, &p));
		if (n == 0) {
			*first_sport = p.sport;
			*first_ts = ts;
		}
		last = ts;
		off += 16 + cl;
		n++;
	}
	assert_int_equal(off, len);
	return n;
}

static void selects_pair_both_directions(void **state)
{
	struct otw_pktring *r;
	struct otw_pktring_sel sel = { .a = v4(IPA), .b = v4(IPB), .max = 100 };
	size_t len;
	uint16_t sp;
	uint64_t ts;

	(void)state;
	assert_int_equal(otw_pktring_create(100, &r), 0); /* -> 128 slots */
	push(r, MA, MB, IPA, IPB, 1, 1000);
	push(r, MB, MA, IPB, IPA, 2, 2000);
	push(r, MA, MC, IPA, IPC, 3, 3000);
	push(r, MC, MB, IPC, IPB, 4, 4000);
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 2);
	assert_int_equal(walk(len, &sp, &ts), 2);
	assert_int_equal(sp, 1);
	/* any peer of A */
	memset(&sel.b, 0, sizeof(sel.b));
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 3);
	/* by MAC: frames from or to C */
	otw_ip_from_mac(&sel.a, MC);
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 2);
	/* time floor */
	sel.a = v4(IPA);
	sel.from_ns = 2500;
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 1);
	/* too small a buffer is refused, not overrun */
	assert_int_equal(otw_pktring_extract(r, &sel, out, 100, &len), -ENOSPC);
	otw_pktring_destroy(r);
}

static void keeps_newest_after_wrap(void **state)
{
	struct otw_pktring *r;
	struct otw_pktring_sel sel = { .a = v4(IPA), .b = v4(IPB), .max = 10 };
	size_t len;
	uint16_t sp;
	uint64_t ts;

	(void)state;
	assert_int_equal(otw_pktring_create(16, &r), 0);
	for (uint16_t i = 1; i <= 40; i++)
		push(r, MA, MB, IPA, IPB, i, i * 1000ull);
	/* 16 slots hold frames 25..40; the newest 10 are 31..40 */
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 10);
	assert_int_equal(walk(len, &sp, &ts), 10);
	assert_int_equal(sp, 31);
	assert_int_equal(ts, 31000);
	sel.max = 100;
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 16);
	otw_pktring_destroy(r);
}

static void empty_and_junk(void **state)
{
	struct otw_pktring *r;
	struct otw_pktring_sel sel = { .a = v4(IPA), .max = 5 };
	uint8_t junk[300];
	size_t len;

	(void)state;
	assert_int_equal(otw_pktring_create(0, &r), 0);
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 0);
	assert_int_equal(len, 24);
	memset(junk, 0xff, sizeof(junk));
	otw_pktring_push(r, 5, junk, sizeof(junk), sizeof(junk)); /* cut to snap */
	otw_pktring_push(r, 6, junk, 3, 3);
	otw_pktring_push(r, 7, junk, 0, 0);
	assert_int_equal(otw_pktring_extract(r, &sel, out, sizeof(out), &len), 0);
	otw_pktring_destroy(r);
	otw_pktring_destroy(NULL);
	assert_int_equal(otw_pktring_create(1u << 25, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(selects_pair_both_directions),
		cmocka_unit_test(keeps_newest_after_wrap),
		cmocka_unit_test(empty_and_junk),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
