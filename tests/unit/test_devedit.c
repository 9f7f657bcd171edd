/* Inventory management: the devmeta table, device edits/merges/deletes
 * (audited, all-or-nothing), the CSV parser and importer, names and DHCP
 * ranges, monitor rules (parse and match), and otw-baseline crediting a
 * merged alias's events to its survivor. Real LMDB in a temp dir. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "csv.h"
#include "devedit.h"
#include "devmeta.h"
#include "filter.h"
#include "inv.h"
#include "names.h"
#include "otw_err.h"
#include "setting.h"

static const uint8_t MAC_A[6] = { 0x00, 0x80, 0xf4, 0, 0, 1 };
static const uint8_t MAC_B[6] = { 0x00, 0x80, 0xf4, 0, 0, 2 };

struct fx {
	char dir[64];
	struct otw_store *st;
	struct otw_txn *txn;
};

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } };
	return ip;
}

static struct otw_ev dev_ev(const uint8_t mac[6], struct otw_ip ip, uint64_t ts)
{
	struct otw_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = OTW_EV_DEVICE;
	memcpy(ev.u.dev.mac, mac, 6);
	ev.u.dev.ip = ip;
	ev.u.dev.has_ip = 1;
	ev.u.dev.learn = OTW_LEARN_IP;
	ev.u.dev.ts_ns = ts;
	return ev;
}

/* A store holding devices A (10.0.1.1) and B (10.0.1.2), txn open. */
static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct otw_inv *inv;
	struct otw_ev e[2] = { dev_ev(MAC_A, ip4(10, 0, 1, 1), 1000),
			       dev_ev(MAC_B, ip4(10, 0, 1, 2), 2000) };

	strcpy(fx->dir, "/tmp/otw-devedit-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(otw_store_open(fx->dir, 64 << 20, 0, &fx->st), 0);
	assert_int_equal(otw_inv_create(&inv), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(otw_inv_apply(inv, &e[i]), 0);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &fx->txn), 0);
	assert_int_equal(otw_inv_save_dirty(inv, fx->txn), 0);
	assert_int_equal(otw_store_txn_commit(fx->txn), 0);
	otw_inv_destroy(inv);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &fx->txn), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	otw_store_txn_abort(fx->txn);
	otw_store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void key_of(const uint8_t mac[6], uint8_t k[OTW_STORE_DEVKEY_LEN])
{
	memset(k, 0, OTW_STORE_DEVKEY_LEN);
	memcpy(k + 1, mac, 6);
}

static int count_audit(void *arg, const struct otw_store_audit *a)
{
	(void)a;
	++*(unsigned *)arg;
	return 0;
}

static unsigned audits(struct otw_txn *txn)
{
	unsigned n = 0;

	assert_int_equal(otw_store_audit_foreach(txn, count_audit, &n), 0);
	return n;
}

static void devmeta_roundtrip_and_bounds(void **state)
{
	struct fx *fx = *state;
	struct otw_store_devmeta m = { 0 }, out;

	key_of(MAC_A, m.dev);
	m.authorized = OTW_DEVMETA_AUTH_NO;
	strcpy(m.name, "PLC-1");
	strcpy(m.type, "plc");
	strcpy(m.notes, "line\nwith, comma");
	m.changed_ns = 42;
	assert_int_equal(otw_store_devmeta_put(fx->txn, &m), 0);
	assert_int_equal(otw_store_devmeta_get(fx->txn, m.dev, &out), 0);
	assert_string_equal(out.name, "PLC-1");
	assert_string_equal(out.notes, "line\nwith, comma");
	assert_int_equal(out.authorized, OTW_DEVMETA_AUTH_NO);
	assert_int_equal(out.changed_ns, 42);
	assert_false(out.merged);
	m.authorized = 7;
	assert_int_equal(otw_store_devmeta_put(fx->txn, &m), -EINVAL);
	/* an empty record is deleted, not stored */
	memset(&m, 0, sizeof(m));
	key_of(MAC_A, m.dev);
	assert_int_equal(otw_store_devmeta_put(fx->txn, &m), 0);
	assert_int_equal(otw_store_devmeta_get(fx->txn, m.dev, &out), OTW_ENOTFOUND);
}

static void devkey_text(void **state)
{
	uint8_t k[OTW_STORE_DEVKEY_LEN];
	char b[OTW_DEVKEY_STR_MAX];

	(void)state;
	assert_true(otw_store_devkey_parse("mac:00:80:f4:00:00:01", k));
	assert_string_equal(otw_store_devkey_str(k, b, sizeof(b)), "mac:00:80:f4:00:00:01");
	assert_true(otw_store_devkey_parse("10.0.1.9", k));
	assert_string_equal(otw_store_devkey_str(k, b, sizeof(b)), "ip:10.0.1.9");
	assert_true(otw_store_devkey_parse("ip:fe80::1", k));
	assert_false(otw_store_devkey_parse("mac:10.0.0.1", k));
	assert_false(otw_store_devkey_parse("00:80:f4:00:00", k));
	assert_false(otw_store_devkey_parse("00:80:f4:00:00:-1", k));
	assert_false(otw_store_devkey_parse("", k));
}

static void edit_validates_and_audits(void **state)
{
	struct fx *fx = *state;
	uint8_t a[OTW_STORE_DEVKEY_LEN], nobody[OTW_STORE_DEVKEY_LEN];
	struct otw_devedit e = { .name = "PLC-1", .type = "plc", .authorized = 1 };
	struct otw_store_devmeta m;
	char err[256];
	unsigned n0 = audits(fx->txn);

	key_of(MAC_A, a);
	memcpy(nobody, a, sizeof(a));
	nobody[6] = 0x99;
	assert_int_equal(otw_devedit_edit(fx->txn, a, &e, "alice", err, sizeof(err)), 0);
	assert_int_equal(audits(fx->txn), n0 + 1);
	/* the same edit again changes nothing and audits nothing */
	assert_int_equal(otw_devedit_edit(fx->txn, a, &e, "alice", err, sizeof(err)), 0);
	assert_int_equal(audits(fx->txn), n0 + 1);
	e = (struct otw_devedit){ .type = "toaster", .authorized = -1 };
	assert_int_equal(otw_devedit_edit(fx->txn, a, &e, "alice", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "toaster"));
	e = (struct otw_devedit){ .name = "bad\x01name", .authorized = -1 };
	assert_int_equal(otw_devedit_edit(fx->txn, a, &e, "alice", err, sizeof(err)), -EINVAL);
	e = (struct otw_devedit){ .name = "x", .authorized = -1 };
	assert_int_equal(otw_devedit_edit(fx->txn, nobody, &e, "alice", err, sizeof(err)),
			 OTW_ENOTFOUND);
	assert_int_equal(otw_store_devmeta_get(fx->txn, a, &m), 0);
	assert_string_equal(m.name, "PLC-1"); /* failed edits left it alone */
	assert_string_equal(m.type, "plc");
}

static void merge_rules_and_delete(void **state)
{
	struct fx *fx = *state;
	uint8_t a[OTW_STORE_DEVKEY_LEN], b[OTW_STORE_DEVKEY_LEN];
	struct otw_store_devmeta m;
	struct otw_store_device d;
	char err[256];

	key_of(MAC_A, a);
	key_of(MAC_B, b);
	assert_int_equal(otw_devedit_merge(fx->txn, a, a, "u", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_devedit_merge(fx->txn, b, a, "u", err, sizeof(err)), 0);
	assert_int_equal(otw_devedit_merge(fx->txn, b, a, "u", err, sizeof(err)), -EEXIST);
	/* a now has an alias: merging a away would make a chain */
	assert_int_equal(otw_devedit_merge(fx->txn, a, b, "u", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_store_devmeta_get(fx->txn, b, &m), 0);
	assert_true(m.merged);
	assert_memory_equal(m.merged_into, a, sizeof(a));
	/* deleting the survivor frees its alias */
	assert_int_equal(otw_devedit_delete(fx->txn, a, "u", err, sizeof(err)), 0);
	assert_int_equal(otw_store_device_get_key(fx->txn, a, &d), OTW_ENOTFOUND);
	assert_int_equal(otw_store_devmeta_get(fx->txn, b, &m), OTW_ENOTFOUND);
	assert_int_equal(otw_devedit_delete(fx->txn, a, "u", err, sizeof(err)), OTW_ENOTFOUND);
	assert_int_equal(otw_devedit_unmerge(fx->txn, b, "u", err, sizeof(err)), OTW_ENOTFOUND);
}

struct rows {
	unsigned n, lines[8];
	char last[3][64];
	unsigned nf;
};

static int row_fn(void *arg, unsigned line, char **f, unsigned n)
{
	struct rows *r = arg;

	if (r->n < 8)
		r->lines[r->n] = line;
	r->n++;
	r->nf = n;
	for (unsigned i = 0; i < n && i < 3; i++)
		snprintf(r->last[i], sizeof(r->last[i]), "%s", f[i]);
	return 0;
}

static void csv_rfc4180(void **state)
{
	static const char ok[] = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\n";
	static const char *const bad[] = { "a,\"open\n", "a,\"q\"x,b\n", "a,b\"c\n" };
	struct rows r = { 0 };
	char err[128];
	unsigned line;

	(void)state;
	assert_int_equal(otw_csv_parse(ok, strlen(ok), row_fn, &r, &line, err, sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.lines[1], 2);
	assert_int_equal(r.lines[2], 5); /* the quoted newline counts, blank line skipped */
	assert_int_equal(r.nf, 3);
	assert_string_equal(r.last[0], "last");
	assert_string_equal(r.last[1], "");
	memset(&r, 0, sizeof(r));
	assert_int_equal(otw_csv_parse(ok, 25, row_fn, &r, &line, err, sizeof(err)), 0);
	memset(&r, 0, sizeof(r));
	otw_csv_parse(ok + 7, strlen(ok) - 7, row_fn, &r, &line, err, sizeof(err));
	assert_string_equal(r.last[0], "last");
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(otw_csv_parse(bad[i], strlen(bad[i]), row_fn, &r, &line,
					       err, sizeof(err)), -EINVAL);
		assert_int_equal(line, 1);
	}
	/* every truncation of a valid file is parsed or refused, never overread */
	for (size_t n = 0; n < sizeof(ok) - 1; n++)
		(void)otw_csv_parse(ok, n, row_fn, &r, &line, err, sizeof(err));
}

struct errs {
	unsigned n, line[8];
};

static void err_fn(void *arg, unsigned line, const char *msg)
{
	struct errs *e = arg;

	(void)msg;
	if (e->n < 8)
		e->line[e->n] = line;
	e->n++;
}

static void import_all_or_nothing(void **state)
{
	struct fx *fx = *state;
	static const char bad[] = "key,name,type,authorized\n"
				  "mac:00:80:f4:00:00:01,Good,plc,yes\n"
				  "mac:00:80:f4:00:00:09,Nobody,,\n"
				  "mac:00:80:f4:00:00:02,B,toaster,\n";
	static const char good[] = "notes,key,name\n\"n1\",00:80:f4:00:00:01,\"A, one\"\n";
	struct errs e = { 0 };
	struct otw_store_devmeta m;
	uint8_t a[OTW_STORE_DEVKEY_LEN];
	unsigned changed = 9;

	key_of(MAC_A, a);
	assert_int_equal(otw_devedit_import(fx->txn, bad, strlen(bad), "u", err_fn, &e,
					    &changed), -EINVAL);
	assert_int_equal(changed, 0);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.line[0], 3);
	assert_int_equal(e.line[1], 4);
	/* the caller aborts: a fresh txn sees no change */
	otw_store_txn_abort(fx->txn);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &fx->txn), 0);
	assert_int_equal(otw_store_devmeta_get(fx->txn, a, &m), OTW_ENOTFOUND);
	assert_int_equal(otw_devedit_import(fx->txn, good, strlen(good), "u", err_fn, &e,
					    &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(otw_store_devmeta_get(fx->txn, a, &m), 0);
	assert_string_equal(m.name, "A, one");
	assert_string_equal(m.notes, "n1");
	e.n = 0;
	assert_int_equal(otw_devedit_import(fx->txn, "name\nx\n", 7, "u", err_fn, &e,
					    &changed), -EINVAL);
	assert_int_equal(e.n, 1); /* no key column */
}

static void names_and_dhcp(void **state)
{
	struct fx *fx = *state;
	struct otw_names *nm;
	char err[128], cidr[64];
	struct otw_ip ip = ip4(10, 0, 1, 77);

	assert_int_equal(otw_names_put(fx->txn, OTW_NK_SUBNET, "10.0.0.0/16", "Site", err, sizeof(err)), 0);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_SUBNET, "10.0.1.0/24", "Cell 1", err, sizeof(err)), 0);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_SUBNET, "10.0.1.1/24", "x", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_VLAN, "0020", "Process", err, sizeof(err)), 0);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_VLAN, "20", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_PORT, "tcp/502", "Modbus", err, sizeof(err)), 0);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_PORT, "sctp/1", "x", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_DHCP, "10.0.1.50-10.0.1.99", "", err, sizeof(err)), 0);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_DHCP, "10.0.1.99-10.0.1.50", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_put(fx->txn, OTW_NK_DHCP, "10.0.1.1-fe80::1", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_load(fx->txn, &nm), 0);
	assert_int_equal(otw_names_count(nm), 5);
	assert_string_equal(otw_names_subnet(nm, &ip, cidr, sizeof(cidr)), "Cell 1"); /* longest */
	assert_string_equal(cidr, "10.0.1.0/24");
	ip = ip4(10, 0, 9, 1);
	assert_string_equal(otw_names_subnet(nm, &ip, NULL, 0), "Site");
	assert_string_equal(otw_names_vlan(nm, 20), "Process"); /* canonical "20" */
	assert_string_equal(otw_names_port(nm, IPPROTO_TCP, 502), "Modbus");
	assert_null(otw_names_port(nm, IPPROTO_UDP, 502));
	ip = ip4(10, 0, 1, 50);
	assert_true(otw_names_dynamic(nm, &ip));
	ip = ip4(10, 0, 1, 100);
	assert_false(otw_names_dynamic(nm, &ip));
	otw_names_free(nm);
	assert_int_equal(otw_names_del(fx->txn, OTW_NK_VLAN, "20", err, sizeof(err)), 0);
	assert_int_equal(otw_names_del(fx->txn, OTW_NK_VLAN, "20", err, sizeof(err)), OTW_ENOTFOUND);
}

static struct otw_pkt pkt(struct otw_ip s, struct otw_ip d, uint16_t vlan, uint8_t l4,
			  uint16_t sp, uint16_t dp)
{
	struct otw_pkt p;

	memset(&p, 0, sizeof(p));
	p.l3 = OTW_L3_IPV4;
	p.src = s, p.dst = d, p.vlan = vlan, p.l4 = l4, p.sport = sp, p.dport = dp;
	return p;
}

static void filter_rules(void **state)
{
	struct fx *fx = *state;
	struct otw_filter f;
	struct otw_filter_rule r;
	struct otw_pkt p;
	char err[128], canon[OTW_FILTER_TEXT_MAX];

	assert_int_equal(otw_filter_parse("exclude port tcp/0", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_filter_parse("exclude vlan 4095", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_filter_parse("keep subnet 10.0.0.0/8", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_filter_parse("include subnet 10.0.0.0/8 x", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(otw_names_rule_add(fx->txn, "include   subnet 10.0.0.0/8", canon,
					    sizeof(canon), err, sizeof(err)), 0);
	assert_string_equal(canon, "include subnet 10.0.0.0/8");
	assert_int_equal(otw_names_rule_add(fx->txn, "include subnet 10.0.0.0/8", canon,
					    sizeof(canon), err, sizeof(err)), -EEXIST);
	assert_int_equal(otw_names_rule_add(fx->txn, "exclude vlan 7", canon, sizeof(canon),
					    err, sizeof(err)), 0);
	assert_int_equal(otw_names_rule_add(fx->txn, "exclude port udp/161", canon,
					    sizeof(canon), err, sizeof(err)), 0);
	assert_int_equal(otw_names_rules_load(fx->txn, &f), 0);
	assert_int_equal(f.n, 3);
	p = pkt(ip4(10, 1, 1, 1), ip4(10, 2, 2, 2), 0, IPPROTO_TCP, 40000, 502);
	assert_true(otw_filter_pass(&f, &p));
	p = pkt(ip4(192, 168, 1, 1), ip4(10, 2, 2, 2), 0, IPPROTO_TCP, 40000, 502);
	assert_true(otw_filter_pass(&f, &p)); /* either address */
	p = pkt(ip4(192, 168, 1, 1), ip4(172, 16, 0, 1), 0, IPPROTO_TCP, 40000, 502);
	assert_false(otw_filter_pass(&f, &p)); /* not included */
	p = pkt(ip4(10, 1, 1, 1), ip4(10, 2, 2, 2), 7, IPPROTO_TCP, 40000, 502);
	assert_false(otw_filter_pass(&f, &p)); /* excluded VLAN wins */
	p = pkt(ip4(10, 1, 1, 1), ip4(10, 2, 2, 2), 0, IPPROTO_UDP, 161, 5000);
	assert_false(otw_filter_pass(&f, &p));
	p = pkt(ip4(10, 1, 1, 1), ip4(10, 2, 2, 2), 0, IPPROTO_TCP, 161, 5000);
	assert_true(otw_filter_pass(&f, &p)); /* tcp/161 is not udp/161 */
	p.l3 = OTW_L3_NONE; /* L2 frames: only VLAN rules can match; not included */
	assert_false(otw_filter_pass(&f, &p));
	assert_true(otw_filter_pass(NULL, &p));
	assert_int_equal(otw_names_rule_del(fx->txn, "exclude vlan 7", err, sizeof(err)), 0);
	assert_int_equal(otw_names_rule_del(fx->txn, "exclude vlan 7", err, sizeof(err)), OTW_ENOTFOUND);
}

/* After a merge (reloaded like otw-baseline does), a new IP of the alias's
 * MAC lands on the survivor, and printing shows one device. */
static void inv_credits_alias_to_survivor(void **state)
{
	struct fx *fx = *state;
	uint8_t a[OTW_STORE_DEVKEY_LEN], b[OTW_STORE_DEVKEY_LEN];
	struct otw_inv *inv;
	struct otw_ev ev = dev_ev(MAC_B, ip4(10, 0, 1, 3), 3000);
	char err[128], *out = NULL;
	size_t len = 0;
	FILE *f;

	key_of(MAC_A, a);
	key_of(MAC_B, b);
	assert_int_equal(otw_devedit_merge(fx->txn, b, a, "u", err, sizeof(err)), 0);
	assert_int_equal(otw_store_txn_commit(fx->txn), 0);
	assert_int_equal(otw_inv_create(&inv), 0);
	assert_int_equal(otw_inv_load(inv, fx->st), 0);
	assert_int_equal(otw_inv_apply(inv, &ev), 0);
	assert_non_null(f = open_memstream(&out, &len));
	assert_int_equal(otw_inv_print_devices_json(inv, f), 0);
	fclose(f);
	assert_null(strstr(out, "\"key\":\"mac:00:80:f4:00:00:02\"")); /* not its own line */
	assert_non_null(strstr(out, "\"aliases\":[\"mac:00:80:f4:00:00:02\"]"));
	assert_non_null(strstr(out, "\"10.0.1.3\"")); /* the alias's new IP */
	assert_int_equal(strchr(out, '\n') - out + 1, (long)len); /* one device */
	free(out);
	otw_inv_destroy(inv);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &fx->txn), 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(devmeta_roundtrip_and_bounds, setup, teardown),
		cmocka_unit_test(devkey_text),
		cmocka_unit_test_setup_teardown(edit_validates_and_audits, setup, teardown),
		cmocka_unit_test_setup_teardown(merge_rules_and_delete, setup, teardown),
		cmocka_unit_test(csv_rfc4180),
		cmocka_unit_test_setup_teardown(import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(names_and_dhcp, setup, teardown),
		cmocka_unit_test_setup_teardown(filter_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(inv_credits_alias_to_survivor, setup, teardown),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
