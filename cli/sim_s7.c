/* sim_s7: S7comm (protocol id 0x32) on ISO-on-TCP: TPKT (RFC 1006),
 * COTP class 0 (ISO 8073) connect then DT TPDUs. An HMI sets up the
 * communication, then polls a data block with read var; the attacker's
 * PLC STOP is the same session with function 0x29. */
#include <string.h>

#include "sim.h"

#define ISO_PORT 102

const char *sim_s7_name(uint16_t func)
{
	switch (func) {
	case 0x04: return "read_var";
	case 0x05: return "write_var";
	case 0x29: return "plc_stop";
	case 0xf0: return "setup_communication";
	default: return "unknown";
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* TPKT + COTP DT (EOT) + S7 header; par/dat appended. rosctr 1 = job,
 * 3 = ack_data (with error class/code 0). */
static uint64_t s7_send(struct sim *s, struct sim_tcp *c, bool from_cli,
			uint8_t rosctr, uint16_t ref, const uint8_t *par,
			size_t plen, const uint8_t *dat, size_t dlen,
			uint64_t t)
{
	uint8_t b[512];
	size_t k = 0;

	b[k++] = 3; /* TPKT version */
	b[k++] = 0;
	k += 2;
	b[k++] = 2;    /* COTP LI */
	b[k++] = 0xf0; /* DT */
	b[k++] = 0x80; /* EOT, TPDU 0 */
	b[k++] = 0x32;
	b[k++] = rosctr;
	put16(b + k, 0); /* redundancy id */
	put16(b + k + 2, ref);
	put16(b + k + 4, (uint16_t)plen);
	put16(b + k + 6, (uint16_t)dlen);
	k += 8;
	if (rosctr == 3) {
		b[k++] = 0;
		b[k++] = 0;
	}
	memcpy(b + k, par, plen);
	k += plen;
	if (dlen)
		memcpy(b + k, dat, dlen);
	k += dlen;
	put16(b + 2, (uint16_t)k);
	return sim_tcp_send(s, c, from_cli, t, b, k);
}

uint64_t sim_s7_connect(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
			struct sim_host *srv, uint16_t *pduref, uint64_t t)
{
	/* COTP CR: dst ref 0, src ref, class 0, TPDU size 1024, TSAPs
	 * 0x0100 (PG/OP) and 0x0102 (rack 0, slot 2: an S7-300 CPU) */
	uint8_t cr[22] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 0, 0,
			   0xc0, 1, 0x0a, 0xc1, 2, 0x01, 0x00, 0xc2, 2, 0x01,
			   0x02 };
	uint8_t cc[22];
	uint8_t par[8] = { 0xf0, 0, 0, 1, 0, 1, 0x03, 0xc0 }; /* PDU 960 */
	uint16_t sref = (uint16_t)sim_range(s, 1, 0xfffe);

	t = sim_tcp_open(s, c, cli, srv, ISO_PORT, t);
	put16(cr + 8, sref);
	t = sim_tcp_send(s, c, true, t + SIM_MS, cr, sizeof(cr));
	memcpy(cc, cr, sizeof(cc));
	cc[5] = 0xd0; /* CC */
	put16(cc + 6, sref);
	put16(cc + 8, (uint16_t)sim_range(s, 1, 0xfffe));
	t = sim_tcp_send(s, c, false, t + sim_range(s, 1, 4) * SIM_MS, cc,
			 sizeof(cc));
	t = s7_send(s, c, true, 1, *pduref, par, sizeof(par), NULL, 0,
		    t + sim_range(s, 1, 3) * SIM_MS);
	sim_truth_app(s, SIM_APP_S7, cli, srv, 0, 0xf0, t);
	put16(par + 6, 240); /* the CPU grants 240 */
	t = s7_send(s, c, false, 3, (*pduref)++, par, sizeof(par), NULL, 0,
		    t + sim_range(s, 2, 8) * SIM_MS);
	return sim_tcp_ack(s, c, true, t + 40 * SIM_MS);
}

/* read var of DB number db, bytes [start, start + len) (S7ANY, BYTE). */
static uint64_t s7_read(struct sim *s, struct sim_tcp *c, uint16_t *pduref,
			uint16_t db, uint16_t start, uint16_t len, uint64_t t)
{
	uint8_t par[14] = { 0x04, 1, 0x12, 0x0a, 0x10, 0x02 };
	uint8_t rpar[2] = { 0x04, 1 };
	uint8_t dat[4 + 256];
	uint32_t bit = (uint32_t)start << 3;

	put16(par + 6, len);
	put16(par + 8, db);
	par[10] = 0x84; /* DB area */
	par[11] = (uint8_t)(bit >> 16);
	par[12] = (uint8_t)(bit >> 8);
	par[13] = (uint8_t)bit;
	t = s7_send(s, c, true, 1, *pduref, par, sizeof(par), NULL, 0, t);
	sim_truth_app(s, SIM_APP_S7, c->cli, c->srv, 0x84, 0x04, t);
	dat[0] = 0xff; /* success */
	dat[1] = 0x04; /* byte/word/dword, length in bits */
	put16(dat + 2, (uint16_t)(len * 8));
	for (uint16_t i = 0; i < len; i += 2) {
		uint16_t v = (uint16_t)(400 + 11 * i + sim_range(s, 0, 9));
		put16(dat + 4 + i, v);
	}
	t = s7_send(s, c, false, 3, (*pduref)++, rpar, sizeof(rpar), dat,
		    4u + len, t + sim_range(s, 3, 12) * SIM_MS);
	return t;
}

uint64_t sim_s7_stop(struct sim *s, struct sim_tcp *c, uint16_t *pduref,
		     uint64_t t)
{
	/* 0x29, 5 unknown octets, then the PI service name */
	uint8_t par[16] = { 0x29, 0, 0, 0, 0, 0, 9, 'P', '_', 'P', 'R', 'O',
			    'G', 'R', 'A', 'M' };
	uint8_t rpar[1] = { 0x29 };

	t = s7_send(s, c, true, 1, *pduref, par, sizeof(par), NULL, 0, t);
	sim_truth_app(s, SIM_APP_S7, c->cli, c->srv, 0, 0x29, t);
	return s7_send(s, c, false, 3, (*pduref)++, rpar, sizeof(rpar), NULL,
		       0, t + sim_range(s, 20, 60) * SIM_MS);
}

void sim_s7_poll_step(struct sim *s, struct sim_task *task)
{
	struct sim_s7_poll *p = sim_container_of(task, struct sim_s7_poll, task);
	uint64_t t = sim_now(s);

	if (!p->conn.open)
		t = sim_s7_connect(s, &p->conn, p->cli, p->srv, &p->pduref, t) +
		    sim_range(s, 5, 20) * SIM_MS;
	t = s7_read(s, &p->conn, &p->pduref, 10, 0, 32, t);
	sim_tcp_ack(s, &p->conn, true, t + 200 * SIM_MS);
	task->next = t + p->period - p->period / 50 +
		     sim_range(s, 0, p->period / 25);
}
