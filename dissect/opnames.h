/* Names and categories of protocol function codes, for output and rules. */
#ifndef OTW_OPNAMES_H
#define OTW_OPNAMES_H

/* Operation categories, in rising order of what they can do to a process. */
#define OTW_CAT_READ "read"
#define OTW_CAT_WRITE "write"
#define OTW_CAT_DIAG "diagnostic"
#define OTW_CAT_PROGRAM "program"
#define OTW_CAT_OTHER "other"

/* Name of function func of app (e.g. "read_holding_registers"), or NULL when
 * unknown; *category (if non-NULL) gets one of OTW_CAT_*. Static strings. */
const char *otw_op_name(unsigned app, unsigned func, const char **category);

#endif
