/* GET /api/v1/map: the device map's data. Nodes are devices (one per
 * device, its IPs listed, grouped by the UI into subnets); edges are
 * connections summed per (client IP, server IP) pair, both ends among the
 * nodes (the whole connection table is read for that). Both are capped
 * (nodes=, edges=) so the reply stays small at 100k devices / 1M
 * connections; "truncated" says when a cap was hit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "otw_err.h"
#include "otw_pkt.h"

struct edge {
	struct otw_ip a, b;
	uint64_t conns, bytes;
	bool used;
};

struct map {
	cJSON *nodes;
	unsigned n_nodes, max_nodes;
	struct edge *tab;   /* open addressing, cap a power of two */
	size_t cap, n_edges, max_edges;
	struct otw_ip *ips;  /* the nodes' addresses: edges stay inside the map */
	bool *ip_used;
	size_t ip_cap, n_ips;
	bool truncated;
};

static size_t ip_hash(const struct otw_ip *a, size_t cap)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 1099511628211ull;
	return (size_t)h & (cap - 1);
}

/* slot of ip in the node-address set: its own, or the empty one to use */
static size_t ip_slot(const struct map *m, const struct otw_ip *ip)
{
	size_t i = ip_hash(ip, m->ip_cap);

	while (m->ip_used[i] && memcmp(&m->ips[i], ip, sizeof(*ip)) != 0)
		i = (i + 1) & (m->ip_cap - 1);
	return i;
}

static size_t pair_hash(const struct otw_ip *a, const struct otw_ip *b, size_t cap)
{
	return (ip_hash(a, SIZE_MAX) * 31 + ip_hash(b, SIZE_MAX)) & (cap - 1);
}

static int node_one(void *arg, const struct otw_store_device *d)
{
	struct map *m = arg;
	char b[64];
	cJSON *o, *ips;

	if (m->n_nodes >= m->max_nodes) {
		m->truncated = true;
		return 1;
	}
	m->n_nodes++;
	o = cJSON_CreateObject();
	if (!d->by_ip) {
		otw_mac_str(d->mac, b, sizeof(b));
		cJSON_AddStringToObject(o, "mac", b);
	}
	ips = cJSON_AddArrayToObject(o, "ips");
	for (unsigned i = 0; i < d->n_ips && i < OTW_STORE_DEV_IPS; i++) {
		cJSON_AddItemToArray(ips, cJSON_CreateString(otw_ip_str(&d->ips[i], b, sizeof(b))));
		if (2 * (m->n_ips + 1) <= m->ip_cap) { /* at most half full */
			size_t k = ip_slot(m, &d->ips[i]);
			if (!m->ip_used[k]) {
				m->ip_used[k] = true;
				m->ips[k] = d->ips[i];
				m->n_ips++;
			}
		}
	}
	if (d->vendor[0])
		cJSON_AddStringToObject(o, "vendor", d->vendor);
	if (d->model[0])
		cJSON_AddStringToObject(o, "model", d->model);
	cJSON_AddItemToArray(m->nodes, o);
	return 0;
}

static int edge_one(void *arg, const struct otw_store_conn *c)
{
	struct map *m = arg;
	size_t i = pair_hash(&c->src_ip, &c->dst_ip, m->cap);

	if (!m->ip_used[ip_slot(m, &c->src_ip)] || !m->ip_used[ip_slot(m, &c->dst_ip)])
		return 0;

	/* linear probing; the table is at most half full */
	while (m->tab[i].used && (memcmp(&m->tab[i].a, &c->src_ip, 16) != 0 ||
				  memcmp(&m->tab[i].b, &c->dst_ip, 16) != 0))
		i = (i + 1) & (m->cap - 1);
	if (!m->tab[i].used) {
		if (m->n_edges >= m->max_edges) {
			m->truncated = true;
			return 1;
		}
		m->tab[i].used = true;
		m->tab[i].a = c->src_ip;
		m->tab[i].b = c->dst_ip;
		m->n_edges++;
	}
	m->tab[i].conns++;
	m->tab[i].bytes += c->bytes;
	return 0;
}

static int map_walk(struct otw_txn *t, void *arg)
{
	int rc = otw_store_device_foreach(t, node_one, arg);

	if (rc == 0 || rc == 1)
		rc = otw_store_conn_foreach(t, edge_one, arg);
	return rc == 1 ? 0 : rc;
}

static void map_get(struct otw_req *r)
{
	struct map m = { 0 };
	struct otw_txn *txn;
	cJSON *o, *edges;
	int rc;

	m.max_nodes = otw_query_uint(r, "nodes", 5000, 1, 50000);
	m.max_edges = otw_query_uint(r, "edges", 20000, 1, 100000);
	for (m.cap = 1; m.cap < 2 * m.max_edges; m.cap <<= 1)
		;
	for (m.ip_cap = 1; m.ip_cap < 8 * (size_t)m.max_nodes; m.ip_cap <<= 1)
		;
	m.tab = calloc(m.cap, sizeof(*m.tab));
	m.ips = calloc(m.ip_cap, sizeof(*m.ips));
	m.ip_used = calloc(m.ip_cap, sizeof(*m.ip_used));
	if (m.tab == NULL || m.ips == NULL || m.ip_used == NULL) {
		free(m.tab);
		free(m.ips);
		free(m.ip_used);
		otw_reply_error(r, 500, "out of memory");
		return;
	}
	m.nodes = cJSON_CreateArray();
	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = map_walk(txn, &m);
		otw_store_txn_abort(txn);
	}
	free(m.ips);
	free(m.ip_used);
	if (rc != 0) {
		free(m.tab);
		cJSON_Delete(m.nodes);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "nodes", m.nodes);
	edges = cJSON_AddArrayToObject(o, "edges");
	for (size_t i = 0; i < m.cap; i++) {
		char a[64], b[64];
		cJSON *e;
		if (!m.tab[i].used)
			continue;
		e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, cJSON_CreateString(otw_ip_str(&m.tab[i].a, a, sizeof(a))));
		cJSON_AddItemToArray(e, cJSON_CreateString(otw_ip_str(&m.tab[i].b, b, sizeof(b))));
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)m.tab[i].conns));
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)m.tab[i].bytes));
		cJSON_AddItemToArray(edges, e);
	}
	free(m.tab);
	cJSON_AddBoolToObject(o, "truncated", m.truncated);
	otw_reply_json(r, 200, o);
}

const struct otw_route otw_routes_map[] = {
	{ "GET", "/api/v1/map", OTW_ROLE_READONLY, map_get, "device map: devices and connections per IP pair (capped)" },
	{ NULL, NULL, 0, NULL, NULL },
};
