/* baseline/inv: merging of device, conn and op events, role guesses,
 * JSON lines (parsed back with cJSON), and store save/load. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "inv.h"
#include "otw_app.h"
#include "otw_err.h"

#define T0 1700000000123456789ull

static const uint8_t MAC_PLC[6] = { 0x00, 0x80, 0xf4, 0, 0, 1 };
static const uint8_t MAC_HMI[6] = { 0x00, 0x0c, 0x29, 0, 0, 2 };
static const uint8_t MAC_GW[6] = { 0x02, 0, 0, 0, 0, 0xfe };

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			       a, b, c, d } };
	return ip;
}

static struct otw_ev dev_ev(const uint8_t mac[6], struct otw_ip ip,
			    uint16_t vlan, uint64_t ts)
{
	struct otw_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OTW_EV_DEVICE;
	memcpy(ev.u.dev.mac, mac, 6);
	ev.u.dev.vlan = vlan;
	ev.u.dev.ip = ip;
	ev.u.dev.has_ip = 1;
	ev.u.dev.learn = OTW_LEARN_IP;
	ev.u.dev.ts_ns = ts;
	return ev;
}

static struct otw_ev conn_ev(struct otw_ip s, uint16_t sp, struct otw_ip d,
			     uint16_t dp, uint8_t flags, uint32_t pk,
			     uint64_t by, uint64_t first, uint64_t last)
{
	struct otw_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OTW_EV_CONN;
	ev.u.conn.src_ip = s;
	ev.u.conn.dst_ip = d;
	ev.u.conn.src_port = sp;
	ev.u.conn.dst_port = dp;
	ev.u.conn.l4 = IPPROTO_TCP;
	ev.u.conn.flags = flags;
	ev.u.conn.app = (sp == 502 || dp == 502) ? OTW_APP_MODBUS : 0;
	ev.u.conn.packets = pk;
	ev.u.conn.bytes = by;
	ev.u.conn.first_ns = first;
	ev.u.conn.last_ns = last;
	return ev;
}

static struct otw_ev op_ev(struct otw_ip s, struct otw_ip d, uint8_t unit,
			   uint8_t func, uint32_t n, uint32_t resp,
			   uint32_t exc)
{
	struct otw_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OTW_EV_OP;
	ev.u.op.src_ip = s;
	ev.u.op.dst_ip = d;
	ev.u.op.app = OTW_APP_MODBUS;
	ev.u.op.unit = unit;
	ev.u.op.func = func;
	ev.u.op.count = n;
	ev.u.op.responses = resp;
	ev.u.op.exceptions = exc;
	ev.u.op.first_ns = T0;
	ev.u.op.last_ns = T0 + 1000;
	return ev;
}

static void apply(struct otw_inv *inv, struct otw_ev ev)
{
	assert_int_equal(otw_inv_apply(inv, &ev), 0);
}

/* Print as JSON and parse every line; returns a cJSON array of objects. */
static cJSON *json_lines(const struct otw_inv *inv)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cJSON *arr = cJSON_CreateArray();

	assert_non_null(f);
	assert_int_equal(otw_inv_print_json(inv, f), 0);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		if (o == NULL)
			fail_msg("bad JSON line: %s", line);
		cJSON_AddItemToArray(arr, o);
	}
	free(buf);
	return arr;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* The plant: HMI 10.0.0.10 polls PLC 10.0.0.1 (Modbus); the PLC MAC also
 * answers on a second IP; a gateway MAC carries many routed IPs. */
static void build_plant(struct otw_inv *inv)
{
	struct otw_ip plc = ip4(10, 0, 0, 1), hmi = ip4(10, 0, 0, 10);

	apply(inv, dev_ev(MAC_PLC, plc, 10, T0 + 500));
	apply(inv, dev_ev(MAC_PLC, ip4(192, 168, 0, 1), 10, T0));
	apply(inv, dev_ev(MAC_PLC, plc, 10, T0 + 900)); /* dup IP */
	apply(inv, dev_ev(MAC_HMI, hmi, 10, T0 + 10));
	for (uint8_t i = 0; i < 6; i++)
		apply(inv, dev_ev(MAC_GW, ip4(172, 16, 0, i), 0, T0 + i));
	/* client known: two deltas of one conn */
	apply(inv, conn_ev(hmi, 40000, plc, 502, OTW_CONN_ORIG_KNOWN |
			   OTW_CONN_NEW, 3, 300, T0 + 100, T0 + 200));
	apply(inv, conn_ev(hmi, 40000, plc, 502, OTW_CONN_ORIG_KNOWN, 4, 400,
			   T0 + 100, T0 + 5000000));
	/* opener not seen, reverse tuple of the above: merged into it */
	apply(inv, conn_ev(plc, 502, hmi, 40000, 0, 5, 500, T0 + 50,
			   T0 + 6000000));
	/* opener not seen, nothing to merge with: lower port = server */
	apply(inv, conn_ev(plc, 502, hmi, 40001, 0, 1, 60, T0, T0));
	apply(inv, op_ev(hmi, plc, 1, 3, 10, 9, 1));
	apply(inv, op_ev(hmi, plc, 1, 3, 5, 5, 0));
	apply(inv, op_ev(hmi, plc, 1, 16, 2, 2, 0));
	apply(inv, op_ev(hmi, plc, 1, 200, 1, 0, 1)); /* unnamed func */
}

static void merge_and_json(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;
	cJSON *a, *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	build_plant(inv);
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 3);
	assert_int_equal(s.conns, 2);
	assert_int_equal(s.ops, 3);

	a = json_lines(inv);
	assert_int_equal(cJSON_GetArraySize(a), 3 + 2 + 3);

	/* devices by MAC: HMI 00:0c.., PLC 00:80.., GW 02:.. */
	o = cJSON_GetArrayItem(a, 0);
	assert_string_equal(jstr(o, "type"), "device");
	assert_string_equal(jstr(o, "mac"), "00:0c:29:00:00:02");
	assert_string_equal(jstr(o, "role"), "hmi");
	o = cJSON_GetArrayItem(a, 1);
	assert_string_equal(jstr(o, "mac"), "00:80:f4:00:00:01");
	assert_string_equal(jstr(o, "role"), "plc");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "ips")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "ips"), 0)
				    ->valuestring, "10.0.0.1");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "ips"), 1)
				    ->valuestring, "192.168.0.1");
	assert_int_equal((int)jnum(o, "vlan"), 10);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
				"protocols"), 0)->valuestring, "modbus");
	assert_null(cJSON_GetObjectItem(o, "vendor")); /* unknown: omitted */
	o = cJSON_GetArrayItem(a, 2);
	assert_string_equal(jstr(o, "mac"), "02:00:00:00:00:fe");
	assert_string_equal(jstr(o, "role"), "router");
	assert_null(cJSON_GetObjectItem(o, "vlan"));

	/* conns by tuple: hmi:40000 -> plc:502 summed incl. the reverse */
	o = cJSON_GetArrayItem(a, 3);
	assert_string_equal(jstr(o, "type"), "conn");
	assert_string_equal(jstr(o, "proto"), "tcp");
	assert_string_equal(jstr(o, "src_ip"), "10.0.0.10");
	assert_int_equal((int)jnum(o, "src_port"), 40000);
	assert_string_equal(jstr(o, "dst_ip"), "10.0.0.1");
	assert_int_equal((int)jnum(o, "dst_port"), 502);
	assert_string_equal(jstr(o, "app"), "modbus");
	assert_int_equal((int)jnum(o, "packets"), 3 + 4 + 5);
	assert_int_equal((int)jnum(o, "bytes"), 1200);
	/* opener unknown, new: the lower port (502) is taken as the server */
	o = cJSON_GetArrayItem(a, 4);
	assert_string_equal(jstr(o, "src_ip"), "10.0.0.10");
	assert_int_equal((int)jnum(o, "src_port"), 40001);
	assert_int_equal((int)jnum(o, "dst_port"), 502);
	assert_int_equal((int)jnum(o, "packets"), 1);
	assert_int_equal((int)jnum(o, "bytes"), 60);

	/* ops by key: func 3 summed, 16, then 200 without a name */
	o = cJSON_GetArrayItem(a, 5);
	assert_string_equal(jstr(o, "type"), "op");
	assert_string_equal(jstr(o, "app"), "modbus");
	assert_int_equal((int)jnum(o, "func"), 3);
	assert_string_equal(jstr(o, "name"), "read_holding_registers");
	assert_string_equal(jstr(o, "category"), "read");
	assert_int_equal((int)jnum(o, "count"), 15);
	assert_int_equal((int)jnum(o, "responses"), 14);
	assert_int_equal((int)jnum(o, "exceptions"), 1);
	o = cJSON_GetArrayItem(a, 6);
	assert_int_equal((int)jnum(o, "func"), 16);
	assert_string_equal(jstr(o, "category"), "write");
	o = cJSON_GetArrayItem(a, 7);
	assert_int_equal((int)jnum(o, "func"), 200);
	assert_null(cJSON_GetObjectItem(o, "name"));
	cJSON_Delete(a);

	/* timestamps: seconds with exactly 6 decimals; min first, max last */
	f = open_memstream(&buf, &len);
	assert_int_equal(otw_inv_print_json(inv, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"first_seen\":1700000000.123456,"
				    "\"last_seen\":1700000000.129456}"));
	free(buf);

	/* the table prints every section */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(otw_inv_print_table(inv, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "DEVICES (3)"));
	assert_non_null(strstr(buf, "CONNECTIONS (2)"));
	assert_non_null(strstr(buf, "read_holding_registers"));
	free(buf);
	otw_inv_destroy(inv);
	otw_inv_destroy(NULL);
}

static void ip_cap(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	for (unsigned i = 0; i < OTW_STORE_DEV_IPS + 4; i++)
		apply(inv, dev_ev(MAC_GW, ip4(10, 9, 0, (uint8_t)i), 0, T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1);
	assert_int_equal(s.ips_dropped, 4);
	otw_inv_destroy(inv);
}

/* Vendor strings come from the wire (later: identity replies): the JSON
 * must survive quotes, backslashes and control bytes. */
static void strings_escaped(void **state)
{
	char dir[] = "/tmp/otw_test_inv.XXXXXX", p[64];
	struct otw_store_device d = { .mac = { 2, 0, 0, 0, 0, 9 } };
	struct otw_store *st;
	struct otw_txn *t;
	struct otw_inv *inv;
	cJSON *a;

	(void)state;
	strcpy(d.vendor, "A\"b\\c\n\x01");
	strcpy(d.model, "1756-L83E");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(otw_store_open(dir, 64 << 20, 0, &st), 0);
	assert_int_equal(otw_store_txn_begin(st, true, &t), 0);
	assert_int_equal(otw_store_device_put(t, &d), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);
	assert_int_equal(otw_inv_create(&inv), 0);
	assert_int_equal(otw_inv_load(inv, st), 0);
	a = json_lines(inv);
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 0), "vendor"),
			    "A\"b\\c\n\x01");
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 0), "model"),
			    "1756-L83E");
	assert_null(jstr(cJSON_GetArrayItem(a, 0), "role"));
	cJSON_Delete(a);
	otw_inv_destroy(inv);
	otw_store_close(st);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* Many conns exercise index growth; each must stay findable. */
static void many_conns(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	for (int round = 0; round < 2; round++)
		for (uint32_t i = 0; i < 200000; i++)
			apply(inv, conn_ev(ip4(10, (uint8_t)(i >> 16),
					       (uint8_t)(i >> 8), (uint8_t)i),
					   1024, ip4(10, 255, 0, 1), 80,
					   OTW_CONN_ORIG_KNOWN, 1, 10, T0, T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.conns, 200000);
	otw_inv_destroy(inv);
}

static void save_and_load(void **state)
{
	char dir[] = "/tmp/otw_test_inv.XXXXXX", p[64];
	struct otw_store *st;
	struct otw_txn *t;
	struct otw_inv *inv, *inv2;
	struct otw_inv_stats s;
	char *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(otw_store_open(dir, 64 << 20, 0, &st), 0);
	assert_int_equal(otw_inv_create(&inv), 0);
	build_plant(inv);
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.dirty, 3 + 2 + 3);
	assert_int_equal(otw_store_txn_begin(st, true, &t), 0);
	assert_int_equal(otw_inv_save_dirty(inv, t), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.dirty, 0);

	/* one more op delta: only that op (and no device) becomes dirty */
	apply(inv, op_ev(ip4(10, 0, 0, 10), ip4(10, 0, 0, 1), 1, 3, 1, 1, 0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.dirty, 1);
	assert_int_equal(otw_store_txn_begin(st, true, &t), 0);
	assert_int_equal(otw_inv_save_dirty(inv, t), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);

	assert_int_equal(otw_inv_create(&inv2), 0);
	assert_int_equal(otw_inv_load(inv2, st), 0);
	f = open_memstream(&b1, &l1);
	assert_int_equal(otw_inv_print_json(inv, f), 0);
	fclose(f);
	f = open_memstream(&b2, &l2);
	assert_int_equal(otw_inv_print_json(inv2, f), 0);
	fclose(f);
	assert_string_equal(b1, b2);
	assert_non_null(strstr(b2, "\"count\":16"));
	otw_inv_get_stats(inv2, &s);
	assert_int_equal(s.dirty, 0);

	/* the loaded inventory keeps merging: reverse tuple still found */
	apply(inv2, conn_ev(ip4(10, 0, 0, 1), 502, ip4(10, 0, 0, 10), 40000,
			    0, 1, 1, T0, T0));
	otw_inv_get_stats(inv2, &s);
	assert_int_equal(s.conns, 2);

	free(b1);
	free(b2);
	otw_inv_destroy(inv);
	otw_inv_destroy(inv2);
	otw_store_close(st);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(merge_and_json),
		cmocka_unit_test(ip_cap),
		cmocka_unit_test(strings_escaped),
		cmocka_unit_test(many_conns),
		cmocka_unit_test(save_and_load),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
