/* otw_log: one key=value event per line on stderr (journald picks it up).
 * The level is tested before formatting; never call it per packet. */
#ifndef OTW_LOG_H
#define OTW_LOG_H

#include <syslog.h>

extern int otw_log_level; /* LOG_ERR .. LOG_DEBUG; default LOG_INFO */

/* Set the process name printed on every line (static string, not copied). */
void otw_log_init(const char *prog, int level);
void otw_log_write(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define otw_log(lvl, ...)                          \
	do {                                       \
		if ((lvl) <= otw_log_level)        \
			otw_log_write((lvl), __VA_ARGS__); \
	} while (0)

#endif
