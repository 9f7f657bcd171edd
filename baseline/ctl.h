/* Operator control of the detector kept in the store's setting table, so
 * the CLI and console write it and otw-baseline reads it back (every 2 s,
 * with alert status). Names:
 *   learning.mode            "auto" (absent) | "on" | "off"
 *   learning.scope.<cidr>    learn events touching <cidr> whatever the mode
 *   learning.ended           "<ns> <entries>": when the automatic rule ended
 *                            learning (packet time) and the recent entries
 *   exclusion.<id>           one exclusion rule as text (excl.h)
 *   rules.reload             bumped to ask otw-baseline to reload the
 *                            indicator rule file (like SIGHUP) */
#ifndef OTW_CTL_H
#define OTW_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "cidr.h"
#include "det.h"
#include "excl.h"
#include "store.h"

#define OTW_CTL_LEARN_MODE "learning.mode"
#define OTW_CTL_LEARN_SCOPE "learning.scope."
#define OTW_CTL_LEARN_ENDED "learning.ended"
#define OTW_CTL_RULES_RELOAD "rules.reload"
#define OTW_CTL_EXCL "exclusion."
#define OTW_CTL_EXCL_HITS "excl_hits." /* store counter per rule id */

struct otw_ctl_learning {
	enum otw_learn_mode mode;
	unsigned n;
	struct otw_cidr scopes[OTW_DET_SCOPES_MAX];
};

const char *otw_learn_mode_name(enum otw_learn_mode m);
int otw_learn_mode_parse(const char *s); /* -EINVAL if unknown */

/* Read the learning settings (absent: auto, no scope). Scopes that fail to
 * parse are skipped; more than OTW_DET_SCOPES_MAX are cut. */
int otw_ctl_learning_get(struct otw_txn *txn, struct otw_ctl_learning *out);
int otw_ctl_learning_put_mode(struct otw_txn *txn, enum otw_learn_mode m);
/* Add (on) or remove a scope; removing an absent one is OTW_ENOTFOUND. */
int otw_ctl_learning_scope(struct otw_txn *txn, const struct otw_cidr *c, bool on);
/* Remove every scope. */
int otw_ctl_learning_clear_scopes(struct otw_txn *txn);

/* Exclusion rules in id order (hits from their counters); rules that no
 * longer parse are skipped and counted in *bad (may be NULL). */
int otw_ctl_excl_get(struct otw_txn *txn, struct otw_excl *out, unsigned cap,
		     unsigned *n, unsigned *bad);
/* Add x under the next free id (set in *id). */
int otw_ctl_excl_add(struct otw_txn *txn, const struct otw_excl *x, uint32_t *id);
int otw_ctl_excl_del(struct otw_txn *txn, uint32_t id); /* OTW_ENOTFOUND */
/* Store the rules' suppressed counts. */
int otw_ctl_excl_save_hits(struct otw_txn *txn, const struct otw_excl *r, unsigned n);

/* The rules.reload value (0 when absent) and its bump. */
int otw_ctl_rules_gen(struct otw_txn *txn, uint64_t *gen);
int otw_ctl_rules_bump(struct otw_txn *txn);

#endif
