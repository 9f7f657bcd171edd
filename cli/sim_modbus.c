/* sim_modbus: Modbus/TCP generator (MODBUS Application Protocol v1.1b3,
 * Messaging on TCP/IP v1.0b). A PLC answers every request it gets; the
 * poller keeps one connection per (client, server) and walks its poll
 * list, like an HMI or historian driver. */
#include <string.h>

#include "sim.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

const char *sim_modbus_name(uint8_t func)
{
	switch (func) {
	case 1: return "read_coils";
	case 2: return "read_discrete_inputs";
	case 3: return "read_holding_registers";
	case 4: return "read_input_registers";
	case 5: return "write_single_coil";
	case 6: return "write_single_register";
	case 8: return "diagnostics";
	case 15: return "write_multiple_coils";
	case 16: return "write_multiple_registers";
	default: return "unknown";
	}
}

size_t sim_modbus_req(struct sim *s, uint8_t *b, uint8_t func, uint16_t addr,
		      uint16_t qty)
{
	b[0] = func;
	put16(b + 1, addr);
	switch (func) {
	case 5: /* §6.5: ON = FF00, OFF = 0000 */
		put16(b + 3, sim_chance(s, 500) ? 0xff00 : 0x0000);
		return 5;
	case 6:
		put16(b + 3, (uint16_t)sim_range(s, 0, 1000));
		return 5;
	case 8: /* addr = sub-function, qty = data */
		put16(b + 3, qty);
		return 5;
	case 16: /* §6.12 */
		if (qty > 123)
			qty = 123;
		put16(b + 3, qty);
		b[5] = (uint8_t)(2 * qty);
		for (uint16_t i = 0; i < qty; i++)
			put16(b + 6 + 2 * i, (uint16_t)sim_range(s, 0, 5000));
		return 6 + 2u * qty;
	default: /* 1-4: address + quantity */
		put16(b + 3, qty);
		return 5;
	}
}

/* The PLC's answer to req. Register values wander around a set point so
 * a baseline sees plausible process data. */
static size_t modbus_rsp(struct sim *s, uint8_t *b, const uint8_t *req,
			 size_t len)
{
	uint8_t func = req[0];
	uint16_t qty = len >= 5 ? get16(req + 3) : 0;

	b[0] = func;
	switch (func) {
	case 1:
	case 2: { /* §6.1/6.2: bit-packed */
		uint8_t n = (uint8_t)((qty + 7) / 8);
		b[1] = n;
		for (uint8_t i = 0; i < n; i++)
			b[2 + i] = (uint8_t)sim_rand(s);
		return 2u + n;
	}
	case 3:
	case 4: {
		if (qty > 125)
			qty = 125;
		b[1] = (uint8_t)(2 * qty);
		for (uint16_t i = 0; i < qty; i++)
			put16(b + 2 + 2 * i,
			      (uint16_t)(1000u + 37u * i + sim_range(s, 0, 20)));
		return 2u + 2u * qty;
	}
	case 16: /* echo address and quantity */
		memcpy(b + 1, req + 1, 4);
		return 5;
	default: /* 5, 6, 8: echo of the request */
		memcpy(b, req, len);
		return len;
	}
}

uint64_t sim_modbus_xact(struct sim *s, struct sim_tcp *c, uint64_t t,
			 uint16_t tid, uint8_t unit, const uint8_t *pdu,
			 size_t len, unsigned exc_per_mille)
{
	uint8_t adu[7 + 260], rsp[7 + 260];
	size_t rlen;
	bool exc = exc_per_mille && sim_chance(s, exc_per_mille);

	put16(adu, tid);
	put16(adu + 2, 0); /* protocol id: Modbus */
	put16(adu + 4, (uint16_t)(len + 1));
	adu[6] = unit;
	memcpy(adu + 7, pdu, len);
	sim_tcp_send(s, c, true, t, adu, 7 + len);
	sim_truth_op(s, c->cli, c->srv, unit, pdu[0], exc, t);

	if (exc) { /* §7: 02 illegal data address */
		rsp[7] = (uint8_t)(pdu[0] | 0x80);
		rsp[8] = 2;
		rlen = 2;
	} else {
		rlen = modbus_rsp(s, rsp + 7, pdu, len);
	}
	memcpy(rsp, adu, 4);
	put16(rsp + 4, (uint16_t)(rlen + 1));
	rsp[6] = unit;
	t += sim_range(s, 800, 4000) * SIM_US; /* PLC scan-bound answer */
	return sim_tcp_send(s, c, false, t, rsp, 7 + rlen);
}

static uint64_t poll_open(struct sim *s, struct sim_mb_poll *p, uint64_t t)
{
	t = sim_tcp_open(s, &p->conn, p->cli, p->srv, 502, t);
	p->reconnect_at = p->reconnect ? t + p->reconnect : SIM_NEVER;
	return t;
}

void sim_modbus_poll_step(struct sim *s, struct sim_task *task)
{
	struct sim_mb_poll *p = sim_container_of(task, struct sim_mb_poll, task);
	uint64_t t = sim_now(s), next;
	struct sim_mb_item *it = &p->items[0];
	uint8_t pdu[260];
	size_t len;

	if (!p->conn.open) {
		t = poll_open(s, p, t) + sim_range(s, 1, 5) * SIM_MS;
		for (uint8_t i = 0; i < p->n_items; i++)
			p->items[i].due = t + i * 20 * SIM_MS;
	} else if (t >= p->reconnect_at) {
		/* historian driver: new session every cycle, client closes */
		sim_tcp_close(s, &p->conn, true, t);
		task->next = t + sim_range(s, 50, 300) * SIM_MS;
		return;
	}
	for (uint8_t i = 1; i < p->n_items; i++)
		if (p->items[i].due < it->due)
			it = &p->items[i];
	if (it->due > t)
		t = it->due;
	len = sim_modbus_req(s, pdu, it->func, it->addr, it->qty);
	t = sim_modbus_xact(s, &p->conn, t, p->tid++, p->srv->unit, pdu, len, 3);
	if (p->write_per_mille && sim_chance(s, p->write_per_mille)) {
		/* operator action: a setpoint (FC 6) or a recipe (FC 16) */
		uint8_t fc = sim_chance(s, 600) ? 6 : 16;
		t += sim_range(s, 5, 30) * SIM_MS;
		len = sim_modbus_req(s, pdu, fc, (uint16_t)(100 + sim_range(s, 0, 9)),
				     (uint16_t)sim_range(s, 2, 8));
		t = sim_modbus_xact(s, &p->conn, t, p->tid++, p->srv->unit, pdu,
				    len, 3);
	}
	/* delayed ACK of the response: nothing else to piggyback on */
	sim_tcp_ack(s, &p->conn, true, t + p->ack_delay);
	/* period with ±2% jitter, never before this exchange is over */
	it->due += it->period - it->period / 50 +
		   sim_range(s, 0, it->period / 25);
	next = it->due;
	for (uint8_t i = 0; i < p->n_items; i++)
		if (p->items[i].due < next)
			next = p->items[i].due;
	if (next > p->reconnect_at)
		next = p->reconnect_at;
	if (next < t + p->ack_delay + SIM_MS)
		next = t + p->ack_delay + SIM_MS;
	task->next = next;
}
