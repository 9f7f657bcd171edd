/* Indicator rules of the threat engine, from an updatable text file
 * (deploy/ioc/otwatch.rules; syntax in docs/detection.md). One rule per
 * line of key=value tokens (a trailing backslash continues the line):
 *
 *   kind=ip       match=CIDR           traffic to or from the address
 *   kind=domain   match=NAME           a name equal to NAME or under it
 *   kind=port     match=udp/1502       traffic to that transport port
 *   kind=sequence app=iec104 [first=100] then=45,46 addrs=8 window=60
 *                 [master=new]         `first` then `then` functions to
 *                                      >= addrs addresses within window s
 *   and for every kind: id= severity=low|medium|high|critical title=
 *   description= recommendation=
 *
 * The set also keeps the per-(client, server, rule) sequence state, in a
 * fixed table (OTW_IOC_SEQ_SLOTS; the oldest pair is replaced when full,
 * counted). Single-threaded. */
#ifndef OTW_IOC_H
#define OTW_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "otw_ev-t.h"

enum otw_ioc_kind { OTW_IOC_IP = 1, OTW_IOC_DOMAIN, OTW_IOC_PORT, OTW_IOC_SEQ };

#define OTW_IOC_FUNCS 8
#define OTW_IOC_SEQ_SLOTS 4096
#define OTW_IOC_MAX_RULES 65536

struct otw_ioc_rule {
	uint8_t kind, severity;              /* enum otw_severity */
	uint8_t l4, n_first, n_then;
	bool new_master;                     /* sequence: only from a client not
						learned as this server's master */
	uint16_t port, app;
	uint16_t first[OTW_IOC_FUNCS], then[OTW_IOC_FUNCS];
	uint32_t addrs;
	uint64_t window_ns;
	struct otw_cidr cidr;
	char id[32];
	char match[128];                     /* domain, lower case */
	char title[96];
	char desc[320];
	char advice[320];
};

struct otw_ioc;

/* Parse a whole rule file / text. On error *line is the bad line (1-based)
 * and *err the reason; nothing is returned then. */
int otw_ioc_load_file(const char *path, struct otw_ioc **out, unsigned *line,
		      const char **err);
int otw_ioc_load_text(const char *text, struct otw_ioc **out, unsigned *line,
		      const char **err);
void otw_ioc_free(struct otw_ioc *ioc); /* NULL is a no-op */
/* The installed rule file, or the source tree's one when not installed
 * (a build run in place). */
const char *otw_ioc_default_path(void);
unsigned otw_ioc_count(const struct otw_ioc *ioc);

/* First rule matching, or NULL. */
const struct otw_ioc_rule *otw_ioc_ip(const struct otw_ioc *ioc, const struct otw_ip *ip);
const struct otw_ioc_rule *otw_ioc_port(const struct otw_ioc *ioc, uint8_t l4, uint16_t port);
const struct otw_ioc_rule *otw_ioc_domain(const struct otw_ioc *ioc, const char *name, size_t n);

/* Feed one operation aggregate (client->server) to the sequence rules;
 * known_master: the client is a learned client of the server for o->app.
 * Returns the rule that completed (once per pair and window), or NULL. */
const struct otw_ioc_rule *otw_ioc_seq_op(struct otw_ioc *ioc, const struct otw_ev_op *o,
					  bool known_master);
uint64_t otw_ioc_seq_evicted(const struct otw_ioc *ioc);

#endif
