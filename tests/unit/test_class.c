/* baseline/class + baseline/oui: the classification rule table (each
 * behaviour gives its type with evidence, roles from OT protocols win,
 * nothing known = unknown) and the MAC vendor table (longest prefix,
 * local/group MACs, missing files, name shortening). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "class.h"
#include "otw_app.h"
#include "oui.h"

#define BIT(a) ((uint64_t)1 << (a))

static bool has_evidence(const struct otw_class_out *o, const char *needle)
{
	for (unsigned i = 0; i < o->n_evidence; i++)
		if (strstr(o->evidence[i], needle) != NULL)
			return true;
	return false;
}

static struct otw_class_out run(const struct otw_class_in *in)
{
	struct otw_class_out o;

	otw_classify(in, &o);
	return o;
}

static void nothing_is_unknown(void **state)
{
	struct otw_class_in in = { 0 };
	struct otw_class_out o = run(&in);

	(void)state;
	assert_int_equal(o.type, OTW_DT_UNKNOWN);
	assert_int_equal(o.confidence, 0);
	assert_int_equal(o.n_evidence, 0);
	assert_string_equal(otw_dev_type_name(o.type), "unknown");
}

static void ot_servers(void **state)
{
	struct otw_class_in in = { .apps_served = BIT(OTW_APP_MODBUS) };
	struct otw_class_out o = run(&in);

	(void)state;
	assert_int_equal(o.type, OTW_DT_PLC);
	assert_int_equal(o.confidence, 60);
	assert_true(has_evidence(&o, "serves modbus"));

	in.apps_served = BIT(OTW_APP_DNP3);
	assert_int_equal(run(&in).type, OTW_DT_RTU);
	in.apps_served = BIT(OTW_APP_IEC104);
	o = run(&in);
	assert_int_equal(o.type, OTW_DT_RTU);
	assert_true(has_evidence(&o, "controlled station"));
	in.apps_served = BIT(OTW_APP_MMS);
	assert_int_equal(run(&in).type, OTW_DT_IED);
	in.apps_served = 0;
	in.apps_used = BIT(OTW_APP_GOOSE);
	assert_int_equal(run(&in).type, OTW_DT_IED);
}

/* A role reported by an OT protocol beats behaviour; the same role from
 * a weak source does not. */
static void role_fact(void **state)
{
	struct otw_class_in in = { .apps_served = BIT(OTW_APP_MODBUS),
				   .role = "rtu", .role_tier = 5,
				   .role_app = "dnp3" };
	struct otw_class_out o = run(&in);

	(void)state;
	assert_int_equal(o.type, OTW_DT_RTU);
	assert_int_equal(o.confidence, 90);
	assert_true(has_evidence(&o, "role 'rtu' reported by dnp3"));
	in.role_tier = 2;
	assert_int_equal(run(&in).type, OTW_DT_PLC); /* 60 > 40 */
	in.role = "io"; /* dissector vocabulary maps onto types */
	in.role_tier = 5;
	assert_int_equal(run(&in).type, OTW_DT_PLC);
	assert_int_equal(otw_dev_type_from_role("gateway"), OTW_DT_ROUTER);
	assert_int_equal(otw_dev_type_from_role("Historian"),
			 OTW_DT_HISTORIAN);
	assert_int_equal(otw_dev_type_from_role("toaster"), OTW_DT_UNKNOWN);
	assert_int_equal(otw_dev_type_from_role(NULL), OTW_DT_UNKNOWN);
}

/* OT clients: writes while polling = hmi; read-only polling of several
 * servers = historian; many servers = scada; program ops = engineering;
 * sporadic broad reads = engineering. */
static void ot_clients(void **state)
{
	struct otw_class_in in = { .apps_used = BIT(OTW_APP_MODBUS),
				   .ot_servers = 3, .ot_requests = 30000,
				   .ot_writes = 12, .max_read_funcs = 2,
				   .span_s = 900 };
	struct otw_class_out o = run(&in);

	(void)state;
	assert_int_equal(o.type, OTW_DT_HMI);
	assert_true(has_evidence(&o, "polls 3 OT server(s) and writes"));

	in.ot_writes = 0;
	o = run(&in);
	assert_int_equal(o.type, OTW_DT_HISTORIAN);
	assert_true(has_evidence(&o, "read-only"));

	in.ot_servers = 8;
	assert_int_equal(run(&in).type, OTW_DT_SCADA);

	in.ot_servers = 1;
	in.ot_program = 2;
	in.program_app = "s7comm";
	o = run(&in);
	assert_int_equal(o.type, OTW_DT_ENGINEERING);
	assert_true(has_evidence(&o, "program/firmware operations (s7comm)"));

	/* the sim's engineering station: one short session reading all four
	 * Modbus tables in a quarter of an hour */
	in.ot_program = 0;
	in.ot_servers = 1;
	in.ot_requests = 5;
	in.max_read_funcs = 4;
	o = run(&in);
	assert_int_equal(o.type, OTW_DT_ENGINEERING);
	assert_int_equal(o.confidence, 60);
	assert_true(has_evidence(&o, "every data table"));
	assert_true(has_evidence(&o, "sporadic"));

	/* ... and the same over several PLCs is still not a historian */
	in.ot_servers = 3;
	in.ot_requests = 15;
	assert_int_equal(run(&in).type, OTW_DT_ENGINEERING);

	/* control ops (start/stop) */
	in.max_read_funcs = 0;
	in.ot_control = 1;
	assert_int_equal(run(&in).type, OTW_DT_ENGINEERING);
}

static void network_and_it(void **state)
{
	struct otw_class_in in = { .router = true, .router_nets = 4 };
	struct otw_class_out o = run(&in);

	(void)state;
	assert_int_equal(o.type, OTW_DT_ROUTER);
	assert_int_equal(o.confidence, 80);
	assert_true(has_evidence(&o, "several /24"));

	memset(&in, 0, sizeof(in));
	in.capabilities = "bridge,router";
	assert_int_equal(run(&in).type, OTW_DT_ROUTER); /* 70 > 60 */
	in.capabilities = "bridge";
	assert_int_equal(run(&in).type, OTW_DT_SWITCH);

	memset(&in, 0, sizeof(in));
	in.vendor = "Cisco Systems";
	in.ip_is_gw_like = true;
	o = run(&in);
	assert_int_equal(o.type, OTW_DT_ROUTER);
	assert_int_equal(o.confidence, 40);

	memset(&in, 0, sizeof(in));
	in.ports_served = OTW_CP_DNS;
	in.vendor = "Dell";
	assert_int_equal(run(&in).type, OTW_DT_SERVER);
	in.ports_served = OTW_CP_PRINT;
	in.vendor = NULL;
	assert_int_equal(run(&in).type, OTW_DT_PRINTER);
	in.ports_served = OTW_CP_HISTORIAN;
	assert_int_equal(run(&in).type, OTW_DT_HISTORIAN);

	memset(&in, 0, sizeof(in));
	in.vendor = "Axis Communications";
	assert_int_equal(run(&in).type, OTW_DT_CAMERA);
	in.vendor = "Raspberry Pi Trading";
	assert_int_equal(run(&in).type, OTW_DT_IOT);
	in.vendor = NULL;
	in.os = "Windows 10";
	assert_int_equal(run(&in).type, OTW_DT_WORKSTATION);
	in.os = "Windows Server 2019";
	assert_int_equal(run(&in).type, OTW_DT_SERVER);
}

/* Name hints match at token starts only, and lose to behaviour. */
static void name_hints(void **state)
{
	struct otw_class_in in = { .name = "plant-hmi2" };

	(void)state;
	assert_int_equal(run(&in).type, OTW_DT_HMI);
	in.name = "schmidt";
	assert_int_equal(run(&in).type, OTW_DT_UNKNOWN);
	in.name = "ews-01";
	assert_int_equal(run(&in).type, OTW_DT_ENGINEERING);
	in.name = "hmi-01";
	in.apps_served = BIT(OTW_APP_S7COMM);
	assert_int_equal(run(&in).type, OTW_DT_PLC);
	assert_int_equal(otw_class_port_bit(53), OTW_CP_DNS);
	assert_int_equal(otw_class_port_bit(502), 0);
}

/* --- OUI ------------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static void rm_file(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static void oui_lookup(void **state)
{
	char dir[] = "/tmp/otw_test_oui.XXXXXX";
	struct otw_oui *o;
	struct otw_oui_stats st;
	static const uint8_t siemens[6] = { 0x00, 0x1b, 0x1b, 1, 2, 3 };
	static const uint8_t ab[6] = { 0x00, 0x00, 0xbc, 9, 9, 9 };
	static const uint8_t mam[6] = { 0x74, 0x1a, 0xe0, 0x95, 0, 1 };
	static const uint8_t mam_parent[6] = { 0x74, 0x1a, 0xe0, 0x15, 0, 1 };
	static const uint8_t mas[6] = { 0x70, 0xb3, 0xd5, 0xf2, 0xf1, 0x23 };
	static const uint8_t local[6] = { 0x02, 0x1b, 0x1b, 1, 2, 3 };
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	static const uint8_t unknown[6] = { 0x00, 0x00, 0x01, 0, 0, 1 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* missing files: empty table, not an error */
	assert_int_equal(otw_oui_load(dir, &o), 0);
	assert_null(otw_oui_vendor(o, siemens));
	otw_oui_free(o);

	write_file(dir, "oui.txt",
		   "OUI/MA-L\t\t\tOrganization\n"
		   "00-1B-1B   (hex)\t\tSiemens AG\n"
		   "001B1B     (base 16)\t\tSiemens AG\n"
		   "\t\t\t\tI IA SC MF\n\n"
		   "00-00-BC   (hex)\t\tRockwell Automation\n"
		   "00-00-01   (hex)\t\tPrivate\n"
		   "02-1B-1B   (hex)\t\tNot A Real Vendor Inc.\n"
		   "74-1A-E0   (hex)\t\tIEEE Registration Authority\n"
		   "garbage line\n");
	write_file(dir, "mam.txt",
		   "74-1A-E0   (hex)\t\tVendor Of Block, Co.,Ltd\n"
		   "900000-9FFFFF     (base 16)\t\tVendor Of Block, Co.,Ltd\n");
	write_file(dir, "oui36.txt",
		   "70-B3-D5   (hex)\t\tTiny Maker GmbH & Co. KG\n"
		   "F2F000-F2FFFF     (base 16)\t\tTiny Maker GmbH & Co. KG\n");
	assert_int_equal(otw_oui_load(dir, &o), 0);
	assert_string_equal(otw_oui_vendor(o, siemens), "Siemens");
	assert_string_equal(otw_oui_vendor(o, ab), "Rockwell Automation");
	assert_string_equal(otw_oui_vendor(o, mam), "Vendor Of Block");
	assert_string_equal(otw_oui_vendor(o, mam_parent),
			    "IEEE Registration Authority");
	assert_string_equal(otw_oui_vendor(o, mas), "Tiny Maker");
	assert_null(otw_oui_vendor(o, local));
	assert_null(otw_oui_vendor(o, group));
	assert_null(otw_oui_vendor(o, unknown)); /* "Private" skipped */
	assert_null(otw_oui_vendor(NULL, siemens));
	otw_oui_get_stats(o, &st);
	assert_int_equal(st.n24, 4);
	assert_int_equal(st.n28, 1);
	assert_int_equal(st.n36, 1);
	/* interned: the MA-M name is stored once for both lines */
	assert_int_equal(st.names, 6);
	otw_oui_free(o);
	otw_oui_free(NULL);
	rm_file(dir, "oui.txt");
	rm_file(dir, "mam.txt");
	rm_file(dir, "oui36.txt");
	rmdir(dir);
}

static void oui_shorten(void **state)
{
	static const char *const cases[][2] = {
		{ "Cisco Systems, Inc", "Cisco Systems" },
		{ "Dell Inc.", "Dell" },
		{ "Intel Corporate", "Intel" },
		{ "Hangzhou Foo Technology Co.,Ltd.", "Hangzhou Foo Technology" },
		{ "Phoenix Contact GmbH & Co. KG", "Phoenix Contact" },
		{ "Inc.", "Inc" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char b[64];
		snprintf(b, sizeof(b), "%s", cases[i][0]);
		otw_oui_shorten(b);
		assert_string_equal(b, cases[i][1]);
	}
}

/* The real registry, when installed: load cost and a known vendor. */
static void oui_system(void **state)
{
	struct otw_oui *o;
	struct otw_oui_stats st;
	static const uint8_t siemens[6] = { 0x00, 0x1b, 0x1b, 1, 2, 3 };

	(void)state;
	if (access(OTW_OUI_DIR_DEFAULT "/oui.txt", R_OK) != 0)
		skip();
	assert_int_equal(otw_oui_load(NULL, &o), 0);
	otw_oui_get_stats(o, &st);
	assert_true(st.n24 > 10000);
	assert_string_equal(otw_oui_vendor(o, siemens), "Siemens");
	otw_oui_free(o);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(nothing_is_unknown),
		cmocka_unit_test(ot_servers),
		cmocka_unit_test(role_fact),
		cmocka_unit_test(ot_clients),
		cmocka_unit_test(network_and_it),
		cmocka_unit_test(name_hints),
		cmocka_unit_test(oui_lookup),
		cmocka_unit_test(oui_shorten),
		cmocka_unit_test(oui_system),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
