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

static struct otw_ev attr_ev(const uint8_t *mac, const struct otw_ip *ip,
			     uint16_t app, uint16_t key, const char *val,
			     uint64_t ts)
{
	struct otw_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OTW_EV_ATTR;
	if (mac != NULL) {
		memcpy(ev.u.attr.mac, mac, 6);
		ev.u.attr.has_mac = 1;
	}
	if (ip != NULL) {
		ev.u.attr.ip = *ip;
		ev.u.attr.has_ip = 1;
	}
	ev.u.attr.app = app;
	ev.u.attr.key = key;
	ev.u.attr.len = (uint8_t)strlen(val);
	memcpy(ev.u.attr.val, val, ev.u.attr.len);
	ev.u.attr.ts_ns = ts;
	return ev;
}

static struct otw_ev arp_ev(const uint8_t mac[6], struct otw_ip ip,
			    uint64_t ts)
{
	struct otw_ev ev = dev_ev(mac, ip, 0, ts);

	ev.u.dev.learn = OTW_LEARN_ARP;
	return ev;
}

/* The device line whose "ips" holds ip (or whose mac is mac). */
static const cJSON *find_dev(const cJSON *a, const char *mac, const char *ip)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, a) {
		const cJSON *ips, *x;
		if (jstr(o, "type") == NULL ||
		    strcmp(jstr(o, "type"), "device") != 0)
			continue;
		if (mac != NULL && jstr(o, "mac") != NULL &&
		    strcmp(jstr(o, "mac"), mac) == 0)
			return o;
		ips = cJSON_GetObjectItem(o, "ips");
		cJSON_ArrayForEach(x, ips)
			if (ip != NULL && strcmp(x->valuestring, ip) == 0)
				return o;
	}
	return NULL;
}

static int count_type(const cJSON *a, const char *type)
{
	const cJSON *o;
	int n = 0;

	cJSON_ArrayForEach(o, a)
		n += jstr(o, "type") && strcmp(jstr(o, "type"), type) == 0;
	return n;
}

/* The fact of key (and app) in a device line, NULL if none. */
static const cJSON *find_fact(const cJSON *dev, const char *key,
			      const char *app)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(dev, "facts"))
		if (strcmp(jstr(f, "key"), key) == 0 &&
		    (app == NULL || strcmp(jstr(f, "app"), app) == 0))
			return f;
	return NULL;
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
	/* many IPs in one /24: aliases, not a router */
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
	otw_inv_set_oui(inv, NULL);
	build_plant(inv);
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 3);
	assert_int_equal(s.conns, 2);
	assert_int_equal(s.ops, 3);

	a = json_lines(inv);
	/* 3 devices, 3 subnets, 2 conns, 3 ops */
	assert_int_equal(cJSON_GetArraySize(a), 3 + 3 + 2 + 3);

	/* devices by MAC: HMI 00:0c.., PLC 00:80.., GW 02:.. */
	o = cJSON_GetArrayItem(a, 0);
	assert_string_equal(jstr(o, "type"), "device");
	assert_string_equal(jstr(o, "mac"), "00:0c:29:00:00:02");
	assert_string_equal(jstr(o, "role"), "hmi");
	assert_string_equal(jstr(o, "device_type"), "hmi");
	assert_string_equal(jstr(o, "keyed"), "mac");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "internet")));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(o, "facts")));
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
	assert_null(jstr(o, "role"));
	assert_string_equal(jstr(o, "device_type"), "unknown");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "router")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "ips")), 6);
	assert_null(cJSON_GetObjectItem(o, "vlan"));

	/* subnets: /24s of the device IPs, with device counts */
	o = cJSON_GetArrayItem(a, 3);
	assert_string_equal(jstr(o, "type"), "subnet");
	assert_string_equal(jstr(o, "cidr"), "10.0.0.0/24");
	assert_int_equal((int)jnum(o, "devices"), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 4), "cidr"),
			    "172.16.0.0/24");
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 5), "cidr"),
			    "192.168.0.0/24");

	/* conns by tuple: hmi:40000 -> plc:502 summed incl. the reverse */
	o = cJSON_GetArrayItem(a, 6);
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
	o = cJSON_GetArrayItem(a, 7);
	assert_string_equal(jstr(o, "src_ip"), "10.0.0.10");
	assert_int_equal((int)jnum(o, "src_port"), 40001);
	assert_int_equal((int)jnum(o, "dst_port"), 502);
	assert_int_equal((int)jnum(o, "packets"), 1);
	assert_int_equal((int)jnum(o, "bytes"), 60);

	/* ops by key: func 3 summed, 16, then 200 without a name */
	o = cJSON_GetArrayItem(a, 8);
	assert_string_equal(jstr(o, "type"), "op");
	assert_string_equal(jstr(o, "app"), "modbus");
	assert_int_equal((int)jnum(o, "func"), 3);
	assert_string_equal(jstr(o, "name"), "read_holding_registers");
	assert_string_equal(jstr(o, "category"), "read");
	assert_int_equal((int)jnum(o, "count"), 15);
	assert_int_equal((int)jnum(o, "responses"), 14);
	assert_int_equal((int)jnum(o, "exceptions"), 1);
	o = cJSON_GetArrayItem(a, 9);
	assert_int_equal((int)jnum(o, "func"), 16);
	assert_string_equal(jstr(o, "category"), "write");
	o = cJSON_GetArrayItem(a, 10);
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
	/* addresses it answers ARP for are its own: capped, not routed */
	for (unsigned i = 0; i < OTW_STORE_DEV_IPS + 4; i++) {
		struct otw_ev ev = dev_ev(MAC_GW, ip4(10, 9, 0, (uint8_t)i), 0, T0);
		ev.u.dev.learn = OTW_LEARN_ARP;
		apply(inv, ev);
	}
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1);
	assert_int_equal(s.ips_dropped, 4);
	otw_inv_destroy(inv);
}

/* Captures without MACs (Linux cooked, raw IP) give zero MACs: the
 * senders are still devices, keyed by IP; a group MAC never is. */
static void zero_mac_keyed_by_ip(void **state)
{
	static const uint8_t zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct otw_inv *inv;
	struct otw_inv_stats s;
	cJSON *a;
	const cJSON *d;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, dev_ev(zero, ip4(10, 7, 0, 1), 0, T0));
	apply(inv, dev_ev(zero, ip4(10, 7, 0, 1), 0, T0 + 9));
	apply(inv, dev_ev(bcast, ip4(10, 7, 0, 2), 0, T0));
	apply(inv, dev_ev(zero, ip4(224, 0, 0, 1), 0, T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1);
	a = json_lines(inv);
	d = find_dev(a, NULL, "10.7.0.1");
	assert_non_null(d);
	assert_string_equal(jstr(d, "keyed"), "ip");
	cJSON_Delete(a);
	otw_inv_destroy(inv);
}

/* Many addresses on one MAC in one /24, none answered by ARP: not one host
 * (a proxy-ARP/L3 device or rewritten MACs): one IP-keyed device each. */
static void many_ips_one_net(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	for (unsigned i = 1; i <= OTW_INV_ROUTER_IPS_1NET; i++)
		apply(inv, dev_ev(MAC_GW, ip4(10, 9, 0, (uint8_t)i), 0, T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1); /* a multi-homed host is still one */
	assert_int_equal(s.routers, 0);
	apply(inv, dev_ev(MAC_GW, ip4(10, 9, 0, 99), 0, T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.routers, 1);
	assert_int_equal(s.devices, 1 + OTW_INV_ROUTER_IPS_1NET + 1);
	assert_int_equal(s.ips_dropped, 0);
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

/* Facts merge per (device, key, app); a changed value keeps the old one
 * as evidence; repeats only widen the times. */
static void facts_merge_and_change(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;
	struct otw_ip plc = ip4(10, 0, 0, 1);
	cJSON *a;
	const cJSON *d, *f;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	otw_inv_set_oui(inv, NULL);
	apply(inv, dev_ev(MAC_PLC, plc, 0, T0));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_FIRMWARE,
			   "V4.1.0", T0 + 1000));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_FIRMWARE,
			   "V4.1.0", T0 + 2000));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_FIRMWARE,
			   "V4.2.1", T0 + 3000000));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_MODEL,
			   "CPU 1516-3 PN/DP", T0 + 1000));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_SERIAL,
			   "S C-X4U421302", T0 + 1000));
	/* two modules: two facts, not a change */
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_MODULE,
			   "6ES7 516-3AN01", T0 + 1000));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_MODULE,
			   "6ES7 522-1BL01", T0 + 1000));
	/* bad keys and empty values are ignored */
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, 0, "x", T0));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR__COUNT,
			   "x", T0));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_S7COMM, OTW_ATTR_NAME, "",
			   T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1);
	assert_int_equal(s.facts, 5);

	a = json_lines(inv);
	d = find_dev(a, "00:80:f4:00:00:01", NULL);
	assert_non_null(d);
	assert_string_equal(jstr(d, "firmware"), "V4.2.1");
	assert_string_equal(jstr(d, "model"), "CPU 1516-3 PN/DP");
	assert_string_equal(jstr(d, "serial"), "S C-X4U421302");
	f = find_fact(d, "firmware", "s7comm");
	assert_non_null(f);
	assert_string_equal(jstr(f, "value"), "V4.2.1");
	assert_string_equal(jstr(f, "previous"), "V4.1.0");
	assert_int_equal((int)jnum(f, "changes"), 1);
	assert_true(jnum(f, "changed") > 1700000000.1);
	assert_true(jnum(f, "first_seen") == jnum(f, "last_seen"));
	f = find_fact(d, "model", NULL);
	assert_null(cJSON_GetObjectItem(f, "previous"));
	cJSON_Delete(a);
	otw_inv_destroy(inv);
}

/* One chosen value per field: OT > LLDP/CDP/SNMP > DHCP > HTTP & co >
 * MAC OUI, whatever the arrival order. */
static void precedence(void **state)
{
	struct otw_inv *inv;
	struct otw_ip ip = ip4(10, 0, 0, 7);
	static const uint8_t mac[6] = { 0x00, 0x1b, 0x1b, 7, 7, 7 };
	const struct otw_oui *oui = otw_oui_default();
	cJSON *a;
	const cJSON *d;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, dev_ev(mac, ip, 0, T0));
	a = json_lines(inv);
	d = find_dev(a, NULL, "10.0.0.7");
	if (oui != NULL && otw_oui_vendor(oui, mac) != NULL) /* ieee-data */
		assert_string_equal(jstr(d, "vendor"), "Siemens");
	cJSON_Delete(a);

	apply(inv, attr_ev(mac, &ip, OTW_APP_HTTP, OTW_ATTR_VENDOR, "WebCo",
			   T0 + 1));
	a = json_lines(inv);
	assert_string_equal(jstr(find_dev(a, NULL, "10.0.0.7"), "vendor"),
			    "WebCo"); /* any fact beats the OUI */
	cJSON_Delete(a);
	apply(inv, attr_ev(mac, &ip, OTW_APP_S7COMM, OTW_ATTR_VENDOR,
			   "Siemens AG", T0 + 2));
	apply(inv, attr_ev(mac, &ip, OTW_APP_DHCP, OTW_ATTR_VENDOR,
			   "DhcpCo", T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_LLDP, OTW_ATTR_VENDOR,
			   "LldpCo", T0 + 4));
	apply(inv, attr_ev(mac, &ip, OTW_APP_DHCP, OTW_ATTR_HOSTNAME,
			   "plc-7", T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_MDNS, OTW_ATTR_NAME,
			   "plc-7.local", T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_PROFINET, OTW_ATTR_NAME,
			   "pn-station-7", T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_HTTP, OTW_ATTR_OS, "Linux",
			   T0 + 3));
	a = json_lines(inv);
	d = find_dev(a, NULL, "10.0.0.7");
	assert_string_equal(jstr(d, "vendor"), "Siemens AG");
	assert_string_equal(jstr(d, "name"), "pn-station-7");
	assert_string_equal(jstr(d, "os"), "Linux");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "facts")), 8);
	cJSON_Delete(a);
	otw_inv_destroy(inv);

	/* without the OT fact: LLDP wins over DHCP and HTTP; DHCP's host
	 * name beats mDNS */
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, attr_ev(mac, &ip, OTW_APP_DHCP, OTW_ATTR_VENDOR, "DhcpCo",
			   T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_LLDP, OTW_ATTR_VENDOR, "LldpCo",
			   T0 + 1));
	apply(inv, attr_ev(mac, &ip, OTW_APP_HTTP, OTW_ATTR_VENDOR, "WebCo",
			   T0 + 9));
	apply(inv, attr_ev(mac, &ip, OTW_APP_MDNS, OTW_ATTR_NAME,
			   "plc-7.local", T0 + 3));
	apply(inv, attr_ev(mac, &ip, OTW_APP_DHCP, OTW_ATTR_HOSTNAME,
			   "plc-7", T0 + 3));
	a = json_lines(inv);
	d = find_dev(a, NULL, "10.0.0.7");
	assert_string_equal(jstr(d, "vendor"), "LldpCo");
	assert_string_equal(jstr(d, "name"), "plc-7");
	assert_int_equal(otw_inv_app_tier(OTW_APP_GOOSE), 5);
	assert_int_equal(otw_inv_app_tier(OTW_APP_CDP), 4);
	assert_int_equal(otw_inv_app_tier(OTW_APP_DHCP), 3);
	assert_int_equal(otw_inv_app_tier(OTW_APP_SSDP), 2);
	cJSON_Delete(a);
	otw_inv_destroy(inv);
}

/* A fact with only an IP names the device owning the IP, or creates an
 * IP-keyed one; a group MAC falls back to the IP. */
static void facts_by_ip(void **state)
{
	struct otw_inv *inv;
	struct otw_ip plc = ip4(10, 0, 0, 1), far = ip4(10, 8, 0, 9);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct otw_inv_stats s;
	cJSON *a;
	const cJSON *d;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, dev_ev(MAC_PLC, plc, 0, T0));
	apply(inv, attr_ev(NULL, &plc, OTW_APP_MODBUS, OTW_ATTR_VENDOR,
			   "Schneider Electric", T0));
	apply(inv, attr_ev(bcast, &far, OTW_APP_BACNET, OTW_ATTR_MODEL,
			   "PXC36", T0));
	apply(inv, attr_ev(NULL, NULL, OTW_APP_BACNET, OTW_ATTR_MODEL,
			   "nowhere", T0));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 2);
	a = json_lines(inv);
	d = find_dev(a, "00:80:f4:00:00:01", NULL);
	assert_string_equal(jstr(d, "vendor"), "Schneider Electric");
	d = find_dev(a, NULL, "10.8.0.9");
	assert_non_null(d);
	assert_null(jstr(d, "mac"));
	assert_string_equal(jstr(d, "keyed"), "ip");
	assert_string_equal(jstr(d, "model"), "PXC36");
	cJSON_Delete(a);
	otw_inv_destroy(inv);
}

/* A MAC seen with IPs of several /24s is a router: it keeps its own
 * (ARP-learnt) address; the routed IPs become IP-keyed devices; public
 * ones are marked internet and left out of the subnets. */
static void router_mac(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;
	struct otw_ip far = ip4(10, 3, 0, 8), pub = ip4(8, 8, 8, 8);
	cJSON *a;
	const cJSON *d;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, arp_ev(MAC_GW, ip4(10, 1, 1, 254), T0));
	apply(inv, dev_ev(MAC_GW, ip4(10, 2, 0, 7), 0, T0 + 1));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.routers, 0); /* two /24s: maybe a dual-homed host */
	apply(inv, dev_ev(MAC_GW, far, 0, T0 + 2));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.routers, 1);
	assert_int_equal(s.devices, 3);
	/* later routed traffic goes straight to IP-keyed devices */
	apply(inv, dev_ev(MAC_GW, pub, 0, T0 + 3));
	apply(inv, dev_ev(MAC_GW, ip4(10, 1, 1, 254), 0, T0 + 4)); /* own */
	apply(inv, conn_ev(ip4(10, 5, 0, 1), 40000, ip4(10, 1, 1, 20), 502,
			   OTW_CONN_ORIG_KNOWN, 1, 1, T0, T0));
	/* the conn names the router's MAC for the far client */
	{
		struct otw_ev ev = conn_ev(ip4(10, 6, 0, 1), 40001,
					   ip4(10, 1, 1, 20), 502,
					   OTW_CONN_ORIG_KNOWN, 1, 1, T0, T0);
		memcpy(ev.u.conn.src_mac, MAC_GW, 6);
		memcpy(ev.u.conn.dst_mac, MAC_PLC, 6);
		apply(inv, ev);
	}
	/* a fact about a routed IP, sent with the router's MAC */
	apply(inv, attr_ev(MAC_GW, &far, OTW_APP_ENIP, OTW_ATTR_VENDOR,
			   "Rockwell", T0 + 5));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.internet, 1);
	a = json_lines(inv);
	d = find_dev(a, "02:00:00:00:00:fe", NULL);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "router")));
	assert_string_equal(jstr(d, "device_type"), "router");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "ips")), 1);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "ips"), 0)
				    ->valuestring, "10.1.1.254");
	assert_null(find_fact(d, "vendor", NULL));
	d = find_dev(a, NULL, "10.3.0.8");
	assert_string_equal(jstr(d, "keyed"), "ip");
	assert_string_equal(jstr(d, "vendor"), "Rockwell");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(d, "internet")));
	d = find_dev(a, NULL, "10.2.0.7");
	assert_string_equal(jstr(d, "keyed"), "ip");
	d = find_dev(a, NULL, "8.8.8.8");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "internet")));
	d = find_dev(a, NULL, "10.6.0.1");
	assert_non_null(d);
	assert_string_equal(jstr(d, "keyed"), "ip");
	d = find_dev(a, NULL, "10.1.1.20");
	assert_string_equal(jstr(d, "mac"), "00:80:f4:00:00:01");
	assert_null(find_dev(a, NULL, "10.5.0.1")); /* no MAC, no device */
	/* subnets: every private /24 seen (10.1.1, 10.2.0, 10.3.0, 10.6.0),
	 * not 8.8.8.0 */
	assert_int_equal(count_type(a, "subnet"), 4);
	cJSON_Delete(a);
	otw_inv_destroy(inv);
}

/* 0.0.0.0 (DHCP DISCOVER), broadcast and multicast are never device IPs
 * and group MACs never devices. */
static void unspecified_filtered(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 0xfb };
	struct otw_ev ev;
	cJSON *a;
	const cJSON *d;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, dev_ev(MAC_HMI, ip4(0, 0, 0, 0), 0, T0));
	ev = conn_ev(ip4(0, 0, 0, 0), 68, ip4(255, 255, 255, 255), 67,
		     OTW_CONN_ORIG_KNOWN, 1, 300, T0, T0);
	ev.u.conn.l4 = IPPROTO_UDP;
	ev.u.conn.app = OTW_APP_DHCP;
	memcpy(ev.u.conn.src_mac, MAC_HMI, 6);
	memcpy(ev.u.conn.dst_mac, bcast, 6);
	apply(inv, ev);
	ev = conn_ev(ip4(10, 0, 0, 10), 5353, ip4(224, 0, 0, 251), 5353,
		     OTW_CONN_ORIG_KNOWN, 1, 100, T0, T0);
	memcpy(ev.u.conn.src_mac, MAC_HMI, 6);
	memcpy(ev.u.conn.dst_mac, mcast, 6);
	apply(inv, ev);
	apply(inv, dev_ev(bcast, ip4(10, 0, 0, 99), 0, T0));
	apply(inv, dev_ev(MAC_HMI, ip4(127, 0, 0, 1), 0, T0));
	{
		struct otw_ip v6any = { { 0 } }, v6mc = { { 0xff, 0x02 } };
		v6mc.b[15] = 1;
		ev = dev_ev(MAC_HMI, v6any, 0, T0);
		apply(inv, ev);
		apply(inv, dev_ev(MAC_HMI, v6mc, 0, T0));
		assert_false(otw_inv_host_ip(&v6mc));
	}
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.devices, 1);
	a = json_lines(inv);
	d = find_dev(a, "00:0c:29:00:00:02", NULL);
	assert_non_null(d);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "ips"), 0)
				    ->valuestring, "10.0.0.10");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "ips")), 1);
	assert_null(find_dev(a, NULL, "0.0.0.0"));
	assert_null(find_dev(a, NULL, "255.255.255.255"));
	assert_null(find_dev(a, NULL, "224.0.0.251"));
	/* the DHCP client is still credited, by its MAC */
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(d,
				"protocols"), 0)->valuestring, "dhcp");
	cJSON_Delete(a);
	assert_true(otw_inv_public_ip(&(struct otw_ip){ { 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0xff, 0xff, 8, 8, 4, 4 } }));
	assert_false(otw_inv_public_ip(&(struct otw_ip){ { 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0xff, 0xff, 172, 20, 4, 4 } }));
	assert_false(otw_inv_public_ip(&(struct otw_ip){ { 0xfd, 1 } }));
	assert_true(otw_inv_public_ip(&(struct otw_ip){ { 0x20, 1, 0xd, 0xb8,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } }));
	otw_inv_destroy(inv);
}

/* A conn stored from a guess (no SYN: lower port taken as the server)
 * is turned round when an event with the known opener arrives. */
static void direction_flip(void **state)
{
	struct otw_inv *inv;
	struct otw_inv_stats s;
	struct otw_ip a_ip = ip4(10, 0, 0, 1), b_ip = ip4(10, 0, 0, 2);
	cJSON *a;
	const cJSON *c;
	int i;

	(void)state;
	assert_int_equal(otw_inv_create(&inv), 0);
	/* client port 1000 < server port 5000: the guess is wrong */
	apply(inv, conn_ev(a_ip, 1000, b_ip, 5000, 0, 2, 200, T0, T0 + 1));
	/* the engine learnt the opener late (not the flow's first event) */
	apply(inv, conn_ev(a_ip, 1000, b_ip, 5000, OTW_CONN_ORIG_KNOWN, 3,
			   300, T0 + 2, T0 + 3));
	/* another guessed delta, in either direction, joins it */
	apply(inv, conn_ev(b_ip, 5000, a_ip, 1000, 0, 1, 100, T0 + 4, T0 + 4));
	apply(inv, conn_ev(a_ip, 1000, b_ip, 5000, 0, 1, 100, T0 + 5, T0 + 5));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.conns, 1);
	assert_int_equal(s.flips, 1);
	a = json_lines(inv);
	for (i = 0; i < cJSON_GetArraySize(a); i++)
		if (strcmp(jstr(cJSON_GetArrayItem(a, i), "type"), "conn") == 0)
			break;
	c = cJSON_GetArrayItem(a, i);
	assert_string_equal(jstr(c, "src_ip"), "10.0.0.1");
	assert_int_equal((int)jnum(c, "src_port"), 1000);
	assert_int_equal((int)jnum(c, "dst_port"), 5000);
	assert_int_equal((int)jnum(c, "packets"), 7);
	cJSON_Delete(a);
	/* a known opener on both sides (port reuse): two conns, no flip */
	apply(inv, conn_ev(b_ip, 5000, a_ip, 1000, OTW_CONN_ORIG_KNOWN |
			   OTW_CONN_NEW, 1, 1, T0 + 9, T0 + 9));
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.conns, 2);
	assert_int_equal(s.flips, 1);
	otw_inv_destroy(inv);
}

/* Facts, IP-keyed and router devices survive save + load. */
static void facts_save_and_load(void **state)
{
	char dir[] = "/tmp/otw_test_inv.XXXXXX", p[64];
	struct otw_store *st;
	struct otw_txn *t;
	struct otw_inv *inv, *inv2;
	struct otw_inv_stats s;
	struct otw_ip plc = ip4(10, 0, 0, 1), far = ip4(10, 9, 0, 1);
	char *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(otw_store_open(dir, 64 << 20, 0, &st), 0);
	assert_int_equal(otw_inv_create(&inv), 0);
	apply(inv, dev_ev(MAC_PLC, plc, 0, T0));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_ENIP, OTW_ATTR_FIRMWARE,
			   "20.11", T0));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_ENIP, OTW_ATTR_FIRMWARE,
			   "20.12", T0 + 5));
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_ENIP, OTW_ATTR_ROLE, "plc",
			   T0 + 5));
	apply(inv, attr_ev(NULL, &far, OTW_APP_DNP3, OTW_ATTR_ROLE, "rtu",
			   T0 + 5));
	apply(inv, arp_ev(MAC_GW, ip4(10, 1, 1, 1), T0));
	apply(inv, dev_ev(MAC_GW, ip4(10, 2, 1, 1), 0, T0));
	apply(inv, dev_ev(MAC_GW, ip4(10, 3, 1, 1), 0, T0));
	assert_int_equal(otw_store_txn_begin(st, true, &t), 0);
	assert_int_equal(otw_inv_save_dirty(inv, t), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);
	otw_inv_get_stats(inv, &s);
	assert_int_equal(s.dirty, 0);
	/* a repeat of a known fact value and a new one: one fact dirty each */
	apply(inv, attr_ev(MAC_PLC, &plc, OTW_APP_ENIP, OTW_ATTR_SERIAL,
			   "0x1234", T0 + 6));
	assert_int_equal(otw_store_txn_begin(st, true, &t), 0);
	assert_int_equal(otw_inv_save_dirty(inv, t), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);

	otw_store_close(st);
	assert_int_equal(otw_store_open(dir, 64 << 20, OTW_STORE_RDONLY, &st),
			 0);
	assert_int_equal(otw_inv_create(&inv2), 0);
	assert_int_equal(otw_inv_load(inv2, st), 0);
	otw_inv_get_stats(inv2, &s);
	assert_int_equal(s.dirty, 0);
	assert_int_equal(s.routers, 1);
	f = open_memstream(&b1, &l1);
	assert_int_equal(otw_inv_print_json(inv, f), 0);
	fclose(f);
	f = open_memstream(&b2, &l2);
	assert_int_equal(otw_inv_print_json(inv2, f), 0);
	fclose(f);
	assert_string_equal(b1, b2);
	assert_non_null(strstr(b2, "\"previous\":\"20.11\""));
	assert_non_null(strstr(b2, "\"device_type\":\"rtu\""));
	/* loaded facts keep merging: same value = no new fact */
	apply(inv2, attr_ev(MAC_PLC, &plc, OTW_APP_ENIP, OTW_ATTR_FIRMWARE,
			    "20.12", T0 + 9));
	otw_inv_get_stats(inv2, &s);
	assert_int_equal(s.facts, 4);
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
		cmocka_unit_test(many_ips_one_net),
		cmocka_unit_test(zero_mac_keyed_by_ip),
		cmocka_unit_test(strings_escaped),
		cmocka_unit_test(many_conns),
		cmocka_unit_test(save_and_load),
		cmocka_unit_test(facts_merge_and_change),
		cmocka_unit_test(precedence),
		cmocka_unit_test(facts_by_ip),
		cmocka_unit_test(router_mac),
		cmocka_unit_test(unspecified_filtered),
		cmocka_unit_test(direction_flip),
		cmocka_unit_test(facts_save_and_load),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
