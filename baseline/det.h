/* otw_det: learning mode, the baseline it learns, and the detection
 * engines that compare later events against it. Fed the same events as the
 * inventory (otw_ev); decides learning vs. operational by each event's own
 * packet time, so batching and ticks do not move the boundary.
 *
 * Engines (enum otw_engine_kind): policy (baseline deviations), protocol
 * (violations and exception bursts), anomaly (scans, sweeps), operational
 * (control/program/firmware actions), threat (indicator rules). Alerts are
 * deduplicated on (engine, title, source, destination): a repeat raises the
 * count and last_seen of the first. Single-threaded. */
#ifndef OTW_DET_H
#define OTW_DET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cidr.h"
#include "excl.h"
#include "ioc.h"
#include "otw_ev-t.h"

enum otw_engine_kind {
	OTW_ENG_POLICY = 1,
	OTW_ENG_PROTOCOL = 2,
	OTW_ENG_ANOMALY = 3,
	OTW_ENG_OPERATIONAL = 4,
	OTW_ENG_THREAT = 5,
};

enum otw_severity { OTW_SEV_LOW = 1, OTW_SEV_MEDIUM, OTW_SEV_HIGH, OTW_SEV_CRITICAL };

#define OTW_ALERT_TITLE_MAX 96
#define OTW_ALERT_TEXT_MAX 320

/* Anomaly: a second MAC claims (ARP) an IP whose owner is still active. */
#define OTW_DET_T_ARP_CONFLICT "IP address conflict (possible ARP spoofing)"

struct otw_alert {
	uint64_t id;                         /* 0 until the caller saves it */
	uint64_t dedup;                      /* (engine, title, src, dst) key */
	uint64_t cause;                      /* baseline key that "learn" adds */
	uint8_t status;                      /* enum otw_alert_status (store) */
	uint8_t dirty;                       /* changed since the last drain */
	uint8_t engine;                      /* enum otw_engine_kind */
	uint8_t severity;                    /* enum otw_severity */
	uint16_t app;                        /* enum otw_app, 0 if none */
	uint32_t count;                      /* occurrences merged into it */
	struct otw_ip src, dst;              /* zero = none */
	uint8_t src_mac[6];                  /* for device alerts */
	uint16_t func;                       /* op alerts: function code */
	uint64_t first_ns, last_ns;          /* packet time */
	char title[OTW_ALERT_TITLE_MAX];
	char desc[OTW_ALERT_TEXT_MAX];       /* what happened, plainly */
	char advice[OTW_ALERT_TEXT_MAX];     /* what to do about it */
};

struct otw_det_conf {
	uint64_t learn_ns;      /* learning lasts this long from the first
				   event's packet time; 0 = never ends */
	uint64_t scan_window_ns;/* scan counting window (default 60 s) */
	uint32_t scan_ports;    /* distinct ports on one host in a window */
	uint32_t scan_hosts;    /* distinct hosts from one source in a window */
	uint32_t exc_burst;     /* exception responses in one op event */
	uint32_t max_entries;   /* baseline capacity (entries per set) */
	/* Automatic end of learning: at the first event at or after
	 * t0 + learn_ns once at most flat_max new baseline entries were
	 * learned in the last tenth of the period (packet time). flat = false:
	 * the period alone decides (analyze --learn-seconds, exact cut). */
	bool flat;
	uint32_t flat_max;      /* <= OTW_DET_FLAT_MAX */
	uint32_t rate_pairs;    /* timing/volume records per table (rate.h) */
};

#define OTW_DET_FLAT_MAX 4096
#define OTW_DET_SCOPES_MAX 64

/* Operator's learning control (otwatch learning, settings "learning.*"). */
enum otw_learn_mode {
	OTW_LEARNMODE_AUTO = 0, /* the period and flattening rule (default) */
	OTW_LEARNMODE_ON = 1,   /* learn everything until switched off */
	OTW_LEARNMODE_OFF = 2,  /* operational; scopes still learn */
};

struct otw_det;

void otw_det_conf_default(struct otw_det_conf *conf);
/* Returns 0 and *out, -EINVAL or -ENOMEM. */
int otw_det_create(const struct otw_det_conf *conf, struct otw_det **out);
void otw_det_destroy(struct otw_det *det); /* NULL is a no-op */

/* Learn from, or check, one event. */
void otw_det_apply(struct otw_det *det, const struct otw_ev *ev);
/* End learning now (an operator's command); events after it are checked. */
void otw_det_end_learning(struct otw_det *det);
bool otw_det_learning(const struct otw_det *det);
/* Global mode plus scopes: events touching a scope (either address) are
 * learned whatever the global mode (at most OTW_DET_SCOPES_MAX kept). */
void otw_det_set_learning(struct otw_det *det, enum otw_learn_mode mode,
			  const struct otw_cidr *scopes, unsigned n);
/* true once after the automatic rule ended learning; *at_ns = packet
 * time it ended, *recent = new entries in the last tenth of the period. */
bool otw_det_take_auto_end(struct otw_det *det, uint64_t *at_ns, uint32_t *recent);

/* Exclusion rules checked before an alert is raised (copied; at most
 * OTW_EXCL_MAX). A rule keeps its hits across a reload when its id stays;
 * the caller's hits are taken for new ids (restored from the store). */
void otw_det_set_exclusions(struct otw_det *det, const struct otw_excl *rules, unsigned n);
const struct otw_excl *otw_det_exclusions(const struct otw_det *det, unsigned *n);

/* Indicator rules of the threat engine; det takes ownership (and frees
 * the previous set). NULL: no indicator rules. */
void otw_det_set_ioc(struct otw_det *det, struct otw_ioc *ioc);

/* Alerts raised so far, in order of first raise; *n gets the count. */
const struct otw_alert *otw_det_alerts(const struct otw_det *det, uint32_t *n);

/* Persistence (otw-baseline): what was learned and raised since the last
 * drain, to write in the same commit as the inventory; and the reload of
 * both at start. fn may set a->id (new alerts have id 0). */
typedef void (*otw_det_key_fn)(void *arg, uint64_t key);
typedef void (*otw_det_alert_fn)(void *arg, struct otw_alert *a);
void otw_det_drain(struct otw_det *det, otw_det_key_fn kfn,
		   otw_det_alert_fn afn, void *arg);
int otw_det_load_key(struct otw_det *det, uint64_t key);
/* An operator changed alert id's status (enum otw_alert_status) in the
 * store: take it over; "learned" adds the alert's cause to the baseline.
 * Returns 1 when it changed, 0 when it was already so, < 0 if unknown. */
int otw_det_set_status(struct otw_det *det, uint64_t id, uint8_t status);
/* A stored alert (status from the store): repeats merge into it while it
 * is open or muted; a closed one is raised anew. */
int otw_det_load_alert(struct otw_det *det, const struct otw_alert *a);
/* Packet time learning started at (0: no event yet), and its restore. */
uint64_t otw_det_start_ns(const struct otw_det *det);
void otw_det_set_start_ns(struct otw_det *det, uint64_t t0);

struct otw_det_stats {
	uint64_t learned;       /* baseline entries */
	uint64_t checked;       /* events checked in operational mode */
	uint64_t raised;        /* alert occurrences before dedup */
	uint64_t full;          /* entries not learned: baseline full */
	uint64_t suppressed;    /* alerts an exclusion rule swallowed */
	uint64_t rate_pairs;    /* pairs with a timing or volume baseline */
	uint64_t rate_full;     /* lookups refused: timing/volume tables full */
};
void otw_det_get_stats(const struct otw_det *det, struct otw_det_stats *out);

const char *otw_engine_name(unsigned engine);
const char *otw_severity_name(unsigned sev);
/* Writes ,"name":"s" with s escaped for JSON. */
void otw_json_field(FILE *f, const char *name, const char *s);
/* One {"type":"alert",...} JSON line. */
void otw_alert_print_json(FILE *f, const struct otw_alert *a);

#endif
