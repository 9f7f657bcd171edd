/* store/: every table round-trips, schema mismatch is refused, a group
 * commit of many records lands whole, an aborted txn leaves nothing, and
 * a reopened store sees exactly what was committed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "otw_err.h"
#include "audit.h"
#include "setting.h"
#include "store.h"

struct fx {
	char dir[64];
	struct otw_store *st;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/otw_test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(otw_store_open(fx->dir, 64 << 20, 0, &fx->st), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char p[128];

	otw_store_close(fx->st);
	snprintf(p, sizeof(p), "%s/data.mdb", fx->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void reopen(struct fx *fx, unsigned flags)
{
	otw_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(otw_store_open(fx->dir, 64 << 20, flags, &fx->st), 0);
}

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			       a, b, c, d } };
	return ip;
}

static void meta_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct otw_txn *t;
	uint64_t epoch, v;
	uint32_t seq, ver;

	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_meta_schema(t, &ver), 0);
	assert_int_equal(ver, OTW_STORE_SCHEMA);
	assert_int_equal(otw_store_worker_get(t, 3, &epoch, &seq), OTW_ENOTFOUND);
	assert_int_equal(otw_store_worker_put(t, 3, 0x1122334455667788ull,
					      0xfffffffeu), 0);
	assert_int_equal(otw_store_counter_get(t, "msgs_lost", &v), OTW_ENOTFOUND);
	assert_int_equal(otw_store_counter_put(t, "msgs_lost", 1ull << 40), 0);
	assert_int_equal(otw_store_counter_put(t, "", 1), -EINVAL);
	assert_int_equal(otw_store_txn_commit(t), 0);

	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(otw_store_worker_get(t, 3, &epoch, &seq), 0);
	assert_true(epoch == 0x1122334455667788ull);
	assert_int_equal(seq, 0xfffffffeu);
	assert_int_equal(otw_store_counter_get(t, "msgs_lost", &v), 0);
	assert_true(v == 1ull << 40);
	otw_store_txn_abort(t);
}

static void device_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct otw_store_device d = { .mac = { 0, 0x1d, 0x9c, 1, 2, 3 },
				      .vlan = 100, .n_ips = 2,
				      .ips_dropped = 7,
				      .first_ns = 1700000000123456789ull,
				      .last_ns = 1700000099000000000ull,
				      .apps_served = 1u << 1,
				      .apps_used = 1u << 13 };
	struct otw_store_device g;
	struct otw_txn *t;

	d.ips[0] = ip4(10, 0, 0, 5);
	d.ips[1] = ip4(192, 168, 1, 5);
	strcpy(d.vendor, "Rockwell \"AB\"");
	strcpy(d.firmware, "v20.11");
	d.arp_ips = 0x2;
	d.flags = OTW_STORE_DEV_ROUTER;
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_device_put(t, &d), 0);
	d.n_ips = OTW_STORE_DEV_IPS + 1;
	assert_int_equal(otw_store_device_put(t, &d), -EINVAL);
	d.n_ips = 2;
	assert_int_equal(otw_store_txn_commit(t), 0);

	reopen(fx, OTW_STORE_RDONLY);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), -EROFS);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(otw_store_device_get(t, &d, &g), 0);
	assert_int_equal(g.by_ip, 0);
	assert_int_equal(g.arp_ips, 0x2);
	assert_int_equal(g.flags, OTW_STORE_DEV_ROUTER);
	assert_memory_equal(g.mac, d.mac, 6);
	assert_int_equal(g.vlan, 100);
	assert_int_equal(g.n_ips, 2);
	assert_int_equal(g.ips_dropped, 7);
	assert_memory_equal(&g.ips[0], &d.ips[0], 16);
	assert_memory_equal(&g.ips[1], &d.ips[1], 16);
	assert_true(g.first_ns == d.first_ns && g.last_ns == d.last_ns);
	assert_true(g.apps_served == d.apps_served);
	assert_true(g.apps_used == d.apps_used);
	assert_string_equal(g.vendor, "Rockwell \"AB\"");
	assert_string_equal(g.model, "");
	assert_string_equal(g.firmware, "v20.11");
	otw_store_txn_abort(t);
}

static void conn_op_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct otw_store_conn c = { .l4 = 6, .flags = OTW_STORE_CONN_ORIG_KNOWN,
				    .src_port = 51000, .dst_port = 502,
				    .app = 1, .vlan = 7,
				    .src_mac = { 2, 0, 0, 0, 0, 1 },
				    .dst_mac = { 2, 0, 0, 0, 0, 2 },
				    .packets = 123456789012ull,
				    .bytes = 1ull << 50,
				    .first_ns = 5, .last_ns = 6 };
	struct otw_store_op o = { .app = 1, .unit = 17, .func = 3,
				  .count = 10, .responses = 9,
				  .exceptions = 1, .first_ns = 7,
				  .last_ns = 8 };
	struct otw_store_conn gc, key = { 0 };
	struct otw_store_op go, okey;
	struct otw_txn *t;

	c.src_ip = ip4(10, 0, 0, 1);
	c.dst_ip = ip4(10, 0, 0, 2);
	o.src_ip = c.src_ip;
	o.dst_ip = c.dst_ip;
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_conn_put(t, &c), 0);
	assert_int_equal(otw_store_op_put(t, &o), 0);
	assert_int_equal(otw_store_txn_commit(t), 0);

	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	key.l4 = 6;
	key.src_ip = c.src_ip;
	key.dst_ip = c.dst_ip;
	key.src_port = 51000;
	key.dst_port = 502;
	assert_int_equal(otw_store_conn_get(t, &key, &gc), 0);
	assert_memory_equal(&gc, &c, sizeof(c)); /* both zero-initialised */
	key.dst_port = 503;
	assert_int_equal(otw_store_conn_get(t, &key, &gc), OTW_ENOTFOUND);
	okey = o;
	okey.count = 0;
	assert_int_equal(otw_store_op_get(t, &okey, &go), 0);
	assert_memory_equal(&go, &o, sizeof(o));
	okey.func = 4;
	assert_int_equal(otw_store_op_get(t, &okey, &go), OTW_ENOTFOUND);
	otw_store_txn_abort(t);
}

static void schema_mismatch_refused(void **state)
{
	struct fx *fx = *state;
	struct otw_store *st2 = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 6, "schema" };
	uint8_t v99[4] = { 99, 0, 0, 0 };
	MDB_val v = { 4, v99 };

	/* rewrite the version behind the store's back */
	otw_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, fx->dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(otw_store_open(fx->dir, 0, 0, &st2), OTW_ESCHEMA);
	assert_null(st2);
	assert_int_equal(otw_store_open(fx->dir, 0, OTW_STORE_RDONLY, &st2),
			 OTW_ESCHEMA);
	/* put it back so teardown's close and other checks are sane */
	v99[0] = OTW_STORE_SCHEMA;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, fx->dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(otw_store_open(fx->dir, 0, 0, &fx->st), 0);
}

static void missing_dir_and_empty_rdonly(void **state)
{
	struct fx *fx = *state;
	struct otw_store *st2 = NULL;
	char sub[96];

	(void)fx;
	assert_int_equal(otw_store_open("/nonexistent/otw", 0, 0, &st2), -ENOENT);
	snprintf(sub, sizeof(sub), "/tmp/otw_test_empty.XXXXXX");
	assert_non_null(mkdtemp(sub));
	/* nothing to read in an empty directory: refused, nothing created */
	assert_true(otw_store_open(sub, 0, OTW_STORE_RDONLY, &st2) < 0);
	assert_null(st2);
	assert_int_equal(rmdir(sub), 0);
}

struct walk {
	uint32_t n;
	uint16_t last_port;
	bool sorted;
};

static int walk_conn(void *arg, const struct otw_store_conn *c)
{
	struct walk *w = arg;

	if (w->n > 0 && c->src_port <= w->last_port)
		w->sorted = false;
	w->last_port = c->src_port;
	w->n++;
	return 0;
}

static int stop_at_10(void *arg, const struct otw_store_conn *c)
{
	struct walk *w = arg;

	(void)c;
	return ++w->n == 10 ? 42 : 0;
}

/* Many records in one txn; an aborted txn leaves nothing behind. */
static void group_commit_many(void **state)
{
	struct fx *fx = *state;
	struct otw_store_conn c = { .l4 = 17, .dst_port = 20000, .packets = 1 };
	struct walk w = { 0, 0, true };
	struct otw_txn *t;
	size_t n;

	c.src_ip = ip4(10, 1, 0, 1);
	c.dst_ip = ip4(10, 1, 0, 2);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	for (uint32_t i = 60000; i > 10000; i--) { /* reverse order on purpose */
		c.src_port = (uint16_t)i;
		assert_int_equal(otw_store_conn_put(t, &c), 0);
	}
	assert_int_equal(otw_store_txn_commit(t), 0);

	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	c.src_port = 1;
	assert_int_equal(otw_store_conn_put(t, &c), 0);
	otw_store_txn_abort(t);
	otw_store_txn_abort(NULL);

	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(otw_store_count(t, "conn", &n), 0);
	assert_int_equal(n, 50000);
	assert_int_equal(otw_store_count(t, "nope", &n), -EINVAL);
	assert_int_equal(otw_store_count(t, "audit", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(otw_store_conn_foreach(t, walk_conn, &w), 0);
	assert_int_equal(w.n, 50000);
	assert_true(w.sorted); /* big-endian ports: key order = port order */
	w.n = 0;
	assert_int_equal(otw_store_conn_foreach(t, stop_at_10, &w), 42);
	otw_store_txn_abort(t);
}

/* An IP-keyed device (a host behind a router) lives beside MAC-keyed
 * ones: key kind 1 + IP; it needs its IP; MAC ones sort first. */
static void device_by_ip(void **state)
{
	struct fx *fx = *state;
	struct otw_store_device a = { .mac = { 0xff, 1, 2, 3, 4, 5 } };
	struct otw_store_device b = { .by_ip = 1, .n_ips = 1,
				      .flags = OTW_STORE_DEV_INTERNET };
	struct otw_store_device k = { .by_ip = 1 }, g;
	struct otw_txn *t;
	size_t n;

	b.ips[0] = ip4(8, 8, 8, 8);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_device_put(t, &b), 0);
	assert_int_equal(otw_store_device_put(t, &a), 0);
	assert_int_equal(otw_store_device_put(t, &k), -EINVAL); /* no IP */
	assert_int_equal(otw_store_txn_commit(t), 0);
	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(otw_store_count(t, "device", &n), 0);
	assert_int_equal(n, 2);
	k.n_ips = 1;
	k.ips[0] = ip4(8, 8, 8, 8);
	assert_int_equal(otw_store_device_get(t, &k, &g), 0);
	assert_int_equal(g.by_ip, 1);
	assert_int_equal(g.flags, OTW_STORE_DEV_INTERNET);
	assert_memory_equal(&g.ips[0], &b.ips[0], 16);
	k.ips[0] = ip4(8, 8, 4, 4);
	assert_int_equal(otw_store_device_get(t, &k, &g), OTW_ENOTFOUND);
	assert_int_equal(otw_store_device_get(t, &a, &g), 0);
	assert_int_equal(g.by_ip, 0);
	otw_store_txn_abort(t);
}

struct fwalk {
	int n;
	struct otw_store_fact last;
};

static int walk_fact(void *arg, const struct otw_store_fact *f)
{
	struct fwalk *w = arg;

	w->n++;
	w->last = *f;
	return 0;
}

/* Facts: value and previous value survive a reopen; the key includes
 * the app and the value hash; oversize lengths are refused. */
static void fact_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct otw_store_device d = { .mac = { 0, 0x1b, 0x1b, 1, 2, 3 } };
	struct otw_store_fact f = { .key = OTW_ATTR_FIRMWARE, .app = 3,
				    .len = 6, .prev_len = 6, .changes = 1,
				    .first_ns = 11, .last_ns = 12,
				    .changed_ns = 11 };
	struct otw_store_fact g;
	struct fwalk w = { 0 };
	struct otw_txn *t;
	size_t n;

	otw_store_device_key(&d, f.dev);
	memcpy(f.val, "V4.2.1", 7);
	memcpy(f.prev, "V4.1.0", 7);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_fact_put(t, &f), 0);
	f.app = 1; /* same key from another protocol: a second record */
	f.len = 2;
	f.prev_len = 0;
	f.changes = 0;
	memcpy(f.val, "V4", 3);
	assert_int_equal(otw_store_fact_put(t, &f), 0);
	f.len = OTW_ATTR_VAL_MAX + 1;
	assert_int_equal(otw_store_fact_put(t, &f), -EINVAL);
	assert_int_equal(otw_store_txn_commit(t), 0);

	reopen(fx, OTW_STORE_RDONLY);
	assert_int_equal(otw_store_txn_begin(fx->st, false, &t), 0);
	assert_int_equal(otw_store_count(t, "fact", &n), 0);
	assert_int_equal(n, 2);
	f.app = 3;
	assert_int_equal(otw_store_fact_get(t, &f, &g), 0);
	assert_string_equal(g.val, "V4.2.1");
	assert_string_equal(g.prev, "V4.1.0");
	assert_int_equal(g.changes, 1);
	assert_true(g.first_ns == 11 && g.last_ns == 12 && g.changed_ns == 11);
	assert_memory_equal(g.dev, f.dev, OTW_STORE_DEVKEY_LEN);
	f.vhash = 5;
	assert_int_equal(otw_store_fact_get(t, &f, &g), OTW_ENOTFOUND);
	assert_int_equal(otw_store_fact_foreach(t, walk_fact, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.last.app, 3); /* key order: app big-endian */
	otw_store_txn_abort(t);
}

struct audit_walk {
	int n;
	uint64_t ids[8];
	char last_user[OTW_AUDIT_USER_MAX];
};

static int walk_audit(void *arg, const struct otw_store_audit *a)
{
	struct audit_walk *w = arg;

	w->ids[w->n++] = a->id;
	snprintf(w->last_user, sizeof(w->last_user), "%s", a->user);
	return w->n == 8;
}

/* Audit entries get rising ids, survive a reopen, walk newest first, are
 * cut to their fields, and an entry without a user is refused. */
static void audit_append_and_walk(void **state)
{
	struct fx *fx = *state;
	struct otw_txn *t;
	struct otw_store_audit a = { 0 };
	struct audit_walk w = { 0 };
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_audit_log(t, "alice", "alert.mute",
					     "alert:7", "because"), 0);
	assert_int_equal(otw_store_audit_log(t, "bob", "device.edit",
					     "device:1", big), 0);
	assert_int_equal(otw_store_audit_add(t, &a), -EINVAL);
	assert_int_equal(otw_store_txn_commit(t), 0);
	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_audit_log(t, "carol", "user.add", "user:dan",
					     NULL), 0);
	assert_int_equal(otw_store_audit_foreach(t, walk_audit, &w), 0);
	assert_int_equal(w.n, 3);
	assert_true(w.ids[0] == 3 && w.ids[1] == 2 && w.ids[2] == 1);
	assert_string_equal(w.last_user, "alice");
	otw_store_txn_abort(t);
}

static int walk_setting(void *arg, const char *name, const void *val,
			size_t len)
{
	int *n = arg;

	(void)val;
	assert_true(strncmp(name, "subnet.", 7) == 0 && len > 0);
	(*n)++;
	return 0;
}

/* Settings round-trip, a cut read reports the full length, prefix walks see
 * only their names, delete removes, bad names and big values are refused. */
static void setting_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct otw_txn *t;
	char buf[16], big[OTW_SETTING_VAL_MAX + 1] = { 0 };
	size_t len;
	int n = 0;

	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_setting_put(t, "learning.mode", "learn", 5), 0);
	assert_int_equal(otw_store_setting_put(t, "subnet.10.0.0.0/24", "Cell A", 6), 0);
	assert_int_equal(otw_store_setting_put(t, "subnet.10.0.1.0/24", "Cell B", 6), 0);
	assert_int_equal(otw_store_setting_put(t, "", "x", 1), -EINVAL);
	assert_int_equal(otw_store_setting_put(t, "big", big, sizeof(big)), -EINVAL);
	assert_int_equal(otw_store_txn_commit(t), 0);
	reopen(fx, 0);
	assert_int_equal(otw_store_txn_begin(fx->st, true, &t), 0);
	assert_int_equal(otw_store_setting_get(t, "learning.mode", buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "learn");
	assert_int_equal(otw_store_setting_get(t, "subnet.10.0.0.0/24", buf, 3, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(buf, "Cel", 3);
	assert_int_equal(otw_store_setting_foreach(t, "subnet.", walk_setting, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(otw_store_setting_del(t, "learning.mode"), 0);
	assert_int_equal(otw_store_setting_get(t, "learning.mode", buf, sizeof(buf), &len),
			 OTW_ENOTFOUND);
	assert_int_equal(otw_store_setting_del(t, "learning.mode"), OTW_ENOTFOUND);
	assert_int_equal(otw_store_txn_commit(t), 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(meta_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(device_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(conn_op_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_mismatch_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(missing_dir_and_empty_rdonly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(group_commit_many, setup, teardown),
		cmocka_unit_test_setup_teardown(device_by_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(fact_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_append_and_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(setting_roundtrip, setup, teardown),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
