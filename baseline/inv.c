/* inv.c: the in-memory inventory. Records live in growable arrays and are
 * found through open-addressing (linear probing) indexes of entry numbers;
 * nothing is ever removed, so entry numbers are stable and a dirty list of
 * them is all otw_inv_save_dirty needs. Every apply reserves its worst
 * case first, so a failed allocation leaves the inventory untouched. */
#include "inv.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opnames.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_pkt.h"

#define NONE UINT32_MAX
#define ENT_MAX (UINT32_MAX / 4) /* keeps index capacity within uint32 */

/* --- index: slot = hash << 32 | (entry + 1); 0 = empty ----------------- */

struct idx {
	uint64_t *slot;
	uint32_t mask; /* capacity - 1 (power of two), or 0 before first use */
	uint32_t n;
};

/* Does entry ent hold key? */
typedef bool (*idx_eq_fn)(const struct otw_inv *inv, uint32_t ent,
			  const void *key);

static uint32_t hash_bytes(const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ h >> 32);
}

/* Slot holding key, or NULL. */
static uint64_t *idx_find(const struct otw_inv *inv, const struct idx *ix,
			  uint32_t h, idx_eq_fn eq, const void *key)
{
	if (ix->mask == 0)
		return NULL;
	for (uint32_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
		uint64_t s = ix->slot[i];
		if (s == 0)
			return NULL;
		if ((uint32_t)(s >> 32) == h &&
		    eq(inv, (uint32_t)s - 1, key))
			return &ix->slot[i];
	}
}

static void idx_place(struct idx *ix, uint32_t h, uint32_t ent)
{
	uint32_t i = h & ix->mask;

	while (ix->slot[i] != 0)
		i = (i + 1) & ix->mask;
	ix->slot[i] = (uint64_t)h << 32 | (ent + 1);
	ix->n++;
}

/* Room for extra more keys at load <= 1/2 (short probes). */
static int idx_reserve(struct idx *ix, uint32_t extra)
{
	uint64_t need = ((uint64_t)ix->n + extra) * 2;
	uint64_t cap = ix->mask ? (uint64_t)ix->mask + 1 : 0;
	uint64_t ncap = cap ? cap : 1024;
	struct idx nx;

	if (need <= cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > ((uint64_t)1 << 31))
		return OTW_EFULL;
	nx.slot = calloc(ncap, sizeof(*nx.slot));
	if (nx.slot == NULL)
		return -ENOMEM;
	nx.mask = (uint32_t)(ncap - 1);
	nx.n = 0;
	for (uint64_t i = 0; i < cap; i++)
		if (ix->slot[i] != 0)
			idx_place(&nx, (uint32_t)(ix->slot[i] >> 32),
				  (uint32_t)ix->slot[i] - 1);
	free(ix->slot);
	*ix = nx;
	return 0;
}

/* Grow array *a of *cap elements of esz bytes to hold need elements. */
static int arr_reserve(void **a, uint32_t *cap, uint64_t need, size_t esz)
{
	uint64_t ncap = *cap ? *cap : 256;
	void *na;

	if (need <= *cap)
		return 0;
	if (need > ENT_MAX)
		return OTW_EFULL;
	while (ncap < need)
		ncap *= 2;
	if ((na = realloc(*a, ncap * esz)) == NULL)
		return -ENOMEM;
	*a = na;
	*cap = (uint32_t)ncap;
	return 0;
}

/* --- the inventory ------------------------------------------------------ */

struct dev_ent {
	struct otw_store_device r;
	bool dirty;
};

struct conn_ent {
	struct otw_store_conn r;
	bool dirty;
};

struct op_ent {
	struct otw_store_op r;
	bool dirty;
};

struct list {
	uint32_t *a;
	uint32_t n, cap;
};

struct otw_inv {
	struct dev_ent *dev;
	struct conn_ent *conn;
	struct op_ent *op;
	uint32_t n_dev, n_conn, n_op;
	uint32_t cap_dev, cap_conn, cap_op;
	struct idx dev_ix, conn_ix, op_ix;
	struct idx ip_ix; /* IP -> device that owns it */
	struct list d_dev, d_conn, d_op; /* dirty entries */
};

int otw_inv_create(struct otw_inv **out)
{
	struct otw_inv *inv = calloc(1, sizeof(*inv));

	if (inv == NULL)
		return -ENOMEM;
	*out = inv;
	return 0;
}

void otw_inv_destroy(struct otw_inv *inv)
{
	if (inv == NULL)
		return;
	free(inv->dev);
	free(inv->conn);
	free(inv->op);
	free(inv->dev_ix.slot);
	free(inv->conn_ix.slot);
	free(inv->op_ix.slot);
	free(inv->ip_ix.slot);
	free(inv->d_dev.a);
	free(inv->d_conn.a);
	free(inv->d_op.a);
	free(inv);
}

/* Everything one apply may need: new devices/IPs, conns, ops. */
static int reserve(struct otw_inv *inv, uint32_t dev, uint32_t conn,
		   uint32_t op)
{
	int rc;

	if ((rc = arr_reserve((void **)&inv->dev, &inv->cap_dev,
			      (uint64_t)inv->n_dev + dev, sizeof(*inv->dev))) ||
	    (rc = arr_reserve((void **)&inv->d_dev.a, &inv->d_dev.cap,
			      (uint64_t)inv->n_dev + dev, sizeof(uint32_t))) ||
	    (rc = idx_reserve(&inv->dev_ix, dev)) ||
	    (rc = idx_reserve(&inv->ip_ix, dev)) ||
	    (rc = arr_reserve((void **)&inv->conn, &inv->cap_conn,
			      (uint64_t)inv->n_conn + conn, sizeof(*inv->conn))) ||
	    (rc = arr_reserve((void **)&inv->d_conn.a, &inv->d_conn.cap,
			      (uint64_t)inv->n_conn + conn, sizeof(uint32_t))) ||
	    (rc = idx_reserve(&inv->conn_ix, conn)) ||
	    (rc = arr_reserve((void **)&inv->op, &inv->cap_op,
			      (uint64_t)inv->n_op + op, sizeof(*inv->op))) ||
	    (rc = arr_reserve((void **)&inv->d_op.a, &inv->d_op.cap,
			      (uint64_t)inv->n_op + op, sizeof(uint32_t))) ||
	    (rc = idx_reserve(&inv->op_ix, op)))
		return rc;
	return 0;
}

static void mark(struct list *l, bool *dirty, uint32_t i)
{
	if (*dirty)
		return;
	*dirty = true;
	l->a[l->n++] = i; /* room reserved: dirty entries <= entries */
}

static bool ip_zero(const struct otw_ip *ip)
{
	static const struct otw_ip z;

	return memcmp(ip, &z, sizeof(z)) == 0;
}

static bool mac_zero(const uint8_t mac[6])
{
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

/* Widen [first, last] to cover [f, l]; true if it changed. */
static bool seen(uint64_t *first, uint64_t *last, uint64_t f, uint64_t l)
{
	bool ch = false;

	if (f != 0 && (*first == 0 || f < *first)) {
		*first = f;
		ch = true;
	}
	if (l > *last) {
		*last = l;
		ch = true;
	}
	return ch;
}

/* --- devices ------------------------------------------------------------ */

static bool dev_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	return memcmp(inv->dev[e].r.mac, key, 6) == 0;
}

static bool ip_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	const struct otw_store_device *d = &inv->dev[e].r;

	for (unsigned i = 0; i < d->n_ips; i++)
		if (memcmp(&d->ips[i], key, sizeof(struct otw_ip)) == 0)
			return true;
	return false;
}

static uint32_t dev_find(const struct otw_inv *inv, const uint8_t mac[6])
{
	uint64_t *s = idx_find(inv, &inv->dev_ix, hash_bytes(mac, 6), dev_eq,
			       mac);

	return s ? (uint32_t)*s - 1 : NONE;
}

/* Find or add (capacity reserved by the caller); *created says which. */
static uint32_t dev_get(struct otw_inv *inv, const uint8_t mac[6],
			bool *created)
{
	uint32_t i = dev_find(inv, mac);

	*created = i == NONE;
	if (i != NONE)
		return i;
	i = inv->n_dev++;
	memset(&inv->dev[i], 0, sizeof(inv->dev[i]));
	memcpy(inv->dev[i].r.mac, mac, 6);
	idx_place(&inv->dev_ix, hash_bytes(mac, 6), i);
	return i;
}

static bool is_router(const struct otw_store_device *d)
{
	return d->n_ips > OTW_INV_ROUTER_IPS;
}

static uint32_t dev_by_ip(const struct otw_inv *inv, const struct otw_ip *ip)
{
	uint64_t *s = idx_find(inv, &inv->ip_ix, hash_bytes(ip, sizeof(*ip)),
			       ip_eq, ip);

	return s ? (uint32_t)*s - 1 : NONE;
}

/* Point ip at device i in the IP index. When two MACs claim an IP, the
 * host beats a router: a router's MAC is the source of every routed IP. */
static void ip_index(struct otw_inv *inv, uint32_t i, const struct otw_ip *ip)
{
	uint32_t h = hash_bytes(ip, sizeof(*ip));
	uint64_t *s = idx_find(inv, &inv->ip_ix, h, ip_eq, ip);
	uint32_t owner;

	if (s == NULL) {
		idx_place(&inv->ip_ix, h, i);
		return;
	}
	owner = (uint32_t)*s - 1;
	if (owner != i && is_router(&inv->dev[owner].r) &&
	    !is_router(&inv->dev[i].r))
		*s = (uint64_t)h << 32 | (i + 1);
}

/* Add ip to device i; true if the record changed. */
static bool dev_add_ip(struct otw_inv *inv, uint32_t i, const struct otw_ip *ip)
{
	struct otw_store_device *d = &inv->dev[i].r;

	for (unsigned k = 0; k < d->n_ips; k++)
		if (memcmp(&d->ips[k], ip, sizeof(*ip)) == 0)
			return false;
	if (d->n_ips == OTW_STORE_DEV_IPS) {
		d->ips_dropped++;
		return true;
	}
	d->ips[d->n_ips++] = *ip;
	ip_index(inv, i, ip);
	return true;
}

static void apply_device(struct otw_inv *inv, const struct otw_ev_device *e)
{
	bool ch;
	uint32_t i = dev_get(inv, e->mac, &ch);
	struct dev_ent *d = &inv->dev[i];

	if (e->vlan != 0 && d->r.vlan != e->vlan) {
		d->r.vlan = e->vlan;
		ch = true;
	}
	ch |= seen(&d->r.first_ns, &d->r.last_ns, e->ts_ns, e->ts_ns);
	if (e->has_ip && !ip_zero(&e->ip))
		ch |= dev_add_ip(inv, i, &e->ip);
	if (ch)
		mark(&inv->d_dev, &d->dirty, i);
}

/* Credit app to the device at one end of a conn/op. The IP decides which
 * device that is; a conn also names the MAC, which creates the device
 * when its (MAC, IP) device event has not arrived yet (group MACs never
 * do: broadcast/multicast are not devices). */
static void credit(struct otw_inv *inv, const uint8_t *mac,
		   const struct otw_ip *ip, unsigned app, bool server,
		   uint64_t first, uint64_t last)
{
	uint32_t i = ip_zero(ip) ? NONE : dev_by_ip(inv, ip);
	struct dev_ent *d;
	uint64_t bit = (uint64_t)1 << app;
	bool ch = false;

	if (i == NONE) {
		if (mac == NULL || mac_zero(mac) || (mac[0] & 1))
			return;
		i = dev_get(inv, mac, &ch);
		if (!ip_zero(ip))
			ch |= dev_add_ip(inv, i, ip);
	}
	d = &inv->dev[i];
	if (app != OTW_APP_UNKNOWN && app < 64) {
		uint64_t *m = server ? &d->r.apps_served : &d->r.apps_used;
		if (!(*m & bit)) {
			*m |= bit;
			ch = true;
		}
	}
	ch |= seen(&d->r.first_ns, &d->r.last_ns, first, last);
	if (ch)
		mark(&inv->d_dev, &d->dirty, i);
}

/* --- conns -------------------------------------------------------------- */

/* The store's key order, so sorting by it matches an LMDB walk. */
#define CONN_KEY_LEN 37

static void conn_key(uint8_t k[CONN_KEY_LEN], uint8_t l4,
		     const struct otw_ip *sip, uint16_t sport,
		     const struct otw_ip *dip, uint16_t dport)
{
	k[0] = l4;
	memcpy(k + 1, sip, 16);
	k[17] = (uint8_t)(sport >> 8);
	k[18] = (uint8_t)sport;
	memcpy(k + 19, dip, 16);
	k[35] = (uint8_t)(dport >> 8);
	k[36] = (uint8_t)dport;
}

static void conn_key_of(uint8_t k[CONN_KEY_LEN], const struct otw_store_conn *c)
{
	conn_key(k, c->l4, &c->src_ip, c->src_port, &c->dst_ip, c->dst_port);
}

static bool conn_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	uint8_t k[CONN_KEY_LEN];

	conn_key_of(k, &inv->conn[e].r);
	return memcmp(k, key, CONN_KEY_LEN) == 0;
}

static uint32_t conn_find(const struct otw_inv *inv,
			  const uint8_t k[CONN_KEY_LEN])
{
	uint64_t *s = idx_find(inv, &inv->conn_ix, hash_bytes(k, CONN_KEY_LEN),
			       conn_eq, k);

	return s ? (uint32_t)*s - 1 : NONE;
}

static void apply_conn(struct otw_inv *inv, const struct otw_ev_conn *e)
{
	uint8_t k[CONN_KEY_LEN];
	struct otw_store_conn *c;
	bool rev = false;
	uint32_t i;

	conn_key(k, e->l4, &e->src_ip, e->src_port, &e->dst_ip, e->dst_port);
	i = conn_find(inv, k);
	if (i == NONE && !(e->flags & OTW_CONN_ORIG_KNOWN)) {
		/* the worker did not see the opener: keep whichever
		 * direction we already have */
		uint8_t rk[CONN_KEY_LEN];
		conn_key(rk, e->l4, &e->dst_ip, e->dst_port, &e->src_ip,
			 e->src_port);
		if ((i = conn_find(inv, rk)) != NONE)
			rev = true;
	}
	if (i == NONE) {
		/* opener unknown and a new conn: guess the lower port is the
		 * server (502 vs ephemeral), or the server would be credited
		 * as a client of its own protocol */
		if (!(e->flags & OTW_CONN_ORIG_KNOWN) &&
		    e->src_port < e->dst_port) {
			rev = true;
			conn_key(k, e->l4, &e->dst_ip, e->dst_port, &e->src_ip,
				 e->src_port);
		}
		i = inv->n_conn++;
		memset(&inv->conn[i], 0, sizeof(inv->conn[i]));
		c = &inv->conn[i].r;
		c->l4 = e->l4;
		c->src_ip = rev ? e->dst_ip : e->src_ip;
		c->dst_ip = rev ? e->src_ip : e->dst_ip;
		c->src_port = rev ? e->dst_port : e->src_port;
		c->dst_port = rev ? e->src_port : e->dst_port;
		idx_place(&inv->conn_ix, hash_bytes(k, CONN_KEY_LEN), i);
	}
	c = &inv->conn[i].r;
	c->packets += e->packets;
	c->bytes += e->bytes;
	seen(&c->first_ns, &c->last_ns, e->first_ns, e->last_ns);
	if (e->app != OTW_APP_UNKNOWN)
		c->app = e->app; /* the dissector may name the app late */
	if (e->vlan != 0)
		c->vlan = e->vlan;
	if (!mac_zero(e->src_mac))
		memcpy(rev ? c->dst_mac : c->src_mac, e->src_mac, 6);
	if (!mac_zero(e->dst_mac))
		memcpy(rev ? c->src_mac : c->dst_mac, e->dst_mac, 6);
	if (e->flags & OTW_CONN_ORIG_KNOWN)
		c->flags |= OTW_STORE_CONN_ORIG_KNOWN;
	mark(&inv->d_conn, &inv->conn[i].dirty, i);
	/* src is the client: it uses the app, dst serves it */
	credit(inv, c->src_mac, &c->src_ip, c->app, false, e->first_ns,
	       e->last_ns);
	credit(inv, c->dst_mac, &c->dst_ip, c->app, true, e->first_ns,
	       e->last_ns);
}

/* --- ops ---------------------------------------------------------------- */

#define OP_KEY_LEN 38

static void op_key(uint8_t k[OP_KEY_LEN], const struct otw_ip *sip,
		   const struct otw_ip *dip, uint16_t app, uint16_t unit,
		   uint16_t func)
{
	memcpy(k, sip, 16);
	memcpy(k + 16, dip, 16);
	k[32] = (uint8_t)(app >> 8);
	k[33] = (uint8_t)app;
	k[34] = (uint8_t)(unit >> 8);
	k[35] = (uint8_t)unit;
	k[36] = (uint8_t)(func >> 8);
	k[37] = (uint8_t)func;
}

static void op_key_of(uint8_t k[OP_KEY_LEN], const struct otw_store_op *o)
{
	op_key(k, &o->src_ip, &o->dst_ip, o->app, o->unit, o->func);
}

static bool op_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	uint8_t k[OP_KEY_LEN];

	op_key_of(k, &inv->op[e].r);
	return memcmp(k, key, OP_KEY_LEN) == 0;
}

static void apply_op(struct otw_inv *inv, const struct otw_ev_op *e)
{
	uint8_t k[OP_KEY_LEN];
	uint32_t h, i;
	uint64_t *s;
	struct otw_store_op *o;

	op_key(k, &e->src_ip, &e->dst_ip, e->app, e->unit, e->func);
	h = hash_bytes(k, OP_KEY_LEN);
	s = idx_find(inv, &inv->op_ix, h, op_eq, k);
	if (s != NULL) {
		i = (uint32_t)*s - 1;
	} else {
		i = inv->n_op++;
		memset(&inv->op[i], 0, sizeof(inv->op[i]));
		o = &inv->op[i].r;
		o->src_ip = e->src_ip;
		o->dst_ip = e->dst_ip;
		o->app = e->app;
		o->unit = e->unit;
		o->func = e->func;
		o->addr_lo = OTW_ADDR_NONE;
		idx_place(&inv->op_ix, h, i);
	}
	o = &inv->op[i].r;
	if (e->addr_lo != OTW_ADDR_NONE) {
		if (o->addr_lo == OTW_ADDR_NONE || e->addr_lo < o->addr_lo)
			o->addr_lo = e->addr_lo;
		if (e->addr_hi > o->addr_hi)
			o->addr_hi = e->addr_hi;
	}
	o->count += e->count;
	o->responses += e->responses;
	o->exceptions += e->exceptions;
	seen(&o->first_ns, &o->last_ns, e->first_ns, e->last_ns);
	mark(&inv->d_op, &inv->op[i].dirty, i);
	credit(inv, NULL, &o->src_ip, o->app, false, e->first_ns, e->last_ns);
	credit(inv, NULL, &o->dst_ip, o->app, true, e->first_ns, e->last_ns);
}

int otw_inv_apply(struct otw_inv *inv, const struct otw_ev *ev)
{
	int rc;

	switch (ev->kind) {
	case OTW_EV_DEVICE:
		if ((rc = reserve(inv, 1, 0, 0)) != 0)
			return rc;
		apply_device(inv, &ev->u.dev);
		return 0;
	case OTW_EV_CONN:
		if ((rc = reserve(inv, 2, 1, 0)) != 0)
			return rc;
		apply_conn(inv, &ev->u.conn);
		return 0;
	case OTW_EV_OP:
		if ((rc = reserve(inv, 0, 0, 1)) != 0)
			return rc;
		apply_op(inv, &ev->u.op);
		return 0;
	default:
		return 0;
	}
}

/* --- store sync --------------------------------------------------------- */

static int load_dev(void *arg, const struct otw_store_device *r)
{
	struct otw_inv *inv = arg;
	uint32_t i;
	bool created;
	int rc;

	if ((rc = reserve(inv, 1, 0, 0)) != 0 ||
	    (rc = idx_reserve(&inv->ip_ix, r->n_ips)) != 0)
		return rc;
	i = dev_get(inv, r->mac, &created);
	inv->dev[i].r = *r;
	for (unsigned k = 0; k < r->n_ips; k++)
		ip_index(inv, i, &r->ips[k]);
	return 0;
}

static int load_conn(void *arg, const struct otw_store_conn *r)
{
	struct otw_inv *inv = arg;
	uint8_t k[CONN_KEY_LEN];
	uint32_t i;
	int rc;

	if ((rc = reserve(inv, 0, 1, 0)) != 0)
		return rc;
	conn_key_of(k, r);
	if ((i = conn_find(inv, k)) == NONE) {
		i = inv->n_conn++;
		idx_place(&inv->conn_ix, hash_bytes(k, CONN_KEY_LEN), i);
	}
	inv->conn[i].r = *r;
	inv->conn[i].dirty = false;
	return 0;
}

static int load_op(void *arg, const struct otw_store_op *r)
{
	struct otw_inv *inv = arg;
	uint8_t k[OP_KEY_LEN];
	uint32_t h;
	uint64_t *s;
	uint32_t i;
	int rc;

	if ((rc = reserve(inv, 0, 0, 1)) != 0)
		return rc;
	op_key_of(k, r);
	h = hash_bytes(k, OP_KEY_LEN);
	if ((s = idx_find(inv, &inv->op_ix, h, op_eq, k)) != NULL) {
		i = (uint32_t)*s - 1;
	} else {
		i = inv->n_op++;
		idx_place(&inv->op_ix, h, i);
	}
	inv->op[i].r = *r;
	inv->op[i].dirty = false;
	return 0;
}

int otw_inv_load(struct otw_inv *inv, struct otw_store *st)
{
	struct otw_txn *txn;
	size_t n;
	int rc;

	if ((rc = otw_store_txn_begin(st, false, &txn)) != 0)
		return rc;
	/* size the tables once instead of doubling through a big store */
	if ((rc = otw_store_count(txn, "conn", &n)) != 0 ||
	    (rc = reserve(inv, 0, n > ENT_MAX ? ENT_MAX : (uint32_t)n, 0)) != 0)
		goto out;
	if ((rc = otw_store_device_foreach(txn, load_dev, inv)) != 0 ||
	    (rc = otw_store_conn_foreach(txn, load_conn, inv)) != 0 ||
	    (rc = otw_store_op_foreach(txn, load_op, inv)) != 0)
		goto out;
out:
	otw_store_txn_abort(txn);
	return rc;
}

/* Sorting entry numbers by key: qsort_r context is the inventory. */
static int cmp_dev(const void *a, const void *b, void *arg)
{
	const struct otw_inv *inv = arg;

	return memcmp(inv->dev[*(const uint32_t *)a].r.mac,
		      inv->dev[*(const uint32_t *)b].r.mac, 6);
}

static int cmp_conn(const void *a, const void *b, void *arg)
{
	const struct otw_inv *inv = arg;
	uint8_t ka[CONN_KEY_LEN], kb[CONN_KEY_LEN];

	conn_key_of(ka, &inv->conn[*(const uint32_t *)a].r);
	conn_key_of(kb, &inv->conn[*(const uint32_t *)b].r);
	return memcmp(ka, kb, CONN_KEY_LEN);
}

static int cmp_op(const void *a, const void *b, void *arg)
{
	const struct otw_inv *inv = arg;
	uint8_t ka[OP_KEY_LEN], kb[OP_KEY_LEN];

	op_key_of(ka, &inv->op[*(const uint32_t *)a].r);
	op_key_of(kb, &inv->op[*(const uint32_t *)b].r);
	return memcmp(ka, kb, OP_KEY_LEN);
}

static int put_dev(struct otw_inv *inv, struct otw_txn *txn, uint32_t e)
{
	inv->dev[e].dirty = false;
	return otw_store_device_put(txn, &inv->dev[e].r);
}

static int put_conn(struct otw_inv *inv, struct otw_txn *txn, uint32_t e)
{
	inv->conn[e].dirty = false;
	return otw_store_conn_put(txn, &inv->conn[e].r);
}

static int put_op(struct otw_inv *inv, struct otw_txn *txn, uint32_t e)
{
	inv->op[e].dirty = false;
	return otw_store_op_put(txn, &inv->op[e].r);
}

/* Write the dirty entries of one table. Sorted first: LMDB puts in key
 * order touch each page once (several times faster than random order).
 * On error the failed entry and the rest stay on the list, dirty. */
static int save_list(struct otw_inv *inv, struct otw_txn *txn,
		     struct list *l,
		     int (*cmp)(const void *, const void *, void *),
		     int (*put)(struct otw_inv *, struct otw_txn *, uint32_t),
		     bool *(*flag)(struct otw_inv *, uint32_t))
{
	uint32_t done = 0;
	int rc = 0;

	qsort_r(l->a, l->n, sizeof(uint32_t), cmp, inv);
	for (; done < l->n; done++) {
		if ((rc = put(inv, txn, l->a[done])) != 0) {
			*flag(inv, l->a[done]) = true;
			break;
		}
	}
	memmove(l->a, l->a + done, (l->n - done) * sizeof(uint32_t));
	l->n -= done;
	return rc;
}

static bool *dev_flag(struct otw_inv *inv, uint32_t e)
{
	return &inv->dev[e].dirty;
}

static bool *conn_flag(struct otw_inv *inv, uint32_t e)
{
	return &inv->conn[e].dirty;
}

static bool *op_flag(struct otw_inv *inv, uint32_t e)
{
	return &inv->op[e].dirty;
}

int otw_inv_save_dirty(struct otw_inv *inv, struct otw_txn *txn)
{
	int rc;

	if ((rc = save_list(inv, txn, &inv->d_dev, cmp_dev, put_dev,
			    dev_flag)) != 0 ||
	    (rc = save_list(inv, txn, &inv->d_conn, cmp_conn, put_conn,
			    conn_flag)) != 0)
		return rc;
	return save_list(inv, txn, &inv->d_op, cmp_op, put_op, op_flag);
}

void otw_inv_get_stats(const struct otw_inv *inv, struct otw_inv_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->devices = inv->n_dev;
	out->conns = inv->n_conn;
	out->ops = inv->n_op;
	out->dirty = (size_t)inv->d_dev.n + inv->d_conn.n + inv->d_op.n;
	for (uint32_t i = 0; i < inv->n_dev; i++)
		out->ips_dropped += inv->dev[i].r.ips_dropped;
}

/* --- output ------------------------------------------------------------- */

/* OT apps whose server side makes a device a controller (GOOSE is L2
 * publish/subscribe: no client/server). */
static const uint64_t ot_apps =
	(uint64_t)1 << OTW_APP_MODBUS | (uint64_t)1 << OTW_APP_DNP3 |
	(uint64_t)1 << OTW_APP_S7COMM | (uint64_t)1 << OTW_APP_ENIP |
	(uint64_t)1 << OTW_APP_BACNET | (uint64_t)1 << OTW_APP_IEC104 |
	(uint64_t)1 << OTW_APP_MMS | (uint64_t)1 << OTW_APP_OPCUA |
	(uint64_t)1 << OTW_APP_PROFINET | (uint64_t)1 << OTW_APP_S7COMMPLUS;

/* Role guess, NULL when nothing points anywhere. */
static const char *dev_role(const struct otw_store_device *d)
{
	if (is_router(d))
		return "router";
	if (d->apps_served & ot_apps)
		return "plc";
	if (d->apps_used & ot_apps)
		return "hmi";
	return NULL;
}

static const char *l4_name(uint8_t l4, char buf[8])
{
	switch (l4) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		snprintf(buf, 8, "%u", l4);
		return buf;
	}
}

static bool has_ports(uint8_t l4)
{
	return l4 == IPPROTO_TCP || l4 == IPPROTO_UDP || l4 == IPPROTO_SCTP;
}

/* JSON string with RFC 8259 escaping. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_ts(FILE *f, const char *name, uint64_t ns)
{
	if (ns == 0)
		return;
	fprintf(f, ",\"%s\":%" PRIu64 ".%06" PRIu64, name, ns / 1000000000u,
		ns % 1000000000u / 1000u);
}

static void json_opt_str(FILE *f, const char *name, const char *v)
{
	if (v == NULL || v[0] == 0)
		return;
	fprintf(f, ",\"%s\":", name);
	json_str(f, v);
}

static void json_device(FILE *f, const struct otw_store_device *d)
{
	char b[64];
	bool first = true;

	fprintf(f, "{\"type\":\"device\",\"mac\":\"%s\",\"ips\":[",
		otw_mac_str(d->mac, b, sizeof(b)));
	for (unsigned i = 0; i < d->n_ips; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "",
			otw_ip_str(&d->ips[i], b, sizeof(b)));
	fputc(']', f);
	if (d->vlan != 0)
		fprintf(f, ",\"vlan\":%u", d->vlan);
	json_opt_str(f, "vendor", d->vendor);
	json_opt_str(f, "model", d->model);
	json_opt_str(f, "firmware", d->firmware);
	json_opt_str(f, "role", dev_role(d));
	fputs(",\"protocols\":[", f);
	for (unsigned a = 1; a < 64; a++) {
		if (!((d->apps_served | d->apps_used) >> a & 1))
			continue;
		fprintf(f, "%s", first ? "" : ",");
		json_str(f, otw_app_name(a));
		first = false;
	}
	fputc(']', f);
	json_ts(f, "first_seen", d->first_ns);
	json_ts(f, "last_seen", d->last_ns);
	fputs("}\n", f);
}

static void json_conn(FILE *f, const struct otw_store_conn *c)
{
	char b[64], l4b[8];

	fprintf(f, "{\"type\":\"conn\",\"proto\":\"%s\"", l4_name(c->l4, l4b));
	fprintf(f, ",\"src_ip\":\"%s\"", otw_ip_str(&c->src_ip, b, sizeof(b)));
	if (has_ports(c->l4))
		fprintf(f, ",\"src_port\":%u", c->src_port);
	fprintf(f, ",\"dst_ip\":\"%s\"", otw_ip_str(&c->dst_ip, b, sizeof(b)));
	if (has_ports(c->l4))
		fprintf(f, ",\"dst_port\":%u", c->dst_port);
	if (c->app != OTW_APP_UNKNOWN)
		fprintf(f, ",\"app\":\"%s\"", otw_app_name(c->app));
	fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64, c->packets,
		c->bytes);
	json_ts(f, "first_seen", c->first_ns);
	json_ts(f, "last_seen", c->last_ns);
	fputs("}\n", f);
}

static void json_op(FILE *f, const struct otw_store_op *o)
{
	char b[64];
	const char *cat, *name = otw_op_name(o->app, o->func, &cat);

	fprintf(f, "{\"type\":\"op\",\"app\":\"%s\"", otw_app_name(o->app));
	fprintf(f, ",\"src_ip\":\"%s\"", otw_ip_str(&o->src_ip, b, sizeof(b)));
	fprintf(f, ",\"dst_ip\":\"%s\"", otw_ip_str(&o->dst_ip, b, sizeof(b)));
	fprintf(f, ",\"unit\":%u,\"func\":%u", o->unit, o->func);
	json_opt_str(f, "name", name);
	json_opt_str(f, "category", cat);
	if (o->addr_lo != OTW_ADDR_NONE)
		fprintf(f, ",\"addr_lo\":%u,\"addr_hi\":%u", o->addr_lo, o->addr_hi);
	fprintf(f, ",\"count\":%" PRIu64 ",\"responses\":%" PRIu64
		   ",\"exceptions\":%" PRIu64 "}\n",
		o->count, o->responses, o->exceptions);
}

/* Entry numbers 0..n-1 sorted by key; NULL on no memory (n == 0 gives a
 * valid empty result). */
static uint32_t *sorted(const struct otw_inv *inv, uint32_t n,
			int (*cmp)(const void *, const void *, void *))
{
	uint32_t *ix = malloc(((size_t)n + 1) * sizeof(*ix));

	if (ix == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), cmp, (void *)inv);
	return ix;
}

int otw_inv_print_json(const struct otw_inv *inv, FILE *f)
{
	uint32_t *dv = sorted(inv, inv->n_dev, cmp_dev);
	uint32_t *cv = sorted(inv, inv->n_conn, cmp_conn);
	uint32_t *ov = sorted(inv, inv->n_op, cmp_op);
	int rc = -ENOMEM;

	if (dv == NULL || cv == NULL || ov == NULL)
		goto out;
	for (uint32_t i = 0; i < inv->n_dev; i++)
		json_device(f, &inv->dev[dv[i]].r);
	for (uint32_t i = 0; i < inv->n_conn; i++)
		json_conn(f, &inv->conn[cv[i]].r);
	for (uint32_t i = 0; i < inv->n_op; i++)
		json_op(f, &inv->op[ov[i]].r);
	rc = ferror(f) ? -EIO : 0;
out:
	free(dv);
	free(cv);
	free(ov);
	return rc;
}

/* "2023-11-14 22:13:20" UTC, or "-". */
static const char *tstr(uint64_t ns, char buf[24])
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (ns == 0 || gmtime_r(&t, &tm) == NULL)
		return "-";
	strftime(buf, 24, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void ipport(char *buf, size_t len, const struct otw_ip *ip,
		   uint16_t port, bool ports)
{
	char b[64];

	otw_ip_str(ip, b, sizeof(b));
	if (!ports)
		snprintf(buf, len, "%s", b);
	else if (otw_ip_is_v4(ip))
		snprintf(buf, len, "%s:%u", b, port);
	else
		snprintf(buf, len, "[%s]:%u", b, port);
}

static int imax(int a, size_t b)
{
	return (size_t)a > b ? a : (int)b;
}

static void table_devices(const struct otw_inv *inv, const uint32_t *dv,
			  FILE *f)
{
	char ips[80], apps[128], b[64], t1[24], t2[24];
	int wip = 3, wap = 9;

	/* first pass: column widths */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "DEVICES (%u)\n%-17s %5s %-6s %-*s %-*s %-19s %s\n",
				inv->n_dev, "MAC", "VLAN", "ROLE", wip, "IPS",
				wap, "PROTOCOLS", "FIRST SEEN (UTC)",
				"LAST SEEN (UTC)");
		for (uint32_t i = 0; i < inv->n_dev; i++) {
			const struct otw_store_device *d = &inv->dev[dv[i]].r;
			const char *role = dev_role(d);
			size_t o = 0;

			ips[0] = apps[0] = 0;
			if (d->n_ips > 0)
				o = (size_t)snprintf(ips, sizeof(ips), "%s",
					otw_ip_str(&d->ips[0], b, sizeof(b)));
			if (d->n_ips > 1 && o < sizeof(ips))
				snprintf(ips + o, sizeof(ips) - o, " (+%u)",
					 d->n_ips - 1);
			o = 0;
			for (unsigned a = 1; a < 64 && o < sizeof(apps); a++)
				if ((d->apps_served | d->apps_used) >> a & 1)
					o += (size_t)snprintf(apps + o,
						sizeof(apps) - o, "%s%s",
						o ? "," : "", otw_app_name(a));
			if (pass == 0) {
				wip = imax(wip, strlen(ips));
				wap = imax(wap, strlen(apps));
				continue;
			}
			fprintf(f, "%-17s %5u %-6s %-*s %-*s %-19s %s\n",
				otw_mac_str(d->mac, b, sizeof(b)), d->vlan,
				role ? role : "-", wip, ips[0] ? ips : "-",
				wap, apps[0] ? apps : "-",
				tstr(d->first_ns, t1), tstr(d->last_ns, t2));
		}
	}
}

static void table_conns(const struct otw_inv *inv, const uint32_t *cv,
			FILE *f)
{
	char s[80], d[80], l4b[8];
	int ws = 6, wd = 11;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "\nCONNECTIONS (%u)\n%-6s %-*s %-*s %-11s %12s %14s\n",
				inv->n_conn, "PROTO", ws, "CLIENT", wd,
				"SERVER", "APP", "PACKETS", "BYTES");
		for (uint32_t i = 0; i < inv->n_conn; i++) {
			const struct otw_store_conn *c = &inv->conn[cv[i]].r;
			bool p = has_ports(c->l4);

			ipport(s, sizeof(s), &c->src_ip, c->src_port, p);
			ipport(d, sizeof(d), &c->dst_ip, c->dst_port, p);
			if (pass == 0) {
				ws = imax(ws, strlen(s));
				wd = imax(wd, strlen(d));
				continue;
			}
			fprintf(f, "%-6s %-*s %-*s %-11s %12" PRIu64 " %14" PRIu64 "\n",
				l4_name(c->l4, l4b), ws, s, wd, d,
				c->app ? otw_app_name(c->app) : "-",
				c->packets, c->bytes);
		}
	}
}

static void table_ops(const struct otw_inv *inv, const uint32_t *ov, FILE *f)
{
	char s[64], d[64];
	int ws = 6, wd = 6, wn = 4;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "\nOPERATIONS (%u)\n%-11s %-*s %-*s %4s %4s %-*s %-10s %10s %10s %10s\n",
				inv->n_op, "APP", ws, "CLIENT", wd, "SERVER",
				"UNIT", "FUNC", wn, "NAME", "CATEGORY", "COUNT",
				"RESPONSES", "EXCEPTIONS");
		for (uint32_t i = 0; i < inv->n_op; i++) {
			const struct otw_store_op *o = &inv->op[ov[i]].r;
			const char *cat, *name = otw_op_name(o->app, o->func,
							     &cat);

			otw_ip_str(&o->src_ip, s, sizeof(s));
			otw_ip_str(&o->dst_ip, d, sizeof(d));
			if (pass == 0) {
				ws = imax(ws, strlen(s));
				wd = imax(wd, strlen(d));
				wn = imax(wn, strlen(name ? name : "-"));
				continue;
			}
			fprintf(f, "%-11s %-*s %-*s %4u %4u %-*s %-10s %10" PRIu64
				   " %10" PRIu64 " %10" PRIu64 "\n",
				otw_app_name(o->app), ws, s, wd, d, o->unit,
				o->func, wn, name ? name : "-", cat, o->count,
				o->responses, o->exceptions);
		}
	}
}

int otw_inv_print_table(const struct otw_inv *inv, FILE *f)
{
	uint32_t *dv = sorted(inv, inv->n_dev, cmp_dev);
	uint32_t *cv = sorted(inv, inv->n_conn, cmp_conn);
	uint32_t *ov = sorted(inv, inv->n_op, cmp_op);
	int rc = -ENOMEM;

	if (dv == NULL || cv == NULL || ov == NULL)
		goto out;
	table_devices(inv, dv, f);
	table_conns(inv, cv, f);
	table_ops(inv, ov, f);
	rc = ferror(f) ? -EIO : 0;
out:
	free(dv);
	free(cv);
	free(ov);
	return rc;
}
