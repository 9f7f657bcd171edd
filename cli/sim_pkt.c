/* sim_pkt: the simulator's run state, pcap writer, frame builders (correct
 * IPv4/TCP/UDP checksums), TCP connection helpers and truth counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_Q 1024 /* frames waiting for their timestamp */

struct sim_slot {
	uint64_t ts;
	uint64_t seq; /* emission order: ties keep it (determinism) */
	uint16_t len;
	bool attack;
	uint8_t frame[SIM_FRAME_MAX];
};

struct sim {
	FILE *f;
	char *fbuf;
	int err;
	uint64_t rng;
	uint64_t now;
	uint64_t frames, written, bytes;
	uint64_t last_ts;
	uint64_t attack_first;
	bool attack;
	uint16_t ip_id;
	size_t n_q;
	uint32_t heap[SIM_Q]; /* min-heap of slot indices by (ts, seq) */
	uint32_t free_[SIM_Q];
	size_t n_free;
	struct sim_slot *slots;
	size_t n_ops;
	struct sim_op ops[SIM_MAX_OPS];
};

/* ---- randomness: splitmix64, one 64-bit state (no rand(): the output
 * must not depend on libc) ------------------------------------------------ */

uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + sim_rand(s) % (hi - lo + 1); /* bias is irrelevant here */
}

bool sim_chance(struct sim *s, unsigned per_mille)
{
	return sim_rand(s) % 1000 < per_mille;
}

/* ---- output ------------------------------------------------------------ */

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *p, uint32_t v)
{
	put16le(p, (uint16_t)v);
	put16le(p + 2, (uint16_t)(v >> 16));
}

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

static void sim_write(struct sim *s, const void *p, size_t n)
{
	if (s->err == 0 && fwrite_unlocked(p, 1, n, s->f) != n)
		s->err = -EIO;
}

int sim_create(const char *path, uint64_t seed, struct sim **out)
{
	struct sim *s;
	uint8_t gh[24];
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if ((s->slots = malloc(SIM_Q * sizeof(*s->slots))) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((s->fbuf = malloc(1 << 20)) == NULL) {
		rc = -ENOMEM;
		goto out_slots;
	}
	if ((s->f = fopen(path, "wb")) == NULL) {
		rc = -errno;
		goto out_fbuf;
	}
	setvbuf(s->f, s->fbuf, _IOFBF, 1 << 20);
	for (uint32_t i = 0; i < SIM_Q; i++)
		s->free_[i] = SIM_Q - 1 - i;
	s->n_free = SIM_Q;
	s->rng = seed;
	s->ip_id = (uint16_t)sim_rand(s);
	/* classic pcap, little-endian, v2.4, µs, snaplen 65535, Ethernet */
	put32le(gh, 0xa1b2c3d4);
	put16le(gh + 4, 2);
	put16le(gh + 6, 4);
	put32le(gh + 8, 0);
	put32le(gh + 12, 0);
	put32le(gh + 16, 65535);
	put32le(gh + 20, 1);
	sim_write(s, gh, sizeof(gh));
	*out = s;
	return 0;
out_fbuf:
	free(s->fbuf);
out_slots:
	free(s->slots);
out_free:
	free(s);
	return rc;
}

static bool slot_before(const struct sim *s, uint32_t a, uint32_t b)
{
	const struct sim_slot *x = &s->slots[a], *y = &s->slots[b];
	return x->ts < y->ts || (x->ts == y->ts && x->seq < y->seq);
}

static void heap_push(struct sim *s, uint32_t slot)
{
	size_t i = s->n_q++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!slot_before(s, slot, s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = slot;
}

static uint32_t heap_pop(struct sim *s)
{
	uint32_t top = s->heap[0], last = s->heap[--s->n_q];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->n_q)
			break;
		if (c + 1 < s->n_q && slot_before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!slot_before(s, s->heap[c], last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_q > 0)
		s->heap[i] = last;
	return top;
}

static void write_one(struct sim *s)
{
	uint32_t i = heap_pop(s);
	struct sim_slot *sl = &s->slots[i];
	uint8_t rh[16];

	put32le(rh, (uint32_t)(sl->ts / SIM_S));
	put32le(rh + 4, (uint32_t)(sl->ts % SIM_S));
	put32le(rh + 8, sl->len);
	put32le(rh + 12, sl->len);
	sim_write(s, rh, sizeof(rh));
	sim_write(s, sl->frame, sl->len);
	s->written++;
	s->last_ts = sl->ts;
	s->bytes += sl->len;
	if (sl->attack && s->attack_first == 0)
		s->attack_first = s->written;
	s->free_[s->n_free++] = i;
}

int sim_advance(struct sim *s, uint64_t t)
{
	while (s->n_q > 0 && s->slots[s->heap[0]].ts <= t)
		write_one(s);
	if (t > s->now)
		s->now = t;
	return s->err;
}

int sim_destroy(struct sim *s)
{
	int rc;

	if (s == NULL)
		return 0;
	while (s->n_q > 0)
		write_one(s);
	rc = s->err;
	if (fclose(s->f) != 0 && rc == 0)
		rc = -errno;
	free(s->fbuf);
	free(s->slots);
	free(s);
	return rc;
}

uint64_t sim_now(const struct sim *s) { return s->now; }
uint64_t sim_frames(const struct sim *s) { return s->frames; }
uint64_t sim_written(const struct sim *s) { return s->written; }
uint64_t sim_bytes(const struct sim *s) { return s->bytes; }
uint64_t sim_last(const struct sim *s) { return s->last_ts; }
void sim_set_attack(struct sim *s, bool on) { s->attack = on; }
uint64_t sim_attack_first_frame(const struct sim *s) { return s->attack_first; }
int sim_error(const struct sim *s) { return s->err; }

/* A free slot for a frame stamped t. The queue only fills when a task
 * schedules far ahead; then the earliest frames go out early, which keeps
 * the file ordered since nothing may be stamped before now. */
static struct sim_slot *slot_get(struct sim *s, uint64_t t, uint32_t *idx)
{
	struct sim_slot *sl;

	if (t < s->now)
		t = s->now;
	if (s->n_free == 0)
		write_one(s);
	*idx = s->free_[--s->n_free];
	sl = &s->slots[*idx];
	sl->ts = t;
	sl->seq = s->frames++;
	sl->attack = s->attack;
	return sl;
}

static void slot_put(struct sim *s, struct sim_slot *sl, uint32_t idx,
		     size_t len)
{
	if (len < 60) { /* Ethernet minimum (no FCS): pad, as a switch does */
		memset(sl->frame + len, 0, 60 - len);
		len = 60;
	}
	sl->len = (uint16_t)len;
	heap_push(s, idx);
}

/* ---- frames ------------------------------------------------------------ */

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero6[6];

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src,
		      uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, type);
	return 14;
}

void sim_send_arp(struct sim *s, uint64_t t, const uint8_t eth_dst[6],
		  uint16_t op, const uint8_t sha[6], uint32_t spa,
		  const uint8_t tha[6], uint32_t tpa)
{
	uint32_t idx;
	struct sim_slot *sl = slot_get(s, t, &idx);
	uint8_t *b = sl->frame;
	size_t n = put_eth(b, eth_dst ? eth_dst : bcast, sha, 0x0806);

	put16(b + n, 1);          /* Ethernet */
	put16(b + n + 2, 0x0800); /* IPv4 */
	b[n + 4] = 6;
	b[n + 5] = 4;
	put16(b + n + 6, op);
	memcpy(b + n + 8, sha, 6);
	put32(b + n + 14, spa);
	memcpy(b + n + 18, tha ? tha : zero6, 6);
	put32(b + n + 24, tpa);
	slot_put(s, sl, idx, n + 28);
}

void sim_send_l2(struct sim *s, uint64_t t, const uint8_t dst[6],
		 const uint8_t src[6], uint16_t type, const void *pl, size_t len)
{
	uint32_t idx;
	struct sim_slot *sl = slot_get(s, t, &idx);
	size_t n = put_eth(sl->frame, dst, src, type);

	if (len > SIM_FRAME_MAX - n)
		len = SIM_FRAME_MAX - n;
	memcpy(sl->frame + n, pl, len);
	slot_put(s, sl, idx, n + len);
}

/* IPv4 header at b (20 bytes, no options) for l4len bytes of payload; the
 * L4 checksum's pseudo-header sum is returned. */
static uint32_t put_ip(struct sim *s, uint8_t *b, struct sim_ep src,
		       struct sim_ep dst, uint8_t proto, size_t l4len)
{
	uint32_t ph = 0;

	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, (uint16_t)(20 + l4len));
	put16(b + 4, s->ip_id++);
	put16(b + 6, proto == 6 ? 0x4000 : 0); /* DF on TCP */
	b[8] = src.ttl ? src.ttl : 64;
	b[9] = proto;
	put16(b + 10, 0);
	put32(b + 12, src.ip);
	put32(b + 16, dst.ip);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
	ph = csum_add(ph, b + 12, 8);
	return ph + proto + (uint32_t)l4len;
}

void sim_send_udp(struct sim *s, uint64_t t, struct sim_ep src,
		  struct sim_ep dst, const void *pl, size_t len)
{
	uint32_t idx, sum;
	struct sim_slot *sl = slot_get(s, t, &idx);
	uint8_t *b = sl->frame;
	uint16_t ck;
	size_t n = put_eth(b, dst.mac ? dst.mac : bcast, src.mac, 0x0800);

	if (len > SIM_FRAME_MAX - 14 - 28)
		len = SIM_FRAME_MAX - 14 - 28;
	sum = put_ip(s, b + n, src, dst, 17, 8 + len);
	n += 20;
	put16(b + n, src.port);
	put16(b + n + 2, dst.port);
	put16(b + n + 4, (uint16_t)(8 + len));
	put16(b + n + 6, 0);
	memcpy(b + n + 8, pl, len);
	ck = csum_fold(csum_add(sum, b + n, 8 + len));
	put16(b + n + 6, ck == 0 ? 0xffff : ck); /* 0 means "none" in UDP */
	slot_put(s, sl, idx, n + 8 + len);
}

void sim_send_tcp(struct sim *s, uint64_t t, struct sim_ep src,
		  struct sim_ep dst, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *pl, size_t len)
{
	uint32_t idx, sum;
	struct sim_slot *sl = slot_get(s, t, &idx);
	uint8_t *b = sl->frame;
	size_t n = put_eth(b, dst.mac, src.mac, 0x0800);
	size_t hl = (flags & SIM_SYN) ? 24 : 20; /* SYN carries MSS */

	if (len > SIM_FRAME_MAX - 14 - 20 - hl)
		len = SIM_FRAME_MAX - 14 - 20 - hl;
	sum = put_ip(s, b + n, src, dst, 6, hl + len);
	n += 20;
	put16(b + n, src.port);
	put16(b + n + 2, dst.port);
	put32(b + n + 4, seq);
	put32(b + n + 8, (flags & SIM_ACK) ? ack : 0);
	b[n + 12] = (uint8_t)(hl / 4 << 4);
	b[n + 13] = flags;
	put16(b + n + 14, (flags & SIM_RST) ? 0 : 64240);
	put16(b + n + 16, 0);
	put16(b + n + 18, 0);
	if (hl == 24) {
		b[n + 20] = 2; /* MSS */
		b[n + 21] = 4;
		put16(b + n + 22, 1460);
	}
	if (len)
		memcpy(b + n + hl, pl, len);
	put16(b + n + 16, csum_fold(csum_add(sum, b + n, hl + len)));
	slot_put(s, sl, idx, n + hl + len);
}

/* ---- BER (ITU-T X.690), definite lengths ---------------------------- */

/* BER: tag, definite length (short or long form), contents. */
void sim_ber(struct sim_buf *w, uint8_t tag, const struct sim_buf *in)
{
	sim_u8(w, tag);
	if (in->n < 128) {
		sim_u8(w, (unsigned)in->n);
	} else if (in->n < 256) {
		sim_u8(w, 0x81);
		sim_u8(w, (unsigned)in->n);
	} else {
		sim_u8(w, 0x82);
		sim_u16be(w, (unsigned)in->n);
	}
	sim_put(w, in->b, in->n);
}

void sim_ber_str(struct sim_buf *w, uint8_t tag, const char *s)
{
	struct sim_buf v = { .n = 0 };
	sim_str(&v, s);
	sim_ber(w, tag, &v);
}

void sim_ber_uint(struct sim_buf *w, uint8_t tag, uint32_t x)
{
	struct sim_buf v = { .n = 0 };
	int k = 3;

	while (k > 0 && ((x >> (8 * k)) & 0xff) == 0)
		k--;
	if ((x >> (8 * k)) & 0x80) /* keep it positive */
		sim_u8(&v, 0);
	for (; k >= 0; k--)
		sim_u8(&v, (x >> (8 * k)) & 0xff);
	sim_ber(w, tag, &v);
}

/* Wrap w's contents in tag (in place through a copy). */
void sim_ber_wrap(struct sim_buf *w, uint8_t tag)
{
	struct sim_buf in = *w;
	w->n = 0;
	sim_ber(w, tag, &in);
}

/* ---- TCP --------------------------------------------------------------- */

uint16_t sim_port(struct sim *s, struct sim_host *h)
{
	(void)s;
	if (h->next_port < 49152)
		h->next_port = 49152;
	return h->next_port++;
}

/* Round-trip inside one switch: a few hundred µs. */
static uint64_t lan_rtt(struct sim *s)
{
	return sim_range(s, 150, 600) * SIM_US;
}

uint64_t sim_tcp_open(struct sim *s, struct sim_tcp *c, struct sim_host *cli,
		      struct sim_host *srv, uint16_t sport, uint64_t t)
{
	struct sim_ep ce, se;

	c->cli = cli;
	c->srv = srv;
	c->cport = sim_port(s, cli);
	c->sport = sport;
	c->cseq = (uint32_t)sim_rand(s);
	c->sseq = (uint32_t)sim_rand(s);
	ce = sim_ep(cli, c->cport);
	se = sim_ep(srv, sport);
	sim_send_tcp(s, t, ce, se, c->cseq++, 0, SIM_SYN, NULL, 0);
	t += lan_rtt(s) / 2;
	sim_send_tcp(s, t, se, ce, c->sseq++, c->cseq, SIM_SYN | SIM_ACK, NULL,
		     0);
	t += lan_rtt(s) / 2;
	sim_send_tcp(s, t, ce, se, c->cseq, c->sseq, SIM_ACK, NULL, 0);
	c->open = true;
	return t;
}

uint64_t sim_tcp_send(struct sim *s, struct sim_tcp *c, bool from_cli,
		      uint64_t t, const void *pl, size_t len)
{
	struct sim_ep ce = sim_ep(c->cli, c->cport), se = sim_ep(c->srv, c->sport);

	if (from_cli) {
		sim_send_tcp(s, t, ce, se, c->cseq, c->sseq, SIM_PSH | SIM_ACK,
			     pl, len);
		c->cseq += (uint32_t)len;
	} else {
		sim_send_tcp(s, t, se, ce, c->sseq, c->cseq, SIM_PSH | SIM_ACK,
			     pl, len);
		c->sseq += (uint32_t)len;
	}
	return t;
}

uint64_t sim_tcp_ack(struct sim *s, struct sim_tcp *c, bool from_cli,
		     uint64_t t)
{
	struct sim_ep ce = sim_ep(c->cli, c->cport), se = sim_ep(c->srv, c->sport);

	if (from_cli)
		sim_send_tcp(s, t, ce, se, c->cseq, c->sseq, SIM_ACK, NULL, 0);
	else
		sim_send_tcp(s, t, se, ce, c->sseq, c->cseq, SIM_ACK, NULL, 0);
	return t;
}

uint64_t sim_tcp_close(struct sim *s, struct sim_tcp *c, bool from_cli,
		       uint64_t t)
{
	struct sim_ep ce = sim_ep(c->cli, c->cport), se = sim_ep(c->srv, c->sport);
	struct sim_ep a = from_cli ? ce : se, b = from_cli ? se : ce;
	uint32_t *aseq = from_cli ? &c->cseq : &c->sseq;
	uint32_t *bseq = from_cli ? &c->sseq : &c->cseq;

	sim_send_tcp(s, t, a, b, (*aseq)++, *bseq, SIM_FIN | SIM_ACK, NULL, 0);
	t += lan_rtt(s) / 2;
	sim_send_tcp(s, t, b, a, (*bseq)++, *aseq, SIM_FIN | SIM_ACK, NULL, 0);
	t += lan_rtt(s) / 2;
	sim_send_tcp(s, t, a, b, *aseq, *bseq, SIM_ACK, NULL, 0);
	c->open = false;
	return t;
}

/* ---- truth ------------------------------------------------------------- */

static void truth_op(struct sim *s, enum sim_app app,
		     const struct sim_host *cli, const struct sim_host *srv,
		     uint16_t unit, uint16_t func, bool exception, uint64_t t)
{
	struct sim_op *op = NULL;

	for (size_t i = 0; i < s->n_ops; i++) {
		struct sim_op *o = &s->ops[i];
		if (o->app == app && o->cli == cli->ip && o->srv == srv->ip &&
		    o->unit == unit && o->func == func) {
			op = o;
			break;
		}
	}
	if (op == NULL) {
		if (s->n_ops == SIM_MAX_OPS)
			return; /* the plant is fixed: cannot happen */
		op = &s->ops[s->n_ops++];
		*op = (struct sim_op){ .cli = cli->ip, .srv = srv->ip,
				       .app = (uint8_t)app, .unit = unit, .func = func,
				       .attack = cli->attacker, .first = t };
	}
	op->requests++;
	op->exceptions += exception;
	op->last = t;
}

void sim_truth_op(struct sim *s, const struct sim_host *cli,
		  const struct sim_host *srv, uint8_t unit, uint8_t func,
		  bool exception, uint64_t t)
{
	truth_op(s, SIM_APP_MODBUS, cli, srv, unit, func, exception, t);
}

void sim_truth_app(struct sim *s, enum sim_app app, const struct sim_host *cli,
		   const struct sim_host *srv, uint16_t unit, uint16_t func,
		   uint64_t t)
{
	truth_op(s, app, cli, srv, unit, func, false, t);
}

const struct sim_op *sim_truth_ops(const struct sim *s, size_t *n)
{
	*n = s->n_ops;
	return s->ops;
}
