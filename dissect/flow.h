/* otw_flowtab: a worker's bounded flow table. Fixed memory chosen at
 * start, open addressing with a bounded probe window, backward-shift
 * deletion; when a window is full the stalest flow in it is evicted and
 * handed back so its counters can still be reported. Single-threaded. */
#ifndef OTW_FLOW_H
#define OTW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "otw_ev-t.h"
#include "otw_pkt.h"
#include "registry.h"

enum otw_flow_state {
	OTW_FL_USED = 1,
	OTW_FL_CLIENT_B = 2,    /* endpoint b opened the flow */
	OTW_FL_ORIG_KNOWN = 4,  /* ...because its SYN was seen */
	OTW_FL_FIN_A = 8,
	OTW_FL_FIN_B = 16,
	OTW_FL_RST = 32,
	OTW_FL_CLASSIFIED = 64, /* the registry was asked */
	OTW_FL_SERVER_PORT = 128, /* a dissector's port decided direction */
};

enum otw_flow_tcp {
	OTW_FT_SEQ_A = 1,       /* next_seq[0] is known */
	OTW_FT_SEQ_B = 2,
	OTW_FT_TRY1 = 4,        /* classification attempts, in bits 2-3 */
	OTW_FT_TRIES = 12,      /* ...at most 3 */
	OTW_FT_DEV_A = 16,      /* endpoint a's device reported since the */
	OTW_FT_DEV_B = 32,      /* flow's last conn event (engine.c) */
	OTW_FT_RESYNC_A = 64,   /* a's stream position is not a known PDU */
	OTW_FT_RESYNC_B = 128,  /* start (reassembly, engine.c); b's */
};

/* Endpoint a is the lower (address, port); both directions find one entry. */
struct otw_flow {
	struct otw_ip a, b;
	uint16_t pa, pb;
	uint8_t l4;
	uint8_t state;       /* enum otw_flow_state */
	uint16_t vlan;
	uint32_t hash;
	uint16_t app;        /* enum otw_app, 0 until classified */
	uint8_t mac_a[6], mac_b[6];
	uint16_t tcp;        /* enum otw_flow_tcp */
	uint32_t pend_pkts;  /* not yet reported */
	uint64_t pend_bytes;
	uint64_t first_ns, last_ns;
	/* last_ns >> 20 (~1.05 ms units) at the last conn event: only its
	 * difference to now is used, which stays right across the 52-day
	 * wrap; 32 bits leave room for the reassembly buffers below */
	uint32_t emit_ms;
	uint16_t rs[2];       /* reassembly buffer + 1 of the bytes from a, b
			       * (0: none; engine.c) */
	uint32_t next_seq[2]; /* next TCP sequence number expected from a, b */
	uint8_t app_state[OTW_APP_STATE_BYTES];
};
_Static_assert(sizeof(struct otw_flow) == 128, "two cache lines per flow");

struct otw_flowtab;

/* Room for max_flows flows (the table has 25 % slack). Returns 0 and *out,
 * or -ENOMEM / -EINVAL. */
int otw_flowtab_create(uint32_t max_flows, struct otw_flowtab **out);
void otw_flowtab_destroy(struct otw_flowtab *ft); /* NULL is a no-op */

/* Find or create the flow of a decoded packet with hash h. *src_is_a tells
 * the packet's direction; *created is set for a new entry (zeroed but for
 * key and hash). When a stale flow had to go to make room, it is copied to
 * *evicted and *did_evict set. Never fails. */
struct otw_flow *otw_flowtab_get(struct otw_flowtab *ft, const struct otw_pkt *p,
				 uint32_t h, bool *src_is_a, bool *created,
				 struct otw_flow *evicted, bool *did_evict);

/* Remove f (a pointer from this table). Entries after it may move into its
 * slot: a caller walking slots must look at the same index again. */
void otw_flowtab_remove(struct otw_flowtab *ft, struct otw_flow *f);

uint32_t otw_flowtab_slots(const struct otw_flowtab *ft);
/* The flow in slot i, or NULL if the slot is empty. */
struct otw_flow *otw_flowtab_slot(struct otw_flowtab *ft, uint32_t i);
uint32_t otw_flowtab_count(const struct otw_flowtab *ft);
uint64_t otw_flowtab_bytes(const struct otw_flowtab *ft);

#endif
