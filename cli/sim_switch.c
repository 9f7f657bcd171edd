/* sim_switch: a managed industrial switch. LLDP (IEEE 802.1AB) every
 * 30 s from its port MAC to the nearest-bridge group, and answers to an
 * SNMPv2c manager asking sysDescr, sysObjectID and sysName (RFC 3416
 * PDUs, RFC 1213 system group) on UDP 161. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static const uint8_t lldp_mc[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

static void lldp_tlv(struct sim_buf *w, unsigned type, const void *v, size_t n)
{
	sim_u16be(w, type << 9 | (unsigned)n);
	sim_put(w, v, n);
}

void sim_lldp_send(struct sim *s, const struct sim_host *sw,
		   const struct sim_switch *d, unsigned port, uint64_t t)
{
	struct sim_buf w = { .n = 0 }, v = { .n = 0 };
	char pid[16];

	sim_u8(&v, 4); /* chassis id: MAC address */
	sim_put(&v, sw->mac, 6);
	lldp_tlv(&w, 1, v.b, v.n);
	v.n = 0;
	snprintf(pid, sizeof(pid), "1/%u", port);
	sim_u8(&v, 5); /* port id: interface name */
	sim_str(&v, pid);
	lldp_tlv(&w, 2, v.b, v.n);
	v.n = 0;
	sim_u16be(&v, 120);
	lldp_tlv(&w, 3, v.b, v.n);
	lldp_tlv(&w, 5, sw->name, strlen(sw->name));
	lldp_tlv(&w, 6, d->descr, strlen(d->descr));
	v.n = 0;
	sim_u16be(&v, 0x0004); /* capabilities: bridge */
	sim_u16be(&v, 0x0004); /* enabled: bridge */
	lldp_tlv(&w, 7, v.b, v.n);
	v.n = 0;
	sim_u8(&v, 5); /* management address: IPv4 */
	sim_u8(&v, 1);
	sim_u32be(&v, sw->ip);
	sim_u8(&v, 2); /* ifIndex */
	sim_u32be(&v, 1);
	sim_u8(&v, 0); /* no OID */
	lldp_tlv(&w, 8, v.b, v.n);
	lldp_tlv(&w, 0, NULL, 0);
	sim_send_l2(s, t, lldp_mc, sw->mac, 0x88cc, w.b, w.n);
}

/* OBJECT IDENTIFIER contents of a dotted string (arcs < 2^28). */
static void oid(struct sim_buf *w, const char *dotted)
{
	unsigned long arc[24];
	size_t n = 0;
	const char *p = dotted;

	while (*p && n < 24) {
		char *end;
		arc[n++] = strtoul(p, &end, 10);
		p = *end == '.' ? end + 1 : end;
	}
	sim_u8(w, (unsigned)(arc[0] * 40 + arc[1]));
	for (size_t i = 2; i < n; i++) {
		for (int k = 21; k > 0; k -= 7)
			if (arc[i] >> k)
				sim_u8(w, 0x80 | (arc[i] >> k & 0x7f));
		sim_u8(w, arc[i] & 0x7f);
	}
}

static void varbind(struct sim_buf *w, const char *name, uint8_t vtag,
		    const char *val)
{
	struct sim_buf vb = { .n = 0 }, x = { .n = 0 };

	oid(&x, name);
	sim_ber(&vb, 0x06, &x);
	x.n = 0;
	if (vtag == 0x06)
		oid(&x, val);
	else if (val)
		sim_str(&x, val);
	sim_ber(&vb, vtag, &x);
	sim_ber(w, 0x30, &vb);
}

static void snmp_msg(struct sim_buf *w, uint8_t pdu_tag, uint32_t reqid,
		     const struct sim_buf *vbl)
{
	struct sim_buf pdu = { .n = 0 };

	sim_ber_uint(&pdu, 0x02, reqid);
	sim_put(&pdu, (const uint8_t[]){ 0x02, 0x01, 0x00, 0x02, 0x01, 0x00 }, 6);
	sim_ber(&pdu, 0x30, vbl);
	w->n = 0;
	sim_put(w, (const uint8_t[]){ 0x02, 0x01, 0x01 }, 3); /* v2c */
	sim_ber_str(w, 0x04, "public");
	sim_ber(w, pdu_tag, &pdu);
	sim_ber_wrap(w, 0x30);
}

static const char *const sys_oids[3] = { "1.3.6.1.2.1.1.1.0",
	"1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0" };

uint64_t sim_snmp_get_system(struct sim *s, struct sim_host *mgr,
			     struct sim_host *sw, const struct sim_switch *d,
			     uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 }, w = { .n = 0 };
	uint32_t reqid = (uint32_t)sim_range(s, 1, 0x7fffffff);
	struct sim_ep me = sim_ep(mgr, sim_port(s, mgr)), ag = sim_ep(sw, 161);

	for (int i = 0; i < 3; i++)
		varbind(&q, sys_oids[i], 0x05, NULL);
	snmp_msg(&w, 0xa0, reqid, &q);
	sim_send_udp(s, t, me, ag, w.b, w.n);
	varbind(&r, sys_oids[0], 0x04, d->descr);
	varbind(&r, sys_oids[1], 0x06, d->object_id);
	varbind(&r, sys_oids[2], 0x04, sw->name);
	snmp_msg(&w, 0xa2, reqid, &r);
	t += sim_range(s, 1, 5) * SIM_MS;
	sim_send_udp(s, t, ag, me, w.b, w.n);
	return t;
}

void sim_switch_step(struct sim *s, struct sim_task *task)
{
	struct sim_switch_task *p = sim_container_of(task, struct sim_switch_task, task);
	uint64_t t = sim_now(s);

	sim_lldp_send(s, p->sw, p->d, 1, t);
	if (p->n % 2 == 0)
		sim_snmp_get_system(s, p->mgr, p->sw, p->d, t + SIM_S);
	p->n++;
	task->next = t + 30 * SIM_S;
}
