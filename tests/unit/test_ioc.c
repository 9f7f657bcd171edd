/* Indicator rules: the shipped file parses, bad rules are refused with
 * their line, matching of addresses, ports and names, and the threat
 * engine on crafted event scenarios (TRITON, Industroyer-style IEC-104). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "det.h"
#include "ioc.h"
#include "otw_app.h"

#define S(n) ((uint64_t)(n) * 1000000000ull)

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } };
	return ip;
}

static struct otw_ioc *load(const char *text)
{
	struct otw_ioc *ioc;
	unsigned line;
	const char *err;
	int rc = otw_ioc_load_text(text, &ioc, &line, &err);
	if (rc != 0)
		fail_msg("line %u: %s", line, err);
	return ioc;
}

static void shipped_file_parses(void **s)
{
	struct otw_ioc *ioc;
	unsigned line;
	const char *err;
	(void)s;
	assert_int_equal(otw_ioc_load_file(RULES_FILE, &ioc, &line, &err), 0);
	assert_int_equal(otw_ioc_count(ioc), 5);
	assert_non_null(otw_ioc_port(ioc, 17, 1502));
	assert_null(otw_ioc_port(ioc, 6, 1502));
	otw_ioc_free(ioc);
}

#define R " id=X severity=high title=t description=d recommendation=r"

static void bad_rules_refused_with_line(void **s)
{
	static const char *const bad[] = {
		"kind=ip match=10.0.0.0/33" R,
		"kind=ip" R,
		"kind=port match=udp/0" R,
		"kind=port match=sctp/9" R,
		"kind=domain match=.bad" R,
		"kind=domain match=a/b" R,
		"kind=sequence app=iec104 addrs=2 window=5" R,        /* no then */
		"kind=sequence app=nosuch then=45 addrs=2 window=5" R,
		"kind=sequence app=iec104 then=45 addrs=99 window=5" R, /* over SEQ_ADDRS */
		"kind=ip match=10.0.0.1 id=X severity=huge title=t description=d recommendation=r",
		"kind=ip match=10.0.0.1 id=X severity=high description=d recommendation=r",
		"kind=worm match=10.0.0.1" R,
		"kind=ip match=10.0.0.1 colour=red" R,
	};
	struct otw_ioc *ioc;
	unsigned line;
	const char *err;
	char text[512];
	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# ok\n\nkind=ip match=10.0.0.1 \\\n%s\n%s\n",
			 R + 1, bad[i]);
		if (otw_ioc_load_text(text, &ioc, &line, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
		if (i == 0)
			assert_int_equal(line, 5); /* duplicate id X would be line 5 too */
	}
	/* a duplicate id is refused, at the line of the second rule */
	assert_int_equal(otw_ioc_load_text("kind=ip match=1.2.3.4" R "\n\nkind=ip match=1.2.3.5" R "\n",
					   &ioc, &line, &err), -EINVAL);
	assert_int_equal(line, 3);
}

static void matching(void **s)
{
	struct otw_ioc *ioc = load(
		"kind=ip match=203.0.113.0/24 id=A severity=high title=t description=d recommendation=r\n"
		"kind=domain match=Malware.Example id=B severity=high title=t description=d recommendation=r\n"
		"kind=port match=tcp/4444 id=C severity=low title=t description=d recommendation=r\n");
	struct otw_ip in = ip4(203, 0, 113, 200), out = ip4(203, 0, 114, 1);
	(void)s;
	assert_string_equal(otw_ioc_ip(ioc, &in)->id, "A");
	assert_null(otw_ioc_ip(ioc, &out));
	assert_non_null(otw_ioc_domain(ioc, "malware.example", 15));
	assert_non_null(otw_ioc_domain(ioc, "c2.MALWARE.example.", 19));
	assert_null(otw_ioc_domain(ioc, "notmalware.example", 18));   /* label boundary */
	assert_null(otw_ioc_domain(ioc, "malware.example.org", 19));
	assert_null(otw_ioc_domain(ioc, "example", 7));
	assert_string_equal(otw_ioc_port(ioc, 6, 4444)->id, "C");
	assert_null(otw_ioc_port(ioc, 17, 4444));
	otw_ioc_free(ioc);
}

/* --- scenarios through the detector --- */

static struct otw_det *mk(const char *rules_path)
{
	struct otw_det_conf c;
	struct otw_det *d;
	struct otw_ioc *ioc;
	unsigned line;
	const char *err;
	otw_det_conf_default(&c);
	c.learn_ns = S(100);
	c.flat = false;
	c.max_entries = 4096;
	assert_int_equal(otw_det_create(&c, &d), 0);
	assert_int_equal(otw_ioc_load_file(rules_path, &ioc, &line, &err), 0);
	otw_det_set_ioc(d, ioc);
	return d;
}

static struct otw_ev op104(uint8_t src, uint16_t func, uint32_t ioa, uint64_t ts)
{
	struct otw_ev e = { .kind = OTW_EV_OP };
	e.u.op.src_ip = ip4(10, 0, 0, src);
	e.u.op.dst_ip = ip4(10, 0, 0, 50);
	e.u.op.app = OTW_APP_IEC104;
	e.u.op.unit = 1;
	e.u.op.func = func;
	e.u.op.count = e.u.op.responses = 1;
	e.u.op.addr_lo = e.u.op.addr_hi = ioa;
	e.u.op.first_ns = e.u.op.last_ns = ts;
	return e;
}

static unsigned count_title(struct otw_det *d, const char *part, const struct otw_alert **hit)
{
	uint32_t n;
	unsigned k = 0;
	const struct otw_alert *a = otw_det_alerts(d, &n);
	for (uint32_t i = 0; i < n; i++)
		if (strstr(a[i].title, part)) {
			k++;
			if (hit)
				*hit = &a[i];
		}
	return k;
}

static void feed(struct otw_det *d, struct otw_ev e)
{
	otw_det_apply(d, &e);
}

static void industroyer_sequence(void **s)
{
	struct otw_det *d = mk(RULES_FILE);
	const struct otw_alert *a = NULL;
	(void)s;
	/* learning: the real master (.10) polls and commands */
	feed(d, op104(10, 100, 0, S(1)));
	feed(d, op104(10, 45, 7001, S(2)));
	/* operational: the master interrogates and commands 4 objects: quiet */
	feed(d, op104(10, 100, 0, S(200)));
	for (uint32_t i = 0; i < 4; i++)
		feed(d, op104(10, 45, 7001 + i, S(201 + i)));
	assert_int_equal(count_title(d, "IEC-104", NULL), 0);
	/* the master sweeps 8 objects within a minute after an interrogation */
	feed(d, op104(10, 100, 0, S(300)));
	for (uint32_t i = 0; i < 7; i++)
		feed(d, op104(10, i % 2 ? 46 : 45, 8001 + i, S(301 + i * 5)));
	assert_int_equal(count_title(d, "Industroyer", NULL), 0); /* 7 < 8 */
	feed(d, op104(10, 45, 8008, S(340)));
	assert_int_equal(count_title(d, "Industroyer", &a), 1);
	assert_int_equal(a->engine, OTW_ENG_THREAT);
	assert_int_equal(a->severity, OTW_SEV_CRITICAL);
	assert_non_null(strstr(a->desc, "OTW-INDUSTROYER-1"));
	feed(d, op104(10, 45, 8009, S(341)));                      /* once a window */
	assert_int_equal(count_title(d, "Industroyer", &a), 1);
	assert_int_equal(a->count, 1);
	/* commands to many objects, but spread wider than the window: quiet */
	feed(d, op104(10, 100, 0, S(1000)));
	for (uint32_t i = 0; i < 10; i++)
		feed(d, op104(10, 45, 9001 + i, S(1000 + 61 + i * 70)));
	assert_int_equal(count_title(d, "Industroyer", &a), 1);
	assert_int_equal(a->count, 1);
	/* a new master: one command is enough for the second rule */
	assert_int_equal(count_title(d, "not a learned master", NULL), 0);
	feed(d, op104(66, 45, 5001, S(2000)));
	assert_int_equal(count_title(d, "not a learned master", &a), 1);
	assert_int_equal(a->severity, OTW_SEV_HIGH);
	otw_det_destroy(d);
}

static void triton_ip_domain(void **s)
{
	struct otw_det *d = mk(RULES_FILE);
	struct otw_ev e = { .kind = OTW_EV_CONN }, at = { .kind = OTW_EV_ATTR };
	const struct otw_alert *a = NULL;
	(void)s;
	e.u.conn.src_ip = ip4(10, 0, 0, 20);
	e.u.conn.dst_ip = ip4(10, 0, 0, 30);
	e.u.conn.l4 = 17;
	e.u.conn.dst_port = 1502;
	e.u.conn.flags = OTW_CONN_NEW;
	e.u.conn.first_ns = e.u.conn.last_ns = S(1); /* even while learning */
	feed(d, e);
	assert_int_equal(count_title(d, "TriStation", &a), 1);
	assert_int_equal(a->engine, OTW_ENG_THREAT);
	e.u.conn.dst_port = 1503;
	e.u.conn.dst_ip = ip4(203, 0, 113, 7);
	feed(d, e);
	assert_int_equal(count_title(d, "known-bad address", NULL), 1);
	at.u.attr.has_ip = 1;
	at.u.attr.ip = ip4(10, 0, 0, 21);
	at.u.attr.key = OTW_ATTR_DOMAIN;
	at.u.attr.app = OTW_APP_DNS;
	at.u.attr.len = (uint8_t)snprintf(at.u.attr.val, sizeof(at.u.attr.val), "x.malware.example");
	at.u.attr.ts_ns = S(2);
	feed(d, at);
	assert_int_equal(count_title(d, "Known-bad domain", NULL), 1);
	/* a name another host looks up (dns.c's dns_query facts) */
	at.u.attr.ip = ip4(10, 0, 0, 22);
	at.u.attr.key = OTW_ATTR_DNS_QUERY;
	at.u.attr.len = (uint8_t)snprintf(at.u.attr.val, sizeof(at.u.attr.val), "c2.malware.example");
	feed(d, at);
	assert_int_equal(count_title(d, "Known-bad domain", NULL), 2);
	at.u.attr.ip = ip4(10, 0, 0, 23);
	at.u.attr.len = (uint8_t)snprintf(at.u.attr.val, sizeof(at.u.attr.val), "www.example.org");
	feed(d, at);
	assert_int_equal(count_title(d, "Known-bad domain", NULL), 2);
	otw_det_destroy(d);
}

static void sequence_state_is_bounded(void **s)
{
	struct otw_ioc *ioc = load("kind=sequence app=iec104 first=100 then=45 addrs=2 window=60"
				   R "\n");
	struct otw_ev e = op104(1, 100, 0, S(1));
	(void)s;
	for (unsigned i = 0; i < 2 * OTW_IOC_SEQ_SLOTS; i++) {
		e.u.op.src_ip.b[13] = (uint8_t)(i >> 8);
		e.u.op.src_ip.b[14] = (uint8_t)i;
		e.u.op.first_ns = e.u.op.last_ns = S(1) + i;
		assert_null(otw_ioc_seq_op(ioc, &e.u.op, true));
	}
	assert_true(otw_ioc_seq_evicted(ioc) >= OTW_IOC_SEQ_SLOTS);
	/* the newest pair still completes */
	e.u.op.func = 45;
	e.u.op.addr_lo = e.u.op.addr_hi = 1;
	assert_null(otw_ioc_seq_op(ioc, &e.u.op, true));
	e.u.op.addr_lo = e.u.op.addr_hi = 2;
	assert_non_null(otw_ioc_seq_op(ioc, &e.u.op, true));
	otw_ioc_free(ioc);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(shipped_file_parses),
		cmocka_unit_test(bad_rules_refused_with_line),
		cmocka_unit_test(matching),
		cmocka_unit_test(industroyer_sequence),
		cmocka_unit_test(triton_ip_domain),
		cmocka_unit_test(sequence_state_is_bounded),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
