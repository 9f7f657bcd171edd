/* evsend: push numbered event batches to otw-baseline, for e2e tests.
 *
 *   evsend URL WORKER EPOCH SEQ0 N DELAY_US [touch]
 *
 * Batch g (g = SEQ0 .. SEQ0+N-1, sent with seq g) holds:
 *   - device events 02:00:00:00:00:01/10.0.0.1 (PLC) and
 *     02:00:00:00:00:0a/10.0.0.10 (HMI), ts T0 + g us;
 *   - a new Modbus conn 10.0.0.10:(10000+g) -> 10.0.0.1:502, 1 packet,
 *     100 bytes (flagged OTW_CONN_NEW);
 *   - one read_holding_registers op (count 1, response 1);
 *   - with "touch": one more packet/100 bytes on the conn of port 10000.
 * So the store says exactly which batches it holds. Exits 0 when all were
 * sent, 3 when a send failed (receiver gone: prints how many went out). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>

#include "otw_app.h"
#include "otw_evcodec.h"

#define T0 1700000000000000000ull

static struct otw_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct otw_ip ip = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			       a, b, c, d } };
	return ip;
}

static void conn(struct otw_ev *e, uint16_t sport, uint64_t ts)
{
	memset(e, 0, sizeof(*e));
	e->kind = OTW_EV_CONN;
	e->u.conn.src_ip = ip4(10, 0, 0, 10);
	e->u.conn.dst_ip = ip4(10, 0, 0, 1);
	e->u.conn.src_port = sport;
	e->u.conn.dst_port = 502;
	e->u.conn.l4 = IPPROTO_TCP;
	e->u.conn.flags = OTW_CONN_ORIG_KNOWN;
	e->u.conn.app = OTW_APP_MODBUS;
	e->u.conn.packets = 1;
	e->u.conn.bytes = 100;
	e->u.conn.first_ns = ts;
	e->u.conn.last_ns = ts;
}

static uint16_t batch(struct otw_ev *ev, uint32_t g, int touch)
{
	uint64_t ts = T0 + (uint64_t)g * 1000u;
	uint16_t n = 0;

	for (int d = 0; d < 2; d++) {
		struct otw_ev *e = &ev[n++];
		uint8_t host = d ? 10 : 1;
		memset(e, 0, sizeof(*e));
		e->kind = OTW_EV_DEVICE;
		memcpy(e->u.dev.mac, (uint8_t[6]){ 2, 0, 0, 0, 0, host }, 6);
		e->u.dev.ip = ip4(10, 0, 0, host);
		e->u.dev.has_ip = 1;
		e->u.dev.learn = OTW_LEARN_IP;
		e->u.dev.ts_ns = ts;
	}
	conn(&ev[n], (uint16_t)(10000 + g), ts);
	ev[n++].u.conn.flags |= OTW_CONN_NEW; /* a flow of its own */
	memset(&ev[n], 0, sizeof(ev[n]));
	ev[n].kind = OTW_EV_OP;
	ev[n].u.op.src_ip = ip4(10, 0, 0, 10);
	ev[n].u.op.dst_ip = ip4(10, 0, 0, 1);
	ev[n].u.op.app = OTW_APP_MODBUS;
	ev[n].u.op.unit = 1;
	ev[n].u.op.func = 3;
	ev[n].u.op.count = 1;
	ev[n].u.op.responses = 1;
	ev[n].u.op.first_ns = ts;
	ev[n].u.op.last_ns = ts;
	n++;
	if (touch)
		conn(&ev[n++], 10000, ts);
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t buf[OTW_EV_BATCH_BYTES];
	struct otw_ev ev[OTW_EV_BATCH_MAX];
	struct otw_ev_batch_hdr h = { 0 };
	struct timespec delay;
	nng_socket s;
	uint32_t seq0, n, sent = 0;
	unsigned long us;
	int rc, touch;

	if (argc < 7) {
		fprintf(stderr, "usage: evsend URL WORKER EPOCH SEQ0 N DELAY_US [touch]\n");
		return 2;
	}
	h.worker = (uint16_t)strtoul(argv[2], NULL, 10);
	h.epoch = strtoull(argv[3], NULL, 10);
	seq0 = (uint32_t)strtoul(argv[4], NULL, 10);
	n = (uint32_t)strtoul(argv[5], NULL, 10);
	us = strtoul(argv[6], NULL, 10);
	touch = argc > 7 && strcmp(argv[7], "touch") == 0;
	delay.tv_sec = (time_t)(us / 1000000);
	delay.tv_nsec = (long)(us % 1000000) * 1000;

	if ((rc = nng_push0_open(&s)) != 0 ||
	    (rc = nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 10000)) != 0 ||
	    (rc = nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 20)) != 0 ||
	    (rc = nng_dial(s, argv[1], NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "evsend: %s\n", nng_strerror(rc));
		return 1;
	}
	for (uint32_t g = seq0; g < seq0 + n; g++) {
		uint16_t k = batch(ev, g, touch);
		size_t len;
		h.seq = g;
		len = otw_ev_encode(buf, &h, ev, k);
		if (g == seq0 + 1) /* connected: a stall now means it died */
			(void)nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 2000);
		if ((rc = nng_send(s, buf, len, 0)) != 0) {
			printf("sent=%u err=%s\n", sent, nng_strerror(rc));
			nng_close(s);
			return 3;
		}
		sent++;
		if (us)
			nanosleep(&delay, NULL);
	}
	/* nng_close drops what is still queued: give the pipe time to drain */
	nanosleep(&(struct timespec){ 0, 300 * 1000000L }, NULL);
	nng_close(s);
	printf("sent=%u\n", sent);
	return 0;
}
