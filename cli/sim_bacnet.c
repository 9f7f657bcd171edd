/* sim_bacnet: BACnet/IP (ANSI/ASHRAE 135, Annex J BVLC, clause 6 NPDU,
 * clause 20 APDU). A workstation finds its controller with a directed
 * Who-Is, gets I-Am, then reads present values of analog inputs. */
#include <string.h>

#include "sim.h"

#define BACNET_PORT 47808

const char *sim_bacnet_name(uint16_t func)
{
	switch (func) {
	case 12: return "read_property";
	case 20: return "reinitialize_device";
	case 0x100: return "i_am";
	case 0x108: return "who_is";
	default: return "unknown";
	}
}

/* BVLC Original-Unicast-NPDU + NPDU (version 1, control) + apdu. */
static void bac_send(struct sim *s, uint64_t t, struct sim_host *from,
		     struct sim_host *to, bool expect_reply,
		     const uint8_t *apdu, size_t alen)
{
	uint8_t b[64];
	size_t k = 6 + alen;

	b[0] = 0x81;
	b[1] = 0x0a;
	b[2] = (uint8_t)(k >> 8);
	b[3] = (uint8_t)k;
	b[4] = 1;
	b[5] = expect_reply ? 0x04 : 0x00;
	memcpy(b + 6, apdu, alen);
	sim_send_udp(s, t, sim_ep(from, BACNET_PORT), sim_ep(to, BACNET_PORT),
		     b, k);
}

static void put_oid(uint8_t *p, uint32_t type, uint32_t inst)
{
	uint32_t v = type << 22 | (inst & 0x3fffff);

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t bac_discover(struct sim *s, struct sim_bacnet_poll *p,
			     uint64_t t)
{
	static const uint8_t who_is[2] = { 0x10, 0x08 };
	/* I-Am: device oid, max APDU 1476, segmentation none, vendor 5 */
	uint8_t i_am[] = { 0x10, 0x00, 0xc4, 0, 0, 0, 0, 0x22, 0x05, 0xc4,
			   0x91, 0x03, 0x21, 0x05 };

	bac_send(s, t, p->cli, p->srv, false, who_is, sizeof(who_is));
	sim_truth_app(s, SIM_APP_BACNET, p->cli, p->srv, 0, 0x108, t);
	put_oid(i_am + 3, 8, p->instance);
	t += sim_range(s, 2, 20) * SIM_MS;
	bac_send(s, t, p->srv, p->cli, false, i_am, sizeof(i_am));
	sim_truth_app(s, SIM_APP_BACNET, p->srv, p->cli, 0, 0x100, t);
	return t;
}

static uint64_t bac_read(struct sim *s, struct sim_bacnet_poll *p,
			 uint32_t ai, uint64_t t)
{
	/* confirmed request, max segs/APDU 0x05, invoke id, service 12;
	 * [0] object id (analog-input ai), [1] property 85 present-value */
	uint8_t req[] = { 0x00, 0x05, 0, 12, 0x0c, 0, 0, 0, 0, 0x19, 85 };
	uint8_t ack[] = { 0x30, 0, 12, 0x0c, 0, 0, 0, 0, 0x19, 85, 0x3e,
			  0x44, 0, 0, 0, 0, 0x3f };
	uint32_t f = 0x41a00000u + (uint32_t)sim_range(s, 0, 0x3fffff);

	req[2] = p->invoke;
	put_oid(req + 5, 0, ai);
	bac_send(s, t, p->cli, p->srv, true, req, sizeof(req));
	sim_truth_app(s, SIM_APP_BACNET, p->cli, p->srv, 0, 12, t);
	ack[1] = p->invoke++;
	put_oid(ack + 4, 0, ai);
	ack[12] = (uint8_t)(f >> 24); /* REAL around 20-40 °C */
	ack[13] = (uint8_t)(f >> 16);
	ack[14] = (uint8_t)(f >> 8);
	ack[15] = (uint8_t)f;
	t += sim_range(s, 5, 30) * SIM_MS;
	bac_send(s, t, p->srv, p->cli, false, ack, sizeof(ack));
	return t;
}

void sim_bacnet_step(struct sim *s, struct sim_task *task)
{
	struct sim_bacnet_poll *p = sim_container_of(task,
		struct sim_bacnet_poll, task);
	uint64_t t = sim_now(s);

	/* rediscover first and every 60th cycle, as workstations do */
	if (p->n % 60 == 0)
		t = bac_discover(s, p, t) + sim_range(s, 50, 200) * SIM_MS;
	p->n++;
	for (uint32_t ai = 0; ai < 2; ai++)
		t = bac_read(s, p, ai, t + sim_range(s, 10, 50) * SIM_MS);
	task->next = t + p->period - p->period / 50 +
		     sim_range(s, 0, p->period / 25);
}

uint64_t sim_bacnet_reinit(struct sim *s, struct sim_host *cli,
			   struct sim_host *srv, uint8_t invoke, uint64_t t)
{
	/* service 20, [0] reinitialized-state-of-device = coldstart (0) */
	uint8_t req[] = { 0x00, 0x05, invoke, 20, 0x09, 0x00 };
	uint8_t ack[] = { 0x20, invoke, 20 };

	bac_send(s, t, cli, srv, true, req, sizeof(req));
	sim_truth_app(s, SIM_APP_BACNET, cli, srv, 0, 20, t);
	t += sim_range(s, 5, 30) * SIM_MS;
	bac_send(s, t, srv, cli, false, ack, sizeof(ack));
	return t;
}
