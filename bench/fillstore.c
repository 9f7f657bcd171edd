/* bench/fillstore: write a large synthetic store straight through store/
 * for the console bench (bench/console.sh): N devices (by MAC, 1-3 IPv4
 * each, vendor/model strings), M connections between them, A alerts.
 * usage: fillstore DIR [devices] [connections] [alerts] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "otw_err.h"
#include "store.h"

static void v4(struct otw_ip *ip, uint32_t a)
{
	memset(ip, 0, sizeof(*ip));
	ip->b[10] = ip->b[11] = 0xff;
	ip->b[12] = (uint8_t)(a >> 24);
	ip->b[13] = (uint8_t)(a >> 16);
	ip->b[14] = (uint8_t)(a >> 8);
	ip->b[15] = (uint8_t)a;
}

/* device i: 10.(i>>16).(i>>8).(i) + 1 */
static uint32_t dev_ip(unsigned i)
{
	return (10u << 24) + i + 1;
}

#define BATCH 20000

static int batch(struct otw_store *st, struct otw_txn **txn, unsigned i)
{
	int rc;

	if (i % BATCH != 0)
		return 0;
	if (*txn != NULL && (rc = otw_store_txn_commit(*txn)) != 0)
		return rc;
	*txn = NULL;
	return otw_store_txn_begin(st, true, txn);
}

int main(int argc, char **argv)
{
	static const char *const vendors[] = { "Siemens", "Rockwell Automation", "Schneider Electric",
					       "ABB", "Phoenix Contact", "Moxa", "Hirschmann" };
	unsigned nd = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100000;
	unsigned nc = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1000000;
	unsigned na = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 20000;
	uint64_t t0 = 1767225600ull * 1000000000ull; /* 2026-01-01 */
	struct otw_store *st;
	struct otw_txn *txn = NULL;
	int rc;

	if (argc < 2 || nd == 0) {
		fprintf(stderr, "usage: fillstore DIR [devices] [connections] [alerts]\n");
		return 2;
	}
	if ((rc = otw_store_open(argv[1], (size_t)16 << 30, 0, &st)) != 0) {
		fprintf(stderr, "fillstore: %s: %s\n", argv[1], otw_strerror(rc));
		return 1;
	}
	for (unsigned i = 0; i < nd && rc == 0; i++) {
		struct otw_store_device d = { 0 };
		if ((rc = batch(st, &txn, i)) != 0)
			break;
		d.mac[0] = 0x00, d.mac[1] = 0x1b, d.mac[2] = 0x1b;
		d.mac[3] = (uint8_t)(i >> 16), d.mac[4] = (uint8_t)(i >> 8), d.mac[5] = (uint8_t)i;
		d.vlan = (uint16_t)(i % 8);
		d.n_ips = (uint8_t)(1 + i % 3);
		for (unsigned k = 0; k < d.n_ips; k++)
			v4(&d.ips[k], dev_ip(i) + k * 0x00400000u);
		d.first_ns = t0 + i * 1000000ull;
		d.last_ns = d.first_ns + 3600ull * 1000000000ull;
		d.apps_served = 1ull << (1 + i % 20);
		d.apps_used = 1ull << (1 + (i / 7) % 20);
		snprintf(d.vendor, sizeof(d.vendor), "%s", vendors[i % 7]);
		snprintf(d.model, sizeof(d.model), "model-%u", i % 97);
		snprintf(d.firmware, sizeof(d.firmware), "V%u.%u", i % 5, i % 13);
		rc = otw_store_device_put(txn, &d);
	}
	for (unsigned i = 0; i < nc && rc == 0; i++) {
		struct otw_store_conn c = { 0 };
		if ((rc = batch(st, &txn, i)) != 0)
			break;
		c.l4 = i % 5 == 0 ? 17 : 6;
		v4(&c.src_ip, dev_ip(i % nd));
		v4(&c.dst_ip, dev_ip((i * 7919u + 13) % nd));
		c.src_port = (uint16_t)(1024 + i / nd % 60000);
		c.dst_port = (uint16_t)(i % 3 == 0 ? 502 : i % 3 == 1 ? 102 : 44818);
		c.app = (uint16_t)(1 + i % 20);
		c.packets = 10 + i % 1000;
		c.bytes = c.packets * 80;
		c.first_ns = t0 + i * 1000ull;
		c.last_ns = c.first_ns + 60ull * 1000000000ull;
		rc = otw_store_conn_put(txn, &c);
	}
	for (unsigned i = 0; i < na && rc == 0; i++) {
		struct otw_store_alert a = { 0 };
		if ((rc = batch(st, &txn, i)) != 0)
			break;
		a.id = i + 1;
		a.engine = (uint8_t)(1 + i % 5);
		a.severity = (uint8_t)(1 + i % 4);
		a.status = 0;
		a.count = 1 + i % 10;
		v4(&a.src, dev_ip(i % nd));
		v4(&a.dst, dev_ip((i + 1) % nd));
		a.first_ns = a.last_ns = t0 + i * 1000000000ull;
		snprintf(a.title, sizeof(a.title), "Bench alert %u", i % 50);
		snprintf(a.desc, sizeof(a.desc), "synthetic alert %u for the console bench", i);
		snprintf(a.advice, sizeof(a.advice), "none: synthetic");
		rc = otw_store_alert_put(txn, &a);
	}
	if (rc == 0 && txn != NULL)
		rc = otw_store_txn_commit(txn);
	else
		otw_store_txn_abort(txn);
	otw_store_close(st);
	if (rc != 0) {
		fprintf(stderr, "fillstore: %s\n", otw_strerror(rc));
		return 1;
	}
	printf("fillstore: %u devices, %u connections, %u alerts in %s\n", nd, nc, na, argv[1]);
	return 0;
}
