/* Exclusion rules: alerts an operator does not want raised, by device
 * (IP or subnet, as source, destination or either), engine, title
 * substring, and time window (one-off, or a weekly maintenance window).
 * All given criteria must hold. One rule per line of text:
 *
 *   [ip=CIDR | src=CIDR | dst=CIDR] [engine=NAME] [title="TEXT"]
 *   [once=START..END | weekly=DAYS/HH:MM-HH:MM[Z|+HH:MM|-HH:MM]]
 *
 * START/END: YYYY-MM-DDTHH:MM[:SS] then Z or +HH:MM/-HH:MM; start
 * inclusive, end exclusive. DAYS: mon..sun, comma lists and ranges
 * ("mon-fri,sun") or "daily"; the window is written in UTC or the given
 * offset and, when the end is not after the start, runs past midnight into
 * the next day (the day named is the day it starts). Time is packet time. */
#ifndef OTW_EXCL_H
#define OTW_EXCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

#define OTW_EXCL_TITLE_MAX 96
#define OTW_EXCL_MAX 256   /* rules the detector keeps */

enum otw_excl_side { OTW_EXCL_ANY = 0, OTW_EXCL_SRC = 1, OTW_EXCL_DST = 2 };
enum otw_excl_win { OTW_EXCL_ALWAYS = 0, OTW_EXCL_ONCE = 1, OTW_EXCL_WEEKLY = 2 };

struct otw_excl {
	uint32_t id;               /* set by the caller (settings key) */
	bool has_ip;
	uint8_t side;              /* enum otw_excl_side */
	uint8_t engine;            /* enum otw_engine_kind, 0 = any */
	uint8_t win;               /* enum otw_excl_win */
	uint8_t days;              /* weekly: bit 0 Monday .. bit 6 Sunday */
	uint16_t from_min, to_min; /* weekly: minutes of the day (local) */
	int16_t off_min;           /* weekly: the window's offset from UTC */
	struct otw_cidr ip;
	uint64_t start_ns, end_ns; /* once: [start, end) */
	uint64_t hits;             /* alerts suppressed (kept by the detector) */
	char title[OTW_EXCL_TITLE_MAX]; /* case-insensitive substring, "" = any */
};

/* Parse one rule. Returns 0, or -EINVAL with *err pointing at a static
 * reason. An empty rule (no criterion) is refused. id/hits are zeroed. */
int otw_excl_parse(const char *text, struct otw_excl *out, const char **err);
/* Canonical text (parses back to the same rule). */
int otw_excl_format(const struct otw_excl *x, char *buf, size_t len);
/* Would an alert (engine, title, src, dst; NULL = none) at ts be excluded? */
bool otw_excl_match(const struct otw_excl *x, unsigned engine, const char *title,
		    const struct otw_ip *src, const struct otw_ip *dst, uint64_t ts_ns);

/* Read rules from a text file, one a line (blank lines and '#' comments
 * skipped); ids are 1, 2, ... in file order. On a bad line returns -EINVAL
 * with *line and *err set; more than cap rules: -ENOSPC. */
int otw_excl_read_file(const char *path, struct otw_excl *out, unsigned cap,
		       unsigned *n, unsigned *line, const char **err);

#endif
