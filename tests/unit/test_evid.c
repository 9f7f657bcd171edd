/* baseline/evid.c: merging two workers' pcaps keeps time order and the
 * newest OTW_EVID_PKTS frames, ignores a foreign or cut answer; an alert
 * selects on its endpoints (or its MAC); files appear whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evid.h"
#include "otw_pkt.h"

static uint8_t frame[60];

/* A pcap of n frames at times t0, t0 + step, ... through a real ring. */
static size_t mk(uint8_t *buf, size_t cap, unsigned n, uint64_t t0,
		 uint64_t step)
{
	struct otw_pktring *r;
	struct otw_pktring_sel sel = { .max = OTW_PKTRING_MAX_PKTS };
	size_t len;

	otw_ip_from_mac(&sel.a, frame + 6); /* frames from this MAC */
	assert_int_equal(otw_pktring_create(512, &r), 0);
	for (unsigned i = 0; i < n; i++)
		otw_pktring_push(r, t0 + i * step, frame, sizeof(frame), sizeof(frame));
	assert_int_equal(otw_pktring_extract(r, &sel, buf, cap, &len), (int)n);
	otw_pktring_destroy(r);
	return len;
}

static uint64_t ts_at(const uint8_t *b, size_t off)
{
	uint32_t s, ns;
	memcpy(&s, b + off, 4);
	memcpy(&ns, b + off + 4, 4);
	return (uint64_t)s * 1000000000u + ns;
}

static void merge_orders_and_caps(void **state)
{
	static uint8_t a[OTW_PKTRING_PCAP_BYTES(OTW_PKTRING_MAX_PKTS)];
	static uint8_t b[OTW_PKTRING_PCAP_BYTES(OTW_PKTRING_MAX_PKTS)];
	size_t la, lb, len, off;
	uint64_t last = 0;
	unsigned n = 0;

	(void)state;
	memset(frame, 0, sizeof(frame));
	memcpy(frame + 6, "\x00\x80\xf4\x01\x02\x03", 6);
	frame[12] = 0x88; frame[13] = 0xb8; /* GOOSE: any L2 frame will do */
	la = mk(a, sizeof(a), 40, 1000, 10);  /* 1000, 1010, ... 1390 */
	lb = mk(b, sizeof(b), 40, 1005, 10);  /* 1005, ... 1395 */
	len = otw_evid_merge(a, la, sizeof(a), b, lb);
	for (off = 24; off < len; n++) {
		uint32_t cl;
		memcpy(&cl, a + off + 8, 4);
		assert_true(ts_at(a, off) > last);
		last = ts_at(a, off);
		off += 16 + cl;
	}
	assert_int_equal(off, len);
	assert_int_equal(n, OTW_EVID_PKTS); /* 80 frames, the newest 64 */
	assert_int_equal(last, 1395);
	/* a foreign or cut answer changes nothing */
	assert_int_equal(otw_evid_merge(a, len, sizeof(a), (const uint8_t *)"junk", 4), len);
	assert_int_equal(otw_evid_merge(a, len, sizeof(a), b, 30), len);
}

static void selection_of_alerts(void **state)
{
	struct otw_alert al = { 0 };
	struct otw_pktring_sel sel;

	(void)state;
	assert_false(otw_evid_sel(&al, &sel));
	memcpy(al.src_mac, "\x00\x80\xf4\x01\x02\x03", 6);
	al.first_ns = 90ull * 1000000000u;
	assert_true(otw_evid_sel(&al, &sel));
	assert_true(otw_ip_is_mac(&sel.a));
	assert_int_equal(sel.from_ns, 30ull * 1000000000u);
	al.src.b[15] = 7;
	al.first_ns = 5;
	assert_true(otw_evid_sel(&al, &sel));
	assert_int_equal(sel.a.b[15], 7);
	assert_int_equal(sel.from_ns, 0);
	assert_int_equal(sel.max, OTW_EVID_PKTS);
}

static void write_whole_file(void **state)
{
	char dir[] = "/tmp/otw_evid.XXXXXX", path[64];
	static const uint8_t data[100] = { 1, 2, 3 };
	uint8_t back[200];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(otw_evid_write(dir, 42, data, sizeof(data)), 0);
	snprintf(path, sizeof(path), "%s/42.pcap", dir);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(data));
	fclose(f);
	assert_memory_equal(back, data, sizeof(data));
	unlink(path);
	rmdir(dir);
	assert_int_equal(otw_evid_write("/nonexistent/dir", 1, data, 1), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(merge_orders_and_caps),
		cmocka_unit_test(selection_of_alerts),
		cmocka_unit_test(write_whole_file),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
