/* sim_iec104: IEC 60870-5-104 (APCI §5) carrying 60870-5-101 ASDUs (§7).
 * The controlling station connects, sends STARTDT, a general
 * interrogation (C_IC_NA_1) now and then; the controlled station answers
 * it and sends spontaneous short-float measurements (M_ME_NC_1). */
#include <string.h>

#include "sim.h"

#define IEC104_PORT 2404

enum { COT_SPONT = 3, COT_ACT = 6, COT_ACTCON = 7, COT_ACTTERM = 10,
       COT_INROGEN = 20 };

const char *sim_iec104_name(uint16_t func)
{
	switch (func) {
	case 13: return "M_ME_NC_1";
	case 45: return "C_SC_NA_1";
	case 100: return "C_IC_NA_1";
	case 0x107: return "startdt";
	case 0x113: return "stopdt";
	case 0x143: return "testfr";
	default: return "unknown";
	}
}

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* U frame (§5.3): 0x07 STARTDT act, 0x0b STARTDT con, ... */
static uint64_t iec_u(struct sim *s, struct sim_tcp *c, bool from_cli,
		      uint8_t ctl, uint64_t t)
{
	uint8_t b[6] = { 0x68, 4, ctl, 0, 0, 0 };

	return sim_tcp_send(s, c, from_cli, t, b, sizeof(b));
}

/* S frame: acknowledge nr received I frames. */
static uint64_t iec_s(struct sim *s, struct sim_tcp *c, bool from_cli,
		      uint16_t nr, uint64_t t)
{
	uint8_t b[6] = { 0x68, 4, 0x01, 0, 0, 0 };

	put16le(b + 4, (uint16_t)(nr << 1));
	return sim_tcp_send(s, c, from_cli, t, b, sizeof(b));
}

/* I frame with one ASDU: type, objects (IOA + element each, elen octets
 * of element), cause, common address. */
static uint64_t iec_i(struct sim *s, struct sim_tcp *c, bool from_cli,
		      uint16_t *ns, uint16_t nr, uint8_t type, uint8_t cot,
		      uint16_t ca, const uint32_t *ioa, const uint8_t *el,
		      size_t elen, uint8_t nobj, uint64_t t)
{
	uint8_t b[255];
	size_t k = 0;

	b[k++] = 0x68;
	b[k++] = 0;
	put16le(b + k, (uint16_t)(*ns << 1));
	put16le(b + k + 2, (uint16_t)(nr << 1));
	k += 4;
	b[k++] = type;
	b[k++] = nobj; /* SQ = 0 */
	b[k++] = cot;
	b[k++] = 0; /* originator */
	put16le(b + k, ca);
	k += 2;
	for (uint8_t i = 0; i < nobj; i++) {
		b[k++] = (uint8_t)ioa[i];
		b[k++] = (uint8_t)(ioa[i] >> 8);
		b[k++] = (uint8_t)(ioa[i] >> 16);
		memcpy(b + k, el + i * elen, elen);
		k += elen;
	}
	b[1] = (uint8_t)(k - 2);
	*ns = (uint16_t)((*ns + 1) & 0x7fff);
	return sim_tcp_send(s, c, from_cli, t, b, k);
}

/* n measurements (short float + QDS, §7.3.1.12): all eight of IOA
 * 4001..4008 (interrogated), or n distinct ones (spontaneous). */
static uint64_t iec_meas(struct sim *s, struct sim_iec104_link *l,
			 uint8_t cot, uint8_t n, uint64_t t)
{
	uint32_t ioa[8];
	uint8_t el[8 * 5];
	uint32_t first = n == 8 ? 0 : (uint32_t)sim_range(s, 0, 7);

	for (uint8_t i = 0; i < n; i++) {
		/* IEEE 754 single around 50.0 (0x4248xxxx), no libm */
		uint32_t f = 0x42480000u + (uint32_t)sim_range(s, 0, 0x7ffff);
		uint8_t *e = el + i * 5;

		ioa[i] = 4001u + (first + i) % 8;
		e[0] = (uint8_t)f;
		e[1] = (uint8_t)(f >> 8);
		e[2] = (uint8_t)(f >> 16);
		e[3] = (uint8_t)(f >> 24);
		e[4] = 0; /* QDS: good */
	}
	return iec_i(s, &l->conn, false, &l->ns, l->cns, 13, cot, l->ca, ioa,
		     el, 5, n, t);
}

static uint64_t iec_gi(struct sim *s, struct sim_iec104_link *l, uint64_t t)
{
	static const uint32_t ioa0 = 0;
	static const uint8_t qoi = 20; /* station interrogation */

	t = iec_i(s, &l->conn, true, &l->cns, l->ns, 100, COT_ACT, l->ca,
		  &ioa0, &qoi, 1, 1, t);
	sim_truth_app(s, SIM_APP_IEC104, l->cli, l->srv, l->ca, 100, t);
	t = iec_i(s, &l->conn, false, &l->ns, l->cns, 100, COT_ACTCON, l->ca,
		  &ioa0, &qoi, 1, 1, t + sim_range(s, 2, 10) * SIM_MS);
	t = iec_meas(s, l, COT_INROGEN, 8, t + sim_range(s, 2, 8) * SIM_MS);
	t = iec_i(s, &l->conn, false, &l->ns, l->cns, 100, COT_ACTTERM, l->ca,
		  &ioa0, &qoi, 1, 1, t + sim_range(s, 1, 4) * SIM_MS);
	l->unacked = 0;
	return iec_s(s, &l->conn, true, l->ns, t + sim_range(s, 5, 20) * SIM_MS);
}

void sim_iec104_step(struct sim *s, struct sim_task *task)
{
	struct sim_iec104_link *l = sim_container_of(task,
		struct sim_iec104_link, task);
	uint64_t t = sim_now(s);

	if (!l->conn.open) {
		t = sim_tcp_open(s, &l->conn, l->cli, l->srv, IEC104_PORT, t);
		t = iec_u(s, &l->conn, true, 0x07, t + SIM_MS);
		sim_truth_app(s, SIM_APP_IEC104, l->cli, l->srv, 0, 0x107, t);
		t = iec_u(s, &l->conn, false, 0x0b, t + sim_range(s, 1, 5) * SIM_MS);
		t = iec_gi(s, l, t + sim_range(s, 5, 20) * SIM_MS);
		l->gi_next = t + l->gi_every;
		l->test_next = t + l->test_every;
		task->next = t + sim_range(s, 1, 3) * SIM_S;
		return;
	}
	if (t >= l->gi_next) {
		t = iec_gi(s, l, t);
		l->gi_next = t + l->gi_every;
	} else if (t >= l->test_next) {
		/* link supervision (§5.2): TESTFR act, con */
		t = iec_u(s, &l->conn, true, 0x43, t);
		sim_truth_app(s, SIM_APP_IEC104, l->cli, l->srv, 0, 0x143, t);
		t = iec_u(s, &l->conn, false, 0x83, t + sim_range(s, 1, 5) * SIM_MS);
		sim_tcp_ack(s, &l->conn, true, t + 200 * SIM_MS);
		l->test_next = t + l->test_every - SIM_S + sim_range(s, 0, 2) * SIM_S;
	} else {
		/* spontaneous change of one or two values */
		t = iec_meas(s, l, COT_SPONT, (uint8_t)sim_range(s, 1, 2), t);
		if (++l->unacked >= 4) { /* w = 8 would allow more */
			t = iec_s(s, &l->conn, true, l->ns,
				  t + sim_range(s, 10, 50) * SIM_MS);
			l->unacked = 0;
		} else {
			sim_tcp_ack(s, &l->conn, true, t + 200 * SIM_MS);
		}
	}
	task->next = t + sim_range(s, 500, 1500) * SIM_MS;
}

uint64_t sim_iec104_command(struct sim *s, struct sim_host *cli,
			    struct sim_host *srv, uint16_t ca, uint64_t t)
{
	struct sim_tcp c = { 0 };
	uint16_t cns = 0, sns = 0; /* send counters: client, server */
	static const uint32_t ioa = 5001;
	static const uint8_t sco = 0x01; /* execute, ON */

	t = sim_tcp_open(s, &c, cli, srv, IEC104_PORT, t);
	t = iec_u(s, &c, true, 0x07, t + sim_range(s, 1, 5) * SIM_MS);
	sim_truth_app(s, SIM_APP_IEC104, cli, srv, 0, 0x107, t);
	t = iec_u(s, &c, false, 0x0b, t + sim_range(s, 1, 5) * SIM_MS);
	t = iec_i(s, &c, true, &cns, sns, 45, COT_ACT, ca, &ioa, &sco, 1, 1,
		  t + sim_range(s, 20, 80) * SIM_MS);
	sim_truth_app(s, SIM_APP_IEC104, cli, srv, ca, 45, t);
	t = iec_i(s, &c, false, &sns, cns, 45, COT_ACTCON, ca, &ioa, &sco, 1,
		  1, t + sim_range(s, 2, 10) * SIM_MS);
	t = iec_i(s, &c, false, &sns, cns, 45, COT_ACTTERM, ca, &ioa, &sco, 1,
		  1, t + sim_range(s, 20, 60) * SIM_MS);
	t = iec_s(s, &c, true, sns, t + sim_range(s, 5, 20) * SIM_MS);
	return sim_tcp_close(s, &c, true, t + sim_range(s, 100, 500) * SIM_MS);
}
