#include "otw_ipc.h"

#include <stdio.h>
#include <string.h>

bool otw_ipc_evid_url(const char *events_url, unsigned id, char *buf,
		      size_t len)
{
	const char *slash;
	int n;

	if (strncmp(events_url, "ipc://", 6) != 0 ||
	    (slash = strrchr(events_url + 6, '/')) == NULL)
		return false;
	n = snprintf(buf, len, "%.*sevid-%u.ipc",
		     (int)(slash + 1 - events_url), events_url, id);
	return n > 0 && (size_t)n < len;
}
