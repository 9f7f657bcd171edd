/* Read-only inventory endpoints: devices, connections, operations, and the
 * health summary. Lists take offset, limit (<= 1000) and q (substring of
 * the row's text). Without q a page stops the walk once it is full and
 * the total is the table's record count, so a page costs its offset plus
 * its size, not the table; devices also page by key (after=, the "next"
 * of the previous page), which costs one seek. With q the whole table is
 * read to count the matches. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "opnames.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_pkt.h"

#define LIMIT_MAX 1000

struct page {
	unsigned offset, limit, total;
	char q[128];
	cJSON *items;
	bool counted;       /* total came from the record count: stop early */
	bool more;          /* a walk stopped with rows left */
	uint8_t last[OTW_STORE_DEVKEY_LEN]; /* key of the last device listed */
};

static bool page_init(struct otw_req *r, struct page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->offset = otw_query_uint(r, "offset", 0, 0, UINT32_MAX);
	pg->limit = otw_query_uint(r, "limit", 100, 1, LIMIT_MAX);
	pg->total = 0;
	if (!otw_query_str(r, "q", pg->q, sizeof(pg->q))) {
		otw_reply_error(r, 400, "q is longer than 127 bytes");
		return false;
	}
	pg->items = cJSON_CreateArray();
	return pg->items != NULL;
}

/* Count a matching row; true when it falls in the page. */
static bool page_take(struct page *pg)
{
	return pg->total++ >= pg->offset && pg->total <= pg->offset + pg->limit;
}

/* A walk callback returns this to stop: the page is full and the total
 * is known without reading further. */
#define PAGE_FULL 1
static bool page_full(struct page *pg)
{
	if (pg->counted && pg->total >= pg->offset + pg->limit) {
		pg->more = true;
		return true;
	}
	return false;
}

static void page_reply(struct otw_req *r, struct page *pg, int rc)
{
	cJSON *o;

	if (rc != 0) {
		cJSON_Delete(pg->items);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "total", pg->total);
	if (pg->counted && pg->more && cJSON_GetArraySize(pg->items) > 0) {
		char hex[2 * OTW_STORE_DEVKEY_LEN + 1];
		for (unsigned i = 0; i < OTW_STORE_DEVKEY_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", pg->last[i]);
		cJSON_AddStringToObject(o, "next", hex);
	}
	cJSON_AddNumberToObject(o, "offset", pg->offset);
	cJSON_AddNumberToObject(o, "limit", pg->limit);
	cJSON_AddItemToObject(o, "items", pg->items);
	otw_reply_json(r, 200, o);
}

static void add_time(cJSON *o, const char *name, uint64_t ns)
{
	char b[32];
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (ns == 0 || gmtime_r(&t, &tm) == NULL)
		return;
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, name, b);
}

static void add_apps(cJSON *o, const char *name, uint64_t bits)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	for (unsigned i = 1; i < 64 && i < OTW_APP__COUNT; i++)
		if (bits & (1ull << i))
			cJSON_AddItemToArray(a, cJSON_CreateString(otw_app_name(i)));
}

static bool match(const char *q, const char *const *fields, unsigned n)
{
	if (q[0] == '\0')
		return true;
	for (unsigned i = 0; i < n; i++)
		if (fields[i] && strcasestr(fields[i], q))
			return true;
	return false;
}

struct dev_walk {
	struct page *pg;
};

static int dev_one(void *arg, const struct otw_store_device *d)
{
	struct page *pg = arg;
	char mac[20], ip[64] = "";
	const char *f[5];
	cJSON *o, *ips;

	otw_mac_str(d->mac, mac, sizeof(mac));
	if (d->n_ips > 0)
		otw_ip_str(&d->ips[0], ip, sizeof(ip));
	f[0] = mac, f[1] = ip, f[2] = d->vendor, f[3] = d->model, f[4] = d->firmware;
	if (!match(pg->q, f, 5))
		return 0;
	if (page_full(pg))
		return PAGE_FULL;
	if (!page_take(pg))
		return 0;
	otw_store_device_key(d, pg->last);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "mac", mac);
	cJSON_AddNumberToObject(o, "vlan", d->vlan);
	ips = cJSON_AddArrayToObject(o, "ips");
	for (unsigned i = 0; i < d->n_ips && i < OTW_STORE_DEV_IPS; i++) {
		char b[64];
		cJSON_AddItemToArray(ips, cJSON_CreateString(otw_ip_str(&d->ips[i], b, sizeof(b))));
	}
	if (d->vendor[0])
		cJSON_AddStringToObject(o, "vendor", d->vendor);
	if (d->model[0])
		cJSON_AddStringToObject(o, "model", d->model);
	if (d->firmware[0])
		cJSON_AddStringToObject(o, "firmware", d->firmware);
	add_apps(o, "serves", d->apps_served);
	add_apps(o, "uses", d->apps_used);
	add_time(o, "first_seen", d->first_ns);
	add_time(o, "last_seen", d->last_ns);
	cJSON_AddItemToArray(pg->items, o);
	return 0;
}

static int walk(struct otw_req *r, int (*fn)(struct otw_txn *, void *), void *arg)
{
	struct otw_txn *txn;
	int rc = otw_store_txn_begin(r->c->st, false, &txn);

	if (rc != 0)
		return rc;
	rc = fn(txn, arg);
	otw_store_txn_abort(txn);
	return rc;
}

/* Walk one table for a page: with no filter, the total is the record
 * count and the walk stops at the end of the page. */
static int page_walk(struct otw_txn *t, struct page *pg, const char *table,
		     int (*fn)(struct otw_txn *, void *), void *arg)
{
	size_t n;
	int rc;

	if (pg->q[0] != '\0' || otw_store_count(t, table, &n) != 0)
		return fn(t, arg);
	pg->counted = true;
	rc = fn(t, arg);
	pg->total = (unsigned)n;
	return rc == PAGE_FULL ? 0 : rc;
}

struct dev_from {
	struct page *pg;
	bool from;                          /* after= given */
	uint8_t key[OTW_STORE_DEVKEY_LEN];
};

/* after= cursor: skip the cursor's own record, then list as usual */
static int dev_after_one(void *arg, const struct otw_store_device *d)
{
	struct dev_from *f = arg;
	uint8_t k[OTW_STORE_DEVKEY_LEN];

	otw_store_device_key(d, k);
	if (memcmp(k, f->key, sizeof(k)) == 0)
		return 0;
	return dev_one(f->pg, d);
}

static int dev_fn(struct otw_txn *t, void *a)
{
	struct dev_from *f = a;

	if (f->from)
		return otw_store_device_foreach_from(t, f->key, dev_after_one, f);
	return otw_store_device_foreach(t, dev_one, f->pg);
}

static int dev_walk(struct otw_txn *t, void *a)
{
	struct dev_from *f = a;

	return page_walk(t, f->pg, "device", dev_fn, f);
}

static bool parse_cursor(const char *hex, uint8_t key[OTW_STORE_DEVKEY_LEN])
{
	if (strlen(hex) != 2 * OTW_STORE_DEVKEY_LEN)
		return false;
	for (unsigned i = 0; i < OTW_STORE_DEVKEY_LEN; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]))
			return false;
		key[i] = (uint8_t)v;
	}
	return true;
}

static void devices_get(struct otw_req *r)
{
	struct page pg;
	struct dev_from f = { .pg = &pg, .from = false };
	char after[2 * OTW_STORE_DEVKEY_LEN + 2];

	if (!page_init(r, &pg))
		return;
	if (!otw_query_str(r, "after", after, sizeof(after)) ||
	    (after[0] != '\0' && (pg.q[0] != '\0' || !parse_cursor(after, f.key)))) {
		cJSON_Delete(pg.items);
		otw_reply_error(r, 400, "after must be the \"next\" of a previous page (no q)");
		return;
	}
	f.from = after[0] != '\0';
	page_reply(r, &pg, walk(r, dev_walk, &f));
}

static int conn_one(void *arg, const struct otw_store_conn *c)
{
	struct page *pg = arg;
	char s[64], d[64];
	const char *f[3];
	cJSON *o;

	otw_ip_str(&c->src_ip, s, sizeof(s));
	otw_ip_str(&c->dst_ip, d, sizeof(d));
	f[0] = s, f[1] = d, f[2] = otw_app_name(c->app);
	if (!match(pg->q, f, 3))
		return 0;
	if (page_full(pg))
		return PAGE_FULL;
	if (!page_take(pg))
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "l4", c->l4);
	cJSON_AddStringToObject(o, "src_ip", s);
	cJSON_AddNumberToObject(o, "src_port", c->src_port);
	cJSON_AddStringToObject(o, "dst_ip", d);
	cJSON_AddNumberToObject(o, "dst_port", c->dst_port);
	if (c->app)
		cJSON_AddStringToObject(o, "app", otw_app_name(c->app));
	cJSON_AddNumberToObject(o, "packets", (double)c->packets);
	cJSON_AddNumberToObject(o, "bytes", (double)c->bytes);
	add_time(o, "first_seen", c->first_ns);
	add_time(o, "last_seen", c->last_ns);
	cJSON_AddItemToArray(pg->items, o);
	return 0;
}

static int conn_fn(struct otw_txn *t, void *a) { return otw_store_conn_foreach(t, conn_one, a); }
static int conn_walk(struct otw_txn *t, void *a) { return page_walk(t, a, "conn", conn_fn, a); }

static void connections_get(struct otw_req *r)
{
	struct page pg;

	if (!page_init(r, &pg))
		return;
	page_reply(r, &pg, walk(r, conn_walk, &pg));
}

static int op_one(void *arg, const struct otw_store_op *op)
{
	struct page *pg = arg;
	char s[64], d[64];
	const char *cat, *name = otw_op_name(op->app, op->func, &cat);
	const char *f[5];
	cJSON *o;

	otw_ip_str(&op->src_ip, s, sizeof(s));
	otw_ip_str(&op->dst_ip, d, sizeof(d));
	f[0] = s, f[1] = d, f[2] = otw_app_name(op->app), f[3] = name, f[4] = cat;
	if (!match(pg->q, f, 5))
		return 0;
	if (page_full(pg))
		return PAGE_FULL;
	if (!page_take(pg))
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "app", otw_app_name(op->app));
	cJSON_AddStringToObject(o, "src_ip", s);
	cJSON_AddStringToObject(o, "dst_ip", d);
	cJSON_AddNumberToObject(o, "unit", op->unit);
	cJSON_AddNumberToObject(o, "func", op->func);
	if (name)
		cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "category", cat);
	if (op->addr_lo != OTW_ADDR_NONE) {
		cJSON_AddNumberToObject(o, "addr_lo", op->addr_lo);
		cJSON_AddNumberToObject(o, "addr_hi", op->addr_hi);
	}
	cJSON_AddNumberToObject(o, "count", (double)op->count);
	cJSON_AddNumberToObject(o, "responses", (double)op->responses);
	cJSON_AddNumberToObject(o, "exceptions", (double)op->exceptions);
	add_time(o, "first_seen", op->first_ns);
	add_time(o, "last_seen", op->last_ns);
	cJSON_AddItemToArray(pg->items, o);
	return 0;
}

static int op_fn(struct otw_txn *t, void *a) { return otw_store_op_foreach(t, op_one, a); }
static int op_walk(struct otw_txn *t, void *a) { return page_walk(t, a, "op", op_fn, a); }

static void operations_get(struct otw_req *r)
{
	struct page pg;

	if (!page_init(r, &pg))
		return;
	page_reply(r, &pg, walk(r, op_walk, &pg));
}

static int health_walk(struct otw_txn *t, void *a)
{
	static const char *const tables[] = { "device", "conn", "op" };
	static const char *const counters[] = { "events", "batches", "msgs_lost", "bad" };
	cJSON *o = a, *tb = cJSON_AddObjectToObject(o, "records");
	cJSON *ct = cJSON_AddObjectToObject(o, "counters");

	for (unsigned i = 0; i < 3; i++) {
		size_t n = 0;
		if (otw_store_count(t, tables[i], &n) == 0)
			cJSON_AddNumberToObject(tb, tables[i], (double)n);
	}
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v;
		if (otw_store_counter_get(t, counters[i], &v) == 0)
			cJSON_AddNumberToObject(ct, counters[i], (double)v);
	}
	return 0;
}

static void health_get(struct otw_req *r)
{
	cJSON *o = cJSON_CreateObject();
	int rc = walk(r, health_walk, o);

	if (rc != 0) {
		cJSON_Delete(o);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	otw_reply_json(r, 200, o);
}

const struct otw_route otw_routes_inv[] = {
	{ "GET", "/api/v1/devices", OTW_ROLE_READONLY, devices_get, "list devices" },
	{ "GET", "/api/v1/connections", OTW_ROLE_READONLY, connections_get, "list connections" },
	{ "GET", "/api/v1/operations", OTW_ROLE_READONLY, operations_get, "list operations" },
	{ "GET", "/api/v1/health", OTW_ROLE_READONLY, health_get, "store and pipeline health" },
	{ NULL, NULL, 0, NULL, NULL },
};
