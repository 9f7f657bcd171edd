/* The list of application dissectors. Adding one = one line here. */
#include "registry.h"

#include <stddef.h>

static const struct otw_dissector *const dissectors[] = {
	&otw_dis_modbus,
};
#define N_DISSECTORS (sizeof(dissectors) / sizeof(dissectors[0]))

const struct otw_dissector *otw_registry_match(const struct otw_cur *c,
					       const struct otw_dctx *x,
					       bool *server_is_dst)
{
	const struct otw_pkt *p = x->pkt;

	for (size_t i = 0; i < N_DISSECTORS; i++) {
		const struct otw_dissector *d = dissectors[i];
		if (d->l4 != p->l4 || d->port == 0)
			continue;
		if (p->dport == d->port || p->sport == d->port) {
			if (d->probe && !d->probe(c, x))
				continue;
			*server_is_dst = p->dport == d->port;
			return d;
		}
	}
	for (size_t i = 0; i < N_DISSECTORS; i++) {
		const struct otw_dissector *d = dissectors[i];
		if (d->l4 != p->l4 || d->port != 0 || d->probe == NULL)
			continue;
		if (d->probe(c, x)) {
			*server_is_dst = p->dport < p->sport;
			return d;
		}
	}
	return NULL;
}

const struct otw_dissector *otw_registry_get(unsigned app)
{
	for (size_t i = 0; i < N_DISSECTORS; i++)
		if (dissectors[i]->app == app)
			return dissectors[i];
	return NULL;
}

/* Well-known server port of a dissector for l4, used to orient flows whose
 * opening was not seen. 0 when no dissector claims either port. */
uint16_t otw_registry_server_port(uint8_t l4, uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < N_DISSECTORS; i++) {
		const struct otw_dissector *d = dissectors[i];
		if (d->l4 == l4 && d->port != 0 &&
		    (d->port == sport || d->port == dport))
			return d->port;
	}
	return 0;
}
