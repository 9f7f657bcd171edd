#include "otw_evcodec.h"

#include <string.h>

#include "otw_err.h"

size_t otw_ev_encode(void *buf, const struct otw_ev_batch_hdr *hdr,
		     const struct otw_ev *evs, uint16_t n)
{
	struct otw_ev_batch_hdr h = *hdr;

	h.magic = OTW_EV_MAGIC;
	h.version = OTW_EV_VERSION;
	h.count = n;
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + sizeof(h), evs, (size_t)n * sizeof(*evs));
	return sizeof(h) + (size_t)n * sizeof(*evs);
}

int otw_ev_decode(const void *msg, size_t len, struct otw_ev_batch_hdr *hdr,
		  const struct otw_ev **evs)
{
	struct otw_ev_batch_hdr h;
	const struct otw_ev *e;

	if (len < sizeof(h))
		return OTW_ECODEC;
	memcpy(&h, msg, sizeof(h));
	if (h.magic != OTW_EV_MAGIC)
		return OTW_ECODEC;
	if (h.version != OTW_EV_VERSION)
		return OTW_EVERSION;
	if (h.count > OTW_EV_BATCH_MAX ||
	    len != sizeof(h) + (size_t)h.count * sizeof(struct otw_ev))
		return OTW_ECODEC;
	/* NNG message bodies are malloc-aligned, so the records are aligned */
	e = (const struct otw_ev *)(const void *)((const uint8_t *)msg + sizeof(h));
	for (uint16_t i = 0; i < h.count; i++)
		if (e[i].kind < OTW_EV_DEVICE || e[i].kind > OTW_EV_ATTR)
			return OTW_ECODEC;
	*hdr = h;
	*evs = e;
	return 0;
}
