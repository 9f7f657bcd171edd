/* Names and categories of protocol function codes, for output and rules.
 * Each dissector owns its table (its op_name); this asks them all. */
#ifndef OTW_OPNAMES_H
#define OTW_OPNAMES_H

#include "registry.h" /* OTW_CAT_* */

/* Name of function func of app (e.g. "read_holding_registers"), or NULL when
 * unknown; *category (if non-NULL) gets one of OTW_CAT_*. Static strings. */
const char *otw_op_name(unsigned app, unsigned func, const char **category);

#endif
