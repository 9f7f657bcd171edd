/* alertadd DIR TITLE: append one open alert to the store (next id), as
 * otw-baseline would; for tests of the console's WebSocket push. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "otw_err.h"
#include "store.h"

int main(int argc, char **argv)
{
	struct otw_store_alert a = { 0 };
	struct otw_store *st;
	struct otw_txn *txn;
	uint64_t last = 0;
	struct timespec ts;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: alertadd DIR TITLE\n");
		return 2;
	}
	if ((rc = otw_store_open(argv[1], 0, 0, &st)) != 0 ||
	    (rc = otw_store_txn_begin(st, true, &txn)) != 0) {
		fprintf(stderr, "alertadd: %s\n", otw_strerror(rc));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	(void)otw_store_alert_last_id(txn, &last);
	a.id = last + 1;
	a.engine = 5;
	a.severity = 4;
	a.count = 1;
	a.first_ns = a.last_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	snprintf(a.title, sizeof(a.title), "%s", argv[2]);
	snprintf(a.desc, sizeof(a.desc), "added by tests/e2e/alertadd");
	if ((rc = otw_store_alert_put(txn, &a)) != 0 || (rc = otw_store_txn_commit(txn)) != 0) {
		fprintf(stderr, "alertadd: %s\n", otw_strerror(rc));
		otw_store_close(st);
		return 1;
	}
	otw_store_close(st);
	printf("%llu\n", (unsigned long long)a.id);
	return 0;
}
