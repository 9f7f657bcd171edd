#include "otw_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int otw_log_level = LOG_INFO;
static const char *log_prog = "otwatch";

void otw_log_init(const char *prog, int level)
{
	log_prog = prog;
	otw_log_level = level;
}

void otw_log_write(int level, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* one write keeps lines from different processes whole */
	fprintf(stderr, "%s level=%s %s\n", log_prog,
		names[level & 7], buf);
}
