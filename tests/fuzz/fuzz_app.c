/* libFuzzer: one application dissector's payloads, built once per target
 * with FUZZ_L4 (6 or 17) and FUZZ_PORT (its server port). Inputs go
 * alternately client->server and server->client in one flow, with TCP
 * sequence numbers that follow on, so per-flow state (pairing, cut-ADU
 * skips, reassembly) is exercised across calls. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"

#ifndef FUZZ_L4
#error FUZZ_L4 and FUZZ_PORT must be defined
#endif

static void sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	(void)arg;
	(void)evs;
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cmac[6] = { 0x00, 0x0c, 0x29, 0, 0, 2 };
	static const uint8_t smac[6] = { 0x00, 0x80, 0xf4, 0, 0, 1 };
	static struct otw_engine *eng;
	static uint8_t frame[54 + 1500];
	static uint32_t seq[2] = { 1000, 5000 };
	static unsigned n;
	size_t len = size > 1400 ? 1400 : size;
	unsigned dir = n++ & 1; /* 0: client -> server */
	unsigned l4len = FUZZ_L4 == 6 ? 20 : 8;
	size_t flen = 34 + l4len + len;
	uint8_t *ip = frame + 14, *l4 = frame + 34;

	if (eng == NULL) {
		struct otw_engine_conf conf;
		otw_engine_conf_default(&conf);
		conf.max_flows = 64;
		conf.max_devices = 64;
		conf.sink = sink;
		if (otw_engine_create(&conf, &eng) != 0)
			return 0;
	}
	memset(frame, 0, 54);
	memcpy(frame, dir ? cmac : smac, 6);
	memcpy(frame + 6, dir ? smac : cmac, 6);
	frame[12] = 0x08;
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(20 + l4len + len));
	ip[8] = 64;
	ip[9] = FUZZ_L4;
	ip[12] = 10, ip[15] = dir ? 1 : 2;
	ip[16] = 10, ip[19] = dir ? 2 : 1;
	/* a new flow (client port) every 8 inputs: classification and early
	 * state get exercised as often as the steady state */
	put16(l4, dir ? FUZZ_PORT : 50000 + (n >> 3 & 0x3ff));
	put16(l4 + 2, dir ? 50000 + (n >> 3 & 0x3ff) : FUZZ_PORT);
	if (FUZZ_L4 == 6) {
		l4[4] = (uint8_t)(seq[dir] >> 24), l4[5] = (uint8_t)(seq[dir] >> 16);
		l4[6] = (uint8_t)(seq[dir] >> 8), l4[7] = (uint8_t)seq[dir];
		l4[12] = 5 << 4;
		l4[13] = 0x18;
		seq[dir] += (uint32_t)len;
	} else {
		put16(l4 + 4, (unsigned)(8 + len));
	}
	memcpy(frame + 34 + l4len, data, len);
	otw_engine_packet(eng, frame, (uint32_t)flen, (uint32_t)flen, n);
	if ((n & 255) == 0)
		otw_engine_flush(eng, false);
	return 0;
}
