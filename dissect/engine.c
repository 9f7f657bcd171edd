/* The per-worker packet engine: decode, flow, dissect, coalesce, emit.
 * No allocation after create; everything per packet is table lookups. */
#include "engine.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "reasm.h"
#include "registry.h"

#define OP_SLOTS 4096   /* pending op aggregates between ticks */
#define OP_PROBE 8
#define DEV_PROBE 8
#define CLOSE_LINGER_NS 2000000000ull /* keep a closed flow for stray ACKs */
#define ATTR_SLOTS 8192 /* facts already sent (hash only): repeats are dropped */

struct op_agg {
	struct otw_ip client, server;
	uint16_t app;
	uint16_t unit, func;
	uint32_t count, responses, exceptions;
	uint32_t addr_lo, addr_hi;
	uint64_t first_ns, last_ns;
	uint32_t hash;
	uint8_t used;
};

struct dev_ent {
	uint8_t mac[6];
	uint16_t vlan;
	struct otw_ip ip;
	uint8_t used, has_ip, learn, pad;
	uint32_t hash;
	uint64_t last_ns, emit_ns;
};

struct otw_engine {
	struct otw_engine_conf conf;
	struct otw_flowtab *flows;
	struct otw_reasm *rs;   /* TCP reassembly buffers of all flows */
	struct op_agg *ops;
	uint32_t n_ops;
	uint16_t *op_used;      /* slots in use, n_ops of them */
	struct dev_ent *devs;
	uint32_t dev_mask;
	uint32_t *attr_seen;    /* ATTR_SLOTS hashes of sent facts, 0 = empty */
	uint64_t now_ns;        /* newest packet time seen */
	uint32_t sweep;         /* next flow slot the idle sweep looks at */
	uint16_t n_batch;
	struct otw_ev batch[OTW_EV_BATCH_MAX];
	struct otw_engine_stats st;
};

void otw_engine_conf_default(struct otw_engine_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->max_flows = 1u << 20;
	conf->max_devices = 1u << 16;
	conf->idle_ns = 120ull * 1000000000ull;
	conf->update_ns = 10ull * 1000000000ull;
	conf->reasm_bufs = 2048;
	conf->reasm_buf_bytes = 4096;
}

int otw_engine_create(const struct otw_engine_conf *conf,
		      struct otw_engine **out)
{
	struct otw_engine *e;
	uint32_t nd = 1;
	int rc;

	if (conf->sink == NULL || conf->max_devices == 0)
		return -EINVAL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	e->conf = *conf;
	if ((rc = otw_flowtab_create(conf->max_flows, &e->flows)) != 0)
		goto out_free;
	if ((rc = otw_reasm_create(conf->reasm_bufs, conf->reasm_buf_bytes,
				   &e->rs)) != 0)
		goto out_flows;
	rc = -ENOMEM;
	if ((e->ops = calloc(OP_SLOTS, sizeof(*e->ops))) == NULL)
		goto out_flows;
	if ((e->op_used = calloc(OP_SLOTS, sizeof(*e->op_used))) == NULL) {
		free(e->ops);
		goto out_flows;
	}
	while (nd < conf->max_devices && nd < (1u << 30))
		nd <<= 1;
	if ((e->devs = calloc(nd, sizeof(*e->devs))) == NULL)
		goto out_ops;
	if ((e->attr_seen = calloc(ATTR_SLOTS, sizeof(*e->attr_seen))) == NULL) {
		free(e->devs);
		goto out_ops;
	}
	e->dev_mask = nd - 1;
	e->st.flow_entry_bytes = sizeof(struct otw_flow);
	*out = e;
	return 0;
out_ops:
	free(e->ops);
out_flows:
	otw_reasm_destroy(e->rs);
	otw_flowtab_destroy(e->flows);
out_free:
	free(e);
	return rc;
}

void otw_engine_destroy(struct otw_engine *eng)
{
	if (eng == NULL)
		return;
	free(eng->attr_seen);
	free(eng->devs);
	free(eng->ops);
	free(eng->op_used);
	otw_reasm_destroy(eng->rs);
	otw_flowtab_destroy(eng->flows);
	free(eng);
}

static void batch_flush(struct otw_engine *e)
{
	if (e->n_batch == 0)
		return;
	e->conf.sink(e->conf.sink_arg, e->batch, e->n_batch);
	e->n_batch = 0;
}

static struct otw_ev *ev_new(struct otw_engine *e, uint8_t kind)
{
	struct otw_ev *ev;

	if (e->n_batch == OTW_EV_BATCH_MAX)
		batch_flush(e);
	ev = &e->batch[e->n_batch++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	e->st.events++;
	return ev;
}

static inline uint32_t mix32(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (uint32_t)k;
}

static uint32_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (size_t i = n & ~(size_t)7; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return mix32(h);
}

/* ---- devices ---------------------------------------------------------- */

static void dev_emit(struct otw_engine *e, struct dev_ent *d)
{
	struct otw_ev *ev = ev_new(e, OTW_EV_DEVICE);

	memcpy(ev->u.dev.mac, d->mac, 6);
	ev->u.dev.vlan = d->vlan;
	ev->u.dev.ip = d->ip;
	ev->u.dev.has_ip = d->has_ip;
	ev->u.dev.learn = d->learn;
	ev->u.dev.ts_ns = d->last_ns;
	d->emit_ns = d->last_ns;
}

static bool mac_is_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

/* A (MAC, IP) pair was seen: report it when new, then at most once per
 * update period, so a chatty device costs one lookup per packet. */
static void dev_seen(struct otw_engine *e, const uint8_t mac[6], uint16_t vlan,
		     const struct otw_ip *ip, uint8_t learn, uint64_t ts)
{
	struct { uint8_t mac[6]; uint16_t vlan; struct otw_ip ip; } key;
	uint32_t h, i, victim = UINT32_MAX;
	struct dev_ent *d;

	static const uint8_t zero[6];

	/* a zero MAC is no MAC (cooked/raw-IP captures): the IP still names
	 * a sender, which the inventory keys by IP */
	if (!mac_is_unicast(mac) && (ip == NULL || memcmp(mac, zero, 6) != 0))
		return;
	memset(&key, 0, sizeof(key));
	memcpy(key.mac, mac, 6);
	key.vlan = vlan;
	if (ip)
		key.ip = *ip;
	h = hash_bytes(&key, sizeof(key), 7);
	i = h & e->dev_mask;
	for (int k = 0; k < DEV_PROBE; k++, i = (i + 1) & e->dev_mask) {
		d = &e->devs[i];
		if (!d->used) {
			victim = i;
			break;
		}
		if (d->hash == h && memcmp(d->mac, mac, 6) == 0 &&
		    d->vlan == vlan && memcmp(&d->ip, &key.ip, 16) == 0) {
			if (ts > d->last_ns)
				d->last_ns = ts;
			if (learn > d->learn)
				d->learn = learn;
			if (d->last_ns - d->emit_ns >= e->conf.update_ns)
				dev_emit(e, d);
			return;
		}
		if (victim == UINT32_MAX || d->last_ns < e->devs[victim].last_ns)
			victim = i;
	}
	d = &e->devs[victim];
	if (d->used && d->last_ns > d->emit_ns)
		dev_emit(e, d); /* its last sighting must not be lost */
	memset(d, 0, sizeof(*d));
	d->used = 1;
	d->hash = h;
	memcpy(d->mac, mac, 6);
	d->vlan = vlan;
	d->ip = key.ip;
	d->has_ip = ip != NULL;
	d->learn = learn;
	d->last_ns = ts;
	dev_emit(e, d);
}

static void dev_flush(struct otw_engine *e)
{
	for (uint32_t i = 0; i <= e->dev_mask; i++) {
		struct dev_ent *d = &e->devs[i];
		if (d->used && d->last_ns > d->emit_ns)
			dev_emit(e, d);
	}
}

static bool ip_is_unicast_host(const struct otw_ip *ip)
{
	static const uint8_t zero[16];
	if (otw_ip_is_v4(ip)) {
		uint8_t a = ip->b[12];
		if (a == 0 || a >= 224) /* this-host, multicast, broadcast */
			return false;
		return !(ip->b[12] == 255 && ip->b[15] == 255);
	}
	return ip->b[0] != 0xff && memcmp(ip->b, zero, 16) != 0;
}

/* ---- operations ------------------------------------------------------- */

static void op_emit(struct otw_engine *e, struct op_agg *o)
{
	struct otw_ev *ev = ev_new(e, OTW_EV_OP);

	ev->u.op.src_ip = o->client;
	ev->u.op.dst_ip = o->server;
	ev->u.op.app = o->app;
	ev->u.op.unit = o->unit;
	ev->u.op.func = o->func;
	ev->u.op.addr_lo = o->addr_lo;
	ev->u.op.addr_hi = o->addr_hi;
	ev->u.op.count = o->count;
	ev->u.op.responses = o->responses;
	ev->u.op.exceptions = o->exceptions;
	ev->u.op.first_ns = o->first_ns;
	ev->u.op.last_ns = o->last_ns;
	o->used = 0;
}

static void op_flush(struct otw_engine *e)
{
	if (e->n_ops == 0)
		return;
	for (uint32_t i = 0; i < e->n_ops; i++)
		if (e->ops[e->op_used[i]].used)
			op_emit(e, &e->ops[e->op_used[i]]);
	e->n_ops = 0;
}

static void op_count(struct otw_engine *e, const struct otw_ip *client,
		     const struct otw_ip *server, uint16_t app,
		     const struct otw_op *op, uint64_t ts)
{
	uint64_t seed = (uint64_t)app << 32 | (uint64_t)op->unit << 16 | op->func;
	uint32_t h = hash_bytes(client->b, 16, seed) ^ hash_bytes(server->b, 16, ~seed);
	uint32_t i = h & (OP_SLOTS - 1);
	struct op_agg *o = NULL;

	for (int k = 0; k < OP_PROBE; k++, i = (i + 1) & (OP_SLOTS - 1)) {
		struct op_agg *c = &e->ops[i];
		if (!c->used) {
			o = c;
			break;
		}
		if (c->hash == h && c->app == app && c->unit == op->unit &&
		    c->func == op->func && memcmp(&c->client, client, 16) == 0 &&
		    memcmp(&c->server, server, 16) == 0)
			goto found;
	}
	if (o == NULL) { /* window full: report all and start afresh */
		op_flush(e);
		o = &e->ops[h & (OP_SLOTS - 1)];
	}
	memset(o, 0, sizeof(*o));
	o->used = 1;
	o->hash = h;
	o->client = *client;
	o->server = *server;
	o->app = app;
	o->unit = op->unit;
	o->func = op->func;
	o->addr_lo = OTW_ADDR_NONE;
	o->first_ns = ts;
	e->op_used[e->n_ops++] = (uint16_t)(o - e->ops);
	goto count;
found:
	o = &e->ops[i];
count:
	if (op->kind == OTW_OPK_REQUEST)
		o->count++;
	else
		o->responses++;
	if (op->kind == OTW_OPK_EXCEPTION)
		o->exceptions++;
	if (op->addr != OTW_ADDR_NONE) {
		uint64_t hi = (uint64_t)op->addr + (op->naddr ? op->naddr : 1) - 1;
		if (hi >= OTW_ADDR_NONE)
			hi = OTW_ADDR_NONE - 1;
		if (o->addr_lo == OTW_ADDR_NONE || op->addr < o->addr_lo)
			o->addr_lo = op->addr;
		if (hi > o->addr_hi)
			o->addr_hi = (uint32_t)hi;
	}
	if (ts > o->last_ns)
		o->last_ns = ts;
}

void otw_op_report(const struct otw_dctx *x, const struct otw_op *op)
{
	struct otw_ip l2c, l2s;
	const struct otw_ip *c = x->client, *s = x->server;

	if (c == NULL) { /* L2: sender and receiver by MAC pseudo-address */
		otw_ip_from_mac(&l2c, x->pkt->smac);
		otw_ip_from_mac(&l2s, x->pkt->dmac);
		c = &l2c;
		s = &l2s;
	}
	op_count(x->eng, c, s, op->app ? op->app : x->app, op, x->ts_ns);
}

/* ---- identity facts --------------------------------------------------- */

void otw_attr_report(const struct otw_dctx *x, bool of_src, unsigned key,
		     const char *val, size_t len)
{
	struct otw_engine *e = x->eng;
	const struct otw_pkt *p = x->pkt;
	const struct otw_ip *ip = of_src ? &p->src : &p->dst;
	const uint8_t *mac = of_src ? p->smac : p->dmac;
	struct otw_ev_attr *a;
	char v[OTW_ATTR_VAL_MAX];
	uint32_t h, *slot;
	size_t n = 0;

	if (key == 0 || key >= OTW_ATTR__COUNT)
		return;
	for (size_t i = 0; i < len && n < sizeof(v); i++) {
		unsigned char ch = (unsigned char)val[i];
		v[n++] = (char)(ch >= 0x20 && ch < 0x7f ? ch : ch >= 0x80 ? ch : '?');
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '?' || v[n - 1] == 0))
		n--;
	if (n == 0)
		return;
	/* one fact per (device, key, value, app): drop repeats we sent */
	h = hash_bytes((const uint8_t *)v, n,
		       (uint64_t)key << 16 ^ x->app ^ (uint64_t)mix32(ip->b[15]) << 32);
	h ^= hash_bytes(ip->b, 16, 0x9e37) ^ hash_bytes(mac, 6, 0x51);
	h |= 1;
	slot = &e->attr_seen[h & (ATTR_SLOTS - 1)];
	if (*slot == h) {
		e->st.attrs_repeated++;
		return;
	}
	*slot = h;
	a = &ev_new(e, OTW_EV_ATTR)->u.attr;
	if (p->l3 != OTW_L3_NONE && p->l3 != OTW_L3_ARP && ip_is_unicast_host(ip)) {
		a->ip = *ip;
		a->has_ip = 1;
	}
	if (!(mac[0] & 1)) { /* not a group address */
		memcpy(a->mac, mac, 6);
		a->has_mac = 1;
	}
	a->vlan = p->vlan;
	a->app = x->app;
	a->key = (uint16_t)key;
	a->len = (uint8_t)n;
	a->ts_ns = x->ts_ns;
	memcpy(a->val, v, n);
}

/* ---- flows ------------------------------------------------------------ */

static void conn_emit(struct otw_engine *e, struct otw_flow *f, uint8_t flags)
{
	struct otw_ev *ev = ev_new(e, OTW_EV_CONN);

	f->tcp = (uint16_t)(f->tcp & ~(OTW_FT_DEV_A | OTW_FT_DEV_B));
	{
	struct otw_ev_conn *c = &ev->u.conn;
	bool b_client = f->state & OTW_FL_CLIENT_B;

	c->src_ip = b_client ? f->b : f->a;
	c->dst_ip = b_client ? f->a : f->b;
	c->src_port = b_client ? f->pb : f->pa;
	c->dst_port = b_client ? f->pa : f->pb;
	memcpy(c->src_mac, b_client ? f->mac_b : f->mac_a, 6);
	memcpy(c->dst_mac, b_client ? f->mac_a : f->mac_b, 6);
	c->l4 = f->l4;
	c->app = f->app;
	c->vlan = f->vlan;
	c->flags = flags;
	if (f->state & (OTW_FL_ORIG_KNOWN | OTW_FL_SERVER_PORT))
		c->flags |= OTW_CONN_ORIG_KNOWN;
	c->packets = f->pend_pkts;
	c->bytes = f->pend_bytes;
	c->first_ns = f->first_ns;
	c->last_ns = f->last_ns;
	f->pend_pkts = 0;
	f->pend_bytes = 0;
	f->emit_ms = (uint32_t)(f->last_ns >> 20);
	}
}

/* Decide who opened a flow first seen with packet p (src is endpoint a
 * when src_is_a): a bare SYN says it; else a dissector's well-known port;
 * else the lower port under 1024 is the server; else the sender. */
static void flow_orient(struct otw_flow *f, const struct otw_pkt *p, bool src_is_a)
{
	bool src_client = true;
	uint16_t sp;

	if (p->l4 == IPPROTO_TCP && (p->tcp_flags & 0x02)) { /* SYN */
		src_client = !(p->tcp_flags & 0x10);         /* no ACK */
		f->state |= OTW_FL_ORIG_KNOWN;
	} else if ((sp = otw_registry_server_port(p->l4, p->sport, p->dport)) != 0) {
		src_client = p->dport == sp;
		f->state |= OTW_FL_SERVER_PORT;
	} else if (p->sport < 1024 && p->dport >= 1024) {
		src_client = false;
	}
	if (src_client != src_is_a)
		f->state |= OTW_FL_CLIENT_B;
}

/* A flow leaves the table: its reassembly buffers go back to the pool. */
static void flow_free_bufs(struct otw_engine *e, struct otw_flow *f)
{
	otw_reasm_release(e->rs, &f->rs[0]);
	otw_reasm_release(e->rs, &f->rs[1]);
}

static void flow_close(struct otw_engine *e, struct otw_flow *f, bool idle)
{
	flow_free_bufs(e, f);
	conn_emit(e, f, OTW_CONN_CLOSED);
	if (idle)
		e->st.flows_idle++;
	else
		e->st.flows_closed++;
	otw_flowtab_remove(e->flows, f);
}

/* TCP stream order: a segment whose bytes were all seen already (a
 * retransmission or a duplicate from a second SPAN source) is not dissected
 * again; an overlap is trimmed; a hole is flagged so the dissector can
 * resynchronise. Returns false to skip the payload. */
static bool tcp_order(struct otw_engine *e, struct otw_flow *f,
		      const struct otw_pkt *p, bool src_is_a, uint32_t *off,
		      bool *gap)
{
	unsigned d = src_is_a ? 0 : 1;
	uint16_t known = d == 0 ? OTW_FT_SEQ_A : OTW_FT_SEQ_B;
	uint32_t seq = p->tcp_seq + ((p->tcp_flags & 0x02) ? 1u : 0u);
	uint32_t end = seq + p->payload_len;
	int32_t diff;

	*off = 0;
	*gap = false;
	if (!(f->tcp & known)) {
		f->tcp |= known;
		f->next_seq[d] = end;
		return true;
	}
	diff = (int32_t)(seq - f->next_seq[d]);
	if (diff > 0) {
		*gap = true;
		e->st.tcp_gaps++;
	} else if (diff < 0) {
		if ((int32_t)(end - f->next_seq[d]) <= 0) {
			e->st.tcp_retrans++;
			return false;
		}
		*off = (uint32_t)-diff;
	}
	f->next_seq[d] = end;
	return true;
}

static void flow_app(struct otw_engine *e, struct otw_flow *f,
		     const struct otw_pkt *p, bool src_is_a, uint64_t ts)
{
	const struct otw_dissector *d;
	struct otw_cur c;
	uint32_t off = 0;
	bool gap = false;

	if (p->l4 == IPPROTO_TCP && !tcp_order(e, f, p, src_is_a, &off, &gap))
		return;
	c = otw_cur_make(p->payload + off, p->payload_len - off);
	bool b_client = f->state & OTW_FL_CLIENT_B;
	struct otw_dctx x = {
		.eng = e,
		.pkt = p,
		.client = b_client ? &f->b : &f->a,
		.server = b_client ? &f->a : &f->b,
		.state = f->app_state,
		.from_client = src_is_a != b_client,
		.app = f->app,
		.gap = gap,
		.ts_ns = ts,
	};

	if (!(f->state & OTW_FL_CLASSIFIED)) {
		bool server_is_dst;
		d = otw_registry_match(&c, &x, &server_is_dst);
		/* a first payload too short to tell (a lone byte, a SYN with
		 * data) gets a few more chances before the flow is unknown */
		f->tcp = (uint16_t)(f->tcp + OTW_FT_TRY1);
		if (d != NULL || (f->tcp & OTW_FT_TRIES) >= OTW_FT_TRIES)
			f->state |= OTW_FL_CLASSIFIED;
		if (d == NULL)
			return;
		f->app = d->app;
		x.app = d->app;
		if (!(f->state & OTW_FL_ORIG_KNOWN)) {
			/* the protocol knows better than the port guess */
			bool src_client = server_is_dst;
			f->state = (uint8_t)(f->state & ~OTW_FL_CLIENT_B);
			if (src_client != src_is_a)
				f->state |= OTW_FL_CLIENT_B;
			b_client = f->state & OTW_FL_CLIENT_B;
			x.client = b_client ? &f->b : &f->a;
			x.server = b_client ? &f->a : &f->b;
			x.from_client = src_is_a != b_client;
		}
	} else if ((d = otw_registry_get(f->app)) == NULL) {
		return;
	}
	if (d->port != 0 && (p->sport == d->port) != (p->dport == d->port)) {
		/* the protocol's own port names its server, whoever sent the
		 * SYN (as Wireshark does): requests go to that port */
		bool srv_is_a = (src_is_a ? p->sport : p->dport) == d->port;
		x.client = srv_is_a ? &f->b : &f->a;
		x.server = srv_is_a ? &f->a : &f->b;
		x.from_client = p->dport == d->port;
	}
	e->st.app_packets[f->app]++;
	if (d->pdu_len != NULL && p->l4 == IPPROTO_TCP) {
		/* framed protocols: whole PDUs, reassembled when cut */
		unsigned dir = src_is_a ? 0 : 1;
		uint16_t bit = dir == 0 ? OTW_FT_RESYNC_A : OTW_FT_RESYNC_B;
		bool resync = f->tcp & bit;

		e->st.app_malformed[f->app] +=
			otw_reasm_stream(e->rs, &f->rs[dir], &resync, d, &x, c);
		f->tcp = (uint16_t)(resync ? f->tcp | bit : f->tcp & ~bit);
		return;
	}
	if (d->dissect(&c, &x) == OTW_MALFORMED)
		e->st.app_malformed[f->app]++;
}

/* Non-IP frames go to the L2 dissector of their EtherType, if any. */
static void l2_app(struct otw_engine *e, const struct otw_pkt *p, uint64_t ts)
{
	const struct otw_dissector *d = otw_registry_l2(p->ethertype);
	struct otw_cur c;
	struct otw_dctx x = { .eng = e, .pkt = p, .ts_ns = ts };
	enum otw_verdict v;

	if (d == NULL)
		return;
	x.app = d->app;
	c = otw_cur_make(p->l3p, p->l3_len);
	v = d->dissect(&c, &x);
	/* one dissector may serve several apps (LLC: STP and CDP): it says
	 * which one through x.app */
	if (x.app < OTW_APP__COUNT) {
		e->st.app_packets[x.app]++;
		if (v == OTW_MALFORMED)
			e->st.app_malformed[x.app]++;
	}
}

void otw_engine_packet(struct otw_engine *e, const uint8_t *frame,
		       uint32_t caplen, uint32_t wire_len, uint64_t ts)
{
	struct otw_pkt p;
	struct otw_flow *f, ev_flow;
	bool src_is_a, created, evicted;

	e->st.packets++;
	e->st.bytes += wire_len;
	if (ts > e->now_ns)
		e->now_ns = ts;
	if (!otw_pkt_decode(frame, caplen, &p)) {
		e->st.malformed++;
		e->st.mal[p.mal]++;
		return;
	}
	if (p.l3 == OTW_L3_ARP) {
		if (p.arp_op != 0) {
			struct otw_ip ip;
			memset(ip.b, 0, 10);
			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12, p.arp_spa, 4);
			dev_seen(e, p.arp_sha, p.vlan, ip_is_unicast_host(&ip) ? &ip : NULL,
				 OTW_LEARN_ARP, ts);
		}
		e->st.non_ip++;
		return;
	}
	if (p.l3 == OTW_L3_NONE) {
		dev_seen(e, p.smac, p.vlan, NULL, OTW_LEARN_NONE, ts);
		e->st.non_ip++;
		l2_app(e, &p, ts);
		return;
	}
	if (p.flags & OTW_PKT_FRAG) {
		e->st.fragments++;
		if (p.flags & OTW_PKT_FRAG_LATER) {
			dev_seen(e, p.smac, p.vlan,
				 ip_is_unicast_host(&p.src) ? &p.src : NULL, OTW_LEARN_IP, ts);
			return; /* no ports: not attributable to a flow */
		}
	}
	f = otw_flowtab_get(e->flows, &p, otw_pkt_hash(&p), &src_is_a, &created,
			    &ev_flow, &evicted);
	/* a flow's sender is reported as a device once per conn event period
	 * (the bit clears when the flow reports), not once per packet: the
	 * device table lookup was the engine's most expensive step */
	{
		uint16_t bit = src_is_a ? OTW_FT_DEV_A : OTW_FT_DEV_B;
		if (created || !(f->tcp & bit)) {
			dev_seen(e, p.smac, p.vlan,
				 ip_is_unicast_host(&p.src) ? &p.src : NULL, OTW_LEARN_IP, ts);
			f->tcp |= bit;
		}
	}
	if (evicted) {
		e->st.flows_evicted_full++;
		flow_free_bufs(e, &ev_flow);
		conn_emit(e, &ev_flow, OTW_CONN_CLOSED);
	}
	if (created) {
		e->st.flows_created++;
		f->vlan = p.vlan;
		f->first_ns = ts;
		flow_orient(f, &p, src_is_a);
	}
	memcpy(src_is_a ? f->mac_a : f->mac_b, p.smac, 6);
	memcpy(src_is_a ? f->mac_b : f->mac_a, p.dmac, 6);
	f->pend_pkts++;
	f->pend_bytes += wire_len;
	if (ts > f->last_ns)
		f->last_ns = ts;
	if (p.l4 == IPPROTO_TCP) {
		if ((p.tcp_flags & 0x02) && p.payload_len == 0) {
			unsigned d = src_is_a ? 0 : 1;
			f->tcp |= d == 0 ? OTW_FT_SEQ_A : OTW_FT_SEQ_B;
			f->next_seq[d] = p.tcp_seq + 1;
		}
		if (p.tcp_flags & 0x01)
			f->state |= src_is_a ? OTW_FL_FIN_A : OTW_FL_FIN_B;
		if (p.tcp_flags & 0x04)
			f->state |= OTW_FL_RST;
	}
	if (p.payload_len > 0)
		flow_app(e, f, &p, src_is_a, ts);
	if (created)
		conn_emit(e, f, OTW_CONN_NEW); /* connection seen, at once */
}

static bool flow_done(const struct otw_engine *e, const struct otw_flow *f)
{
	bool closing = (f->state & OTW_FL_RST) ||
		       (f->state & (OTW_FL_FIN_A | OTW_FL_FIN_B)) ==
			       (OTW_FL_FIN_A | OTW_FL_FIN_B);
	uint64_t limit = closing ? CLOSE_LINGER_NS : e->conf.idle_ns;

	return e->now_ns > f->last_ns && e->now_ns - f->last_ns > limit;
}

void otw_engine_tick(struct otw_engine *e)
{
	uint32_t n = otw_flowtab_slots(e->flows);
	uint32_t budget = n / 64 > 4096 ? n / 64 : 4096;

	/* sweep a slice of the table per tick: bounded work, full coverage */
	for (uint32_t k = 0; k < budget && k < n; k++) {
		struct otw_flow *f = otw_flowtab_slot(e->flows, e->sweep);
		if (f != NULL && flow_done(e, f)) {
			bool closing = f->state & (OTW_FL_RST | OTW_FL_FIN_A | OTW_FL_FIN_B);
			flow_close(e, f, !closing);
			continue; /* a later flow may have shifted into this slot */
		}
		if (f != NULL && f->pend_pkts != 0 &&
		    (uint32_t)((e->now_ns >> 20) - f->emit_ms) >=
			    e->conf.update_ns >> 20)
			conn_emit(e, f, 0);
		e->sweep = e->sweep + 1 == n ? 0 : e->sweep + 1;
	}
	op_flush(e);
	batch_flush(e);
}

void otw_engine_tick_ops(struct otw_engine *e)
{
	op_flush(e);
	batch_flush(e);
}

void otw_engine_flush(struct otw_engine *e, bool final)
{
	uint32_t n = otw_flowtab_slots(e->flows);

	for (uint32_t i = 0; i < n; i++) {
		struct otw_flow *f = otw_flowtab_slot(e->flows, i);
		if (f == NULL)
			continue;
		if (final) {
			conn_emit(e, f, OTW_CONN_CLOSED);
			flow_free_bufs(e, f);
			otw_flowtab_remove(e->flows, f);
			i--; /* re-check the slot: backward shift may refill it */
			continue;
		}
		if (f->pend_pkts != 0)
			conn_emit(e, f, 0);
	}
	op_flush(e);
	dev_flush(e);
	batch_flush(e);
}

void otw_engine_get_stats(const struct otw_engine *e,
			  struct otw_engine_stats *out)
{
	struct otw_reasm_stats rs;

	*out = e->st;
	otw_reasm_get_stats(e->rs, &rs);
	out->reasm_pdus = rs.pdus;
	out->reasm_pool_full = rs.pool_full;
	out->reasm_cap_over = rs.cap_over;
	out->reasm_gap_drops = rs.gap_drops;
	out->reasm_junk = rs.junk;
	out->reasm_bufs_used = rs.bufs_used;
	out->reasm_pool_bytes = (uint64_t)rs.bufs * rs.buf_bytes;
	out->flows_active = otw_flowtab_count(e->flows);
	out->flow_table_bytes = otw_flowtab_bytes(e->flows);
}
