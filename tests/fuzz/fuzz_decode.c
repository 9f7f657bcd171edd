/* libFuzzer: whole frames through the engine (L2-L4 decoder, flow table,
 * registry and every dissector the registry picks). */
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

static void sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	(void)arg;
	(void)evs;
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct otw_engine *eng;
	static uint64_t ts;

	if (eng == NULL) {
		struct otw_engine_conf conf;
		otw_engine_conf_default(&conf);
		conf.max_flows = 4096;
		conf.max_devices = 1024;
		conf.sink = sink;
		if (otw_engine_create(&conf, &eng) != 0)
			return 0;
	}
	/* state carries across inputs, as in a worker */
	otw_engine_packet(eng, data, (uint32_t)size, (uint32_t)size, ++ts * 1000);
	if ((ts & 1023) == 0)
		otw_engine_tick(eng);
	return 0;
}
