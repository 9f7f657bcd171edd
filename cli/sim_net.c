/* sim_net: the IT background every plant network has: ARP (RFC 826, and
 * gratuitous ARP), DHCP leases (RFC 2131/2132) and DNS lookups (RFC 1035). */
#include <string.h>

#include "sim.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- ARP --------------------------------------------------------------- */

void sim_arp_garp(struct sim *s, const struct sim_host *h, uint64_t t)
{
	sim_send_arp(s, t, NULL, 1, h->mac, h->ip, NULL, h->ip);
}

uint64_t sim_arp_resolve(struct sim *s, const struct sim_host *h,
			 const struct sim_host *owner, uint32_t tpa,
			 uint64_t t)
{
	sim_send_arp(s, t, NULL, 1, h->mac, h->ip, NULL, tpa);
	if (owner == NULL)
		return t;
	t += sim_range(s, 50, 400) * SIM_US;
	sim_send_arp(s, t, h->mac, 2, owner->mac, owner->ip, h->mac, h->ip);
	return t;
}

void sim_arp_step(struct sim *s, struct sim_task *task)
{
	struct sim_arp_chat *a = sim_container_of(task, struct sim_arp_chat, task);
	uint64_t t = sim_now(s), gap;

	if (t >= a->garp_next) {
		sim_arp_garp(s, a->hosts[a->garp_i++ % a->n_hosts], t);
		a->garp_next += a->garp_every / a->n_hosts;
	} else {
		/* cache expiry: mostly the gateway, else a random peer */
		size_t i = (size_t)sim_range(s, 1, a->n_hosts - 1);
		size_t j = sim_chance(s, 400) ? 0
			   : (size_t)sim_range(s, 0, a->n_hosts - 1);
		if (j == i)
			j = 0;
		sim_arp_resolve(s, a->hosts[i], a->hosts[j], a->hosts[j]->ip, t);
	}
	gap = sim_range(s, a->mean / 2, a->mean * 3 / 2);
	task->next = t + gap < a->garp_next ? t + gap : a->garp_next;
	if (task->next <= t)
		task->next = t + SIM_MS;
}

/* ---- DHCP -------------------------------------------------------------- */

enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK };

static size_t opt(uint8_t *b, uint8_t code, const void *v, size_t len)
{
	b[0] = code;
	b[1] = (uint8_t)len;
	memcpy(b + 2, v, len);
	return 2 + len;
}

static size_t opt32(uint8_t *b, uint8_t code, uint32_t v)
{
	uint8_t x[4];
	put32(x, v);
	return opt(b, code, x, 4);
}

/* BOOTP message of type mt about client c; returns its length. */
static size_t dhcp_msg(uint8_t *b, const struct sim_dhcp_client *d,
		       uint8_t mt, bool renew)
{
	static const uint8_t prl[] = { 1, 3, 6, 15, 51, 54 };
	static const char domain[] = "plant.local";
	const struct sim_host *c = d->cli;
	bool from_srv = mt == DHCPOFFER || mt == DHCPACK;
	uint8_t cid[7] = { 1 };
	size_t n;

	memset(b, 0, 300);
	b[0] = from_srv ? 2 : 1; /* BOOTREPLY : BOOTREQUEST */
	b[1] = 1;
	b[2] = 6;
	put32(b + 4, d->xid);
	if (!renew)
		put16(b + 10, 0x8000); /* broadcast: no address yet */
	if (renew)
		put32(b + 12, c->ip); /* ciaddr */
	if (from_srv)
		put32(b + 16, c->ip); /* yiaddr */
	memcpy(b + 28, c->mac, 6);
	put32(b + 236, 0x63825363); /* magic cookie */
	n = 240;
	n += opt(b + n, 53, &mt, 1);
	memcpy(cid + 1, c->mac, 6);
	if (from_srv) {
		n += opt32(b + n, 54, d->srv->ip);
		n += opt32(b + n, 51, d->lease);
		n += opt32(b + n, 1, 0xffffff00);
		n += opt32(b + n, 3, d->router->ip);
		n += opt32(b + n, 6, d->dns->ip);
		n += opt(b + n, 15, domain, sizeof(domain) - 1);
	} else {
		n += opt(b + n, 61, cid, sizeof(cid));
		if (mt == DHCPREQUEST && !renew) {
			n += opt32(b + n, 50, c->ip);
			n += opt32(b + n, 54, d->srv->ip);
		}
		n += opt(b + n, 12, c->name, strlen(c->name));
		n += opt(b + n, 55, prl, sizeof(prl));
	}
	b[n++] = 255;
	return n < 300 ? 300 : n; /* BOOTP minimum, zero padded */
}

void sim_dhcp_step(struct sim *s, struct sim_task *task)
{
	struct sim_dhcp_client *d =
		sim_container_of(task, struct sim_dhcp_client, task);
	uint64_t t = sim_now(s);
	uint8_t b[400];
	size_t n;
	struct sim_ep c = sim_ep(d->cli, 68), sv = sim_ep(d->srv, 67);

	d->xid = (uint32_t)sim_rand(s);
	if (!d->bound) { /* DORA, all broadcast: the client has no address */
		struct sim_ep any = c, all = { NULL, 0xffffffff, 67, 64 };
		any.ip = 0;
		n = dhcp_msg(b, d, DHCPDISCOVER, false);
		sim_send_udp(s, t, any, all, b, n);
		t += sim_range(s, 1, 20) * SIM_MS;
		all.port = 68;
		n = dhcp_msg(b, d, DHCPOFFER, false);
		sim_send_udp(s, t, sv, all, b, n);
		t += sim_range(s, 1, 20) * SIM_MS;
		all.port = 67;
		n = dhcp_msg(b, d, DHCPREQUEST, false);
		sim_send_udp(s, t, any, all, b, n);
		t += sim_range(s, 1, 20) * SIM_MS;
		all.port = 68;
		n = dhcp_msg(b, d, DHCPACK, false);
		sim_send_udp(s, t, sv, all, b, n);
		d->bound = true;
	} else { /* T1 renewal: unicast to the server */
		n = dhcp_msg(b, d, DHCPREQUEST, true);
		sim_send_udp(s, t, c, sv, b, n);
		t += sim_range(s, 1, 20) * SIM_MS;
		n = dhcp_msg(b, d, DHCPACK, true);
		sim_send_udp(s, t, sv, c, b, n);
	}
	task->next = t + (uint64_t)d->lease / 2 * SIM_S +
		     sim_range(s, 0, 10) * SIM_S;
}

/* ---- DNS --------------------------------------------------------------- */

uint64_t sim_dns_lookup(struct sim *s, struct sim_host *cli,
			struct sim_host *srv, const char *name,
			uint32_t answer, uint64_t t)
{
	uint8_t b[512];
	size_t n = 12, qend;
	uint16_t id = (uint16_t)sim_rand(s);
	uint16_t sport = (uint16_t)sim_range(s, 49152, 65535);
	const char *p = name;

	put16(b, id);
	put16(b + 2, 0x0100); /* standard query, RD */
	put16(b + 4, 1);
	memset(b + 6, 0, 6);
	while (*p && n < 400) { /* labels */
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	b[n++] = 0;
	put16(b + n, 1); /* A */
	put16(b + n + 2, 1); /* IN */
	qend = n + 4;
	sim_send_udp(s, t, sim_ep(cli, sport), sim_ep(srv, 53), b, qend);

	t += sim_range(s, 200, 3000) * SIM_US;
	put16(b + 2, answer ? 0x8180 : 0x8183); /* NOERROR / NXDOMAIN */
	n = qend;
	if (answer) {
		put16(b + 6, 1);
		put16(b + n, 0xc00c); /* name: pointer to the question */
		put16(b + n + 2, 1);
		put16(b + n + 4, 1);
		put32(b + n + 6, 300);
		put16(b + n + 10, 4);
		put32(b + n + 12, answer);
		n += 16;
	}
	sim_send_udp(s, t, sim_ep(srv, 53), sim_ep(cli, sport), b, n);
	return t;
}

void sim_dns_step(struct sim *s, struct sim_task *task)
{
	struct sim_dns_client *d =
		sim_container_of(task, struct sim_dns_client, task);
	size_t i = d->i++ % d->n_names;
	uint64_t t = sim_dns_lookup(s, d->cli, d->srv, d->names[i],
				    d->answers[i], sim_now(s));

	task->next = t + d->period - d->period / 10 +
		     sim_range(s, 0, d->period / 5);
}
