/* Engine + flow table + Modbus: events out of synthetic packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "flow.h"
#include "pktbuild.h"

static const uint8_t HMI[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t PLC[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define HMI_IP 0x0a000064
#define PLC_IP 0x0a00000a

struct cap {
	struct otw_ev ev[4096];
	unsigned n;
};

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 4096; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(struct cap *c, uint32_t flows)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = flows;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = c;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* TCP sequence numbers of the HMI->PLC and PLC->HMI streams of mb(). */
static uint32_t mb_seq[2];

static void mb(struct otw_engine *e, bool req, uint16_t tid, uint8_t unit,
	       uint8_t func, uint64_t ts)
{
	struct pb b;
	uint8_t adu[] = { (uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 6, unit, func, 0, 1, 0, 2 };
	uint32_t *seq = &mb_seq[req ? 0 : 1];
	if (req)
		pb_tcp_frame_seq(&b, HMI, PLC, HMI_IP, PLC_IP, 50000, 502, *seq, 0x18, adu, sizeof(adu));
	else
		pb_tcp_frame_seq(&b, PLC, HMI, PLC_IP, HMI_IP, 502, 50000, *seq, 0x18, adu, sizeof(adu));
	*seq += sizeof(adu);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

static const struct otw_ev_op *find_op(const struct cap *c, uint8_t func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.func == func)
			return &c->ev[i].u.op;
	return NULL;
}

static void modbus_pairs_requests_and_exceptions(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	const struct otw_ev_op *op;
	unsigned conns = 0, pkts = 0;
	(void)s;
	c.n = 0;
	e = mk(&c, 1024);
	for (uint16_t t = 1; t <= 10; t++) {
		mb(e, true, t, 1, 3, t * 1000000ull);
		mb(e, false, t, 1, t == 5 ? 0x83 : 3, t * 1000000ull + 500);
	}
	mb(e, true, 99, 1, 16, 20000000);
	mb(e, false, 77, 1, 16, 20000001); /* unpaired, still a response */
	otw_engine_flush(e, true);
	op = find_op(&c, 3);
	assert_non_null(op);
	assert_int_equal(op->count, 10);
	assert_int_equal(op->responses, 10);
	assert_int_equal(op->exceptions, 1);
	assert_int_equal(op->src_ip.b[15], HMI_IP & 0xff); /* client is the HMI */
	op = find_op(&c, 16);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	for (unsigned i = 0; i < c.n; i++) {
		if (c.ev[i].kind != OTW_EV_CONN)
			continue;
		conns += (c.ev[i].u.conn.flags & OTW_CONN_NEW) != 0;
		pkts += c.ev[i].u.conn.packets;
		assert_int_equal(c.ev[i].u.conn.app, OTW_APP_MODBUS);
		assert_int_equal(c.ev[i].u.conn.dst_port, 502);
	}
	assert_int_equal(conns, 1);
	assert_int_equal(pkts, 22);
	otw_engine_destroy(e);
}

static void tcp_retransmission_is_not_counted_twice(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	struct otw_engine_stats st;
	const struct otw_ev_op *op;
	(void)s;
	c.n = 0;
	e = mk(&c, 64);
	mb_seq[0] = 1000;
	mb(e, true, 1, 1, 3, 1000);
	mb_seq[0] = 1000; /* same bytes again */
	mb(e, true, 1, 1, 3, 2000);
	mb(e, true, 2, 1, 3, 3000);
	mb_seq[0] += 100; /* 100 bytes lost on the way to the sensor */
	mb(e, true, 3, 1, 3, 4000);
	otw_engine_flush(e, true);
	op = find_op(&c, 3);
	assert_non_null(op);
	assert_int_equal(op->count, 3);
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.tcp_retrans, 1);
	assert_int_equal(st.tcp_gaps, 1);
	otw_engine_destroy(e);
}

static void modbus_two_adus_in_one_segment(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	struct pb b;
	uint8_t two[] = { 0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 1,
			  0, 2, 0, 0, 0, 6, 1, 2, 0, 0, 0, 8 };
	(void)s;
	c.n = 0;
	e = mk(&c, 64);
	pb_tcp_frame(&b, HMI, PLC, HMI_IP, PLC_IP, 50001, 502, 0x18, two, sizeof(two));
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1);
	otw_engine_flush(e, true);
	assert_non_null(find_op(&c, 4));
	assert_non_null(find_op(&c, 2));
	otw_engine_destroy(e);
}

static void modbus_every_truncation_is_safe(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	struct pb b;
	struct otw_engine_stats st;
	uint8_t adu[] = { 0, 1, 0, 0, 0, 6, 17, 3, 0x00, 0x6b, 0, 3 };
	(void)s;
	c.n = 0;
	e = mk(&c, 64);
	pb_tcp_frame(&b, HMI, PLC, HMI_IP, PLC_IP, 50002, 502, 0x18, adu, sizeof(adu));
	for (size_t n = 0; n <= b.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, b.b, n);
		otw_engine_packet(e, copy, (uint32_t)n, (uint32_t)b.n, n);
		free(copy);
	}
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.packets, b.n + 1);
	assert_true(st.malformed > 0);
	otw_engine_destroy(e);
}

static void syn_decides_the_client(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	struct pb b;
	(void)s;
	c.n = 0;
	e = mk(&c, 64);
	/* first packet seen is the SYN-ACK from the server on port 8080 */
	pb_tcp_frame(&b, PLC, HMI, PLC_IP, HMI_IP, 8080, 41000, 0x12, NULL, 0);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1);
	otw_engine_flush(e, true);
	assert_int_equal(c.ev[c.n - 1].kind, OTW_EV_CONN);
	for (unsigned i = 0; i < c.n; i++)
		if (c.ev[i].kind == OTW_EV_CONN) {
			assert_int_equal(c.ev[i].u.conn.src_port, 41000);
			assert_int_equal(c.ev[i].u.conn.dst_port, 8080);
			assert_true(c.ev[i].u.conn.flags & OTW_CONN_ORIG_KNOWN);
		}
	otw_engine_destroy(e);
}

static void full_table_evicts_and_counts(void **s)
{
	static struct cap c;
	struct otw_engine *e;
	struct otw_engine_stats st;
	struct pb b;
	uint64_t pkts = 0;
	(void)s;
	c.n = 0;
	e = mk(&c, 16);
	for (uint16_t i = 0; i < 400; i++) {
		pb_tcp_frame(&b, HMI, PLC, HMI_IP, PLC_IP, (uint16_t)(20000 + i), 80, 0x02, NULL, 0);
		otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, i);
		if (c.n > 3000) { /* keep the capture buffer small */
			for (unsigned k = 0; k < c.n; k++)
				if (c.ev[k].kind == OTW_EV_CONN)
					pkts += c.ev[k].u.conn.packets;
			c.n = 0;
		}
	}
	otw_engine_get_stats(e, &st);
	assert_true(st.flows_evicted_full > 0);
	assert_true(st.flows_active <= 16 + 16 / 4 + 256);
	otw_engine_flush(e, true);
	for (unsigned k = 0; k < c.n; k++)
		if (c.ev[k].kind == OTW_EV_CONN)
			pkts += c.ev[k].u.conn.packets;
	assert_int_equal(pkts, 400); /* evicted flows still report counts */
	otw_engine_destroy(e);
}

/* Random insert/remove against a shadow set: backward-shift deletion must
 * never lose a flow. */
static void flowtab_survives_churn(void **s)
{
	struct otw_flowtab *ft;
	struct otw_pkt p;
	struct otw_flow ev;
	bool src_is_a, created, evicted;
	static uint8_t live[2000];
	uint32_t seed = 1;
	(void)s;
	assert_int_equal(otw_flowtab_create(1000, &ft), 0);
	memset(&p, 0, sizeof(p));
	p.l3 = OTW_L3_IPV4;
	p.l4 = IPPROTO_UDP;
	for (int round = 0; round < 20000; round++) {
		uint16_t k;
		struct otw_flow *f;
		seed = seed * 1103515245u + 12345u;
		k = (uint16_t)((seed >> 8) % 2000);
		p.sport = k;
		p.dport = 9;
		f = otw_flowtab_get(ft, &p, otw_pkt_hash(&p), &src_is_a, &created, &ev, &evicted);
		assert_false(evicted); /* 1000 slots + slack never fill here */
		assert_int_equal(created, !live[k]);
		if (live[k] && (seed & 0x10000)) {
			otw_flowtab_remove(ft, f);
			live[k] = 0;
		} else {
			live[k] = 1;
		}
		if (otw_flowtab_count(ft) > 800) { /* keep under capacity */
			for (uint32_t i = 0; i < otw_flowtab_slots(ft); i++) {
				struct otw_flow *g = otw_flowtab_slot(ft, i);
				uint16_t kp = g ? (g->pa == 9 ? g->pb : g->pa) : 0;
				if (g && kp % 2 == 0) {
					live[kp] = 0;
					otw_flowtab_remove(ft, g);
					i--;
				}
			}
		}
	}
	otw_flowtab_destroy(ft);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(modbus_pairs_requests_and_exceptions),
		cmocka_unit_test(tcp_retransmission_is_not_counted_twice),
		cmocka_unit_test(modbus_two_adus_in_one_segment),
		cmocka_unit_test(modbus_every_truncation_is_safe),
		cmocka_unit_test(syn_decides_the_client),
		cmocka_unit_test(full_table_evicts_and_counts),
		cmocka_unit_test(flowtab_survives_churn),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
