/* libFuzzer: Modbus/TCP payloads, alternately from client and server, in
 * one flow, so request/response pairing state is exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"

static void sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	(void)arg;
	(void)evs;
	(void)n;
}

static const uint8_t hdr_req[54] = {
	0x00, 0x80, 0xf4, 0, 0, 1, 0x00, 0x0c, 0x29, 0, 0, 2, 0x08, 0x00,
	0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
	0xc3, 0x50, 0x01, 0xf6, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0, 0, 0, 0, 0,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct otw_engine *eng;
	static uint8_t frame[54 + 1500];
	static unsigned n;
	size_t len = size > 1500 ? 1500 : size;
	uint16_t tot = (uint16_t)(40 + len);

	if (eng == NULL) {
		struct otw_engine_conf conf;
		otw_engine_conf_default(&conf);
		conf.max_flows = 64;
		conf.max_devices = 64;
		conf.sink = sink;
		if (otw_engine_create(&conf, &eng) != 0)
			return 0;
	}
	memcpy(frame, hdr_req, sizeof(hdr_req));
	frame[16] = (uint8_t)(tot >> 8);
	frame[17] = (uint8_t)tot;
	if (n++ & 1) { /* server -> client: swap addresses and ports */
		uint8_t t[6];
		memcpy(t, frame, 6); memcpy(frame, frame + 6, 6); memcpy(frame + 6, t, 6);
		memcpy(t, frame + 26, 4); memcpy(frame + 26, frame + 30, 4); memcpy(frame + 30, t, 4);
		memcpy(t, frame + 34, 2); memcpy(frame + 34, frame + 36, 2); memcpy(frame + 36, t, 2);
	}
	memcpy(frame + 54, data, len);
	otw_engine_packet(eng, frame, (uint32_t)(54 + len), (uint32_t)(54 + len), n);
	if ((n & 255) == 0)
		otw_engine_flush(eng, false);
	return 0;
}
