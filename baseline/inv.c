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

#include "class.h"
#include "opnames.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_pkt.h"
#include "oui.h"

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

/* Chosen identity fields of a device (docs/inventory.md). */
enum pick {
	P_VENDOR, P_MODEL, P_FIRMWARE, P_SERIAL, P_NAME, P_OS, P_ROLE,
	P_CAPS, P_UA, P__COUNT
};

struct dev_ent {
	struct otw_store_device r;
	uint32_t facts;           /* first fact entry of this device, NONE */
	uint32_t pick[P__COUNT];  /* chosen fact per field, NONE */
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

struct fact_ent {
	struct otw_store_fact r;  /* r.dev is filled when saving */
	uint32_t dev, next;       /* owner entry; next fact of the owner */
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
	struct fact_ent *fact;
	uint32_t n_dev, n_conn, n_op, n_fact;
	uint32_t cap_dev, cap_conn, cap_op, cap_fact;
	struct idx dev_ix, conn_ix, op_ix, fact_ix;
	struct idx ip_ix; /* IP -> device that owns it */
	struct list d_dev, d_conn, d_op, d_fact; /* dirty entries */
	const struct otw_oui *oui;
	bool oui_set;     /* oui chosen by otw_inv_set_oui: no default load */
	uint64_t flips;   /* guessed conns turned round by a known opener */
};

int otw_inv_create(struct otw_inv **out)
{
	struct otw_inv *inv = calloc(1, sizeof(*inv));

	if (inv == NULL)
		return -ENOMEM;
	*out = inv;
	return 0;
}

void otw_inv_set_oui(struct otw_inv *inv, const struct otw_oui *oui)
{
	inv->oui = oui;
	inv->oui_set = true;
}

void otw_inv_destroy(struct otw_inv *inv)
{
	if (inv == NULL)
		return;
	free(inv->dev);
	free(inv->conn);
	free(inv->op);
	free(inv->fact);
	free(inv->dev_ix.slot);
	free(inv->conn_ix.slot);
	free(inv->op_ix.slot);
	free(inv->fact_ix.slot);
	free(inv->ip_ix.slot);
	free(inv->d_dev.a);
	free(inv->d_conn.a);
	free(inv->d_op.a);
	free(inv->d_fact.a);
	free(inv);
}

/* Everything one apply may need: new devices/IPs, conns, ops, facts. */
static int reserve(struct otw_inv *inv, uint32_t dev, uint32_t conn,
		   uint32_t op, uint32_t fact)
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
	    (rc = idx_reserve(&inv->op_ix, op)) ||
	    (rc = arr_reserve((void **)&inv->fact, &inv->cap_fact,
			      (uint64_t)inv->n_fact + fact, sizeof(*inv->fact))) ||
	    (rc = arr_reserve((void **)&inv->d_fact.a, &inv->d_fact.cap,
			      (uint64_t)inv->n_fact + fact, sizeof(uint32_t))) ||
	    (rc = idx_reserve(&inv->fact_ix, fact)))
		return rc;
	return 0;
}

/* Worst case of one device-touching apply: the event's own device, an
 * IP-keyed device, and a router split moving every IP of a MAC. */
#define DEV_WORST (OTW_STORE_DEV_IPS + 2)

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

static bool mac_unicast(const uint8_t *mac)
{
	return mac != NULL && !mac_zero(mac) && !(mac[0] & 1);
}

/* Could ip be one host's address? Not unspecified (0.0.0.0/8, ::),
 * loopback, multicast, limited broadcast or class E; not an L2
 * pseudo-address either. */
bool otw_inv_host_ip(const struct otw_ip *ip)
{
	if (ip_zero(ip) || otw_ip_is_mac(ip))
		return false;
	if (otw_ip_is_v4(ip)) {
		uint8_t a = ip->b[12];
		return a != 0 && a != 127 && a < 224;
	}
	if (ip->b[0] == 0xff) /* ff00::/8 multicast */
		return false;
	for (int i = 0; i < 15; i++)
		if (ip->b[i] != 0)
			return true;
	return false; /* :: and ::1 */
}

/* Not RFC 1918 / CGNAT / link-local / ULA: an Internet address. */
bool otw_inv_public_ip(const struct otw_ip *ip)
{
	if (!otw_inv_host_ip(ip))
		return false;
	if (otw_ip_is_v4(ip)) {
		uint8_t a = ip->b[12], b = ip->b[13];
		return !(a == 10 || (a == 172 && (b & 0xf0) == 16) ||
			 (a == 192 && b == 168) || (a == 169 && b == 254) ||
			 (a == 100 && (b & 0xc0) == 64));
	}
	return !((ip->b[0] & 0xfe) == 0xfc ||              /* fc00::/7 */
		 (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80)); /* fe80::/10 */
}

/* /24 (IPv4) or /64 (IPv6) of ip, as a number. */
static uint64_t net_of(const struct otw_ip *ip)
{
	uint64_t v = 0;

	if (otw_ip_is_v4(ip))
		return (uint64_t)1 << 63 | (uint32_t)ip->b[12] << 16 |
		       (uint32_t)ip->b[13] << 8 | ip->b[14];
	for (int i = 0; i < 8; i++)
		v = v << 8 | ip->b[i];
	return v & ~((uint64_t)1 << 63);
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

#define DK OTW_STORE_DEVKEY_LEN

static void key_mac(uint8_t k[DK], const uint8_t mac[6])
{
	memset(k, 0, DK);
	memcpy(k + 1, mac, 6);
}

static void key_ip(uint8_t k[DK], const struct otw_ip *ip)
{
	k[0] = 1;
	memcpy(k + 1, ip->b, 16);
}

static bool dev_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	uint8_t k[DK];

	otw_store_device_key(&inv->dev[e].r, k);
	return memcmp(k, key, DK) == 0;
}

static bool ip_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	const struct otw_store_device *d = &inv->dev[e].r;

	for (unsigned i = 0; i < d->n_ips; i++)
		if (memcmp(&d->ips[i], key, sizeof(struct otw_ip)) == 0)
			return true;
	return false;
}

static uint32_t dev_find(const struct otw_inv *inv, const uint8_t k[DK])
{
	uint64_t *s = idx_find(inv, &inv->dev_ix, hash_bytes(k, DK), dev_eq, k);

	return s ? (uint32_t)*s - 1 : NONE;
}

static uint32_t dev_find_mac(const struct otw_inv *inv, const uint8_t mac[6])
{
	uint8_t k[DK];

	key_mac(k, mac);
	return dev_find(inv, k);
}

static void dev_init(struct dev_ent *d)
{
	memset(d, 0, sizeof(*d));
	d->facts = NONE;
	for (int p = 0; p < P__COUNT; p++)
		d->pick[p] = NONE;
}

static bool is_router(const struct otw_store_device *d)
{
	return d->flags & OTW_STORE_DEV_ROUTER;
}

static uint32_t dev_by_ip(const struct otw_inv *inv, const struct otw_ip *ip)
{
	uint64_t *s = idx_find(inv, &inv->ip_ix, hash_bytes(ip, sizeof(*ip)),
			       ip_eq, ip);

	return s ? (uint32_t)*s - 1 : NONE;
}

/* Point ip at device i in the IP index. When two devices claim an IP, a
 * host's MAC beats a router's MAC (the source of every routed IP) and
 * beats an IP-keyed record. */
static void ip_index(struct otw_inv *inv, uint32_t i, const struct otw_ip *ip)
{
	uint32_t h = hash_bytes(ip, sizeof(*ip));
	uint64_t *s = idx_find(inv, &inv->ip_ix, h, ip_eq, ip);
	const struct otw_store_device *o, *n = &inv->dev[i].r;

	if (s == NULL) {
		idx_place(&inv->ip_ix, h, i);
		return;
	}
	o = &inv->dev[(uint32_t)*s - 1].r;
	if (o != n && !is_router(n) && !n->by_ip && (is_router(o) || o->by_ip))
		*s = (uint64_t)h << 32 | (i + 1);
}

/* Find or add the device keyed by MAC (capacity reserved by the caller);
 * *created says which. */
static uint32_t dev_get_mac(struct otw_inv *inv, const uint8_t mac[6],
			    bool *created)
{
	uint8_t k[DK];
	uint32_t i;

	key_mac(k, mac);
	i = dev_find(inv, k);
	*created = i == NONE;
	if (i != NONE)
		return i;
	i = inv->n_dev++;
	dev_init(&inv->dev[i]);
	memcpy(inv->dev[i].r.mac, mac, 6);
	idx_place(&inv->dev_ix, hash_bytes(k, DK), i);
	return i;
}

/* Find or add the IP-keyed device of ip (a host behind a router). */
static uint32_t dev_get_ip(struct otw_inv *inv, const struct otw_ip *ip)
{
	uint8_t k[DK];
	uint32_t i;
	struct dev_ent *d;

	key_ip(k, ip);
	if ((i = dev_find(inv, k)) != NONE)
		return i;
	i = inv->n_dev++;
	d = &inv->dev[i];
	dev_init(d);
	d->r.by_ip = 1;
	d->r.n_ips = 1;
	d->r.ips[0] = *ip;
	if (otw_inv_public_ip(ip))
		d->r.flags |= OTW_STORE_DEV_INTERNET;
	idx_place(&inv->dev_ix, hash_bytes(k, DK), i);
	ip_index(inv, i, ip);
	mark(&inv->d_dev, &d->dirty, i);
	return i;
}

/* Distinct /24s among the IPs of d. */
static unsigned dev_nets(const struct otw_store_device *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n_ips; i++) {
		unsigned j;
		for (j = 0; j < i; j++)
			if (net_of(&d->ips[j]) == net_of(&d->ips[i]))
				break;
		n += j == i;
	}
	return n;
}

/* Is ip the router's own address (not one it routes)? Its own are the
 * ones it answered ARP for and any in a /24 it already owns. */
static bool router_owns(const struct otw_store_device *d,
			const struct otw_ip *ip, bool arp)
{
	if (arp)
		return true;
	for (unsigned k = 0; k < d->n_ips; k++)
		if (net_of(&d->ips[k]) == net_of(ip))
			return true;
	return false;
}

/* A MAC whose IPs span OTW_INV_ROUTER_NETS /24s,
 * or two /24s with more than OTW_INV_ROUTER_IPS IPs or with both a public
 * and a private one, is a router: its IPs outside its own /24s (those it
 * answered ARP for) move to IP-keyed devices. Room for them is reserved
 * by the caller. */
static void check_router(struct otw_inv *inv, uint32_t i)
{
	struct otw_store_device *d = &inv->dev[i].r;
	unsigned nets = dev_nets(d), w = 0;
	uint64_t home[OTW_STORE_DEV_IPS];
	unsigned n_home = 0;
	uint16_t arp = 0;
	struct otw_ip moved[OTW_STORE_DEV_IPS];
	unsigned n_moved = 0;

	bool pub = false, priv = false;
	unsigned no_arp = 0;

	if (is_router(d) || d->by_ip)
		return;
	for (unsigned k = 0; k < d->n_ips; k++) {
		if (d->arp_ips >> k & 1)
			continue;
		no_arp++;
		if (otw_inv_public_ip(&d->ips[k]))
			pub = true;
		else
			priv = true;
	}
	if (nets < 2 ? no_arp <= OTW_INV_ROUTER_IPS_1NET
		     : !(nets >= OTW_INV_ROUTER_NETS || d->n_ips > OTW_INV_ROUTER_IPS ||
			 (pub && priv)))
		return;
	d->flags |= OTW_STORE_DEV_ROUTER;
	/* its own /24s: those of the addresses it answered ARP for; none
	 * known = every address moves (a router seldom sources traffic
	 * from its own address, so the first IP is no better a guess) */
	for (unsigned k = 0; k < d->n_ips; k++)
		if (d->arp_ips >> k & 1)
			home[n_home++] = net_of(&d->ips[k]);
	for (unsigned k = 0; k < d->n_ips; k++) {
		bool own = d->arp_ips >> k & 1;
		for (unsigned h = 0; h < n_home && !own; h++)
			own = home[h] == net_of(&d->ips[k]);
		if (own) {
			arp |= (uint16_t)((d->arp_ips >> k & 1) << w);
			d->ips[w++] = d->ips[k];
		} else {
			moved[n_moved++] = d->ips[k];
		}
	}
	d->n_ips = (uint8_t)w;
	d->arp_ips = arp;
	mark(&inv->d_dev, &inv->dev[i].dirty, i);
	for (unsigned k = 0; k < n_moved; k++) {
		uint32_t j;
		if (dev_by_ip(inv, &moved[k]) != NONE)
			continue; /* a host of its own has it */
		j = dev_get_ip(inv, &moved[k]);
		d = &inv->dev[i].r;
		seen(&inv->dev[j].r.first_ns, &inv->dev[j].r.last_ns,
		     d->first_ns, d->last_ns);
	}
}

/* Add ip to device i; true if the record changed. */
static bool dev_add_ip(struct otw_inv *inv, uint32_t i, const struct otw_ip *ip,
		       bool arp)
{
	struct otw_store_device *d = &inv->dev[i].r;

	for (unsigned k = 0; k < d->n_ips; k++) {
		if (memcmp(&d->ips[k], ip, sizeof(*ip)) != 0)
			continue;
		if (arp && !(d->arp_ips >> k & 1)) {
			d->arp_ips |= (uint16_t)(1u << k);
			return true;
		}
		return false;
	}
	if (d->n_ips == OTW_STORE_DEV_IPS) {
		d->ips_dropped++;
		return true;
	}
	if (arp)
		d->arp_ips |= (uint16_t)(1u << d->n_ips);
	d->ips[d->n_ips++] = *ip;
	ip_index(inv, i, ip);
	return true;
}

/* The device (mac, ip) names: the MAC's, unless the MAC is a router's and
 * ip is not its own, then ip's IP-keyed device. Either may be absent
 * (mac NULL/group, ip NULL); NONE when neither names a device. Creates
 * what is missing and marks what it changed. */
static uint32_t dev_locate(struct otw_inv *inv, const uint8_t *mac,
			   const struct otw_ip *ip, bool arp)
{
	uint32_t i;
	bool ch;

	if (!mac_unicast(mac))
		return ip ? dev_get_ip(inv, ip) : NONE;
	i = dev_get_mac(inv, mac, &ch);
	if (ip != NULL && is_router(&inv->dev[i].r) &&
	    !router_owns(&inv->dev[i].r, ip, arp)) {
		if (ch)
			mark(&inv->d_dev, &inv->dev[i].dirty, i);
		return dev_get_ip(inv, ip);
	}
	if (ip == NULL || !dev_add_ip(inv, i, ip, arp)) {
		if (ch)
			mark(&inv->d_dev, &inv->dev[i].dirty, i);
		return i; /* nothing new: no router check either */
	}
	mark(&inv->d_dev, &inv->dev[i].dirty, i);
	check_router(inv, i);
	if (is_router(&inv->dev[i].r) && !ip_eq(inv, i, ip)) {
		uint32_t j = dev_by_ip(inv, ip);
		return j != NONE ? j : dev_get_ip(inv, ip);
	}
	return i;
}

static void apply_device(struct otw_inv *inv, const struct otw_ev_device *e)
{
	bool ch = false;
	const struct otw_ip *ip = e->has_ip && otw_inv_host_ip(&e->ip) ?
		&e->ip : NULL;
	uint32_t m, i;
	struct dev_ent *d;

	if (!mac_unicast(e->mac)) {
		/* a zero MAC is no MAC (cooked/raw-IP captures): key on the
		 * IP; group MACs never send, so their frames name no device */
		if (ip != NULL && mac_zero(e->mac) &&
		    (i = dev_get_ip(inv, ip)) != NONE &&
		    seen(&inv->dev[i].r.first_ns, &inv->dev[i].r.last_ns,
			 e->ts_ns, e->ts_ns))
			mark(&inv->d_dev, &inv->dev[i].dirty, i);
		return;
	}
	i = dev_locate(inv, e->mac, ip, e->learn == OTW_LEARN_ARP);
	m = !inv->dev[i].r.by_ip && memcmp(inv->dev[i].r.mac, e->mac, 6) == 0 ?
		i : dev_find_mac(inv, e->mac);
	d = &inv->dev[m];
	if (e->vlan != 0 && d->r.vlan != e->vlan) {
		d->r.vlan = e->vlan;
		ch = true;
	}
	ch |= seen(&d->r.first_ns, &d->r.last_ns, e->ts_ns, e->ts_ns);
	if (ch)
		mark(&inv->d_dev, &d->dirty, m);
	if (i != m && seen(&inv->dev[i].r.first_ns, &inv->dev[i].r.last_ns,
			   e->ts_ns, e->ts_ns))
		mark(&inv->d_dev, &inv->dev[i].dirty, i);
}

/* The device an op/conn endpoint IP names (L2 pseudo-addresses name a
 * MAC), NONE if unknown. */
static uint32_t dev_of_ip(const struct otw_inv *inv, const struct otw_ip *ip)
{
	if (otw_ip_is_mac(ip))
		return dev_find_mac(inv, ip->b + 10);
	return otw_inv_host_ip(ip) ? dev_by_ip(inv, ip) : NONE;
}

/* Credit app to the device at one end of a conn/op. The IP decides which
 * device that is; a conn also names the MAC, which creates the device
 * when its (MAC, IP) device event has not arrived yet (group MACs never
 * do: broadcast/multicast are not devices; 0.0.0.0 is never an IP). */
static void credit(struct otw_inv *inv, const uint8_t *mac,
		   const struct otw_ip *ip, unsigned app, bool server,
		   uint64_t first, uint64_t last)
{
	uint32_t i = NONE;
	struct dev_ent *d;
	uint64_t bit = (uint64_t)1 << app;
	bool ch = false;

	if (otw_ip_is_mac(ip)) {
		mac = ip->b + 10;
		ip = NULL;
	} else if (!otw_inv_host_ip(ip)) {
		ip = NULL;
	}
	if (ip != NULL)
		i = dev_by_ip(inv, ip);
	if (i == NONE) {
		if (!mac_unicast(mac))
			return; /* an IP we only know from ops: skip */
		if ((i = dev_locate(inv, mac, ip, false)) == NONE)
			return;
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

/* --- facts -------------------------------------------------------------- */

/* Precedence tier of the protocol that taught a fact (docs/inventory.md):
 * OT identity 5 > LLDP/CDP/SNMP 4 > DHCP 3 > HTTP/SSDP/mDNS/NBNS and other
 * IT protocols 2 > MAC OUI 1 (not a fact: the fallback when printing). */
unsigned otw_inv_app_tier(unsigned app)
{
	switch (app) {
	case OTW_APP_MODBUS: case OTW_APP_DNP3: case OTW_APP_S7COMM:
	case OTW_APP_S7COMMPLUS: case OTW_APP_ENIP: case OTW_APP_ENIP_IO:
	case OTW_APP_BACNET: case OTW_APP_IEC104: case OTW_APP_MMS:
	case OTW_APP_GOOSE: case OTW_APP_SV: case OTW_APP_OPCUA:
	case OTW_APP_PROFINET: case OTW_APP_PNIO_CM: case OTW_APP_ETHERCAT:
	case OTW_APP_UMAS:
		return 5;
	case OTW_APP_LLDP: case OTW_APP_CDP: case OTW_APP_SNMP:
		return 4;
	case OTW_APP_DHCP: case OTW_APP_DHCPV6:
		return 3;
	default:
		return 2;
	}
}

/* Field a fact key feeds and its rank inside the field (higher wins at
 * equal tier); false if the key feeds no chosen field. */
static bool key_pick(unsigned key, enum pick *p, unsigned *rank)
{
	*rank = 1;
	switch (key) {
	case OTW_ATTR_VENDOR: *p = P_VENDOR; return true;
	case OTW_ATTR_MODEL: *p = P_MODEL; *rank = 3; return true;
	case OTW_ATTR_PLATFORM: *p = P_MODEL; *rank = 2; return true;
	case OTW_ATTR_PRODUCT_CODE: *p = P_MODEL; return true;
	case OTW_ATTR_FIRMWARE: *p = P_FIRMWARE; return true;
	case OTW_ATTR_SERIAL: *p = P_SERIAL; return true;
	case OTW_ATTR_NAME: *p = P_NAME; *rank = 3; return true;
	case OTW_ATTR_HOSTNAME: *p = P_NAME; *rank = 2; return true;
	case OTW_ATTR_OS: *p = P_OS; return true;
	case OTW_ATTR_ROLE: *p = P_ROLE; return true;
	case OTW_ATTR_CAPABILITIES: *p = P_CAPS; return true;
	case OTW_ATTR_USER_AGENT: *p = P_UA; return true;
	default: return false;
	}
}

/* Keys a device may carry several values of at once (one fact each). */
static bool key_multi(unsigned key)
{
	return key == OTW_ATTR_MODULE || key == OTW_ATTR_MGMT_ADDR ||
	       key == OTW_ATTR_PORT_ID || key == OTW_ATTR_USER_AGENT ||
	       key == OTW_ATTR_CAPABILITIES || key == OTW_ATTR_HOSTNAME ||
	       key == OTW_ATTR_DOMAIN;
}

#define FACT_KEY_LEN 12

static void fact_key(uint8_t k[FACT_KEY_LEN], uint32_t dev, uint16_t key,
		     uint16_t app, uint32_t vh)
{
	memcpy(k, &dev, 4);
	memcpy(k + 4, &key, 2);
	memcpy(k + 6, &app, 2);
	memcpy(k + 8, &vh, 4);
}

static bool fact_eq(const struct otw_inv *inv, uint32_t e, const void *key)
{
	const struct fact_ent *f = &inv->fact[e];
	uint8_t k[FACT_KEY_LEN];

	fact_key(k, f->dev, f->r.key, f->r.app, f->r.vhash);
	return memcmp(k, key, FACT_KEY_LEN) == 0;
}

/* Link fact e into its device's list, kept in (key, app, hash) order so
 * that output does not depend on arrival order. */
static void fact_link(struct otw_inv *inv, uint32_t i, uint32_t e)
{
	const struct otw_store_fact *r = &inv->fact[e].r;
	uint32_t *at = &inv->dev[i].facts;

	while (*at != NONE) {
		const struct otw_store_fact *o = &inv->fact[*at].r;
		if (o->key > r->key || (o->key == r->key &&
		    (o->app > r->app || (o->app == r->app &&
					 o->vhash > r->vhash))))
			break;
		at = &inv->fact[*at].next;
	}
	inv->fact[e].dev = i;
	inv->fact[e].next = *at;
	*at = e;
}

/* At equal precedence the newer value wins (a firmware update); the same
 * value from two protocols goes to the lower app id, not the last one
 * repeated: how often a repeat gets through depends on the workers' fact
 * caches, and the pipeline must choose as `otwatch analyze` does. */
static bool newer_fact(const struct otw_store_fact *r,
		       const struct otw_store_fact *cur)
{
	if (strcmp(r->val, cur->val) == 0)
		return r->app < cur->app;
	return r->last_ns > cur->last_ns;
}

/* Recompute the chosen facts of device i; the chosen vendor, model and
 * firmware also go into the device record (for store readers). */
static void dev_choose(struct otw_inv *inv, uint32_t i)
{
	struct dev_ent *d = &inv->dev[i];
	unsigned best[P__COUNT] = { 0 };
	char *dst[3] = { d->r.vendor, d->r.model, d->r.firmware };

	for (int p = 0; p < P__COUNT; p++)
		d->pick[p] = NONE;
	for (uint32_t f = d->facts; f != NONE; f = inv->fact[f].next) {
		const struct otw_store_fact *r = &inv->fact[f].r;
		unsigned rank, score;
		enum pick p;

		if (!key_pick(r->key, &p, &rank))
			continue;
		score = otw_inv_app_tier(r->app) * 4 + rank;
		if (d->pick[p] == NONE || score > best[p] ||
		    (score == best[p] && newer_fact(r, &inv->fact[d->pick[p]].r))) {
			d->pick[p] = f;
			best[p] = score;
		}
	}
	for (int p = 0; p < 3; p++) {
		const char *v = d->pick[p] == NONE ? "" :
				inv->fact[d->pick[p]].r.val;
		if (d->pick[p] == NONE && d->facts == NONE)
			continue; /* no facts: keep what was stored */
		if (strcmp(dst[p], v) != 0) {
			snprintf(dst[p], OTW_STORE_STR_MAX, "%s", v);
			mark(&inv->d_dev, &d->dirty, i);
		}
	}
}

/* Merge fact (key, app, val, ts) into device i. */
static void fact_merge(struct otw_inv *inv, uint32_t i, uint16_t key,
		       uint16_t app, const char *val, size_t len, uint64_t ts)
{
	uint32_t vh = 0, h, e;
	uint8_t k[FACT_KEY_LEN];
	uint64_t *s;
	struct otw_store_fact *r;

	if (key_multi(key))
		vh = hash_bytes(val, len) | 1;
	fact_key(k, i, key, app, vh);
	h = hash_bytes(k, FACT_KEY_LEN);
	if ((s = idx_find(inv, &inv->fact_ix, h, fact_eq, k)) != NULL) {
		e = (uint32_t)*s - 1;
		r = &inv->fact[e].r;
		if (r->len == len && memcmp(r->val, val, len) == 0) {
			if (seen(&r->first_ns, &r->last_ns, ts, ts))
				mark(&inv->d_fact, &inv->fact[e].dirty, e);
			return;
		}
		/* a new value: keep the old one as evidence of the change */
		memcpy(r->prev, r->val, r->len + 1u);
		r->prev_len = r->len;
		r->changes++;
		r->changed_ns = ts;
		r->first_ns = r->last_ns = ts;
	} else {
		e = inv->n_fact++;
		memset(&inv->fact[e], 0, sizeof(inv->fact[e]));
		r = &inv->fact[e].r;
		r->key = key;
		r->app = app;
		r->vhash = vh;
		r->first_ns = r->last_ns = ts;
		fact_link(inv, i, e);
		idx_place(&inv->fact_ix, h, e);
	}
	memcpy(r->val, val, len);
	r->val[len] = 0;
	r->len = (uint8_t)len;
	mark(&inv->d_fact, &inv->fact[e].dirty, e);
	dev_choose(inv, i);
}

static void apply_attr(struct otw_inv *inv, const struct otw_ev_attr *e)
{
	const struct otw_ip *ip = e->has_ip && otw_inv_host_ip(&e->ip) ?
		&e->ip : NULL;
	size_t len = e->len > OTW_ATTR_VAL_MAX ? OTW_ATTR_VAL_MAX : e->len;
	uint32_t i;
	char v[OTW_ATTR_VAL_MAX + 1];

	if (e->key == 0 || e->key >= OTW_ATTR__COUNT || len == 0)
		return;
	memcpy(v, e->val, len);
	v[len] = 0;
	len = strlen(v); /* a NUL inside ends the value */
	if (len == 0)
		return;
	if (e->has_mac && mac_unicast(e->mac))
		i = dev_locate(inv, e->mac, ip, false);
	else if (ip != NULL)
		i = (i = dev_by_ip(inv, ip)) != NONE ? i : dev_get_ip(inv, ip);
	else
		return;
	if (i == NONE)
		return;
	if (e->vlan != 0 && inv->dev[i].r.vlan == 0) {
		inv->dev[i].r.vlan = e->vlan;
		mark(&inv->d_dev, &inv->dev[i].dirty, i);
	}
	if (seen(&inv->dev[i].r.first_ns, &inv->dev[i].r.last_ns, e->ts_ns,
		 e->ts_ns))
		mark(&inv->d_dev, &inv->dev[i].dirty, i);
	fact_merge(inv, i, e->key, e->app, v, len, e->ts_ns);
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

static void conn_flip(struct otw_store_conn *c)
{
	struct otw_ip ip = c->src_ip;
	uint16_t port = c->src_port;
	uint8_t mac[6];

	c->src_ip = c->dst_ip;
	c->dst_ip = ip;
	c->src_port = c->dst_port;
	c->dst_port = port;
	memcpy(mac, c->src_mac, 6);
	memcpy(c->src_mac, c->dst_mac, 6);
	memcpy(c->dst_mac, mac, 6);
}

static void apply_conn(struct otw_inv *inv, const struct otw_ev_conn *e)
{
	uint8_t k[CONN_KEY_LEN];
	struct otw_store_conn *c;
	bool rev = false;
	uint32_t i;

	conn_key(k, e->l4, &e->src_ip, e->src_port, &e->dst_ip, e->dst_port);
	i = conn_find(inv, k);
	/* not found as sent: look for the reverse tuple, to merge a guessed
	 * event into it or to turn a guessed record round (the engine may
	 * learn the opener late, e.g. when the app is recognised on a later
	 * packet: that event is not the flow's first) */
	if (i == NONE) {
		uint8_t rk[CONN_KEY_LEN];
		conn_key(rk, e->l4, &e->dst_ip, e->dst_port, &e->src_ip,
			 e->src_port);
		i = conn_find(inv, rk);
		if (i != NONE && !(e->flags & OTW_CONN_ORIG_KNOWN)) {
			/* the worker did not see the opener: keep whichever
			 * direction we already have */
			rev = true;
		} else if (i != NONE && (inv->conn[i].r.flags &
					 OTW_STORE_CONN_ORIG_KNOWN)) {
			i = NONE; /* both ends opened one: two conns */
		} else if (i != NONE) {
			/* the stored direction was a guess and the opener is
			 * now known: turn the record round (the old index slot
			 * no longer matches its key and is skipped) */
			conn_flip(&inv->conn[i].r);
			idx_place(&inv->conn_ix, hash_bytes(k, CONN_KEY_LEN), i);
			inv->flips++;
		}
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
		if ((rc = reserve(inv, DEV_WORST, 0, 0, 0)) != 0)
			return rc;
		apply_device(inv, &ev->u.dev);
		return 0;
	case OTW_EV_CONN:
		if ((rc = reserve(inv, 2 * DEV_WORST, 1, 0, 0)) != 0)
			return rc;
		apply_conn(inv, &ev->u.conn);
		return 0;
	case OTW_EV_OP:
		if ((rc = reserve(inv, 2 * DEV_WORST, 0, 1, 0)) != 0)
			return rc;
		apply_op(inv, &ev->u.op);
		return 0;
	case OTW_EV_ATTR:
		if ((rc = reserve(inv, DEV_WORST, 0, 0, 1)) != 0)
			return rc;
		apply_attr(inv, &ev->u.attr);
		return 0;
	default:
		return 0;
	}
}

/* --- store sync --------------------------------------------------------- */

static int load_dev(void *arg, const struct otw_store_device *r)
{
	struct otw_inv *inv = arg;
	uint8_t k[DK];
	uint32_t i;
	int rc;

	if ((rc = reserve(inv, 1, 0, 0, 0)) != 0 ||
	    (rc = idx_reserve(&inv->ip_ix, r->n_ips)) != 0)
		return rc;
	otw_store_device_key(r, k);
	if ((i = dev_find(inv, k)) == NONE) {
		i = inv->n_dev++;
		idx_place(&inv->dev_ix, hash_bytes(k, DK), i);
	}
	dev_init(&inv->dev[i]);
	inv->dev[i].r = *r;
	for (unsigned n = 0; n < r->n_ips; n++)
		ip_index(inv, i, &r->ips[n]);
	return 0;
}

static int load_fact(void *arg, const struct otw_store_fact *r)
{
	struct otw_inv *inv = arg;
	uint8_t k[FACT_KEY_LEN];
	uint32_t i = dev_find(inv, r->dev), e, h;
	uint64_t *s;
	int rc;

	if (i == NONE)
		return 0; /* device gone: nothing to attach it to */
	if ((rc = reserve(inv, 0, 0, 0, 1)) != 0)
		return rc;
	fact_key(k, i, r->key, r->app, r->vhash);
	h = hash_bytes(k, FACT_KEY_LEN);
	if ((s = idx_find(inv, &inv->fact_ix, h, fact_eq, k)) != NULL) {
		e = (uint32_t)*s - 1;
	} else {
		e = inv->n_fact++;
		inv->fact[e].r = *r;
		fact_link(inv, i, e);
		idx_place(&inv->fact_ix, h, e);
	}
	inv->fact[e].r = *r;
	inv->fact[e].dirty = false;
	return 0;
}

static int load_conn(void *arg, const struct otw_store_conn *r)
{
	struct otw_inv *inv = arg;
	uint8_t k[CONN_KEY_LEN];
	uint32_t i;
	int rc;

	if ((rc = reserve(inv, 0, 1, 0, 0)) != 0)
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

	if ((rc = reserve(inv, 0, 0, 1, 0)) != 0)
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
	    (rc = reserve(inv, 0, n > ENT_MAX ? ENT_MAX : (uint32_t)n, 0,
			  0)) != 0)
		goto out;
	if ((rc = otw_store_device_foreach(txn, load_dev, inv)) != 0 ||
	    (rc = otw_store_fact_foreach(txn, load_fact, inv)) != 0 ||
	    (rc = otw_store_conn_foreach(txn, load_conn, inv)) != 0 ||
	    (rc = otw_store_op_foreach(txn, load_op, inv)) != 0)
		goto out;
	for (uint32_t i = 0; i < inv->n_dev; i++) {
		bool was = inv->dev[i].dirty;
		if (inv->dev[i].facts == NONE)
			continue;
		dev_choose(inv, i);
		if (!was && inv->dev[i].dirty) { /* same facts, same choice:
						    loaded records are clean */
			inv->dev[i].dirty = false;
			inv->d_dev.n--;
		}
	}
out:
	otw_store_txn_abort(txn);
	return rc;
}

/* Sorting entry numbers by key: qsort_r context is the inventory. */
static int cmp_dev(const void *a, const void *b, void *arg)
{
	const struct otw_inv *inv = arg;
	uint8_t ka[DK], kb[DK];

	otw_store_device_key(&inv->dev[*(const uint32_t *)a].r, ka);
	otw_store_device_key(&inv->dev[*(const uint32_t *)b].r, kb);
	return memcmp(ka, kb, DK);
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

/* Facts in store key order: owner's key, then key, app, hash. */
static int cmp_fact(const void *a, const void *b, void *arg)
{
	const struct otw_inv *inv = arg;
	const struct fact_ent *x = &inv->fact[*(const uint32_t *)a];
	const struct fact_ent *y = &inv->fact[*(const uint32_t *)b];
	uint8_t ka[DK], kb[DK];
	int c;

	otw_store_device_key(&inv->dev[x->dev].r, ka);
	otw_store_device_key(&inv->dev[y->dev].r, kb);
	if ((c = memcmp(ka, kb, DK)) != 0)
		return c;
	if (x->r.key != y->r.key)
		return x->r.key < y->r.key ? -1 : 1;
	if (x->r.app != y->r.app)
		return x->r.app < y->r.app ? -1 : 1;
	return x->r.vhash < y->r.vhash ? -1 : x->r.vhash > y->r.vhash;
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

static int put_fact(struct otw_inv *inv, struct otw_txn *txn, uint32_t e)
{
	struct fact_ent *f = &inv->fact[e];

	f->dirty = false;
	otw_store_device_key(&inv->dev[f->dev].r, f->r.dev);
	return otw_store_fact_put(txn, &f->r);
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

	if (l->n == 0)
		return 0;
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

static bool *fact_flag(struct otw_inv *inv, uint32_t e)
{
	return &inv->fact[e].dirty;
}

int otw_inv_save_dirty(struct otw_inv *inv, struct otw_txn *txn)
{
	int rc;

	if ((rc = save_list(inv, txn, &inv->d_dev, cmp_dev, put_dev,
			    dev_flag)) != 0 ||
	    (rc = save_list(inv, txn, &inv->d_fact, cmp_fact, put_fact,
			    fact_flag)) != 0 ||
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
	out->facts = inv->n_fact;
	out->flips = inv->flips;
	out->dirty = (size_t)inv->d_dev.n + inv->d_conn.n + inv->d_op.n +
		     inv->d_fact.n;
	for (uint32_t i = 0; i < inv->n_dev; i++) {
		const struct otw_store_device *d = &inv->dev[i].r;
		out->ips_dropped += d->ips_dropped;
		if (d->flags & OTW_STORE_DEV_INTERNET)
			out->internet++;
		if (is_router(d))
			out->routers++;
	}
}

/* --- classification inputs ---------------------------------------------- */

struct agg {
	unsigned ports;            /* OTW_CP_* served */
	unsigned ot_servers, ot_clients, max_read_funcs;
	uint64_t req, writes, control, program;
	uint16_t program_app;
};

struct pair {
	uint32_t c, s;             /* client, server device */
	uint32_t af;               /* app << 16 | func */
	uint64_t count;
	uint8_t cat;               /* enum cat below */
};

enum cat { C_OTHER, C_READ, C_WRITE, C_CONTROL, C_PROGRAM };

static enum cat cat_of(unsigned app, unsigned func)
{
	const char *cat = NULL;

	otw_op_name(app, func, &cat);
	if (cat == NULL)
		return C_OTHER;
	if (strcmp(cat, OTW_CAT_READ) == 0 || strcmp(cat, OTW_CAT_DIAG) == 0 ||
	    strcmp(cat, OTW_CAT_MONITOR) == 0)
		return C_READ;
	if (strcmp(cat, OTW_CAT_WRITE) == 0)
		return C_WRITE;
	if (strcmp(cat, OTW_CAT_CONTROL) == 0)
		return C_CONTROL;
	if (strcmp(cat, OTW_CAT_PROGRAM) == 0 ||
	    strcmp(cat, OTW_CAT_FIRMWARE) == 0)
		return C_PROGRAM;
	return C_OTHER;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->af < y->af ? -1 : x->af > y->af;
}

struct view {
	struct agg *agg;           /* per device */
	double span_s;
};

/* Per-device behaviour from conns (served ports) and ops (OT client
 * activity). -ENOMEM or 0. */
static int view_build(const struct otw_inv *inv, struct view *v)
{
	struct pair *p = malloc(((size_t)inv->n_op + 1) * sizeof(*p));
	uint64_t first = 0, last = 0;
	size_t n = 0;

	v->agg = calloc((size_t)inv->n_dev + 1, sizeof(*v->agg));
	if (p == NULL || v->agg == NULL) {
		free(p);
		free(v->agg);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < inv->n_conn; i++) {
		const struct otw_store_conn *c = &inv->conn[i].r;
		unsigned bit;
		uint32_t s;
		if ((c->l4 != IPPROTO_TCP && c->l4 != IPPROTO_UDP) ||
		    (bit = otw_class_port_bit(c->dst_port)) == 0 ||
		    (s = dev_of_ip(inv, &c->dst_ip)) == NONE)
			continue;
		/* a TCP port counts once answered: more than the SYN */
		if (c->l4 == IPPROTO_TCP && c->packets < 3)
			continue;
		v->agg[s].ports |= bit;
	}
	for (uint32_t i = 0; i < inv->n_op; i++) {
		const struct otw_store_op *o = &inv->op[i].r;
		uint32_t c = dev_of_ip(inv, &o->src_ip);
		uint32_t s = dev_of_ip(inv, &o->dst_ip);
		seen(&first, &last, o->first_ns, o->last_ns);
		if (c == NONE || s == NONE || c == s ||
		    otw_inv_app_tier(o->app) != 5)
			continue;
		p[n++] = (struct pair){ c, s, (uint32_t)o->app << 16 | o->func,
					o->count, (uint8_t)cat_of(o->app, o->func) };
	}
	v->span_s = last > first ? (double)(last - first) / 1e9 : 0;
	qsort(p, n, sizeof(*p), cmp_pair);
	for (size_t k = 0; k < n;) {
		size_t e = k;
		unsigned reads = 0;
		struct agg *a = &v->agg[p[k].c];
		while (e < n && p[e].c == p[k].c && p[e].s == p[k].s) {
			bool dup = e > k && p[e].af == p[e - 1].af;
			a->req += p[e].count;
			if (p[e].cat == C_READ && !dup)
				reads++;
			else if (p[e].cat == C_WRITE)
				a->writes += p[e].count;
			else if (p[e].cat == C_CONTROL)
				a->control += p[e].count;
			else if (p[e].cat == C_PROGRAM) {
				a->program += p[e].count;
				a->program_app = (uint16_t)(p[e].af >> 16);
			}
			e++;
		}
		a->ot_servers++;
		v->agg[p[k].s].ot_clients++;
		if (reads > a->max_read_funcs)
			a->max_read_funcs = reads;
		k = e;
	}
	free(p);
	return 0;
}

static const char *pick_val(const struct otw_inv *inv, const struct dev_ent *d,
			    enum pick p)
{
	return d->pick[p] == NONE ? NULL : inv->fact[d->pick[p]].r.val;
}

/* Chosen vendor: from facts (kept in the record), else the MAC's OUI. */
static const char *dev_vendor(const struct otw_inv *inv,
			      const struct otw_store_device *d)
{
	if (d->vendor[0])
		return d->vendor;
	if (d->by_ip)
		return NULL;
	/* the registry is loaded on first use (printing), not by
	 * otw-baseline which never prints */
	return otw_oui_vendor(inv->oui_set ? inv->oui : otw_oui_default(),
			      d->mac);
}

static void dev_classify(const struct otw_inv *inv, const struct view *v,
			 uint32_t i, struct otw_class_out *out)
{
	const struct dev_ent *e = &inv->dev[i];
	const struct otw_store_device *d = &e->r;
	const struct agg *a = &v->agg[i];
	struct otw_class_in in;
	char caps[160] = "";

	memset(&in, 0, sizeof(in));
	in.apps_served = d->apps_served;
	in.apps_used = d->apps_used;
	in.ports_served = a->ports;
	in.router = is_router(d);
	in.router_nets = dev_nets(d);
	if (d->n_ips > 0 && otw_ip_is_v4(&d->ips[0]))
		in.ip_is_gw_like = d->ips[0].b[15] == 1 || d->ips[0].b[15] == 254;
	if (e->pick[P_ROLE] != NONE) {
		const struct otw_store_fact *r = &inv->fact[e->pick[P_ROLE]].r;
		in.role = r->val;
		in.role_tier = otw_inv_app_tier(r->app);
		in.role_app = otw_app_name(r->app);
	}
	in.vendor = dev_vendor(inv, d);
	in.os = pick_val(inv, e, P_OS);
	in.name = pick_val(inv, e, P_NAME);
	for (uint32_t f = e->facts; f != NONE; f = inv->fact[f].next) {
		size_t o = strlen(caps);
		if (inv->fact[f].r.key == OTW_ATTR_CAPABILITIES &&
		    o + inv->fact[f].r.len + 2 < sizeof(caps))
			snprintf(caps + o, sizeof(caps) - o, "%s%s",
				 o ? "," : "", inv->fact[f].r.val);
	}
	in.capabilities = caps[0] ? caps : NULL;
	in.user_agent = pick_val(inv, e, P_UA);
	in.ot_servers = a->ot_servers;
	in.ot_requests = a->req;
	in.ot_writes = a->writes;
	in.ot_control = a->control;
	in.ot_program = a->program;
	in.program_app = a->program ? otw_app_name(a->program_app) : NULL;
	in.max_read_funcs = a->max_read_funcs;
	in.span_s = v->span_s;
	in.ot_clients = a->ot_clients;
	otw_classify(&in, out);
}

int otw_inv_classify(const struct otw_inv *inv, const struct otw_ip *ip,
		     struct otw_class_out *out)
{
	struct view v;
	uint32_t i = dev_of_ip(inv, ip);
	int rc;

	if (i == NONE) {
		uint8_t k[DK];
		key_ip(k, ip);
		if ((i = dev_find(inv, k)) == NONE)
			return OTW_ENOTFOUND;
	}
	if ((rc = view_build(inv, &v)) != 0)
		return rc;
	dev_classify(inv, &v, i, out);
	free(v.agg);
	return 0;
}

/* --- output ------------------------------------------------------------- */

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

static void json_facts(FILE *f, const struct otw_inv *inv, uint32_t i)
{
	bool first = true;

	fputs(",\"facts\":[", f);
	for (uint32_t e = inv->dev[i].facts; e != NONE; e = inv->fact[e].next) {
		const struct otw_store_fact *r = &inv->fact[e].r;
		fprintf(f, "%s{\"key\":\"%s\",\"value\":", first ? "" : ",",
			otw_attr_name(r->key));
		json_str(f, r->val);
		fprintf(f, ",\"app\":\"%s\"", otw_app_name(r->app));
		json_ts(f, "first_seen", r->first_ns);
		json_ts(f, "last_seen", r->last_ns);
		if (r->changes > 0) {
			fputs(",\"previous\":", f);
			json_str(f, r->prev);
			json_ts(f, "changed", r->changed_ns);
			fprintf(f, ",\"changes\":%u", r->changes);
		}
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
}

static void json_device(FILE *f, const struct otw_inv *inv,
			const struct view *v, uint32_t i)
{
	const struct dev_ent *e = &inv->dev[i];
	const struct otw_store_device *d = &e->r;
	struct otw_class_out cl;
	char b[64];
	bool first = true;

	dev_classify(inv, v, i, &cl);
	fputs("{\"type\":\"device\"", f);
	if (!d->by_ip)
		fprintf(f, ",\"mac\":\"%s\"", otw_mac_str(d->mac, b, sizeof(b)));
	fprintf(f, ",\"keyed\":\"%s\",\"ips\":[", d->by_ip ? "ip" : "mac");
	for (unsigned k = 0; k < d->n_ips; k++)
		fprintf(f, "%s\"%s\"", k ? "," : "",
			otw_ip_str(&d->ips[k], b, sizeof(b)));
	fputc(']', f);
	if (d->vlan != 0)
		fprintf(f, ",\"vlan\":%u", d->vlan);
	json_opt_str(f, "vendor", dev_vendor(inv, d));
	json_opt_str(f, "model", d->model);
	json_opt_str(f, "firmware", d->firmware);
	json_opt_str(f, "serial", pick_val(inv, e, P_SERIAL));
	json_opt_str(f, "name", pick_val(inv, e, P_NAME));
	json_opt_str(f, "os", pick_val(inv, e, P_OS));
	if (cl.type != OTW_DT_UNKNOWN)
		json_opt_str(f, "role", otw_dev_type_name(cl.type));
	fprintf(f, ",\"device_type\":\"%s\",\"type_confidence\":%u,"
		   "\"type_evidence\":[", otw_dev_type_name(cl.type),
		cl.confidence);
	for (unsigned k = 0; k < cl.n_evidence; k++) {
		fputs(k ? "," : "", f);
		json_str(f, cl.evidence[k]);
	}
	fprintf(f, "],\"internet\":%s,\"router\":%s",
		d->flags & OTW_STORE_DEV_INTERNET ? "true" : "false",
		is_router(d) ? "true" : "false");
	fputs(",\"protocols\":[", f);
	for (unsigned a = 1; a < 64; a++) {
		if (!((d->apps_served | d->apps_used) >> a & 1))
			continue;
		fprintf(f, "%s", first ? "" : ",");
		json_str(f, otw_app_name(a));
		first = false;
	}
	fputc(']', f);
	json_facts(f, inv, i);
	json_ts(f, "first_seen", d->first_ns);
	json_ts(f, "last_seen", d->last_ns);
	fputs("}\n", f);
}

/* --- subnets: /24 (IPv4) or /64 (IPv6) of local, non-Internet devices -- */

struct net {
	uint64_t net;
	struct otw_ip ip;         /* an address in it */
	uint32_t dev;
};

static int cmp_net(const void *a, const void *b)
{
	const struct net *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

/* Sorted (net, device) pairs; *n entries. NULL on no memory. */
static struct net *nets_of(const struct otw_inv *inv, size_t *n)
{
	struct net *a = malloc(((size_t)inv->n_dev * OTW_STORE_DEV_IPS + 1) *
			       sizeof(*a));

	*n = 0;
	if (a == NULL)
		return NULL;
	for (uint32_t i = 0; i < inv->n_dev; i++) {
		const struct otw_store_device *d = &inv->dev[i].r;
		if (d->flags & OTW_STORE_DEV_INTERNET)
			continue;
		for (unsigned k = 0; k < d->n_ips; k++) {
			const struct otw_ip *ip = &d->ips[k];
			if (!otw_inv_host_ip(ip) || otw_inv_public_ip(ip) ||
			    (!otw_ip_is_v4(ip) && ip->b[0] == 0xfe) ||
			    (otw_ip_is_v4(ip) && ip->b[12] == 169))
				continue; /* public or link-local */
			a[(*n)++] = (struct net){ net_of(ip), *ip, i };
		}
	}
	qsort(a, *n, sizeof(*a), cmp_net);
	return a;
}

static void net_str(const struct otw_ip *ip, char *buf, size_t len)
{
	struct otw_ip p = *ip;
	char b[64];

	if (otw_ip_is_v4(ip)) {
		p.b[15] = 0;
		snprintf(buf, len, "%s/24", otw_ip_str(&p, b, sizeof(b)));
	} else {
		memset(p.b + 8, 0, 8);
		snprintf(buf, len, "%s/64", otw_ip_str(&p, b, sizeof(b)));
	}
}

/* Call fn for each subnet with its device count. */
static void each_net(const struct net *a, size_t n,
		     void (*fn)(FILE *, const char *, unsigned), FILE *f)
{
	for (size_t k = 0; k < n;) {
		size_t e = k;
		unsigned devs = 0;
		char b[80];
		while (e < n && a[e].net == a[k].net) {
			devs += e == k || a[e].dev != a[e - 1].dev;
			e++;
		}
		net_str(&a[k].ip, b, sizeof(b));
		fn(f, b, devs);
		k = e;
	}
}

static void json_net(FILE *f, const char *cidr, unsigned devs)
{
	fprintf(f, "{\"type\":\"subnet\",\"cidr\":\"%s\",\"devices\":%u}\n",
		cidr, devs);
}

static void table_net(FILE *f, const char *cidr, unsigned devs)
{
	fprintf(f, "%-43s %7u\n", cidr, devs);
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
	struct view v = { NULL, 0 };
	struct net *nets = NULL;
	size_t n_nets;
	int rc = -ENOMEM;

	if (dv == NULL || cv == NULL || ov == NULL ||
	    view_build(inv, &v) != 0 || (nets = nets_of(inv, &n_nets)) == NULL)
		goto out;
	for (uint32_t i = 0; i < inv->n_dev; i++)
		json_device(f, inv, &v, dv[i]);
	each_net(nets, n_nets, json_net, f);
	for (uint32_t i = 0; i < inv->n_conn; i++)
		json_conn(f, &inv->conn[cv[i]].r);
	for (uint32_t i = 0; i < inv->n_op; i++)
		json_op(f, &inv->op[ov[i]].r);
	rc = ferror(f) ? -EIO : 0;
out:
	free(nets);
	free(v.agg);
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

/* s cut to w display bytes with "~" marking a cut, into buf. */
static const char *cut(const char *s, char *buf, size_t w)
{
	size_t n;

	if (s == NULL || *s == 0)
		return "-";
	n = strlen(s);
	if (n <= w)
		return s;
	memcpy(buf, s, w - 1);
	buf[w - 1] = '~';
	buf[w] = 0;
	return buf;
}

static void table_devices(const struct otw_inv *inv, const struct view *v,
			  const uint32_t *dv, FILE *f)
{
	char ips[80], apps[128], b[64], t1[24], t2[24], id[48];
	char cv[24], cm[24], cf[20];
	int wid = 17, wip = 3, wap = 9, wty = 4, wve = 6, wmo = 5, wfw = 8;
	unsigned n_local = 0, n_inet = 0;

	for (uint32_t i = 0; i < inv->n_dev; i++) {
		if (inv->dev[i].r.flags & OTW_STORE_DEV_INTERNET)
			n_inet++;
		else
			n_local++;
	}
	/* first pass: column widths; pass 1 local devices; pass 2 Internet */
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 1)
			fprintf(f, "DEVICES (%u)\n%-*s %5s %-*s %-*s %-*s %-*s %-*s %-*s %-19s %s\n",
				n_local, wid, "MAC/IP", "VLAN", wty, "TYPE",
				wve, "VENDOR", wmo, "MODEL", wfw, "FIRMWARE",
				wip, "IPS", wap, "PROTOCOLS",
				"FIRST SEEN (UTC)", "LAST SEEN (UTC)");
		if (pass == 2) {
			if (n_inet == 0)
				break;
			fprintf(f, "\nINTERNET HOSTS (%u)\n", n_inet);
		}
		for (uint32_t i = 0; i < inv->n_dev; i++) {
			const struct otw_store_device *d = &inv->dev[dv[i]].r;
			struct otw_class_out cl;
			const char *ty;
			size_t o = 0;

			if (pass > 0 && (pass == 2) !=
			    !!(d->flags & OTW_STORE_DEV_INTERNET))
				continue;
			dev_classify(inv, v, dv[i], &cl);
			ty = cl.type == OTW_DT_UNKNOWN ? "-" :
			     otw_dev_type_name(cl.type);
			if (d->by_ip)
				otw_ip_str(&d->ips[0], id, sizeof(id));
			else
				otw_mac_str(d->mac, id, sizeof(id));
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
			cut(dev_vendor(inv, d), cv, 22);
			if (pass == 0) {
				wid = imax(wid, strlen(id));
				wty = imax(wty, strlen(ty));
				wve = imax(wve, strlen(cut(dev_vendor(inv, d), cv, 22)));
				wmo = imax(wmo, strlen(cut(d->model, cm, 22)));
				wfw = imax(wfw, strlen(cut(d->firmware, cf, 18)));
				wip = imax(wip, strlen(ips));
				wap = imax(wap, strlen(apps));
				continue;
			}
			fprintf(f, "%-*s %5u %-*s %-*s %-*s %-*s %-*s %-*s %-19s %s\n",
				wid, id, d->vlan, wty, ty,
				wve, cut(dev_vendor(inv, d), cv, 22),
				wmo, cut(d->model, cm, 22),
				wfw, cut(d->firmware, cf, 18),
				wip, ips[0] ? ips : "-",
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
	struct view v = { NULL, 0 };
	struct net *nets = NULL;
	size_t n_nets;
	int rc = -ENOMEM;

	if (dv == NULL || cv == NULL || ov == NULL ||
	    view_build(inv, &v) != 0 || (nets = nets_of(inv, &n_nets)) == NULL)
		goto out;
	table_devices(inv, &v, dv, f);
	fprintf(f, "\nSUBNETS\n%-43s %7s\n", "CIDR", "DEVICES");
	each_net(nets, n_nets, table_net, f);
	table_conns(inv, cv, f);
	table_ops(inv, ov, f);
	rc = ferror(f) ? -EIO : 0;
out:
	free(nets);
	free(v.agg);
	free(dv);
	free(cv);
	free(ov);
	return rc;
}
