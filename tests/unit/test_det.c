/* Learning mode, engines, dedup, and the detector's state surviving a
 * restart through a real LMDB store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert.h"
#include "det.h"
#include "detstore.h"
#include "otw_app.h"
#include "store.h"

#define S(n) ((uint64_t)(n) * 1000000000ull)

static struct otw_ip ip4(unsigned last)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, (uint8_t)last } };
	return ip;
}

static struct otw_ev conn(unsigned src, unsigned dst, uint16_t port, uint64_t ts)
{
	struct otw_ev e = { .kind = OTW_EV_CONN };
	e.u.conn.src_ip = ip4(src);
	e.u.conn.dst_ip = ip4(dst);
	e.u.conn.src_port = 40000;
	e.u.conn.dst_port = port;
	e.u.conn.l4 = 6;
	e.u.conn.flags = OTW_CONN_NEW;
	e.u.conn.app = port == 502 ? OTW_APP_MODBUS : 0;
	e.u.conn.first_ns = e.u.conn.last_ns = ts;
	return e;
}

static struct otw_ev op(unsigned src, unsigned dst, uint16_t func, uint64_t ts)
{
	struct otw_ev e = { .kind = OTW_EV_OP };
	e.u.op.src_ip = ip4(src);
	e.u.op.dst_ip = ip4(dst);
	e.u.op.app = OTW_APP_MODBUS;
	e.u.op.func = func;
	e.u.op.count = e.u.op.responses = 3;
	e.u.op.addr_lo = OTW_ADDR_NONE;
	e.u.op.first_ns = e.u.op.last_ns = ts;
	return e;
}

static struct otw_det *mk(void)
{
	struct otw_det_conf c;
	struct otw_det *d;
	otw_det_conf_default(&c);
	c.learn_ns = S(100);
	c.max_entries = 4096;
	assert_int_equal(otw_det_create(&c, &d), 0);
	return d;
}

static void feed(struct otw_det *d, struct otw_ev e)
{
	otw_det_apply(d, &e);
}

static const struct otw_alert *find(struct otw_det *d, const char *title, uint32_t *count)
{
	uint32_t n;
	const struct otw_alert *a = otw_det_alerts(d, &n);
	const struct otw_alert *hit = NULL;
	*count = 0;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(a[i].title, title) == 0) {
			hit = hit ? hit : &a[i];
			++*count;
		}
	return hit;
}

/* A device event: mac's last byte m claims 10.0.0.ip (ARP when arp). */
static struct otw_ev dev(uint8_t m, unsigned ip, bool arp, uint64_t ts)
{
	struct otw_ev e = { .kind = OTW_EV_DEVICE };
	uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, m };
	memcpy(e.u.dev.mac, mac, 6);
	e.u.dev.ip = ip4(ip);
	e.u.dev.has_ip = 1;
	e.u.dev.learn = arp ? OTW_LEARN_ARP : OTW_LEARN_IP;
	e.u.dev.ts_ns = ts;
	return e;
}

/* Two MACs claiming one IP in ARP: an alert only while the owner is
 * active, from the claimant's MAC to the IP, once (the owner's own claims
 * are no conflict); IP-learned pairs (routers) never count. */
static void arp_conflict(void **s)
{
	struct otw_det *d = mk();
	uint32_t c;
	const struct otw_alert *a;
	(void)s;
	feed(d, dev(0x11, 11, true, S(1)));   /* the PLC, learned */
	feed(d, dev(0x12, 12, true, S(2)));
	feed(d, dev(0x01, 11, false, S(3)));  /* router MAC, IP-learned */
	feed(d, dev(0x11, 11, true, S(150))); /* learning over, owner alive */
	assert_null(find(d, OTW_DET_T_ARP_CONFLICT, &c));
	feed(d, dev(0x66, 11, true, S(160))); /* spoofed reply */
	feed(d, dev(0x11, 11, true, S(165))); /* the owner again */
	feed(d, dev(0x66, 11, true, S(170)));
	a = find(d, OTW_DET_T_ARP_CONFLICT, &c);
	assert_non_null(a);
	assert_int_equal(c, 1);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->engine, OTW_ENG_ANOMALY);
	assert_int_equal(a->src.b[15], 0x66); /* claimant's MAC pseudo-address */
	assert_int_equal(a->dst.b[15], 11);
	/* .12's owner silent for > 300 s: a new MAC takes it over quietly */
	feed(d, dev(0x77, 12, true, S(400)));
	feed(d, dev(0x12, 12, true, S(401))); /* now the old one conflicts */
	assert_int_equal(find(d, OTW_DET_T_ARP_CONFLICT, &c)->count, 2);
	assert_int_equal(c, 2);
	otw_det_destroy(d);
}

static void learn_normal(struct otw_det *d)
{
	feed(d, conn(21, 11, 502, S(1)));
	feed(d, op(21, 11, 3, S(2)));
	feed(d, op(21, 11, 6, S(3)));
}

static void learned_traffic_is_quiet_deviations_alert(void **s)
{
	struct otw_det *d = mk();
	uint32_t n, c;
	(void)s;
	learn_normal(d);
	assert_true(otw_det_learning(d));
	feed(d, conn(21, 11, 502, S(200)));   /* known */
	assert_false(otw_det_learning(d));
	feed(d, op(21, 11, 3, S(201)));
	otw_det_alerts(d, &n);
	assert_int_equal(n, 0);
	feed(d, op(21, 11, 16, S(202)));      /* new function */
	feed(d, op(21, 11, 16, S(203)));      /* same cause again */
	assert_non_null(find(d, "New function code", &c));
	assert_int_equal(c, 1);
	assert_int_equal(find(d, "New function code", &c)->count, 2);
	feed(d, op(66, 11, 5, S(204)));       /* new client */
	assert_non_null(find(d, "New client of an industrial controller", &c));
	feed(d, op(66, 11, 8, S(205)));       /* FC 8: diagnostics unless control */
	for (uint16_t p = 1; p <= 12; p++)    /* port scan */
		feed(d, conn(66, 12, p, S(206)));
	assert_non_null(find(d, "Port scan detected", &c));
	assert_int_equal(c, 1);
	otw_det_destroy(d);
}

static void learning_ends_after_period_once_flat(void **s)
{
	struct otw_det_conf c;
	struct otw_det *d;
	uint64_t at;
	uint32_t recent, n;
	(void)s;
	otw_det_conf_default(&c);
	c.learn_ns = S(100);
	c.max_entries = 4096;
	c.flat = true;
	c.flat_max = 2;
	assert_int_equal(otw_det_create(&c, &d), 0);
	feed(d, conn(21, 11, 502, S(1)));
	for (uint16_t p = 1; p <= 5; p++)     /* still busy in the last tenth */
		feed(d, conn(21, 11, (uint16_t)(600 + p), S(92 + p)));
	feed(d, conn(21, 11, 700, S(101)));   /* period over, not flat: learned */
	assert_true(otw_det_learning(d));
	assert_false(otw_det_take_auto_end(d, &at, &recent));
	otw_det_alerts(d, &n);
	assert_int_equal(n, 0);
	feed(d, conn(21, 11, 502, S(106)));   /* 4 of 6 new ones in (96,106] */
	assert_true(otw_det_learning(d));
	feed(d, conn(21, 11, 502, S(112)));   /* only 700 at 101 in (102,112]... */
	assert_true(otw_det_learning(d) == false);
	assert_true(otw_det_take_auto_end(d, &at, &recent));
	assert_int_equal(at, S(112));
	assert_true(recent <= 2);
	assert_false(otw_det_take_auto_end(d, &at, &recent)); /* once */
	feed(d, conn(21, 11, 701, S(113)));
	otw_det_alerts(d, &n);
	assert_int_equal(n, 1);
	otw_det_destroy(d);
}

static void learning_scopes_and_operator_modes(void **s)
{
	struct otw_det *d = mk();
	struct otw_cidr sc;
	uint32_t n, c;
	(void)s;
	learn_normal(d);
	otw_det_end_learning(d);
	assert_false(otw_det_learning(d));
	assert_int_equal(otw_cidr_parse("10.0.0.64/26", &sc), 0);
	otw_det_set_learning(d, OTW_LEARNMODE_OFF, &sc, 1);
	feed(d, conn(66, 12, 102, S(10)));    /* touches the scope: learned */
	feed(d, conn(21, 66, 103, S(11)));    /* either side counts */
	otw_det_alerts(d, &n);
	assert_int_equal(n, 0);
	feed(d, conn(21, 13, 104, S(12)));    /* outside: operational */
	assert_non_null(find(d, "New connection", &c));
	otw_det_set_learning(d, OTW_LEARNMODE_OFF, NULL, 0);
	feed(d, conn(66, 12, 102, S(13)));    /* learned while scoped: quiet */
	feed(d, conn(66, 12, 105, S(14)));    /* new: alerts now */
	otw_det_alerts(d, &n);
	assert_int_equal(n, 2);
	otw_det_set_learning(d, OTW_LEARNMODE_ON, NULL, 0);
	assert_true(otw_det_learning(d));
	feed(d, conn(30, 31, 106, S(15)));
	otw_det_alerts(d, &n);
	assert_int_equal(n, 2);
	otw_det_destroy(d);
}

static void cidr_parse_match_edges(void **s)
{
	struct otw_cidr c;
	struct otw_ip a = ip4(5), b = ip4(5);
	char buf[64];
	(void)s;
	b.b[14] = 1; /* 10.0.1.5 */
	assert_int_equal(otw_cidr_parse("10.0.0.0/24", &c), 0);
	assert_true(otw_cidr_match(&c, &a));
	assert_false(otw_cidr_match(&c, &b));
	assert_string_equal(otw_cidr_str(&c, buf, sizeof(buf)), "10.0.0.0/24");
	assert_int_equal(otw_cidr_parse("10.0.0.7/23", &c), 0); /* host bits cleared */
	assert_true(otw_cidr_match(&c, &b));
	assert_string_equal(otw_cidr_str(&c, buf, sizeof(buf)), "10.0.0.0/23");
	assert_int_equal(otw_cidr_parse("10.0.0.5", &c), 0);
	assert_true(otw_cidr_match(&c, &a));
	assert_false(otw_cidr_match(&c, &b));
	assert_string_equal(otw_cidr_str(&c, buf, sizeof(buf)), "10.0.0.5");
	assert_int_equal(otw_cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(otw_cidr_match(&c, &b));
	assert_int_equal(otw_cidr_parse("fd00::/8", &c), 0);
	assert_false(otw_cidr_match(&c, &a)); /* v4 is not in a v6 prefix */
	assert_int_equal(otw_cidr_parse("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(otw_cidr_parse("10.0.0/8", &c), -EINVAL);
	assert_int_equal(otw_cidr_parse("", &c), -EINVAL);
	assert_int_equal(otw_cidr_parse("/8", &c), -EINVAL);
}

static void scans_below_threshold_or_across_windows_are_quiet(void **s)
{
	struct otw_det *d = mk();
	uint32_t c;
	(void)s;
	learn_normal(d);
	for (uint16_t p = 1; p <= 9; p++)
		feed(d, conn(66, 12, p, S(300)));
	for (uint16_t p = 10; p <= 18; p++)
		feed(d, conn(66, 12, p, S(400))); /* another minute */
	assert_null(find(d, "Port scan detected", &c));
	otw_det_destroy(d);
}

struct tmpstore {
	char dir[64];
	struct otw_store *st;
};

static void store_open(struct tmpstore *t)
{
	if (t->dir[0] == '\0') {
		snprintf(t->dir, sizeof(t->dir), "/tmp/otw-det-XXXXXX");
		assert_non_null(mkdtemp(t->dir));
	}
	assert_int_equal(otw_store_open(t->dir, 64 << 20, 0, &t->st), 0);
}

static void save(struct otw_det *d, struct tmpstore *t)
{
	struct otw_txn *txn;
	assert_int_equal(otw_store_txn_begin(t->st, true, &txn), 0);
	assert_int_equal(otw_detstore_save(d, txn), 0);
	assert_int_equal(otw_store_txn_commit(txn), 0);
}

static struct otw_det *reload(struct tmpstore *t)
{
	struct otw_det *d = mk();
	struct otw_txn *txn;
	assert_int_equal(otw_store_txn_begin(t->st, false, &txn), 0);
	assert_int_equal(otw_detstore_load(d, txn), 0);
	otw_store_txn_abort(txn);
	return d;
}

static void set_status(struct tmpstore *t, uint64_t id, uint8_t status)
{
	struct otw_txn *txn;
	struct otw_store_alert a;
	assert_int_equal(otw_store_txn_begin(t->st, true, &txn), 0);
	assert_int_equal(otw_store_alert_get(txn, id, &a), 0);
	a.status = status;
	assert_int_equal(otw_store_alert_put(txn, &a), 0);
	assert_int_equal(otw_store_txn_commit(txn), 0);
}

static void state_survives_restart_and_keeps_operator_status(void **s)
{
	struct tmpstore t = { 0 };
	struct otw_det *d;
	const struct otw_alert *a;
	uint32_t c, n;
	uint64_t id;
	char cmd[96];
	(void)s;
	store_open(&t);
	d = mk();
	learn_normal(d);
	feed(d, op(21, 11, 16, S(202)));
	save(d, &t);
	a = find(d, "New function code", &c);
	assert_non_null(a);
	id = a->id;
	assert_true(id > 0);
	otw_det_destroy(d);

	/* a restart: learned traffic stays quiet, the repeat merges */
	d = reload(&t);
	assert_int_equal(otw_det_start_ns(d), S(1));
	feed(d, op(21, 11, 3, S(300)));
	feed(d, op(21, 11, 16, S(301)));
	otw_det_alerts(d, &n);
	assert_int_equal(n, 1);
	assert_int_equal(find(d, "New function code", &c)->count, 2);
	/* the operator mutes it while the detector runs: a save keeps muted */
	set_status(&t, id, OTW_ALERT_MUTED);
	save(d, &t);
	{
		struct otw_txn *txn;
		struct otw_store_alert sa;
		assert_int_equal(otw_store_txn_begin(t.st, false, &txn), 0);
		assert_int_equal(otw_store_alert_get(txn, id, &sa), 0);
		otw_store_txn_abort(txn);
		assert_int_equal(sa.status, OTW_ALERT_MUTED);
		assert_int_equal(sa.count, 2);
	}
	/* closed, then seen again: a new alert with a new id */
	set_status(&t, id, OTW_ALERT_CLOSED);
	otw_det_destroy(d);
	d = reload(&t);
	feed(d, op(21, 11, 16, S(400)));
	save(d, &t);
	a = otw_det_alerts(d, &n);
	assert_int_equal(n, 2);
	assert_true(a[1].id > id);
	assert_int_equal(a[1].count, 1);
	/* learned by the operator: the cause joins the baseline, no repeats */
	set_status(&t, a[1].id, OTW_ALERT_LEARNED);
	{
		struct otw_txn *txn;
		assert_int_equal(otw_store_txn_begin(t.st, false, &txn), 0);
		assert_int_equal(otw_detstore_sync_status(d, txn), 0);
		otw_store_txn_abort(txn);
	}
	feed(d, op(21, 11, 16, S(500)));
	feed(d, op(66, 11, 3, S(501))); /* still alerts on other causes */
	otw_det_alerts(d, &n);
	assert_int_equal(n, 3);
	assert_string_equal(otw_det_alerts(d, &n)[2].title, "New client of an industrial controller");
	otw_det_destroy(d);
	otw_store_close(t.st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t.dir);
	assert_int_equal(system(cmd), 0);
}

/* Writes are learned by address block (OTW_DET_ADDR_BLOCK = 64): a known
 * writer inside its learned blocks is quiet, outside them it alerts once;
 * reads never do. */
static void write_address_ranges(void **state)
{
	struct otw_det *d = mk();
	struct otw_ev e = op(1, 2, 16, S(10)); /* write_multiple_registers */
	uint32_t n;
	const struct otw_alert *a;

	(void)state;
	e.u.op.unit = 3;
	e.u.op.addr_lo = 100;
	e.u.op.addr_hi = 109;
	feed(d, e);
	e.u.op.first_ns = e.u.op.last_ns = S(200); /* operational */
	e.u.op.addr_lo = 70;
	e.u.op.addr_hi = 120; /* still block 1 (64-127) */
	feed(d, e);
	assert_null(find(d, "Write to a new address range", &n));
	e.u.op.addr_lo = 4000;
	e.u.op.addr_hi = 4010;
	feed(d, e);
	a = find(d, "Write to a new address range", &n);
	assert_non_null(a);
	assert_int_equal(n, 1);
	assert_int_equal(a->engine, OTW_ENG_POLICY);
	assert_non_null(strstr(a->desc, "3968-4031"));
	feed(d, e); /* reported once: the block joined the baseline */
	(void)find(d, "Write to a new address range", &n);
	assert_int_equal(n, 1);
	assert_int_equal(find(d, "Write to a new address range", &n)->count, 1);
	e.u.op.unit = 4; /* another unit is another register map: a repeat
			    of the pair's alert (dedup on engine, title, ends) */
	feed(d, e);
	a = find(d, "Write to a new address range", &n);
	assert_int_equal(n, 1);
	assert_int_equal(a->count, 2);
	e = op(1, 2, 3, S(210)); /* read_holding_registers: no write range */
	e.u.op.addr_lo = 9000;
	e.u.op.addr_hi = 9001;
	feed(d, e);
	assert_int_equal(find(d, "Write to a new address range", &n)->count, 2);
	otw_det_destroy(d);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(learned_traffic_is_quiet_deviations_alert),
		cmocka_unit_test(arp_conflict),
		cmocka_unit_test(write_address_ranges),
		cmocka_unit_test(scans_below_threshold_or_across_windows_are_quiet),
		cmocka_unit_test(learning_ends_after_period_once_flat),
		cmocka_unit_test(learning_scopes_and_operator_modes),
		cmocka_unit_test(cidr_parse_match_edges),
		cmocka_unit_test(state_survives_restart_and_keeps_operator_status),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
