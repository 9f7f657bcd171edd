/* DNS, mDNS, LLMNR and NBNS plug-in (dissect/dns.c). */
#include "udp_harness.h"

static const uint8_t CLI[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
static const uint8_t SRV[6] = { 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MDNS_MAC[6] = { 0x01, 0x00, 0x5e, 0, 0, 0xfb };
#define CLI_IP 0x0a000005 /* 10.0.0.5 */
#define SRV_IP 0x0a000001

/* Encode a dotted name in DNS wire format. */
static void pb_name(struct pb *b, const char *s)
{
	while (*s) {
		const char *d = strchr(s, '.');
		size_t l = d ? (size_t)(d - s) : strlen(s);
		pb_u8(b, (uint8_t)l);
		pb_bytes(b, s, l);
		s += l + (d != NULL);
	}
	pb_u8(b, 0);
}

static void pb_hdr(struct pb *b, uint16_t id, uint16_t flags, uint16_t qd,
		   uint16_t an, uint16_t ns, uint16_t ar)
{
	b->n = 0;
	pb_u16(b, id);
	pb_u16(b, flags);
	pb_u16(b, qd);
	pb_u16(b, an);
	pb_u16(b, ns);
	pb_u16(b, ar);
}

static void pb_rr(struct pb *b, const char *name, uint16_t type, const void *rd,
		  uint16_t rdlen)
{
	pb_name(b, name);
	pb_u16(b, type);
	pb_u16(b, 1);
	pb_u32(b, 120);
	pb_u16(b, rdlen);
	pb_bytes(b, rd, rdlen);
}

static void dns_query_response_and_rcode(void **s)
{
	struct pb q, r;
	struct otw_engine *e = mk();
	static const uint8_t a[4] = { 10, 0, 0, 9 };
	(void)s;
	pb_hdr(&q, 1, 0x0100, 1, 0, 0, 0);
	pb_name(&q, "plc1.lab");
	pb_u16(&q, 1);
	pb_u16(&q, 1);
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 40000, 53, q.b, q.n);
	pb_hdr(&r, 1, 0x8180, 1, 1, 0, 0);
	pb_name(&r, "plc1.lab");
	pb_u16(&r, 1);
	pb_u16(&r, 1);
	pb_u16(&r, 0xc00c); /* compressed owner */
	pb_u16(&r, 1);
	pb_u16(&r, 1);
	pb_u32(&r, 60);
	pb_u16(&r, 4);
	pb_bytes(&r, a, 4);
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40000, r.b, r.n);
	/* AAAA query, NXDOMAIN */
	q.b[1] = 2;
	q.b[q.n - 3] = 28;
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 40000, 53, q.b, q.n);
	r.b[1] = 2;
	r.b[3] = 0x83;
	r.b[7] = 0; /* no answer */
	r.n = q.n;
	r.b[r.n - 3] = 28;
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40000, r.b, r.n);
	done(e);
	struct otw_ev_op o = op_sum(OTW_APP_DNS, 0, 1);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(o.exceptions, 0);
	o = op_sum(OTW_APP_DNS, 0, 28);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.exceptions, 1);
	assert_non_null(attr(OTW_ATTR_CAPABILITIES, "dns-server"));
	assert_null(attr(OTW_ATTR_HOSTNAME, NULL)); /* 10.0.0.9 is neither */
	assert_int_equal(malformed(e, OTW_APP_DNS), 0);
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_DNS, 28, &cat), "aaaa");
	assert_string_equal(cat, OTW_CAT_READ);
	assert_string_equal(otw_registry_op_name(OTW_APP_NBNS, 5, &cat), "registration");
	otw_engine_destroy(e);
}

/* A reverse lookup of the asking host's own address names it. */
static void dns_ptr_names_the_receiver(void **s)
{
	struct pb r, t;
	struct otw_engine *e = mk();
	(void)s;
	pb_hdr(&r, 7, 0x8180, 1, 1, 0, 0);
	pb_name(&r, "5.0.0.10.in-addr.arpa");
	pb_u16(&r, 12);
	pb_u16(&r, 1);
	t.n = 0;
	pb_name(&t, "eng-ws.plant.local");
	pb_u16(&r, 0xc00c);
	pb_u16(&r, 12);
	pb_u16(&r, 1);
	pb_u32(&r, 60);
	pb_u16(&r, (uint16_t)t.n);
	pb_bytes(&r, t.b, t.n);
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40001, r.b, r.n);
	done(e);
	const struct otw_ev_attr *a = attr(OTW_ATTR_HOSTNAME, "eng-ws");
	assert_non_null(a);
	assert_memory_equal(a->mac, CLI, 6);
	assert_non_null(attr(OTW_ATTR_DOMAIN, "plant.local"));
	assert_int_equal(op_sum(OTW_APP_DNS, 0, 12).responses, 1);
	otw_engine_destroy(e);
}

static void dns_compression_loop_is_malformed(void **s)
{
	struct pb q;
	struct otw_engine *e = mk();
	(void)s;
	pb_hdr(&q, 1, 0x8180, 1, 0, 0, 0);
	pb_name(&q, "x");
	pb_u16(&q, 1);
	pb_u16(&q, 1);
	/* classify with a good message first */
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40002, q.b, q.n);
	q.b[7] = 1; /* an answer ... */
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40002, q.b, q.n); /* missing */
	pb_u16(&q, 0xc000 | (uint16_t)q.n); /* points at itself */
	pb_u16(&q, 1);
	pb_u16(&q, 1);
	pb_u32(&q, 1);
	pb_u16(&q, 0);
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 53, 40002, q.b, q.n);
	done(e);
	assert_int_equal(malformed(e, OTW_APP_DNS), 2); /* an=1 but none, loop */
	otw_engine_destroy(e);
}

/* Two DNS/TCP messages, the second cut across segments (RFC 1035
 * §4.2.2): the cut one is skipped, the stream stays in step. */
static void dns_tcp_segments(void **s)
{
	struct pb q, seg, f;
	struct otw_engine *e = mk();
	(void)s;
	pb_hdr(&q, 9, 0x0100, 1, 0, 0, 0);
	pb_name(&q, "hist.lab");
	pb_u16(&q, 33);
	pb_u16(&q, 1);
	seg.n = 0;
	pb_u16(&seg, (uint16_t)q.n);
	pb_bytes(&seg, q.b, q.n);
	pb_u16(&seg, (uint16_t)q.n);
	pb_bytes(&seg, q.b, 5); /* cut */
	pb_tcp_frame_seq(&f, CLI, SRV, CLI_IP, SRV_IP, 40003, 53, 1, 0x18, seg.b, seg.n);
	otw_engine_packet(e, f.b, (uint32_t)f.n, (uint32_t)f.n, 1000);
	uint32_t seq = 1 + (uint32_t)seg.n;
	seg.n = 0;
	pb_bytes(&seg, q.b + 5, q.n - 5); /* tail of the cut message */
	pb_u16(&seg, (uint16_t)q.n);
	pb_bytes(&seg, q.b, q.n);
	pb_tcp_frame_seq(&f, CLI, SRV, CLI_IP, SRV_IP, 40003, 53, seq, 0x18, seg.b, seg.n);
	otw_engine_packet(e, f.b, (uint32_t)f.n, (uint32_t)f.n, 2000);
	done(e);
	assert_int_equal(op_sum(OTW_APP_DNS, 0, 33).count, 2);
	assert_int_equal(malformed(e, OTW_APP_DNS), 0);
	otw_engine_destroy(e);
}

/* mDNS announcement: A record of the sender, SRV of a printer service,
 * TXT with its model. */
static void mdns_announcement(void **s)
{
	struct pb r, rd;
	struct otw_engine *e = mk();
	static const uint8_t a[4] = { 10, 0, 0, 5 };
	static const uint8_t other[4] = { 10, 0, 0, 77 };
	(void)s;
	pb_hdr(&r, 0, 0x8400, 0, 4, 0, 0);
	pb_rr(&r, "labprinter.local", 1, a, 4);
	pb_rr(&r, "proxy.local", 1, other, 4); /* not the sender's */
	rd.n = 0;
	pb_u16(&rd, 0);
	pb_u16(&rd, 0);
	pb_u16(&rd, 631);
	pb_name(&rd, "labprinter.local");
	pb_rr(&r, "Lab Printer._ipp._tcp.local", 33, rd.b, (uint16_t)rd.n);
	rd.n = 0;
	pb_u8(&rd, 6);
	pb_bytes(&rd, "txtv=1", 6);
	pb_u8(&rd, 13);
	pb_bytes(&rd, "ty=HP LJ 400n", 13);
	pb_rr(&r, "Lab Printer._ipp._tcp.local", 16, rd.b, (uint16_t)rd.n);
	udp4(e, CLI, MDNS_MAC, CLI_IP, 0xe00000fb, 5353, 5353, r.b, r.n);
	done(e);
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "labprinter"));
	assert_null(attr(OTW_ATTR_HOSTNAME, "proxy"));
	assert_non_null(attr(OTW_ATTR_DESCRIPTION, "Lab Printer"));
	assert_non_null(attr(OTW_ATTR_CAPABILITIES, "printer"));
	assert_non_null(attr(OTW_ATTR_MODEL, "HP LJ 400n"));
	assert_int_equal(op_sum(OTW_APP_MDNS, 0, 1).responses, 1);
	assert_int_equal(malformed(e, OTW_APP_MDNS), 0);
	otw_engine_destroy(e);
}

static void llmnr_response(void **s)
{
	struct pb r;
	struct otw_engine *e = mk();
	static const uint8_t a[4] = { 10, 0, 0, 1 };
	(void)s;
	pb_hdr(&r, 5, 0x8000, 1, 1, 0, 0);
	pb_name(&r, "SCADA01");
	pb_u16(&r, 1);
	pb_u16(&r, 1);
	pb_rr(&r, "SCADA01", 1, a, 4);
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 5355, 50000, r.b, r.n);
	done(e);
	const struct otw_ev_attr *h = attr(OTW_ATTR_HOSTNAME, "SCADA01");
	assert_non_null(h);
	assert_memory_equal(h->mac, SRV, 6);
	assert_int_equal(op_sum(OTW_APP_LLMNR, 0, 1).responses, 1);
	otw_engine_destroy(e);
}

/* RFC 1001 §14.1 first-level encoding of a 15-char name + suffix. */
static void pb_nbname(struct pb *b, const char *name, uint8_t suffix)
{
	char raw[16];
	memset(raw, ' ', 15);
	memcpy(raw, name, strlen(name));
	raw[15] = (char)suffix;
	pb_u8(b, 32);
	for (int i = 0; i < 16; i++) {
		pb_u8(b, (uint8_t)('A' + ((uint8_t)raw[i] >> 4)));
		pb_u8(b, (uint8_t)('A' + ((uint8_t)raw[i] & 15)));
	}
	pb_u8(b, 0);
}

static void nbns_registration_and_status(void **s)
{
	struct pb r;
	struct otw_engine *e = mk();
	(void)s;
	/* broadcast registration of the unique name RTU7<00> */
	pb_hdr(&r, 0x11, 0x2910, 1, 0, 0, 1);
	pb_nbname(&r, "RTU7", 0x00);
	pb_u16(&r, 0x20);
	pb_u16(&r, 1);
	pb_u16(&r, 0xc00c);
	pb_u16(&r, 0x20);
	pb_u16(&r, 1);
	pb_u32(&r, 300000);
	pb_u16(&r, 6);
	pb_u16(&r, 0x0000);        /* unique, B node */
	pb_u32(&r, CLI_IP);
	udp4(e, CLI, BCAST, CLI_IP, 0x0a0000ff, 137, 137, r.b, r.n);
	/* a registration claiming another address gives nothing */
	pb_hdr(&r, 0x12, 0x2910, 1, 0, 0, 1);
	pb_nbname(&r, "FAKE", 0x00);
	pb_u16(&r, 0x20);
	pb_u16(&r, 1);
	pb_u16(&r, 0xc00c);
	pb_u16(&r, 0x20);
	pb_u16(&r, 1);
	pb_u32(&r, 300000);
	pb_u16(&r, 6);
	pb_u16(&r, 0x0000);
	pb_u32(&r, 0x0a000063);
	udp4(e, CLI, BCAST, CLI_IP, 0x0a0000ff, 137, 137, r.b, r.n);
	/* node status response from the server */
	pb_hdr(&r, 0x13, 0x8400, 0, 1, 0, 0);
	pb_nbname(&r, "*", 0x00);
	pb_u16(&r, 0x21);
	pb_u16(&r, 1);
	pb_u32(&r, 0);
	pb_u16(&r, 1 + 3 * 18 + 6);
	pb_u8(&r, 3);
	pb_bytes(&r, "HIST01         ", 15);
	pb_u8(&r, 0x00);
	pb_u16(&r, 0x0400);
	pb_bytes(&r, "PLANT          ", 15);
	pb_u8(&r, 0x00);
	pb_u16(&r, 0x8400); /* group */
	pb_bytes(&r, "HIST01         ", 15);
	pb_u8(&r, 0x20);
	pb_u16(&r, 0x0400);
	pb_bytes(&r, SRV, 6);
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 137, 137, r.b, r.n);
	done(e);
	const struct otw_ev_attr *h = attr(OTW_ATTR_HOSTNAME, "RTU7");
	assert_non_null(h);
	assert_memory_equal(h->mac, CLI, 6);
	assert_null(attr(OTW_ATTR_HOSTNAME, "FAKE"));
	h = attr(OTW_ATTR_HOSTNAME, "HIST01");
	assert_non_null(h);
	assert_memory_equal(h->mac, SRV, 6);
	assert_non_null(attr(OTW_ATTR_DOMAIN, "PLANT"));
	assert_non_null(attr(OTW_ATTR_CAPABILITIES, "file-server"));
	struct otw_ev_op o = op_sum(OTW_APP_NBNS, 0x20, 5);
	assert_int_equal(o.count, 2);
	assert_int_equal(op_sum(OTW_APP_NBNS, 0x21, 0).responses, 1);
	assert_int_equal(malformed(e, OTW_APP_NBNS), 0);
	otw_engine_destroy(e);
}

static void dns_every_truncation_is_safe(void **s)
{
	struct pb r, f, rd;
	static const uint8_t a[4] = { 10, 0, 0, 5 };
	(void)s;
	pb_hdr(&r, 0, 0x8400, 1, 3, 0, 0);
	pb_name(&r, "labprinter.local");
	pb_u16(&r, 1);
	pb_u16(&r, 1);
	pb_rr(&r, "labprinter.local", 1, a, 4);
	rd.n = 0;
	pb_u16(&rd, 0);
	pb_u16(&rd, 0);
	pb_u16(&rd, 631);
	pb_u16(&rd, 0xc00c);
	pb_rr(&r, "Lab Printer._ipp._tcp.local", 33, rd.b, (uint16_t)rd.n);
	rd.n = 0;
	pb_u8(&rd, 8);
	pb_bytes(&rd, "model=X1", 8);
	pb_rr(&r, "Lab Printer._ipp._tcp.local", 16, rd.b, (uint16_t)rd.n);
	udp4_frame(&f, CLI, MDNS_MAC, CLI_IP, 0xe00000fb, 5353, 5353, r.b, r.n);
	every_prefix(OTW_APP_MDNS, &f);
	udp4_frame(&f, SRV, CLI, SRV_IP, CLI_IP, 53, 40000, r.b, r.n);
	every_prefix(OTW_APP_DNS, &f);
	/* NBSTAT */
	pb_hdr(&r, 0x13, 0x8400, 0, 1, 0, 0);
	pb_nbname(&r, "*", 0x00);
	pb_u16(&r, 0x21);
	pb_u16(&r, 1);
	pb_u32(&r, 0);
	pb_u16(&r, 1 + 18);
	pb_u8(&r, 1);
	pb_bytes(&r, "HIST01         ", 15);
	pb_u8(&r, 0x00);
	pb_u16(&r, 0x0400);
	udp4_frame(&f, SRV, CLI, SRV_IP, CLI_IP, 137, 137, r.b, r.n);
	every_prefix(OTW_APP_NBNS, &f);
	/* TCP framing */
	struct pb t;
	t.n = 0;
	pb_u16(&t, (uint16_t)r.n);
	pb_bytes(&t, r.b, r.n);
	pb_tcp_frame_seq(&f, CLI, SRV, CLI_IP, SRV_IP, 40003, 53, 1, 0x18, t.b, t.n);
	every_prefix(OTW_APP_DNS, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(dns_query_response_and_rcode),
		cmocka_unit_test(dns_ptr_names_the_receiver),
		cmocka_unit_test(dns_compression_loop_is_malformed),
		cmocka_unit_test(dns_tcp_segments),
		cmocka_unit_test(mdns_announcement),
		cmocka_unit_test(llmnr_response),
		cmocka_unit_test(nbns_registration_and_status),
		cmocka_unit_test(dns_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
