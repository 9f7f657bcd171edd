/* Learning mode, baseline sets and the detection engines (see det.h).
 * The baseline is a set of 64-bit hashes of what was seen (pairs, ports,
 * functions, talkers): fixed memory, O(1) per event, and a collision
 * (2^-64 per lookup) can only hide a deviation, never invent one. */
#include "det.h"

#define OTW_ENOTFOUND_DET (-2)

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opnames.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "rate.h"

/* Kinds of baseline entry, mixed into each key. */
enum {
	K_DEV = 1, K_DEVIP, K_PAIR, K_APPPAIR, K_SRVAPP, K_OP, K_CAT, K_INET,
	K_SCAN_PD, K_SCAN_HD, K_FACT, K_ALERT, K_SCAN_P, K_SCAN_H,
	K_OPER_OK, K_SCAN_OK, K_EXC_OK, K_THREAT_OK, /* learned from alerts */
	K_ARP_OWN, K_ARP_SEEN, /* facts map: an IP's ARP owner, its last claim */
	K_MASTER, /* (client, server, app) learned in learning mode only */
	K_POLL, K_VOL, /* timing / volume records (rate.c), alert causes */
	K_ADDR, /* a block of addresses written on (client, server, app, unit, func) */
};

/* Addresses written are learned in blocks of OTW_DET_ADDR_BLOCK (so a
 * register map learned in pieces still matches), at most
 * OTW_DET_ADDR_SPAN blocks per operation record. */
#define OTW_DET_ADDR_BLOCK 64u
#define OTW_DET_ADDR_SPAN 64u

/* The owner of an IP may hand it over (re-addressing, a replaced device)
 * once it has been silent this long; before that another claimant is a
 * conflict. Device events repeat every few seconds for a live device. */
#define ARP_QUIET_NS (300ull * 1000000000ull)

struct hmap {            /* open addressing; key 0 = empty */
	uint64_t *keys;
	uint64_t *vals;
	uint32_t mask, n, max;
};

struct otw_det {
	struct otw_det_conf conf;
	struct hmap base;        /* learned entries (vals unused) */
	struct hmap win;         /* scan windows: key -> count (forgets) */
	struct hmap alert_ix;    /* dedup key -> alert index + 1 */
	struct hmap facts;       /* (device, fact key) -> value hash */
	struct otw_alert *alerts;
	uint32_t n_alerts, cap_alerts;
	uint64_t *fresh;         /* keys learned since the last drain */
	uint32_t n_fresh, cap_fresh;
	uint64_t t0, now;        /* packet time: first event, newest event */
	uint8_t mode;            /* enum otw_learn_mode */
	struct otw_cidr scopes[OTW_DET_SCOPES_MAX];
	unsigned n_scopes;
	uint64_t ended_ns;       /* auto mode: packet time learning ended */
	bool auto_end_pending;   /* for otw_det_take_auto_end */
	uint32_t flat_recent;    /* entries in the last tenth when it ended */
	uint64_t *ring;          /* times of the last flat_max+1 new entries */
	uint32_t ring_n, ring_pos;
	bool auto_learning;      /* the event in hand is learned by the rule */
	uint64_t ev_ts;          /* packet time of the event in hand */
	uint64_t cause;          /* baseline key the next raise() would learn */
	struct otw_det_stats st;
	struct otw_excl excl[OTW_EXCL_MAX];
	unsigned n_excl;
	struct otw_ioc *ioc;
	struct otw_rate *rate;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hbytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return mix64(h);
}

static uint64_t key(unsigned kind, const struct otw_ip *a, const struct otw_ip *b,
		    uint64_t x)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ kind;

	if (a)
		h = hbytes(h, a->b, 16);
	if (b)
		h = hbytes(h, b->b, 16);
	h = mix64(h ^ mix64(x + kind));
	return h ? h : 1;
}

/* A set (with_vals false) touches only its keys: one cache line a lookup. */
static int hmap_init(struct hmap *m, uint32_t max, bool with_vals)
{
	uint32_t slots = 16;

	while (slots < max + max / 2 && slots < (1u << 30))
		slots <<= 1;
	m->keys = calloc(slots, sizeof(*m->keys));
	m->vals = with_vals ? calloc(slots, sizeof(*m->vals)) : NULL;
	m->mask = slots - 1;
	m->n = 0;
	m->max = max;
	return m->keys && (m->vals || !with_vals) ? 0 : -ENOMEM;
}

static void hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* Slot of k: found (*found) or where it would go; NULL when full. */
static uint64_t *hmap_slot(struct hmap *m, uint64_t k, bool *found, uint32_t *ix)
{
	for (uint32_t i = (uint32_t)k & m->mask, p = 0; p <= m->mask; p++, i = (i + 1) & m->mask) {
		if (m->keys[i] == k || m->keys[i] == 0) {
			*found = m->keys[i] == k;
			*ix = i;
			return &m->keys[i];
		}
	}
	return NULL;
}

/* Insert k; true when it was new (false also when the map is full). */
static bool hmap_add(struct hmap *m, uint64_t k, uint64_t **val)
{
	bool found;
	uint32_t i;
	uint64_t *s = hmap_slot(m, k, &found, &i);

	if (s == NULL || (!found && m->n >= m->max))
		return false;
	if (val && m->vals)
		*val = &m->vals[i];
	if (found)
		return false;
	*s = k;
	if (m->vals)
		m->vals[i] = 0;
	m->n++;
	return true;
}

static bool hmap_has(struct hmap *m, uint64_t k, uint64_t **val)
{
	bool found;
	uint32_t i;

	if (hmap_slot(m, k, &found, &i) == NULL || !found)
		return false;
	if (val && m->vals)
		*val = &m->vals[i];
	return true;
}

static void hmap_clear(struct hmap *m)
{
	memset(m->keys, 0, ((size_t)m->mask + 1) * sizeof(*m->keys));
	m->n = 0;
}

void otw_det_conf_default(struct otw_det_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->learn_ns = 14ull * 86400 * 1000000000ull;
	c->scan_window_ns = 60ull * 1000000000ull;
	c->scan_ports = 10;
	c->scan_hosts = 16;
	c->exc_burst = 10;
	c->max_entries = 1u << 20;
	c->flat = true;
	c->flat_max = 20;
	c->rate_pairs = 1u << 16;
}

int otw_det_create(const struct otw_det_conf *conf, struct otw_det **out)
{
	struct otw_det *d;

	if (conf->max_entries < 16 || conf->scan_window_ns == 0 ||
	    conf->flat_max > OTW_DET_FLAT_MAX)
		return -EINVAL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->conf = *conf;
	d->cap_alerts = 4096;
	if (hmap_init(&d->base, conf->max_entries, false) != 0 ||
	    hmap_init(&d->win, 1u << 16, true) != 0 ||
	    hmap_init(&d->alert_ix, d->cap_alerts, true) != 0 ||
	    hmap_init(&d->facts, 1u << 16, true) != 0 ||
	    (d->alerts = calloc(d->cap_alerts, sizeof(*d->alerts))) == NULL ||
	    (d->ring = calloc((size_t)conf->flat_max + 1, sizeof(*d->ring))) == NULL ||
	    otw_rate_create(conf->rate_pairs < 16 ? 16 : conf->rate_pairs, &d->rate) != 0 ||
	    (d->fresh = malloc((d->cap_fresh = 65536) * sizeof(*d->fresh))) == NULL) {
		otw_det_destroy(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void otw_det_destroy(struct otw_det *d)
{
	if (d == NULL)
		return;
	hmap_free(&d->base);
	hmap_free(&d->win);
	hmap_free(&d->alert_ix);
	hmap_free(&d->facts);
	free(d->alerts);
	free(d->fresh);
	free(d->ring);
	otw_ioc_free(d->ioc);
	otw_rate_destroy(d->rate);
	free(d);
}

void otw_det_end_learning(struct otw_det *d)
{
	d->mode = OTW_LEARNMODE_OFF;
}

void otw_det_set_learning(struct otw_det *d, enum otw_learn_mode mode,
			  const struct otw_cidr *scopes, unsigned n)
{
	d->mode = (uint8_t)mode;
	d->n_scopes = n < OTW_DET_SCOPES_MAX ? n : OTW_DET_SCOPES_MAX;
	if (d->n_scopes)
		memcpy(d->scopes, scopes, d->n_scopes * sizeof(*scopes));
}

bool otw_det_take_auto_end(struct otw_det *d, uint64_t *at_ns, uint32_t *recent)
{
	if (!d->auto_end_pending)
		return false;
	d->auto_end_pending = false;
	*at_ns = d->ended_ns;
	*recent = d->flat_recent;
	return true;
}

bool otw_det_learning(const struct otw_det *d)
{
	if (d->mode != OTW_LEARNMODE_AUTO)
		return d->mode == OTW_LEARNMODE_ON;
	if (d->conf.learn_ns == 0 || d->t0 == 0)
		return true;
	return d->ended_ns ? d->now < d->ended_ns : true;
}

/* New entries learned by the rule within the last tenth of the period
 * before ts: the ring holds the times of the last flat_max+1 of them, so
 * "at most flat_max" holds iff the oldest one is older than that. */
static uint32_t flat_recent(const struct otw_det *d, uint64_t ts)
{
	uint64_t from = ts - d->conf.learn_ns / 10;
	uint32_t n = 0, cap = d->conf.flat_max + 1;

	for (uint32_t i = 0; i < d->ring_n && i < cap; i++)
		n += d->ring[i] >= from;
	return n;
}

static bool in_scope(const struct otw_det *d, const struct otw_ip *a, const struct otw_ip *b)
{
	for (unsigned i = 0; i < d->n_scopes; i++)
		if ((a && otw_cidr_match(&d->scopes[i], a)) || (b && otw_cidr_match(&d->scopes[i], b)))
			return true;
	return false;
}

/* Is an event of packet time ts, between a and b (either may be NULL),
 * learned? Operator modes and scopes first, then the automatic rule. */
static bool learning_at(struct otw_det *d, uint64_t ts, const struct otw_ip *a,
			const struct otw_ip *b)
{
	d->auto_learning = false;
	d->ev_ts = ts;
	if (d->t0 == 0 || (ts != 0 && ts < d->t0))
		d->t0 = ts;
	if (ts > d->now)
		d->now = ts;
	if (d->mode == OTW_LEARNMODE_ON)
		return true;
	if (d->n_scopes && in_scope(d, a, b))
		return true;
	if (d->mode == OTW_LEARNMODE_OFF)
		return false;
	if (d->conf.learn_ns == 0)
		return true;
	if (d->ended_ns)
		return ts < d->ended_ns;
	if (ts < d->t0 + d->conf.learn_ns ||
	    (d->conf.flat && flat_recent(d, ts) > d->conf.flat_max)) {
		d->auto_learning = true;
		return true;
	}
	d->ended_ns = d->conf.flat ? ts : d->t0 + d->conf.learn_ns;
	d->flat_recent = flat_recent(d, ts);
	d->auto_end_pending = true;
	return false;
}

static bool is_private(const struct otw_ip *ip)
{
	if (otw_ip_is_mac(ip))
		return true;
	if (otw_ip_is_v4(ip)) {
		const uint8_t *a = ip->b + 12;
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
		       a[0] == 127 || a[0] == 0 || a[0] >= 224;
	}
	return (ip->b[0] & 0xfe) == 0xfc || (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80) ||
	       ip->b[0] == 0xff || (ip->b[0] == 0 && ip->b[15] <= 1);
}

/* Raise (or count again) an alert. fmt fills desc; advice is fixed text. */
static void raise(struct otw_det *d, unsigned engine, unsigned sev,
		  const struct otw_ip *src, const struct otw_ip *dst, uint16_t app,
		  uint16_t func, uint64_t first, uint64_t last, const char *title,
		  const char *advice, const char *desc)
{
	static const struct otw_ip zero;
	uint64_t k = key(K_ALERT, src ? src : &zero, dst ? dst : &zero,
			 hbytes(engine, title, strlen(title)));
	uint64_t *v = NULL, cause = d->cause;
	struct otw_alert *a;

	d->st.raised++;
	d->cause = 0;
	for (unsigned i = 0; i < d->n_excl; i++)
		if (otw_excl_match(&d->excl[i], engine, title, src, dst, last > first ? last : first)) {
			d->excl[i].hits++;
			d->st.suppressed++;
			return;
		}
	if (hmap_has(&d->alert_ix, k, &v) && *v != 0) {
		a = &d->alerts[*v - 1];
		if (a->status == 0 || a->status == 2) { /* open or muted */
			a->count++;
			if (last > a->last_ns)
				a->last_ns = last;
			a->dirty = 1;
			return;
		}
		*v = 0; /* closed: raise anew below */
	}
	if (d->n_alerts == d->cap_alerts)
		return; /* full: counted in raised only */
	(void)hmap_add(&d->alert_ix, k, &v);
	if (v == NULL)
		return;
	a = &d->alerts[d->n_alerts];
	*v = ++d->n_alerts;
	memset(a, 0, sizeof(*a));
	a->dedup = k;
	a->cause = cause;
	a->dirty = 1;
	a->engine = (uint8_t)engine;
	a->severity = (uint8_t)sev;
	a->app = app;
	a->func = func;
	a->count = 1;
	if (src)
		a->src = *src;
	if (dst)
		a->dst = *dst;
	a->first_ns = first;
	a->last_ns = last > first ? last : first;
	snprintf(a->title, sizeof(a->title), "%s", title);
	snprintf(a->desc, sizeof(a->desc), "%s", desc);
	snprintf(a->advice, sizeof(a->advice), "%s", advice);
}

/* Add k to the baseline; remembered for the next drain. */
static void learn_key(struct otw_det *d, uint64_t k)
{
	if (hmap_add(&d->base, k, NULL)) {
		d->st.learned++;
		if (d->n_fresh == d->cap_fresh) {
			uint64_t *f = realloc(d->fresh, 2 * (size_t)d->cap_fresh * sizeof(*f));
			if (f == NULL)
				return; /* stays in memory; a restart relearns it */
			d->fresh = f;
			d->cap_fresh *= 2;
		}
		d->fresh[d->n_fresh++] = k;
		if (d->auto_learning) {
			d->ring[d->ring_pos] = d->ev_ts;
			d->ring_pos = (d->ring_pos + 1) % (d->conf.flat_max + 1);
			if (d->ring_n <= d->conf.flat_max)
				d->ring_n++;
		}
	} else if (!hmap_has(&d->base, k, NULL)) {
		d->st.full++;
	}
}

/* Learn k (learning) or report whether it is a deviation (operational). */
static bool deviates(struct otw_det *d, bool learn, uint64_t k)
{
	if (learn) {
		learn_key(d, k);
		return false;
	}
	return !hmap_has(&d->base, k, NULL);
}

/* ARP claims of one IP: the first MAC owns it; another MAC claiming it
 * while the owner was seen within ARP_QUIET_NS is a conflict (duplicate
 * address or a spoofed reply, the start of a man-in-the-middle). Device
 * events carry OTW_LEARN_ARP once the pair was seen in ARP. */
static void arp_claim(struct otw_det *d, const struct otw_ev_device *e, bool learn)
{
	uint64_t mac = 1ull << 63, *own = NULL, *seen = NULL;
	struct otw_ip src;
	char ip[64], m[20], desc[OTW_ALERT_TEXT_MAX];

	if (e->learn != OTW_LEARN_ARP || !e->has_ip)
		return;
	for (int i = 0; i < 6; i++)
		mac |= (uint64_t)e->mac[i] << (40 - 8 * i);
	(void)hmap_add(&d->facts, key(K_ARP_OWN, &e->ip, NULL, 0), &own);
	(void)hmap_add(&d->facts, key(K_ARP_SEEN, &e->ip, NULL, 0), &seen);
	if (own == NULL || seen == NULL)
		return; /* map full */
	if (*own == 0 || *own == mac || e->ts_ns > *seen + ARP_QUIET_NS) {
		*own = mac;
		if (e->ts_ns > *seen)
			*seen = e->ts_ns;
		return;
	}
	if (learn)
		return;
	otw_ip_from_mac(&src, e->mac);
	snprintf(desc, sizeof(desc), "MAC %s claimed %s in ARP while its owner was active "
		 "(last seen %" PRIu64 " s earlier).", otw_mac_str(e->mac, m, sizeof(m)),
		 otw_ip_str(&e->ip, ip, sizeof(ip)),
		 e->ts_ns > *seen ? (e->ts_ns - *seen) / 1000000000u : 0);
	raise(d, OTW_ENG_ANOMALY, OTW_SEV_HIGH, &src, &e->ip, 0, 0, e->ts_ns, e->ts_ns,
	      OTW_DET_T_ARP_CONFLICT,
	      "Find the port of the claiming MAC: a duplicate address is a misconfiguration, "
	      "an unknown host answering for a controller is redirecting its traffic.", desc);
}

static void on_device(struct otw_det *d, const struct otw_ev_device *e)
{
	bool learn = learning_at(d, e->ts_ns, e->has_ip ? &e->ip : NULL, NULL);
	struct otw_ip mac;
	char b[64], m[20], desc[OTW_ALERT_TEXT_MAX];

	otw_ip_from_mac(&mac, e->mac);
	if (deviates(d, learn, key(K_DEV, &mac, NULL, 0))) {
		learn_key(d, key(K_DEV, &mac, NULL, 0)); /* alert once */
		d->cause = key(K_DEV, &mac, NULL, 0);
		snprintf(desc, sizeof(desc), "A device not seen while learning appeared: MAC %s%s%s.",
			 otw_mac_str(e->mac, m, sizeof(m)), e->has_ip ? ", IP " : "",
			 e->has_ip ? otw_ip_str(&e->ip, b, sizeof(b)) : "");
		raise(d, OTW_ENG_POLICY, OTW_SEV_MEDIUM, e->has_ip ? &e->ip : &mac, NULL, 0, 0,
		      e->ts_ns, e->ts_ns, "New device detected",
		      "Identify the device and its owner; if it is authorized, learn it; if not, "
		      "disconnect it and check how it got onto the network.", desc);
	}
	arp_claim(d, e, learn);
}

static void scan_count(struct otw_det *d, const struct otw_ev_conn *c)
{
	uint64_t win = c->first_ns / d->conf.scan_window_ns, *v;
	char s[64], t[64], desc[OTW_ALERT_TEXT_MAX];

	if (d->win.n >= d->win.max - 8)
		hmap_clear(&d->win); /* windows are short-lived: start afresh */
	/* distinct ports on one host */
	v = NULL;
	if (hmap_add(&d->win, key(K_SCAN_PD, &c->src_ip, &c->dst_ip,
				  win << 17 | (uint64_t)c->dst_port << 1 | (c->l4 == 17)), NULL)) {
		(void)hmap_add(&d->win, key(K_SCAN_P, &c->src_ip, &c->dst_ip, win), &v);
		if (v != NULL && ++*v == d->conf.scan_ports &&
		    !hmap_has(&d->base, key(K_SCAN_OK, &c->src_ip, NULL, 0), NULL)) {
			d->cause = key(K_SCAN_OK, &c->src_ip, NULL, 0);
			snprintf(desc, sizeof(desc),
				 "%s opened connections to %u or more ports of %s within %" PRIu64 " s: a port scan.",
				 otw_ip_str(&c->src_ip, s, sizeof(s)), d->conf.scan_ports,
				 otw_ip_str(&c->dst_ip, t, sizeof(t)),
				 (uint64_t)(d->conf.scan_window_ns / 1000000000u));
			raise(d, OTW_ENG_ANOMALY, OTW_SEV_HIGH, &c->src_ip, &c->dst_ip, 0, 0,
			      c->first_ns, c->last_ns, "Port scan detected",
			      "Find out who runs the scanning host; scans precede attacks. If it is not an "
			      "authorized assessment, isolate the host.", desc);
		}
	}
	/* distinct hosts from one source */
	v = NULL;
	if (hmap_add(&d->win, key(K_SCAN_HD, &c->src_ip, &c->dst_ip, win), NULL)) {
		(void)hmap_add(&d->win, key(K_SCAN_H, &c->src_ip, NULL, win), &v);
		if (v != NULL && ++*v == d->conf.scan_hosts &&
		    !hmap_has(&d->base, key(K_SCAN_OK, &c->src_ip, NULL, 0), NULL)) {
			d->cause = key(K_SCAN_OK, &c->src_ip, NULL, 0);
			snprintf(desc, sizeof(desc),
				 "%s contacted %u or more hosts within %" PRIu64 " s: an address sweep.",
				 otw_ip_str(&c->src_ip, s, sizeof(s)), d->conf.scan_hosts,
				 (uint64_t)(d->conf.scan_window_ns / 1000000000u));
			raise(d, OTW_ENG_ANOMALY, OTW_SEV_HIGH, &c->src_ip, NULL, 0, 0,
			      c->first_ns, c->last_ns, "Address sweep detected",
			      "Find out who runs the sweeping host; if it is not an authorized "
			      "discovery tool, isolate it.", desc);
		}
	}
}

static void volume(struct otw_det *d, const struct otw_ev_conn *c)
{
	bool learn = learning_at(d, c->last_ns, &c->src_ip, &c->dst_ip);
	uint64_t k = key(K_VOL, &c->src_ip, &c->dst_ip, 0), mean, now;
	char s[64], t[64], desc[OTW_ALERT_TEXT_MAX];

	if (!otw_rate_vol(d->rate, k, learn, c->last_ns, c->bytes, &mean, &now))
		return;
	d->cause = k;
	snprintf(desc, sizeof(desc),
		 "Traffic from %s to %s reached %" PRIu64 " bytes in a minute; it averaged %" PRIu64
		 " bytes a minute before.",
		 otw_ip_str(&c->src_ip, s, sizeof(s)), otw_ip_str(&c->dst_ip, t, sizeof(t)), now, mean);
	raise(d, OTW_ENG_ANOMALY, OTW_SEV_MEDIUM, &c->src_ip, &c->dst_ip, c->app, 0, c->first_ns,
	      c->last_ns, "Traffic volume spike",
	      "Find what the client transferred (bulk reads, program uploads and data "
	      "exfiltration look like this); if it is a planned change, learn it.",
	      desc);
}

/* A threat alert from indicator rule r; detail says what matched. */
static void raise_ioc(struct otw_det *d, const struct otw_ioc_rule *r, const struct otw_ip *src,
		      const struct otw_ip *dst, uint16_t app, uint64_t first, uint64_t last,
		      const char *detail)
{
	char desc[OTW_ALERT_TEXT_MAX];

	if (hmap_has(&d->base, key(K_THREAT_OK, src, dst, hbytes(0, r->id, strlen(r->id))), NULL))
		return; /* an operator learned it for this pair */
	d->cause = key(K_THREAT_OK, src, dst, hbytes(0, r->id, strlen(r->id)));
	if (snprintf(desc, sizeof(desc), "%s [%s] %s", detail, r->id, r->desc) >= (int)sizeof(desc))
		desc[sizeof(desc) - 2] = '.'; /* cut: still a sentence end */
	raise(d, OTW_ENG_THREAT, r->severity, src, dst, app, 0, first, last, r->title, r->advice,
	      desc);
}

static void threat_conn(struct otw_det *d, const struct otw_ev_conn *c)
{
	const struct otw_ioc_rule *r;
	char s[64], t[64], detail[200];

	if (d->ioc == NULL)
		return;
	otw_ip_str(&c->src_ip, s, sizeof(s));
	otw_ip_str(&c->dst_ip, t, sizeof(t));
	if ((r = otw_ioc_port(d->ioc, c->l4, c->dst_port)) != NULL) {
		if (snprintf(detail, sizeof(detail), "%s sent %s port %u traffic to %s.", s,
			     c->l4 == 17 ? "UDP" : "TCP", c->dst_port, t) < 0)
			detail[0] = '\0';
		raise_ioc(d, r, &c->src_ip, &c->dst_ip, c->app, c->first_ns, c->last_ns, detail);
	}
	if ((r = otw_ioc_ip(d->ioc, &c->dst_ip)) != NULL ||
	    (r = otw_ioc_ip(d->ioc, &c->src_ip)) != NULL) {
		if (snprintf(detail, sizeof(detail), "Connection %s -> %s (port %u) involves a listed address.",
			     s, t, c->dst_port) < 0)
			detail[0] = '\0';
		raise_ioc(d, r, &c->src_ip, &c->dst_ip, c->app, c->first_ns, c->last_ns, detail);
	}
}

static void on_conn(struct otw_det *d, const struct otw_ev_conn *c)
{
	bool learn;
	uint64_t port = (uint64_t)c->l4 << 16 | c->dst_port;
	char s[64], t[64], desc[OTW_ALERT_TEXT_MAX];

	if (c->bytes != 0) /* by the latest packet's time */
		volume(d, c);
	/* the connection itself by its first packet's */
	learn = learning_at(d, c->first_ns, &c->src_ip, &c->dst_ip);
	if (!(c->flags & OTW_CONN_NEW))
		return;
	scan_count(d, c);
	threat_conn(d, c);
	if (!is_private(&c->dst_ip) &&
	    deviates(d, learn, key(K_INET, &c->src_ip, &c->dst_ip, 0))) {
		d->cause = key(K_INET, &c->src_ip, &c->dst_ip, 0);
		snprintf(desc, sizeof(desc), "%s connected to the internet address %s (port %u).",
			 otw_ip_str(&c->src_ip, s, sizeof(s)), otw_ip_str(&c->dst_ip, t, sizeof(t)),
			 c->dst_port);
		raise(d, OTW_ENG_POLICY, OTW_SEV_HIGH, &c->src_ip, &c->dst_ip, c->app, 0,
		      c->first_ns, c->last_ns, "New internet connection",
		      "OT devices rarely need the internet: check the destination and block it at "
		      "the boundary unless it is an approved service.", desc);
	}
	if (deviates(d, learn, key(K_PAIR, &c->src_ip, &c->dst_ip, port))) {
		d->cause = key(K_PAIR, &c->src_ip, &c->dst_ip, port);
		bool known_pair = hmap_has(&d->base, key(K_APPPAIR, &c->src_ip, &c->dst_ip, 0xffff), NULL);
		snprintf(desc, sizeof(desc), "%s connected to %s on %s port %u%s%s, not seen while learning.",
			 otw_ip_str(&c->src_ip, s, sizeof(s)), otw_ip_str(&c->dst_ip, t, sizeof(t)),
			 c->l4 == 6 ? "TCP" : c->l4 == 17 ? "UDP" : "IP", c->dst_port,
			 c->app ? " using " : "", c->app ? otw_app_name(c->app) : "");
		raise(d, OTW_ENG_POLICY, c->app ? OTW_SEV_MEDIUM : OTW_SEV_LOW, &c->src_ip, &c->dst_ip,
		      c->app, 0, c->first_ns, c->last_ns,
		      known_pair ? "New port between known devices" : "New connection",
		      "If this communication is expected (a planned change), learn it; otherwise "
		      "find the process on the client that opened it.", desc);
	}
	if (learn) /* the pair itself, any port */
		(void)deviates(d, true, key(K_APPPAIR, &c->src_ip, &c->dst_ip, 0xffff));
}

static void on_op(struct otw_det *d, const struct otw_ev_op *o)
{
	bool learn = learning_at(d, o->first_ns, &o->src_ip, &o->dst_ip);
	const char *cat, *name = otw_op_name(o->app, o->func, &cat);
	char s[64], t[64], fn[48], desc[OTW_ALERT_TEXT_MAX];
	bool new_client, new_func, new_cat;

	bool named = false; /* texts are made only for an alert */
#define NAMES()                                                                   \
	do {                                                                      \
		if (!named) {                                                     \
			otw_ip_str(&o->src_ip, s, sizeof(s));                     \
			otw_ip_str(&o->dst_ip, t, sizeof(t));                     \
			if (name)                                                 \
				snprintf(fn, sizeof(fn), "%s", name);             \
			else                                                      \
				snprintf(fn, sizeof(fn), "function %u", o->func); \
			named = true;                                             \
		}                                                                 \
	} while (0)
	if (o->exceptions >= d->conf.exc_burst && o->exceptions * 2 > o->responses &&
	    !hmap_has(&d->base, key(K_EXC_OK, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func), NULL)) {
		d->cause = key(K_EXC_OK, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func);
		NAMES();
		snprintf(desc, sizeof(desc), "%s answered %u of %u %s %s requests from %s with errors.",
			 t, o->exceptions, o->responses, otw_app_name(o->app), fn, s);
		raise(d, OTW_ENG_PROTOCOL, OTW_SEV_MEDIUM, &o->src_ip, &o->dst_ip, o->app, o->func,
		      o->first_ns, o->last_ns, "Burst of protocol exceptions",
		      "Many refused requests mean a misconfigured client or someone probing "
		      "the controller: check the client's configuration and identity.", desc);
	}
	if (o->count == 0)
		return; /* responses only: the request side decides */
	if (d->ioc != NULL) {
		/* while learning every master is new: only operational events
		 * count as coming from an unknown one */
		bool known = learn || hmap_has(&d->base, key(K_MASTER, &o->src_ip, &o->dst_ip, o->app), NULL);
		const struct otw_ioc_rule *r = otw_ioc_seq_op(d->ioc, o, known);
		if (r != NULL) {
			char detail[240];
			char many[48] = "";
			if (r->addrs > 1)
				snprintf(many, sizeof(many), " on %u or more addresses", r->addrs);
			NAMES();
			if (snprintf(detail, sizeof(detail), "%s sent %s %s to %s%s%s.",
				     s, otw_app_name(o->app), fn, t, many,
				     r->new_master ? " and is not a learned master of it" : "") < 0)
				detail[0] = '\0';
			raise_ioc(d, r, &o->src_ip, &o->dst_ip, o->app, o->first_ns, o->last_ns, detail);
		}
	}
	{
		uint64_t k = key(K_POLL, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func);
		uint32_t base, now;
		if (otw_rate_poll(d->rate, k, learn, o, &base, &now)) {
			d->cause = k;
			NAMES();
			snprintf(desc, sizeof(desc),
				 "%s polls %s with %s %s every %u.%03u s; it was every %u.%03u s.", s, t,
				 otw_app_name(o->app), fn, now / 1000000, now / 1000 % 1000,
				 base / 1000000, base / 1000 % 1000);
			raise(d, OTW_ENG_ANOMALY, OTW_SEV_MEDIUM, &o->src_ip, &o->dst_ip, o->app, o->func,
			      o->first_ns, o->last_ns, "Polling period changed",
			      "A master polling at a new rate was reconfigured or replaced, or another "
			      "client shares its identity; check the master's configuration and "
			      "connections. If the change is planned, learn it.",
			      desc);
		}
	}
	if ((strcmp(cat, OTW_CAT_CONTROL) == 0 || strcmp(cat, OTW_CAT_PROGRAM) == 0 ||
	     strcmp(cat, OTW_CAT_FIRMWARE) == 0) &&
	    !hmap_has(&d->base, key(K_OPER_OK, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func), NULL)) {
		d->cause = key(K_OPER_OK, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func);
		bool prog = strcmp(cat, OTW_CAT_PROGRAM) == 0, fw = strcmp(cat, OTW_CAT_FIRMWARE) == 0;
		NAMES();
		snprintf(desc, sizeof(desc), "%s sent %s %s (%s) to %s, %u time%s.", s,
			 otw_app_name(o->app), fn, cat, t, o->count, o->count == 1 ? "" : "s");
		raise(d, OTW_ENG_OPERATIONAL, learn ? OTW_SEV_MEDIUM : OTW_SEV_HIGH, &o->src_ip, &o->dst_ip,
		      o->app, o->func, o->first_ns, o->last_ns,
		      fw ? "Firmware operation on a controller"
			 : prog ? "Program transfer or change on a controller"
				: "Controller state change (start/stop/restart)",
		      "Confirm this was a planned engineering action by an authorized station; "
		      "if not, check the controller's state and program against the known good "
		      "version.", desc);
	}
	bool new_range = false;
	uint32_t out_lo = 0, out_hi = 0;
	if (strcmp(cat, OTW_CAT_WRITE) == 0 && o->addr_lo != OTW_ADDR_NONE &&
	    o->addr_hi >= o->addr_lo) {
		uint32_t b0 = o->addr_lo / OTW_DET_ADDR_BLOCK, b1 = o->addr_hi / OTW_DET_ADDR_BLOCK;
		if (b1 - b0 >= OTW_DET_ADDR_SPAN)
			b1 = b0 + OTW_DET_ADDR_SPAN - 1;
		for (uint32_t b = b0; b <= b1; b++) {
			uint64_t x = (uint64_t)o->app << 48 | (uint64_t)o->unit << 32 |
				     (uint64_t)o->func << 16;
			if (deviates(d, learn, key(K_ADDR, &o->src_ip, &o->dst_ip,
						   mix64(x) ^ b))) {
				if (!new_range)
					out_lo = b;
				out_hi = b;
				new_range = true;
				learn_key(d, key(K_ADDR, &o->src_ip, &o->dst_ip, mix64(x) ^ b));
			}
			if (b == UINT32_MAX)
				break;
		}
	}
	new_client = deviates(d, learn, key(K_APPPAIR, &o->src_ip, &o->dst_ip, o->app));
	new_func = deviates(d, learn, key(K_OP, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func));
	new_cat = deviates(d, learn, key(K_CAT, &o->src_ip, &o->dst_ip,
					 hbytes(o->app, cat, strlen(cat))));
	if (learn) {
		(void)deviates(d, true, key(K_SRVAPP, &o->dst_ip, NULL, o->app));
		(void)deviates(d, true, key(K_MASTER, &o->src_ip, &o->dst_ip, o->app));
		return;
	}
	if (new_client) {
		bool known_server = hmap_has(&d->base, key(K_SRVAPP, &o->dst_ip, NULL, o->app), NULL);

		d->cause = key(K_APPPAIR, &o->src_ip, &o->dst_ip, o->app);
		NAMES();
		snprintf(desc, sizeof(desc), "%s sent %s requests (%s) to %s%s.", s,
			 otw_app_name(o->app), fn, t,
			 known_server ? ", which had other clients while learning" : "");
		raise(d, OTW_ENG_POLICY, OTW_SEV_HIGH, &o->src_ip, &o->dst_ip, o->app, o->func,
		      o->first_ns, o->last_ns,
		      known_server ? "New client of an industrial controller" : "New industrial protocol conversation",
		      "Verify the client is an authorized master/engineering station for this "
		      "controller; unauthorized clients can read and change the process.", desc);
		/* the pair is reported: learn it so each new function is not also an alert */
		learn_key(d, key(K_APPPAIR, &o->src_ip, &o->dst_ip, o->app));
		return;
	}
	if (new_func) {
		d->cause = key(K_OP, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func);
		NAMES();
		snprintf(desc, sizeof(desc), "%s used %s %s (%s) on %s for the first time.", s,
			 otw_app_name(o->app), fn, cat, t);
		raise(d, OTW_ENG_POLICY,
		      new_cat && strcmp(cat, OTW_CAT_READ) != 0 ? OTW_SEV_HIGH : OTW_SEV_MEDIUM,
		      &o->src_ip, &o->dst_ip, o->app, o->func, o->first_ns, o->last_ns,
		      new_cat && strcmp(cat, OTW_CAT_WRITE) == 0 ? "First write by this client"
							       : "New function code",
		      "If the function is part of a planned change, learn it; otherwise check the "
		      "client, since new functions (writes especially) change the process.", desc);
		return;
	}
	if (new_range) {
		/* a known writer of this function, at addresses it never wrote */
		d->cause = key(K_ADDR, &o->src_ip, &o->dst_ip, (uint64_t)o->app << 16 | o->func);
		NAMES();
		snprintf(desc, sizeof(desc),
			 "%s wrote %s %s (unit %u) to %s at addresses %u-%u, outside the ranges "
			 "it wrote while learning.", s, otw_app_name(o->app), fn, o->unit, t,
			 out_lo * OTW_DET_ADDR_BLOCK, out_hi * OTW_DET_ADDR_BLOCK + OTW_DET_ADDR_BLOCK - 1);
		raise(d, OTW_ENG_POLICY, OTW_SEV_MEDIUM, &o->src_ip, &o->dst_ip, o->app, o->func,
		      o->first_ns, o->last_ns, "Write to a new address range",
		      "A master writing registers or points it never wrote before may be "
		      "reconfigured or misused: check which values changed and why; learn it "
		      "if the change is planned.", desc);
	}
}
#undef NAMES

static void on_attr(struct otw_det *d, const struct otw_ev_attr *a)
{
	bool learn = learning_at(d, a->ts_ns, a->has_ip ? &a->ip : NULL, NULL);
	struct otw_ip who;
	uint64_t k, vh, *v = NULL;
	char w[64], desc[OTW_ALERT_TEXT_MAX];
	const char *kn = otw_attr_name(a->key);

	if (a->has_ip)
		who = a->ip;
	else
		otw_ip_from_mac(&who, a->mac);
	if ((a->key == OTW_ATTR_DOMAIN || a->key == OTW_ATTR_HOSTNAME ||
	     a->key == OTW_ATTR_DNS_QUERY) && d->ioc != NULL) {
		const struct otw_ioc_rule *r = otw_ioc_domain(d->ioc, a->val, a->len);
		if (r != NULL) {
			snprintf(desc, sizeof(desc), "%s %s the name \"%.*s\" (%s).",
				 otw_ip_str(&who, w, sizeof(w)),
				 a->key == OTW_ATTR_DNS_QUERY ? "looked up" : "reported",
				 a->len, a->val, otw_app_name(a->app));
			raise_ioc(d, r, &who, NULL, a->app, a->ts_ns, a->ts_ns, desc);
		}
	}
	if (a->key != OTW_ATTR_FIRMWARE && a->key != OTW_ATTR_MODEL && a->key != OTW_ATTR_SERIAL)
		return;
	k = key(K_FACT, &who, NULL, (uint64_t)a->key << 16 | a->app);
	vh = hbytes(7, a->val, a->len) | 1;
	if (!hmap_add(&d->facts, k, &v) && v != NULL && *v != vh && *v != 0 && !learn) {
		snprintf(desc, sizeof(desc), "%s of %s changed to \"%.*s\" (reported by %s).",
			 kn ? kn : "identity", otw_ip_str(&who, w, sizeof(w)), a->len, a->val,
			 otw_app_name(a->app));
		raise(d, OTW_ENG_OPERATIONAL, OTW_SEV_HIGH, &who, NULL, a->app, 0, a->ts_ns, a->ts_ns,
		      a->key == OTW_ATTR_FIRMWARE ? "Firmware version changed"
						  : "Device identity changed (model/serial)",
		      "Confirm a planned firmware update or hardware replacement; an unplanned "
		      "change can mean a tampered or swapped device.", desc);
	}
	if (v != NULL)
		*v = vh;
}

void otw_det_apply(struct otw_det *d, const struct otw_ev *ev)
{
	if (!otw_det_learning(d))
		d->st.checked++;
	switch (ev->kind) {
	case OTW_EV_DEVICE: on_device(d, &ev->u.dev); break;
	case OTW_EV_CONN: on_conn(d, &ev->u.conn); break;
	case OTW_EV_OP: on_op(d, &ev->u.op); break;
	case OTW_EV_ATTR: on_attr(d, &ev->u.attr); break;
	default: break;
	}
}

void otw_det_drain(struct otw_det *d, otw_det_key_fn kfn, otw_det_alert_fn afn,
		   void *arg)
{
	for (uint32_t i = 0; i < d->n_fresh; i++)
		kfn(arg, d->fresh[i]);
	d->n_fresh = 0;
	for (uint32_t i = 0; i < d->n_alerts; i++) {
		if (!d->alerts[i].dirty)
			continue;
		afn(arg, &d->alerts[i]);
		d->alerts[i].dirty = 0;
	}
}

int otw_det_set_status(struct otw_det *d, uint64_t id, uint8_t status)
{
	for (uint32_t i = 0; i < d->n_alerts; i++) {
		struct otw_alert *a = &d->alerts[i];
		if (a->id != id)
			continue;
		if (a->status == status)
			return 0;
		a->status = status;
		if (status == 3 && a->cause != 0) { /* learned */
			d->auto_learning = false;
			learn_key(d, a->cause);
			otw_rate_accept(d->rate, a->cause);
		}
		return 1;
	}
	return OTW_ENOTFOUND_DET;
}

int otw_det_load_key(struct otw_det *d, uint64_t k)
{
	if (k == 0)
		return -EINVAL;
	if (hmap_add(&d->base, k, NULL))
		d->st.learned++;
	return 0;
}

int otw_det_load_alert(struct otw_det *d, const struct otw_alert *a)
{
	uint64_t *v = NULL;

	if (d->n_alerts == d->cap_alerts || a->dedup == 0)
		return -ENOSPC;
	(void)hmap_add(&d->alert_ix, a->dedup, &v);
	if (v == NULL)
		return -ENOSPC;
	d->alerts[d->n_alerts] = *a;
	d->alerts[d->n_alerts].dirty = 0;
	*v = ++d->n_alerts;
	return 0;
}

void otw_det_set_exclusions(struct otw_det *d, const struct otw_excl *rules, unsigned n)
{
	struct otw_excl *old = malloc(sizeof(d->excl));
	unsigned n_old = d->n_excl;

	if (n > OTW_EXCL_MAX)
		n = OTW_EXCL_MAX;
	if (old)
		memcpy(old, d->excl, n_old * sizeof(*old));
	memcpy(d->excl, rules, n * sizeof(*rules));
	d->n_excl = n;
	for (unsigned i = 0; old && i < n; i++)
		for (unsigned j = 0; j < n_old; j++)
			if (old[j].id == d->excl[i].id && old[j].hits > d->excl[i].hits)
				d->excl[i].hits = old[j].hits;
	free(old);
}

void otw_det_set_ioc(struct otw_det *d, struct otw_ioc *ioc)
{
	otw_ioc_free(d->ioc);
	d->ioc = ioc;
}

const struct otw_excl *otw_det_exclusions(const struct otw_det *d, unsigned *n)
{
	*n = d->n_excl;
	return d->excl;
}

uint64_t otw_det_start_ns(const struct otw_det *d)
{
	return d->t0;
}

void otw_det_set_start_ns(struct otw_det *d, uint64_t t0)
{
	d->t0 = t0;
}

const struct otw_alert *otw_det_alerts(const struct otw_det *d, uint32_t *n)
{
	*n = d->n_alerts;
	return d->alerts;
}

void otw_det_get_stats(const struct otw_det *d, struct otw_det_stats *out)
{
	struct otw_rate_stats r;

	*out = d->st;
	otw_rate_get_stats(d->rate, &r);
	out->rate_pairs = r.poll_pairs + r.vol_pairs;
	out->rate_full = r.full;
}

const char *otw_engine_name(unsigned e)
{
	static const char *const n[] = { "?", "policy", "protocol", "anomaly", "operational", "threat" };
	return e < 6 ? n[e] : "?";
}

const char *otw_severity_name(unsigned s)
{
	static const char *const n[] = { "?", "low", "medium", "high", "critical" };
	return s < 5 ? n[s] : "?";
}

void otw_json_field(FILE *f, const char *name, const char *s)
{
	fprintf(f, ",\"%s\":\"", name);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_time(FILE *f, const char *name, uint64_t ns)
{
	char b[40];
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	fprintf(f, ",\"%s\":\"%s.%06uZ\"", name, b, (unsigned)(ns % 1000000000ull / 1000));
}

void otw_alert_print_json(FILE *f, const struct otw_alert *a)
{
	static const struct otw_ip zero;
	char b[64];

	fprintf(f, "{\"type\":\"alert\"");
	otw_json_field(f, "engine", otw_engine_name(a->engine));
	otw_json_field(f, "severity", otw_severity_name(a->severity));
	otw_json_field(f, "title", a->title);
	if (memcmp(&a->src, &zero, sizeof(zero)) != 0)
		otw_json_field(f, "src_ip", otw_ip_str(&a->src, b, sizeof(b)));
	if (memcmp(&a->dst, &zero, sizeof(zero)) != 0)
		otw_json_field(f, "dst_ip", otw_ip_str(&a->dst, b, sizeof(b)));
	if (a->app)
		otw_json_field(f, "app", otw_app_name(a->app));
	fprintf(f, ",\"count\":%u", a->count);
	json_time(f, "first_seen", a->first_ns);
	json_time(f, "last_seen", a->last_ns);
	otw_json_field(f, "description", a->desc);
	otw_json_field(f, "recommendation", a->advice);
	fputs("}\n", f);
}
