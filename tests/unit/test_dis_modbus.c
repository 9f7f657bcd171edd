/* Modbus/TCP + UMAS plug-in (dissect/modbus.c): addresses, sub-function
 * encodings, identity facts, UMAS pairing, truncation and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t HMI[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t PLC[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define HMI_IP 0x0a000064
#define PLC_IP 0x0a00000a

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(struct cap *c)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = c;
	c->n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* One TCP stream HMI:sport <-> PLC:502 with its own sequence numbers. */
struct conv {
	struct otw_engine *e;
	uint16_t sport;
	uint32_t seq[2];
	uint64_t ts;
};

static void tx(struct conv *v, bool req, const void *pay, size_t n)
{
	struct pb b;
	uint32_t *seq = &v->seq[req ? 0 : 1];
	if (req)
		pb_tcp_frame_seq(&b, HMI, PLC, HMI_IP, PLC_IP, v->sport, 502,
				 *seq, 0x18, pay, n);
	else
		pb_tcp_frame_seq(&b, PLC, HMI, PLC_IP, HMI_IP, 502, v->sport,
				 *seq, 0x18, pay, n);
	*seq += (uint32_t)n;
	v->ts += 1000;
	otw_engine_packet(v->e, b.b, (uint32_t)b.n, (uint32_t)b.n, v->ts);
}

/* An ADU: MBAP (tid, pid 0, length) + unit + pdu. */
static size_t adu(uint8_t *out, uint16_t tid, uint8_t unit, const uint8_t *pdu,
		  size_t n)
{
	out[0] = (uint8_t)(tid >> 8);
	out[1] = (uint8_t)tid;
	out[2] = out[3] = 0;
	out[4] = (uint8_t)((n + 1) >> 8);
	out[5] = (uint8_t)(n + 1);
	out[6] = unit;
	memcpy(out + 7, pdu, n);
	return n + 7;
}

static void xact(struct conv *v, bool req, uint16_t tid, uint8_t unit,
		 const uint8_t *pdu, size_t n)
{
	uint8_t b[300];
	tx(v, req, b, adu(b, tid, unit, pdu, n));
}

static const struct otw_ev_op *find_op(const struct cap *c, uint16_t app,
				       uint16_t func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.app == app &&
		    c->ev[i].u.op.func == func)
			return &c->ev[i].u.op;
	return NULL;
}

/* Value of attr key about ip's last byte, NULL if none. */
static const char *find_attr(const struct cap *c, unsigned key, uint8_t ip4,
			     char *buf)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct otw_ev_attr *a = &c->ev[i].u.attr;
		if (c->ev[i].kind != OTW_EV_ATTR || a->key != key ||
		    a->ip.b[15] != ip4)
			continue;
		memcpy(buf, a->val, a->len);
		buf[a->len] = 0;
		return buf;
	}
	return NULL;
}

static unsigned count_attr(const struct cap *c, unsigned key)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->ev[i].kind == OTW_EV_ATTR && c->ev[i].u.attr.key == key;
	return n;
}

static void addresses_of_reads_and_writes(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40001 };
	const struct otw_ev_op *o;
	static const uint8_t rd[] = { 3, 0x00, 0x64, 0x00, 0x0a };     /* 100..109 */
	static const uint8_t rd2[] = { 3, 0x00, 0x10, 0x00, 0x02 };    /* 16..17 */
	static const uint8_t coils[] = { 1, 0x01, 0x00, 0x00, 0x20 };  /* 256..287 */
	static const uint8_t wr1[] = { 5, 0x00, 0x07, 0xff, 0x00 };
	static const uint8_t wrn[] = { 16, 0x00, 0x20, 0x00, 0x02, 4, 0, 1, 0, 2 };
	static const uint8_t mask[] = { 22, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25 };
	static const uint8_t rw[] = { 23, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0e,
				      0x00, 0x03, 6, 0, 0xff, 0, 0xff, 0, 0xff };
	(void)s;
	xact(&v, true, 1, 1, rd, sizeof(rd));
	xact(&v, true, 2, 1, rd2, sizeof(rd2));
	xact(&v, true, 3, 1, coils, sizeof(coils));
	xact(&v, true, 4, 1, wr1, sizeof(wr1));
	xact(&v, true, 5, 1, wrn, sizeof(wrn));
	xact(&v, true, 6, 1, mask, sizeof(mask));
	xact(&v, true, 7, 1, rw, sizeof(rw));
	otw_engine_flush(v.e, true);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 3));
	assert_int_equal(o->count, 2);
	assert_int_equal(o->addr_lo, 16);
	assert_int_equal(o->addr_hi, 109);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 1));
	assert_int_equal(o->addr_lo, 256);
	assert_int_equal(o->addr_hi, 287);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 5));
	assert_int_equal(o->addr_lo, 7);
	assert_int_equal(o->addr_hi, 7);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 16));
	assert_int_equal(o->addr_lo, 32);
	assert_int_equal(o->addr_hi, 33);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 22));
	assert_int_equal(o->addr_lo, 4);
	assert_int_equal(o->addr_hi, 4);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 23)); /* write range */
	assert_int_equal(o->addr_lo, 14);
	assert_int_equal(o->addr_hi, 16);
	/* requests alone say nothing about the server's role */
	assert_int_equal(count_attr(&c, OTW_ATTR_ROLE), 0);
	otw_engine_destroy(v.e);
}

static void diagnostics_and_mei_subfunctions(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40002 };
	const struct otw_ev_op *o;
	const char *cat = NULL;
	static const uint8_t restart[] = { 8, 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t listen[] = { 8, 0x00, 0x04, 0x00, 0x00 };
	static const uint8_t exc[] = { 0x88, 0x01 };
	static const uint8_t canopen[] = { 43, 13, 0, 0 };
	static const uint8_t exc43[] = { 0xab, 0x01 };
	(void)s;
	xact(&v, true, 1, 1, restart, sizeof(restart));
	xact(&v, false, 1, 1, restart, sizeof(restart)); /* echoed */
	xact(&v, true, 2, 1, listen, sizeof(listen));
	xact(&v, false, 2, 1, exc, sizeof(exc));
	xact(&v, true, 3, 1, canopen, sizeof(canopen));
	xact(&v, false, 3, 1, exc43, sizeof(exc43));
	xact(&v, false, 9, 1, exc, sizeof(exc)); /* unpaired: plain FC 8 */
	otw_engine_flush(v.e, true);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 0x0801));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->responses, 1);
	assert_int_equal(o->exceptions, 0);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 0x0804));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->exceptions, 1);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 0x2b0d));
	assert_int_equal(o->exceptions, 1);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 8));
	assert_int_equal(o->count, 0);
	assert_int_equal(o->exceptions, 1);
	/* names and categories */
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x0801, &cat),
			    "restart_communications_option");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x0804, &cat),
			    "force_listen_only_mode");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x0800, &cat),
			    "return_query_data");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x0805, &cat),
			    "diagnostics");
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x2b0e, &cat),
			    "read_device_identification");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 0x2b0d, &cat),
			    "canopen_general_reference");
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 125, &cat),
			    "modicon_program");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_string_equal(otw_registry_op_name(OTW_APP_MODBUS, 16, &cat),
			    "write_multiple_registers");
	assert_string_equal(cat, OTW_CAT_WRITE);
	assert_null(otw_registry_op_name(OTW_APP_MODBUS, 99, &cat));
	assert_null(otw_registry_op_name(OTW_APP_MODBUS, 0x1234, &cat));
	otw_engine_destroy(v.e);
}

static void device_identification_facts(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40003 };
	char buf[64];
	static const uint8_t req[] = { 43, 14, 1, 0 };
	static const uint8_t resp[] = {
		43, 14, 1, 0x83, 0, 0, 6,
		0, 18, 'S', 'c', 'h', 'n', 'e', 'i', 'd', 'e', 'r', ' ',
		       'E', 'l', 'e', 'c', 't', 'r', 'i', 'c',
		1, 12, 'B', 'M', 'X', 'P', '3', '4', '2', '0', '2', '0', ' ', ' ',
		2, 5, 'v', '3', '.', '1', '0',
		4, 4, 'M', '3', '4', '0',
		5, 8, 'B', 'M', 'X', ' ', 'P', '3', '4', '2',
		6, 5, 'P', 'u', 'm', 'p', 's',
	};
	(void)s;
	xact(&v, true, 1, 255, req, sizeof(req));
	xact(&v, false, 1, 255, resp, sizeof(resp));
	otw_engine_flush(v.e, true);
	assert_string_equal(find_attr(&c, OTW_ATTR_VENDOR, PLC_IP & 0xff, buf),
			    "Schneider Electric");
	assert_string_equal(find_attr(&c, OTW_ATTR_PRODUCT_CODE, PLC_IP & 0xff, buf),
			    "BMXP342020");
	assert_string_equal(find_attr(&c, OTW_ATTR_FIRMWARE, PLC_IP & 0xff, buf),
			    "v3.10");
	assert_string_equal(find_attr(&c, OTW_ATTR_MODEL, PLC_IP & 0xff, buf),
			    "BMX P342"); /* ModelName wins over ProductName */
	assert_int_equal(count_attr(&c, OTW_ATTR_MODEL), 1);
	assert_string_equal(find_attr(&c, OTW_ATTR_NAME, PLC_IP & 0xff, buf),
			    "Pumps");
	assert_string_equal(find_attr(&c, OTW_ATTR_ROLE, PLC_IP & 0xff, buf), "plc");
	assert_null(find_attr(&c, OTW_ATTR_ROLE, HMI_IP & 0xff, buf));
	assert_non_null(find_op(&c, OTW_APP_MODBUS, 0x2b0e));
	otw_engine_destroy(v.e);
}

static void report_server_id_description(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40004 };
	char buf[64];
	static const uint8_t req[] = { 17 };
	static const uint8_t resp[] = { 17, 18, 0x00, 0xff, 'W', 'i', 'n', 'g',
		'p', 'a', 't', 'h', ' ', 'L', 'i', 'm', 'i', 't', 'e', 'd' };
	(void)s;
	xact(&v, true, 1, 10, req, sizeof(req));
	xact(&v, false, 1, 10, resp, sizeof(resp));
	otw_engine_flush(v.e, true);
	assert_string_equal(find_attr(&c, OTW_ATTR_DESCRIPTION, PLC_IP & 0xff, buf),
			    "Wingpath Limited");
	otw_engine_destroy(v.e);
}

/* A READ_ID response body after 5A, session, FE (see modbus.c). */
static size_t umas_read_id_resp(uint8_t *p)
{
	static const char name[] = "BMX P34 2020";
	size_t n = 0;
	p[n++] = 90;
	p[n++] = 0x00;
	p[n++] = 0xfe;
	memset(p + n, 0, 22);
	p[n + 2] = 0x28; /* hardware id */
	p[n + 8] = 0x14; /* version 0x0214, little-endian */
	p[n + 9] = 0x02;
	n += 22;
	p[n++] = (uint8_t)(sizeof(name) - 1);
	memcpy(p + n, name, sizeof(name) - 1);
	n += sizeof(name) - 1;
	p[n++] = 0; /* memory banks */
	return n;
}

static void umas_ops_and_identity(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40005 };
	const struct otw_ev_op *o;
	const char *cat = NULL;
	char buf[64];
	uint8_t r[64];
	static const uint8_t init[] = { 90, 0x00, 0x01, 0x00 };
	static const uint8_t init_ok[] = { 90, 0x00, 0xfe, 0xfc, 0x03 };
	static const uint8_t readid[] = { 90, 0x00, 0x02 };
	static const uint8_t stop[] = { 90, 0x47, 0x41, 0xff, 0x00 };
	static const uint8_t err[] = { 90, 0x47, 0xfd, 0x00 };
	static const uint8_t lone[] = { 90, 0x47, 0xfe };
	static const uint8_t cut[] = { 90, 0x47 };
	(void)s;
	xact(&v, true, 1, 0, init, sizeof(init));
	xact(&v, false, 1, 0, init_ok, sizeof(init_ok));
	xact(&v, true, 2, 0, readid, sizeof(readid));
	xact(&v, false, 2, 0, r, umas_read_id_resp(r));
	xact(&v, true, 3, 0, stop, sizeof(stop));
	xact(&v, false, 3, 0, err, sizeof(err));
	xact(&v, false, 77, 0, lone, sizeof(lone)); /* unpaired */
	xact(&v, true, 4, 0, cut, sizeof(cut));      /* no UMAS function */
	xact(&v, false, 4, 0, lone, sizeof(lone));
	otw_engine_flush(v.e, true);
	assert_non_null(o = find_op(&c, OTW_APP_UMAS, 0x01));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->responses, 1);
	assert_int_equal(o->unit, 0);
	assert_non_null(o = find_op(&c, OTW_APP_UMAS, 0x02));
	assert_int_equal(o->responses, 1);
	assert_int_equal(o->exceptions, 0);
	assert_non_null(o = find_op(&c, OTW_APP_UMAS, 0x41));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->exceptions, 1);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 90));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->responses, 2);
	assert_string_equal(find_attr(&c, OTW_ATTR_MODEL, PLC_IP & 0xff, buf),
			    "BMX P34 2020");
	assert_string_equal(find_attr(&c, OTW_ATTR_FIRMWARE, PLC_IP & 0xff, buf),
			    "2.14");
	assert_string_equal(find_attr(&c, OTW_ATTR_VENDOR, PLC_IP & 0xff, buf),
			    "Schneider Electric");
	/* names and categories of the UMAS functions */
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x41, &cat),
			    "stop_plc");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x40, &cat),
			    "start_plc");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x34, &cat),
			    "download_block");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x31, &cat),
			    "upload_block");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x10, &cat),
			    "take_plc_reservation");
	assert_string_equal(cat, OTW_CAT_AUTH);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x23, &cat),
			    "write_variables");
	assert_string_equal(cat, OTW_CAT_WRITE);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x02, &cat), "read_id");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(otw_registry_op_name(OTW_APP_UMAS, 0x50, &cat),
			    "monitor_plc");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_null(otw_registry_op_name(OTW_APP_UMAS, 0x99, &cat));
	assert_null(otw_registry_op_name(OTW_APP_UMAS, 0x1234, &cat));
	otw_engine_destroy(v.e);
}

/* An ADU cut by a segment boundary: counted once, with what the first
 * part holds; the next ADU, in the second segment, is parsed. */
static void adu_cut_across_segments(void **s)
{
	static struct cap c;
	struct conv v = { .e = mk(&c), .sport = 40006 };
	const struct otw_ev_op *o;
	uint8_t b[64];
	size_t n;
	static const uint8_t wrn[] = { 16, 0x01, 0x00, 0x00, 0x03, 6,
				       0, 1, 0, 2, 0, 3 };
	static const uint8_t rd[] = { 4, 0x00, 0x02, 0x00, 0x01 };
	(void)s;
	n = adu(b, 1, 1, wrn, sizeof(wrn));
	n += adu(b + n, 2, 1, rd, sizeof(rd));
	tx(&v, true, b, 14);          /* MBAP + FC 16 header + 2 data bytes */
	tx(&v, true, b + 14, n - 14); /* rest + the FC 4 ADU */
	otw_engine_flush(v.e, true);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 16));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->addr_lo, 256);
	assert_int_equal(o->addr_hi, 258);
	assert_non_null(o = find_op(&c, OTW_APP_MODBUS, 4));
	assert_int_equal(o->count, 1);
	assert_int_equal(o->addr_lo, 2);
	otw_engine_destroy(v.e);
}

/* ---- the dissector called directly ------------------------------------ */

struct direct {
	struct otw_engine *e;
	struct otw_pkt pkt;
	struct pb frame;
	uint8_t state[OTW_APP_STATE_BYTES];
	struct otw_dctx x;
};

static void direct_init(struct direct *d, struct cap *c, bool from_client)
{
	const uint8_t pay[1] = { 0 };
	d->e = mk(c);
	pb_tcp_frame(&d->frame, PLC, HMI, PLC_IP, HMI_IP, 502, 40100, 0x18, pay, 1);
	assert_true(otw_pkt_decode(d->frame.b, d->frame.n, &d->pkt));
	memset(d->state, 0, sizeof(d->state));
	memset(&d->x, 0, sizeof(d->x));
	d->x.eng = d->e;
	d->x.pkt = &d->pkt;
	d->x.client = &d->pkt.dst;
	d->x.server = &d->pkt.src;
	d->x.state = d->state;
	d->x.app = OTW_APP_MODBUS;
	d->x.from_client = from_client;
}

static enum otw_verdict run(struct direct *d, const uint8_t *p, size_t n)
{
	const struct otw_dissector *dis = otw_registry_get(OTW_APP_MODBUS);
	/* a copy of exactly n bytes, so ASan sees any overread */
	uint8_t *copy = malloc(n ? n : 1);
	struct otw_cur c;
	enum otw_verdict v;
	assert_non_null(dis);
	memcpy(copy, p, n);
	c = otw_cur_make(copy, n);
	memset(d->state, 0, sizeof(d->state));
	v = dis->dissect(&c, &d->x);
	free(copy);
	return v;
}

static void every_truncation_is_safe(void **s)
{
	static struct cap c;
	struct direct d;
	uint8_t b[128], r[64];
	static const uint8_t reqs[][16] = {
		{ 3, 0, 1, 0, 2 }, { 23, 0, 3, 0, 6, 0, 14, 0, 1, 2, 0, 1 },
		{ 8, 0, 4, 0, 0 }, { 43, 14, 1, 0 }, { 90, 0, 0x41, 0xff },
		{ 22, 0, 4, 0, 0xf2, 0, 0x25 },
	};
	static const uint8_t resps[][40] = {
		{ 43, 14, 1, 0x83, 0, 0, 2, 0, 3, 'A', 'B', 'C', 5, 4, 'M', '3', '4', '0' },
		{ 17, 8, 0, 0xff, 'M', 'o', 'd', 'b', 'u', 's' },
		{ 8, 0, 1, 0, 0 }, { 0x83, 2 }, { 90, 0, 0xfd },
	};
	(void)s;
	direct_init(&d, &c, true);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		static const size_t lens[] = { 5, 12, 5, 4, 4, 7 };
		size_t len = adu(b, 1, 1, reqs[i], lens[i]);
		assert_int_equal(run(&d, b, len), OTW_OK);
		for (size_t n = 1; n < len; n++)
			assert_int_not_equal(run(&d, b, n), OTW_OK);
	}
	d.x.from_client = false;
	for (size_t i = 0; i < sizeof(resps) / sizeof(resps[0]); i++) {
		static const size_t lens[] = { 18, 10, 5, 2, 3 };
		size_t len = adu(b, 1, 1, resps[i], lens[i]);
		assert_int_equal(run(&d, b, len), OTW_OK);
		for (size_t n = 1; n < len; n++)
			assert_int_not_equal(run(&d, b, n), OTW_OK);
	}
	/* a READ_ID response after its request, cut at every length */
	{
		size_t len = adu(b, 5, 0, r, umas_read_id_resp(r));
		static const uint8_t rid[] = { 0, 5, 0, 0, 0, 4, 0, 90, 0, 2 };
		for (size_t n = 1; n <= len; n++) {
			const struct otw_dissector *dis = otw_registry_get(OTW_APP_MODBUS);
			uint8_t *copy = malloc(n);
			struct otw_cur cq = otw_cur_make(rid, sizeof(rid)), cr;
			memset(d.state, 0, sizeof(d.state));
			d.x.from_client = true;
			assert_int_equal(dis->dissect(&cq, &d.x), OTW_OK);
			d.x.from_client = false;
			memcpy(copy, b, n);
			cr = otw_cur_make(copy, n);
			assert_int_equal(dis->dissect(&cr, &d.x) == OTW_OK, n == len);
			free(copy);
		}
	}
	otw_engine_destroy(d.e);
}

static void malformed_pdus_are_counted(void **s)
{
	static struct cap c;
	struct direct d;
	static const uint8_t short_read[] = { 0, 1, 0, 0, 0, 3, 1, 3, 0 };
	static const uint8_t bad_pid[] = { 0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1 };
	static const uint8_t bad_len[] = { 0, 1, 0, 0, 1, 0, 1, 3, 0, 0, 0, 1 };
	static const uint8_t short_devid[] = { 0, 1, 0, 0, 0, 9, 1, 43, 14, 1, 0,
					       0, 0, 3, 0 };
	static const uint8_t long_obj[] = { 0, 1, 0, 0, 0, 12, 1, 43, 14, 1, 0,
					    0, 0, 1, 0, 200, 'a', 'b' };
	(void)s;
	direct_init(&d, &c, true);
	assert_int_equal(run(&d, short_read, sizeof(short_read)), OTW_MALFORMED);
	assert_int_equal(run(&d, bad_pid, sizeof(bad_pid)), OTW_MALFORMED);
	assert_int_equal(run(&d, bad_len, sizeof(bad_len)), OTW_MALFORMED);
	d.x.from_client = false;
	assert_int_equal(run(&d, short_devid, sizeof(short_devid)), OTW_MALFORMED);
	assert_int_equal(run(&d, long_obj, sizeof(long_obj)), OTW_MALFORMED);
	otw_engine_flush(d.e, true);
	/* the malformed FC 3 request still counts, with no address */
	{
		const struct otw_ev_op *o = find_op(&c, OTW_APP_MODBUS, 3);
		assert_non_null(o);
		assert_int_equal(o->count, 1);
		assert_int_equal(o->addr_lo, OTW_ADDR_NONE);
	}
	assert_int_equal(count_attr(&c, OTW_ATTR_VENDOR), 0);
	/* unpaired responses are no evidence of a server role */
	assert_int_equal(count_attr(&c, OTW_ATTR_ROLE), 0);
	otw_engine_destroy(d.e);
}

/* Payloads of zeek's fuzz-72 trace (modbus/zeek-modbus-fuzz-72.pcap),
 * both directions, then random bytes: nothing may crash or overread. */
static void fuzzed_payloads_are_safe(void **s)
{
	static struct cap c;
	struct direct d;
	static const char *hex[] = {
		"000000000000", "000000000003019c01", "000000000004012100000000",
		"000000000006011d00000000", "0000000000060124080000aa",
		"000000000006012b00000000", "00000000000601464e000000",
		"000000000025002600000000", "00000008000301c301",
		"00000041000301a501", "00000200000301a201", "002500000006014700000000",
	};
	uint8_t b[64];
	uint32_t seed = 7;
	(void)s;
	direct_init(&d, &c, true);
	for (size_t i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		size_t n = strlen(hex[i]) / 2;
		for (size_t k = 0; k < n; k++) {
			unsigned v;
			assert_int_equal(sscanf(hex[i] + 2 * k, "%2x", &v), 1);
			b[k] = (uint8_t)v;
		}
		d.x.from_client = true;
		(void)run(&d, b, n);
		d.x.from_client = false;
		(void)run(&d, b, n);
	}
	for (int round = 0; round < 20000; round++) {
		size_t n;
		for (size_t k = 0; k < sizeof(b); k++) {
			seed = seed * 1103515245u + 12345u;
			b[k] = (uint8_t)(seed >> 16);
		}
		/* mostly valid MBAP headers, random PDUs */
		b[2] = b[3] = 0;
		b[4] = 0;
		b[5] = (uint8_t)(2 + b[5] % 60);
		b[7] = (uint8_t)(round & 1 ? 90 : b[7] % 45);
		n = 1 + (size_t)(b[60] % 63);
		d.x.from_client = b[61] & 1;
		(void)run(&d, b, n);
	}
	otw_engine_destroy(d.e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(addresses_of_reads_and_writes),
		cmocka_unit_test(diagnostics_and_mei_subfunctions),
		cmocka_unit_test(device_identification_facts),
		cmocka_unit_test(report_server_id_description),
		cmocka_unit_test(umas_ops_and_identity),
		cmocka_unit_test(adu_cut_across_segments),
		cmocka_unit_test(every_truncation_is_safe),
		cmocka_unit_test(malformed_pdus_are_counted),
		cmocka_unit_test(fuzzed_payloads_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
