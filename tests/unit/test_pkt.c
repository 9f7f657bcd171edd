/* Decoder: encapsulations, truncation at every length, hash symmetry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "otw_pkt.h"
#include "pktbuild.h"

static const uint8_t M1[6] = { 0x00, 0x80, 0xf4, 1, 2, 3 };
static const uint8_t M2[6] = { 0x00, 0x1b, 0x1b, 4, 5, 6 };

static void plain_tcp(void **s)
{
	struct pb b;
	struct otw_pkt p;
	static const uint8_t pay[] = { 1, 2, 3 };
	(void)s;
	pb_tcp_frame(&b, M1, M2, 0x0a000001, 0x0a000002, 40000, 502, 0x18, pay, 3);
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.l3, OTW_L3_IPV4);
	assert_int_equal(p.l4, IPPROTO_TCP);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 502);
	assert_int_equal(p.payload_len, 3);
	assert_int_equal(p.src.b[15], 1);
	assert_true(otw_ip_is_v4(&p.src));
}

static void ethernet_padding_is_clipped(void **s)
{
	struct pb b;
	struct otw_pkt p;
	(void)s;
	pb_tcp_frame(&b, M1, M2, 1, 2, 1000, 502, 0x10, NULL, 0);
	memset(b.b + b.n, 0, 6); /* 60-byte minimum frame */
	b.n += 6;
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.payload_len, 0);
}

static void vlan_and_qinq(void **s)
{
	struct pb b = { .n = 0 };
	struct otw_pkt p;
	(void)s;
	pb_eth(&b, M2, M1, 0x88a8);
	pb_u16(&b, 100);
	pb_u16(&b, 0x8100);
	pb_u16(&b, 0x2000 | 200);
	pb_u16(&b, 0x0800);
	pb_ipv4(&b, 1, 2, 17, 8);
	pb_udp(&b, 1, 2, 0);
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.vlan, 200);
	assert_int_equal(p.l4, IPPROTO_UDP);
}

static void erspan2_inner_frame(void **s)
{
	struct pb b = { .n = 0 };
	struct otw_pkt p;
	size_t inner = 14 + 20 + 20;
	(void)s;
	pb_eth(&b, M2, M1, 0x0800);
	pb_ipv4(&b, 0xc0a80001, 0xc0a80002, 47, 8 + 8 + inner);
	pb_u16(&b, 0x1000); /* S bit */
	pb_u16(&b, 0x88be);
	pb_u32(&b, 7);      /* sequence */
	pb_u32(&b, 0x10000000); pb_u32(&b, 0); /* ERSPAN II header */
	pb_eth(&b, M1, M2, 0x0800);
	pb_ipv4(&b, 0x0a000001, 0x0a000002, 6, 20);
	pb_tcp(&b, 1234, 502, 0x02);
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_true(p.flags & OTW_PKT_TUNNEL);
	assert_int_equal(p.dport, 502);
	assert_int_equal(p.src.b[12], 0x0a);
}

static void mpls_ipv4(void **s)
{
	struct pb b = { .n = 0 };
	struct otw_pkt p;
	(void)s;
	pb_eth(&b, M2, M1, 0x8847);
	pb_u32(&b, (16u << 12) | 64);
	pb_u32(&b, (17u << 12) | 0x100 | 64);
	pb_ipv4(&b, 1, 2, 17, 8);
	pb_udp(&b, 5, 6, 0);
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.l4, IPPROTO_UDP);
	assert_true(p.flags & OTW_PKT_MPLS);
}

static void ipv6_ext_headers(void **s)
{
	struct pb b = { .n = 0 };
	struct otw_pkt p;
	uint8_t a[16] = { 0xfe, 0x80 }, c[16] = { 0xfe, 0x80, [15] = 2 };
	(void)s;
	pb_eth(&b, M2, M1, 0x86dd);
	pb_u32(&b, 0x60000000);
	pb_u16(&b, 8 + 8);
	pb_u8(&b, 0);  /* hop-by-hop */
	pb_u8(&b, 64);
	pb_bytes(&b, a, 16);
	pb_bytes(&b, c, 16);
	pb_u8(&b, 17); pb_u8(&b, 0); pb_u16(&b, 0); pb_u32(&b, 0);
	pb_udp(&b, 546, 547, 0);
	assert_true(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.l3, OTW_L3_IPV6);
	assert_int_equal(p.l4, IPPROTO_UDP);
	assert_int_equal(p.dport, 547);
}

static void bad_ihl_is_malformed(void **s)
{
	struct pb b;
	struct otw_pkt p;
	(void)s;
	pb_tcp_frame(&b, M1, M2, 1, 2, 1, 2, 0, NULL, 0);
	b.b[14] = 0x44; /* IHL 4 */
	assert_false(otw_pkt_decode(b.b, b.n, &p));
	assert_int_equal(p.mal, OTW_MAL_IPV4);
	b.b[14] = 0x4f; /* IHL 15 > total length */
	assert_false(otw_pkt_decode(b.b, b.n, &p));
}

static void every_truncation_is_safe(void **s)
{
	struct pb b = { .n = 0 };
	struct otw_pkt p;
	(void)s;
	pb_eth(&b, M2, M1, 0x8100);
	pb_u16(&b, 5);
	pb_u16(&b, 0x0800);
	pb_ipv4(&b, 1, 2, 6, 20);
	pb_tcp(&b, 1, 502, 2);
	for (size_t n = 0; n < b.n; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* ASan sees any overread */
		memcpy(copy, b.b, n);
		bool ok = otw_pkt_decode(copy, n, &p);
		/* a frame cut inside the IP header is malformed; inside TCP too */
		if (n < b.n)
			assert_false(ok && p.l4 == IPPROTO_TCP && p.dport == 502 &&
				     n < 18 + 20 + 20);
		free(copy);
	}
}

static void hash_is_symmetric(void **s)
{
	struct pb b;
	struct otw_pkt p, q;
	(void)s;
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t a = 0x0a000000 + i * 7919, c = 0xc0a80000 + i * 104729;
		uint16_t sp = (uint16_t)(1024 + i * 31), dp = (uint16_t)(i % 3 ? 502 : 20000);
		pb_tcp_frame(&b, M1, M2, a, c, sp, dp, 0x10, NULL, 0);
		assert_true(otw_pkt_decode(b.b, b.n, &p));
		pb_tcp_frame(&b, M2, M1, c, a, dp, sp, 0x10, NULL, 0);
		assert_true(otw_pkt_decode(b.b, b.n, &q));
		assert_int_equal(otw_pkt_hash(&p), otw_pkt_hash(&q));
	}
}

static void hash_spreads(void **s)
{
	struct pb b;
	struct otw_pkt p;
	unsigned bins[4] = { 0 };
	(void)s;
	for (uint32_t i = 0; i < 4000; i++) {
		pb_tcp_frame(&b, M1, M2, 0x0a000001, 0x0a000002, (uint16_t)(10000 + i), 502,
			     0x10, NULL, 0);
		assert_true(otw_pkt_decode(b.b, b.n, &p));
		bins[otw_pkt_hash(&p) % 4]++;
	}
	for (int i = 0; i < 4; i++)
		assert_in_range(bins[i], 800, 1200);
}

static void ip_text(void **s)
{
	char buf[64];
	struct otw_ip ip = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	(void)s;
	assert_string_equal(otw_ip_str(&ip, buf, sizeof(buf)), "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(plain_tcp),
		cmocka_unit_test(ethernet_padding_is_clipped),
		cmocka_unit_test(vlan_and_qinq),
		cmocka_unit_test(erspan2_inner_frame),
		cmocka_unit_test(mpls_ipv4),
		cmocka_unit_test(ipv6_ext_headers),
		cmocka_unit_test(bad_ihl_is_malformed),
		cmocka_unit_test(every_truncation_is_safe),
		cmocka_unit_test(hash_is_symmetric),
		cmocka_unit_test(hash_spreads),
		cmocka_unit_test(ip_text),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
