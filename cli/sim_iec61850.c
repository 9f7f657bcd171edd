/* sim_iec61850: an IEC 61850 IED. MMS (ISO 9506) over ISO-on-TCP 102:
 * TPKT, COTP class 0, then the session CN/AC carrying presentation,
 * ACSE and the MMS initiate (the connect and accept are the byte strings
 * of a real ABB/libiec61850 exchange from the shared captures, which
 * tshark decodes cleanly); then confirmed requests on session DT SPDUs
 * in presentation fully-encoded data (context 3): identify,
 * getNameList of the domains (logical devices), reads of measurements.
 * GOOSE (IEC 61850-8-1, EtherType 0x88b8): the IED's heartbeat to a
 * multicast MAC, stNum stepping on each state change. BER throughout. */
#include <string.h>

#include "sim.h"

#define ISO_PORT 102

const char *sim_mms_name(uint16_t func)
{
	switch (func) {
	case 1: return "get_name_list";
	case 2: return "identify";
	case 4: return "read";
	case 5: return "write";
	case 0x200: return "initiate";
	default: return "unknown";
	}
}

/* TPKT + COTP DT around pl. */
static uint64_t cotp_send(struct sim *s, struct sim_tcp *c, bool from_cli,
			  const uint8_t *pl, size_t n, uint64_t t)
{
	struct sim_buf w = { .n = 0 };

	sim_u8(&w, 3);
	sim_u8(&w, 0);
	sim_u16be(&w, (unsigned)(n + 7));
	sim_u8(&w, 2);
	sim_u8(&w, 0xf0);
	sim_u8(&w, 0x80);
	sim_put(&w, pl, n);
	return sim_tcp_send(s, c, from_cli, t, w.b, w.n);
}

/* Session GT + DT, presentation fully-encoded data, context 3. */
static uint64_t mms_send(struct sim *s, struct sim_tcp *c, bool from_cli,
			 const struct sim_buf *mms, uint64_t t)
{
	struct sim_buf p = { .n = 0 }, w = { .n = 0 };

	sim_put(&p, (const uint8_t[]){ 0x02, 0x01, 0x03 }, 3);
	sim_ber(&p, 0xa0, mms);
	sim_ber_wrap(&p, 0x30);
	sim_ber_wrap(&p, 0x61);
	sim_put(&w, (const uint8_t[]){ 0x01, 0x00, 0x01, 0x00 }, 4);
	sim_put(&w, p.b, p.n);
	return cotp_send(s, c, from_cli, w.b, w.n, t);
}

/* Session CN / AC with presentation CP / CPA, ACSE AARQ / AARE and the
 * MMS initiate request / response (iti-mms-and-goose frames 110-111). */
static const uint8_t mms_cn[] = {
	0x0d, 0x9e, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x14, 0x02,
	0x00, 0x02, 0x33, 0x02, 0x00, 0x01, 0x34, 0x02, 0x00, 0x01, 0xc1, 0x88,
	0x31, 0x81, 0x85, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x7e, 0x81, 0x04,
	0x00, 0x00, 0x00, 0x01, 0x82, 0x04, 0x00, 0x00, 0x00, 0x01, 0xa4, 0x23,
	0x30, 0x0f, 0x02, 0x01, 0x01, 0x06, 0x04, 0x52, 0x01, 0x00, 0x01, 0x30,
	0x04, 0x06, 0x02, 0x51, 0x01, 0x30, 0x10, 0x02, 0x01, 0x03, 0x06, 0x05,
	0x28, 0xca, 0x22, 0x02, 0x01, 0x30, 0x04, 0x06, 0x02, 0x51, 0x01, 0x88,
	0x02, 0x06, 0x00, 0x61, 0x47, 0x30, 0x45, 0x02, 0x01, 0x01, 0xa0, 0x40,
	0x60, 0x3e, 0x80, 0x02, 0x07, 0x80, 0xa1, 0x07, 0x06, 0x05, 0x28, 0xca,
	0x22, 0x02, 0x03, 0xbe, 0x2f, 0x28, 0x2d, 0x02, 0x01, 0x03, 0xa0, 0x28,
	0xa8, 0x26, 0x80, 0x03, 0x00, 0xfa, 0x00, 0x81, 0x01, 0x0a, 0x82, 0x01,
	0x0a, 0x83, 0x01, 0x05, 0xa4, 0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05,
	0xe1, 0x00, 0x82, 0x0c, 0x03, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xe1, 0x10,
};
static const uint8_t mms_ac[] = {
	0x0e, 0x89, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x14, 0x02,
	0x00, 0x02, 0xc1, 0x7b, 0x31, 0x79, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2,
	0x72, 0x83, 0x04, 0x00, 0x00, 0x00, 0x01, 0xa5, 0x12, 0x30, 0x07, 0x80,
	0x01, 0x00, 0x81, 0x02, 0x51, 0x01, 0x30, 0x07, 0x80, 0x01, 0x00, 0x81,
	0x02, 0x51, 0x01, 0x88, 0x02, 0x06, 0x00, 0x61, 0x52, 0x30, 0x50, 0x02,
	0x01, 0x01, 0xa0, 0x4b, 0x61, 0x49, 0x80, 0x02, 0x07, 0x80, 0xa1, 0x07,
	0x06, 0x05, 0x28, 0xca, 0x22, 0x02, 0x03, 0xa2, 0x03, 0x02, 0x01, 0x00,
	0xa3, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x00, 0xbe, 0x2e, 0x28, 0x2c, 0x02,
	0x01, 0x03, 0xa0, 0x27, 0xa9, 0x25, 0x80, 0x02, 0x7d, 0x00, 0x81, 0x01,
	0x0a, 0x82, 0x01, 0x08, 0x83, 0x01, 0x05, 0xa4, 0x16, 0x80, 0x01, 0x01,
	0x81, 0x03, 0x05, 0xe1, 0x00, 0x82, 0x0c, 0x03, 0xee, 0x08, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x01, 0xed, 0x18,
};

uint64_t sim_mms_connect(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
			 struct sim_host *srv, uint64_t t)
{
	/* COTP CR/CC, TSAPs 0001/0001, TPDU size 1024 */
	uint8_t cr[22] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 0, 0, 0xc0, 1, 0x0a,
			   0xc1, 2, 0x00, 0x01, 0xc2, 2, 0x00, 0x01 };
	uint8_t cc[22];
	uint16_t ref = (uint16_t)sim_range(s, 1, 0xfffe);

	t = sim_tcp_open(s, c, cli, srv, ISO_PORT, t);
	cr[8] = (uint8_t)(ref >> 8);
	cr[9] = (uint8_t)ref;
	t = sim_tcp_send(s, c, true, t + SIM_MS, cr, sizeof(cr));
	memcpy(cc, cr, sizeof(cc));
	cc[5] = 0xd0;
	cc[6] = (uint8_t)(ref >> 8);
	cc[7] = (uint8_t)ref;
	cc[8] = 0x00;
	cc[9] = (uint8_t)sim_range(s, 1, 255);
	t = sim_tcp_send(s, c, false, t + sim_range(s, 1, 3) * SIM_MS, cc,
			 sizeof(cc));
	t = cotp_send(s, c, true, mms_cn, sizeof(mms_cn), t + SIM_MS);
	sim_truth_app(s, SIM_APP_MMS, cli, srv, 0, 0x200, t);
	return cotp_send(s, c, false, mms_ac, sizeof(mms_ac),
			 t + sim_range(s, 2, 6) * SIM_MS);
}

/* A confirmed request (service tag and body) and its response. */
static uint64_t mms_xact(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
			 uint8_t func, const struct sim_buf *req,
			 const struct sim_buf *rsp, uint64_t t)
{
	struct sim_buf w = { .n = 0 };

	sim_ber_uint(&w, 0x02, *invoke);
	sim_put(&w, req->b, req->n);
	sim_ber_wrap(&w, 0xa0);
	t = mms_send(s, c, true, &w, t);
	sim_truth_app(s, SIM_APP_MMS, c->cli, c->srv, 0, func, t);
	w.n = 0;
	sim_ber_uint(&w, 0x02, (*invoke)++);
	sim_put(&w, rsp->b, rsp->n);
	sim_ber_wrap(&w, 0xa1);
	return mms_send(s, c, false, &w, t + sim_range(s, 2, 8) * SIM_MS);
}

uint64_t sim_mms_identify(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
			  const struct sim_ied *ied, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };

	sim_u8(&q, 0x82); /* identify: NULL */
	sim_u8(&q, 0);
	sim_ber_str(&r, 0x80, ied->vendor);
	sim_ber_str(&r, 0x81, ied->model);
	sim_ber_str(&r, 0x82, ied->revision);
	sim_ber_wrap(&r, 0xa2);
	return mms_xact(s, c, invoke, 2, &q, &r, t);
}

/* getNameList of the VMD's domains (object class 9). */
static uint64_t mms_domains(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
			    const struct sim_ied *ied, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 }, x = { .n = 0 };

	sim_put(&x, (const uint8_t[]){ 0x80, 0x01, 0x09 }, 3);
	sim_ber(&q, 0xa0, &x);
	x.n = 0;
	sim_put(&x, (const uint8_t[]){ 0x80, 0x00 }, 2);
	sim_ber(&q, 0xa1, &x);
	sim_ber_wrap(&q, 0xa1);
	for (size_t i = 0; i < 2; i++)
		sim_ber_str(&r, 0x1a, ied->domains[i]);
	sim_ber_wrap(&r, 0xa0);
	sim_put(&r, (const uint8_t[]){ 0x81, 0x01, 0x00 }, 3);
	sim_ber_wrap(&r, 0xa1);
	return mms_xact(s, c, invoke, 1, &q, &r, t);
}

/* Variable access specification: one domain-specific name. */
static void var_spec(struct sim_buf *w, const char *dom, const char *item)
{
	struct sim_buf v = { .n = 0 };

	sim_ber_str(&v, 0x1a, dom);
	sim_ber_str(&v, 0x1a, item);
	sim_ber_wrap(&v, 0xa1); /* domain-specific */
	sim_ber_wrap(&v, 0xa0); /* name */
	sim_ber_wrap(&v, 0x30);
	sim_ber_wrap(&v, 0xa0); /* listOfVariable */
	sim_put(w, v.b, v.n);
}

static uint64_t mms_read(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
			 const struct sim_ied *ied, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 }, x = { .n = 0 };
	uint32_t f = 0x43c80000u + (uint32_t)sim_range(s, 0, 0xffff); /* ~400 */

	var_spec(&x, ied->domains[1], "MMXU1$MX$TotW$mag$f");
	sim_ber(&q, 0xa1, &x);
	sim_ber_wrap(&q, 0xa4);
	sim_u8(&r, 0x87); /* floating-point: exponent width, IEEE single */
	sim_u8(&r, 5);
	sim_u8(&r, 8);
	sim_u32be(&r, f);
	sim_ber_wrap(&r, 0xa1);
	sim_ber_wrap(&r, 0xa4);
	return mms_xact(s, c, invoke, 4, &q, &r, t);
}

uint64_t sim_mms_write(struct sim *s, struct sim_tcp *c, uint32_t *invoke,
		       const struct sim_ied *ied, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };

	/* open the breaker: CSWI1 Oper ctlVal false */
	var_spec(&q, ied->domains[0], "CSWI1$CO$Pos$Oper");
	sim_put(&q, (const uint8_t[]){ 0xa0, 0x03, 0x83, 0x01, 0x00 }, 5);
	sim_ber_wrap(&q, 0xa5);
	sim_put(&r, (const uint8_t[]){ 0xa5, 0x02, 0x81, 0x00 }, 4);
	return mms_xact(s, c, invoke, 5, &q, &r, t);
}

void sim_mms_step(struct sim *s, struct sim_task *task)
{
	struct sim_mms_poll *p = sim_container_of(task, struct sim_mms_poll, task);
	uint64_t t = sim_now(s);

	if (!p->conn.open) {
		t = sim_mms_connect(s, &p->conn, p->cli, p->srv, t);
		t = sim_mms_identify(s, &p->conn, &p->invoke, p->ied,
				     t + 5 * SIM_MS);
		t = mms_domains(s, &p->conn, &p->invoke, p->ied, t + 5 * SIM_MS);
	}
	t = mms_read(s, &p->conn, &p->invoke, p->ied, t + SIM_MS);
	sim_tcp_ack(s, &p->conn, true, t + 200 * SIM_MS);
	task->next = t + p->period - p->period / 50 +
		     sim_range(s, 0, p->period / 25);
}

/* ---- GOOSE -------------------------------------------------------------- */

static const uint8_t goose_dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

void sim_goose_send(struct sim *s, const uint8_t src[6],
		    const struct sim_ied *ied, uint32_t st, uint32_t sq,
		    bool trip, uint64_t t)
{
	struct sim_buf w = { .n = 0 }, pdu = { .n = 0 }, d = { .n = 0 };
	uint64_t sec = t / SIM_S, frac = (t % SIM_S) * (UINT64_C(1) << 24) / SIM_S;

	sim_ber_str(&pdu, 0x80, ied->gocb);
	sim_ber_uint(&pdu, 0x81, 4000); /* timeAllowedtoLive, ms */
	sim_ber_str(&pdu, 0x82, ied->datset);
	sim_ber_str(&pdu, 0x83, ied->goid);
	sim_u8(&pdu, 0x84); /* t: UtcTime, 24-bit fraction, quality 0x0a */
	sim_u8(&pdu, 8);
	sim_u32be(&pdu, (uint32_t)sec);
	sim_u8(&pdu, (unsigned)(frac >> 16));
	sim_u8(&pdu, (unsigned)(frac >> 8));
	sim_u8(&pdu, (unsigned)frac);
	sim_u8(&pdu, 0x0a);
	sim_ber_uint(&pdu, 0x85, st);
	sim_ber_uint(&pdu, 0x86, sq);
	sim_put(&pdu, (const uint8_t[]){ 0x87, 0x01, 0x00 }, 3); /* simulation */
	sim_ber_uint(&pdu, 0x88, 1);                                  /* confRev */
	sim_put(&pdu, (const uint8_t[]){ 0x89, 0x01, 0x00 }, 3); /* ndsCom */
	sim_ber_uint(&pdu, 0x8a, 2);
	sim_put(&d, (const uint8_t[]){ 0x83, 0x01, trip ? 0xff : 0x00 }, 3);
	sim_put(&d, (const uint8_t[]){ 0x84, 0x02, 0x06, 0x00 }, 4); /* q */
	sim_ber(&pdu, 0xab, &d);
	sim_ber_wrap(&pdu, 0x61);
	sim_u16be(&w, ied->appid);
	sim_u16be(&w, (unsigned)(8 + pdu.n));
	sim_u16be(&w, 0);
	sim_u16be(&w, 0);
	sim_put(&w, pdu.b, pdu.n);
	sim_send_l2(s, t, goose_dst, src, 0x88b8, w.b, w.n);
}

void sim_goose_step(struct sim *s, struct sim_task *task)
{
	struct sim_goose_pub *g = sim_container_of(task, struct sim_goose_pub, task);
	uint64_t t = sim_now(s);

	if (g->st == 0 || sim_chance(s, 20)) { /* a state change: burst */
		g->st++;
		g->sq = 0;
		g->trip = !g->trip && g->st > 1;
		for (int k = 0; k < 3; k++)
			sim_goose_send(s, g->ied_host->mac, g->ied, g->st, g->sq++,
				       g->trip, t + (uint64_t)(k * k) * 4 * SIM_MS);
	} else {
		sim_goose_send(s, g->ied_host->mac, g->ied, g->st, g->sq++,
			       g->trip, t);
	}
	task->next = t + g->period;
}
