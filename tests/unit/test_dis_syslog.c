/* syslog plug-in (dissect/syslog.c): ops, identity facts, malformed input. */
#include "udp_harness.h"

static const uint8_t DEV[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t COL[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
#define DEV_IP 0x0a000021
#define COL_IP 0x0a000005

static void sl(struct otw_engine *e, uint16_t sport, const char *m)
{
	udp4(e, DEV, COL, DEV_IP, COL_IP, sport, 514, m, strlen(m));
}

static void syslog_3164_and_5424(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	/* RFC 3164 §5.4 example 1: facility 4 (auth), severity 2 (crit) */
	sl(e, 40000, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
	/* RFC 5424 §6.5 example 1: 34 too; then example 3 (local4, notice) */
	sl(e, 40000, "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed");
	sl(e, 40000, "<165>1 2003-10-11T22:14:15.003Z rtu-7 evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event");
	/* no hostname (tag right after the time), an IP literal, a nil */
	sl(e, 40000, "<13>Feb  5 17:32:18 sshd[42]: hello");
	sl(e, 40000, "<13>Feb  5 17:32:18 10.0.0.33 app: hello");
	sl(e, 40000, "<13>1 2003-10-11T22:14:15.003Z - app - - - x");
	done(e);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 4, 2).count, 2);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 20, 5).count, 1);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 1, 5).count, 3);
	const struct otw_ev_attr *a = attr(OTW_ATTR_HOSTNAME, "mymachine");
	assert_non_null(a);
	assert_memory_equal(a->mac, DEV, 6);
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "mymachine.example.com"));
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "rtu-7"));
	assert_int_equal(n_attrs(), 3);
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_SYSLOG, 3, &cat), "error");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_int_equal(malformed(e, OTW_APP_SYSLOG), 0);
	otw_engine_destroy(e);
}

static void syslog_malformed_and_not_syslog(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	sl(e, 40001, "hello world"); /* not classified */
	sl(e, 40002, "<13>ok");
	sl(e, 40002, "<999>too big");
	sl(e, 40002, "<1a>bad digit");
	done(e);
	assert_int_equal(op_sum(OTW_APP_SYSLOG, 1, 5).count, 1);
	assert_int_equal(malformed(e, OTW_APP_SYSLOG), 2);
	otw_engine_destroy(e);
}

static void syslog_every_truncation_is_safe(void **s)
{
	struct pb f;
	static const char m[] = "<165>1 2003-10-11T22:14:15.003Z rtu-7 evntslog - ID47 - x";
	static const char b[] = "<34>Oct 11 22:14:15 mymachine su: x";
	(void)s;
	udp4_frame(&f, DEV, COL, DEV_IP, COL_IP, 40000, 514, m, strlen(m));
	every_prefix(OTW_APP_SYSLOG, &f);
	udp4_frame(&f, DEV, COL, DEV_IP, COL_IP, 40000, 514, b, strlen(b));
	every_prefix(OTW_APP_SYSLOG, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(syslog_3164_and_5424),
		cmocka_unit_test(syslog_malformed_and_not_syslog),
		cmocka_unit_test(syslog_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
