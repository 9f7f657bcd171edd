/* sim_dnp3: DNP3 over TCP (IEEE 1815-2012). A master polls an outstation:
 * a class 0 integrity poll now and then, class 1 event polls in between.
 * Every link frame carries its CRCs (§9.2.6); one transport segment per
 * frame (FIR|FIN), one application fragment per segment. */
#include <string.h>

#include "sim.h"

#define DNP3_PORT 20000

/* CRC-16/DNP: polynomial 0x3d65 reflected (0xa6bc), init 0, complemented. */
static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)((crc & 1) ? (crc >> 1) ^ 0xa6bc
						   : crc >> 1);
	}
	return (uint16_t)~crc;
}

static void put_crc(uint8_t *p, const uint8_t *from, size_t n)
{
	uint16_t c = dnp3_crc(from, n);

	p[0] = (uint8_t)c;
	p[1] = (uint8_t)(c >> 8);
}

/* Link frame around ud (transport header + application fragment, at most
 * 250 octets): header, then 16-octet blocks, each with its CRC (§9.2). */
static size_t dnp3_frame(uint8_t *b, bool from_master, uint16_t dst,
			 uint16_t src, const uint8_t *ud, size_t n)
{
	size_t k = 10;

	b[0] = 0x05;
	b[1] = 0x64;
	b[2] = (uint8_t)(5 + n);
	/* DIR (master) | PRM | 4 unconfirmed user data (§9.2.4.1.3) */
	b[3] = (uint8_t)((from_master ? 0x80 : 0x00) | 0x40 | 0x04);
	b[4] = (uint8_t)dst;
	b[5] = (uint8_t)(dst >> 8);
	b[6] = (uint8_t)src;
	b[7] = (uint8_t)(src >> 8);
	put_crc(b + 8, b, 8);
	for (size_t off = 0; off < n; off += 16) {
		size_t blk = n - off < 16 ? n - off : 16;
		memcpy(b + k, ud + off, blk);
		put_crc(b + k + blk, ud + off, blk);
		k += blk + 2;
	}
	return k;
}

const char *sim_dnp3_name(uint16_t func)
{
	switch (func) {
	case 1: return "read";
	case 2: return "write";
	case 13: return "cold_restart";
	case 14: return "warm_restart";
	default: return "unknown";
	}
}

/* The outstation's answer objects to a request. */
static size_t dnp3_rsp_objects(struct sim *s, uint8_t *o, uint8_t func,
			       const uint8_t *obj, size_t olen)
{
	size_t k = 0;

	if (func == 13) { /* g52v2 time delay fine, 1 object (§11.9.34) */
		o[k++] = 52;
		o[k++] = 2;
		o[k++] = 0x07;
		o[k++] = 1;
		o[k++] = 0x88; /* 5000 ms */
		o[k++] = 0x13;
		return k;
	}
	if (olen >= 2 && obj[0] == 60 && obj[1] == 1) {
		/* class 0: g30v2 analog inputs 0..7 with flags, g1v2 binary
		 * inputs 0..7 (16-bit value + flag octet) */
		o[k++] = 30;
		o[k++] = 2;
		o[k++] = 0x00;
		o[k++] = 0;
		o[k++] = 7;
		for (int i = 0; i < 8; i++) {
			uint16_t v = (uint16_t)(2000 + 150 * i +
						sim_range(s, 0, 40));
			o[k++] = 0x01; /* online */
			o[k++] = (uint8_t)v;
			o[k++] = (uint8_t)(v >> 8);
		}
		o[k++] = 1;
		o[k++] = 2;
		o[k++] = 0x00;
		o[k++] = 0;
		o[k++] = 7;
		for (int i = 0; i < 8; i++)
			o[k++] = (uint8_t)(0x01 | (sim_chance(s, 300) ? 0x80 : 0));
		return k;
	}
	/* class 1: now and then one analog change event g32v1 */
	if (sim_chance(s, 400)) {
		uint32_t v = (uint32_t)(2000 + sim_range(s, 0, 1000));
		o[k++] = 32;
		o[k++] = 1;
		o[k++] = 0x17; /* 1-octet count, 1-octet index prefix */
		o[k++] = 1;
		o[k++] = (uint8_t)sim_range(s, 0, 7);
		o[k++] = 0x01;
		for (int i = 0; i < 4; i++)
			o[k++] = (uint8_t)(v >> (8 * i));
	}
	return k;
}

uint64_t sim_dnp3_xact(struct sim *s, struct sim_tcp *c, uint16_t master,
		       uint16_t outstation, uint8_t *seq, uint8_t func,
		       const uint8_t *obj, size_t olen, uint64_t t)
{
	uint8_t ud[250], fr[300];
	size_t n = 0, len;
	uint8_t aseq = (uint8_t)(*seq & 0x0f);

	/* transport FIN|FIR|seq (§8.2), application control FIR|FIN|seq */
	ud[n++] = (uint8_t)(0xc0 | (*seq & 0x3f));
	ud[n++] = (uint8_t)(0xc0 | aseq);
	ud[n++] = func;
	if (olen)
		memcpy(ud + n, obj, olen);
	n += olen;
	len = dnp3_frame(fr, true, outstation, master, ud, n);
	sim_tcp_send(s, c, true, t, fr, len);
	sim_truth_app(s, SIM_APP_DNP3, c->cli, c->srv, outstation, func, t);

	n = 0;
	ud[n++] = (uint8_t)(0xc0 | (*seq & 0x3f));
	ud[n++] = (uint8_t)(0xc0 | aseq);
	ud[n++] = 0x81; /* response */
	ud[n++] = func == 13 ? 0x80 : 0x00; /* IIN1: device restart */
	ud[n++] = 0x00;
	n += dnp3_rsp_objects(s, ud + n, func, obj, olen);
	len = dnp3_frame(fr, false, master, outstation, ud, n);
	t += sim_range(s, 3, 15) * SIM_MS;
	sim_tcp_send(s, c, false, t, fr, len);
	*seq = (uint8_t)(*seq + 1);
	return t;
}

void sim_dnp3_poll_step(struct sim *s, struct sim_task *task)
{
	static const uint8_t class0[] = { 60, 1, 0x06 };
	static const uint8_t class1[] = { 60, 2, 0x06 };
	struct sim_dnp3_poll *p = sim_container_of(task, struct sim_dnp3_poll,
						   task);
	uint64_t t = sim_now(s);
	bool integrity;

	if (!p->conn.open)
		t = sim_tcp_open(s, &p->conn, p->cli, p->srv, DNP3_PORT, t) +
		    sim_range(s, 1, 5) * SIM_MS;
	/* integrity poll first and every 10th poll, event polls between */
	integrity = p->n++ % 10 == 0;
	t = sim_dnp3_xact(s, &p->conn, p->master, p->outstation, &p->aseq, 1,
			  integrity ? class0 : class1, 3, t);
	sim_tcp_ack(s, &p->conn, true, t + 200 * SIM_MS);
	task->next = t + p->period - p->period / 50 +
		     sim_range(s, 0, p->period / 25);
}
