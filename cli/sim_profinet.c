/* sim_profinet: PROFINET IO on EtherType 0x8892 (IEC 61158-6-10). The
 * IO-controller finds its device with DCP Identify (multicast request,
 * unicast response carrying name of station, type, vendor/device id, role
 * and IP), the device announces itself with DCP Hello at start-up, and
 * both exchange RT_CLASS_1 cyclic frames. The attacker's DCP Set (new name
 * of station and IP) is sim_pn_dcp_set. Big-endian fields. */
#include <string.h>

#include "sim.h"

#define PN_TYPE 0x8892

static const uint8_t dcp_identify_mc[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00 };
static const uint8_t dcp_hello_mc[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x01 };

/* One DCP block: option, suboption, length, [block info/qualifier],
 * data, padded to an even length. */
static void dcp_block(struct sim_buf *w, uint8_t opt, uint8_t sub, bool info,
		      unsigned qual, const void *data, size_t n)
{
	sim_u8(w, opt);
	sim_u8(w, sub);
	sim_u16be(w, (unsigned)(n + (info ? 2 : 0)));
	if (info)
		sim_u16be(w, qual);
	sim_put(w, data, n);
	if ((n + (info ? 2 : 0)) & 1)
		sim_u8(w, 0);
}

static void dcp_name(struct sim_buf *w, bool info, unsigned qual,
		     const char *name)
{
	dcp_block(w, 2, 2, info, qual, name, strlen(name));
}

static void dcp_ip(struct sim_buf *w, unsigned qual, uint32_t ip, uint32_t gw)
{
	uint8_t b[12];

	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(ip >> (24 - 8 * i));
		b[4 + i] = (uint8_t)(0xffffff00u >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(gw >> (24 - 8 * i));
	}
	dcp_block(w, 1, 2, true, qual, b, sizeof(b));
}

/* The blocks a device reports about itself (Identify.res, Hello.req). */
static void dcp_self(struct sim_buf *w, const struct sim_host *h,
		     const struct sim_pn_dev *d, uint32_t gw)
{
	uint8_t id[4] = { (uint8_t)(d->vendor_id >> 8), (uint8_t)d->vendor_id,
			  (uint8_t)(d->device_id >> 8), (uint8_t)d->device_id };
	uint8_t role[2] = { 0x01, 0x00 }; /* IO-Device */

	dcp_block(w, 2, 1, true, 0, d->type, strlen(d->type));
	dcp_name(w, true, 0, d->name);
	dcp_block(w, 2, 3, true, 0, id, sizeof(id));
	dcp_block(w, 2, 4, true, 0, role, sizeof(role));
	dcp_ip(w, 1, h->ip, gw);
}

/* DCP header: FrameID, service, type, xid, delay or reserved, length. */
static void dcp_send(struct sim *s, uint64_t t, const uint8_t dst[6],
		     const uint8_t src[6], uint16_t frame_id, uint8_t svc,
		     uint8_t type, uint32_t xid, uint16_t delay,
		     const struct sim_buf *blocks)
{
	struct sim_buf w = { .n = 0 };

	sim_u16be(&w, frame_id);
	sim_u8(&w, svc);
	sim_u8(&w, type);
	sim_u32be(&w, xid);
	sim_u16be(&w, delay);
	sim_u16be(&w, (unsigned)blocks->n);
	sim_put(&w, blocks->b, blocks->n);
	sim_send_l2(s, t, dst, src, PN_TYPE, w.b, w.n);
}

uint64_t sim_pn_identify(struct sim *s, const struct sim_host *ctl,
			 const struct sim_host *dev, const struct sim_pn_dev *d,
			 uint32_t gw, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };
	uint32_t xid = (uint32_t)sim_rand(s);

	dcp_name(&q, false, 0, d->name); /* identify this station */
	dcp_send(s, t, dcp_identify_mc, ctl->mac, 0xfefe, 5, 0, xid, 1, &q);
	dcp_self(&r, dev, d, gw);
	t += sim_range(s, 1, 10) * SIM_MS;
	dcp_send(s, t, ctl->mac, dev->mac, 0xfeff, 5, 1, xid, 0, &r);
	return t;
}

void sim_pn_hello(struct sim *s, const struct sim_host *dev,
		  const struct sim_pn_dev *d, uint32_t gw, uint64_t t)
{
	struct sim_buf b = { .n = 0 };

	dcp_self(&b, dev, d, gw);
	dcp_send(s, t, dcp_hello_mc, dev->mac, 0xfefc, 6, 0,
		 (uint32_t)sim_rand(s), 0, &b);
}

uint64_t sim_pn_dcp_set(struct sim *s, const struct sim_host *from,
			const struct sim_host *dev, const char *name,
			uint32_t ip, uint32_t gw, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };
	uint32_t xid = (uint32_t)sim_rand(s);
	static const uint8_t ok_name[3] = { 2, 2, 0 }, ok_ip[3] = { 1, 2, 0 };
	uint8_t stop[2] = { 0, 1 }; /* Control/Stop: end of transaction */

	dcp_name(&q, true, 1, name); /* permanent */
	dcp_ip(&q, 1, ip, gw);
	dcp_block(&q, 5, 2, false, 0, stop, sizeof(stop));
	dcp_send(s, t, dev->mac, from->mac, 0xfefd, 4, 0, xid, 0, &q);
	dcp_block(&r, 5, 4, false, 0, ok_name, sizeof(ok_name));
	dcp_block(&r, 5, 4, false, 0, ok_ip, sizeof(ok_ip));
	t += sim_range(s, 2, 20) * SIM_MS;
	dcp_send(s, t, from->mac, dev->mac, 0xfefd, 4, 1, xid, 0, &r);
	return t;
}

/* RT_CLASS_1 frame: IO data, cycle counter, data status, transfer
 * status (IEC 61158-6-10 §4.7.2.1). */
static void rt_send(struct sim *s, uint64_t t, const uint8_t dst[6],
		    const uint8_t src[6], uint16_t frame_id, uint16_t cycle,
		    size_t n)
{
	struct sim_buf w = { .n = 0 };

	sim_u16be(&w, frame_id);
	for (size_t i = 0; i < n; i++)
		sim_u8(&w, i % 2 ? 0x80 : (unsigned)sim_range(s, 0, 255)); /* IOPS good */
	sim_u16be(&w, cycle);
	sim_u8(&w, 0x35); /* primary, valid, run, no problem */
	sim_u8(&w, 0);
	sim_send_l2(s, t, dst, src, PN_TYPE, w.b, w.n);
}

void sim_pn_step(struct sim *s, struct sim_task *task)
{
	struct sim_pn_io *p = sim_container_of(task, struct sim_pn_io, task);
	uint64_t t = sim_now(s);

	if (p->n == 0) { /* start-up: Hello, then the controller finds it */
		sim_pn_hello(s, p->dev, p->d, p->gw, t);
		t = sim_pn_identify(s, p->ctl, p->dev, p->d, p->gw,
				    t + 50 * SIM_MS);
	} else if (p->n % 300 == 0) {
		t = sim_pn_identify(s, p->ctl, p->dev, p->d, p->gw, t);
	}
	p->cycle = (uint16_t)(p->cycle + 32 * 32); /* 32 ms at 31.25 µs */
	rt_send(s, t, p->dev->mac, p->ctl->mac, 0xc001, p->cycle, 40);
	rt_send(s, t + sim_range(s, 100, 500) * SIM_US, p->ctl->mac, p->dev->mac,
		0xc002, p->cycle, 40);
	p->n++;
	task->next = t + p->period;
}
