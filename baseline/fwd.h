/* Alert forwarding to a SIEM: RFC 5424 syslog over UDP carrying a CEF
 * (ArcSight Common Event Format) message, one datagram per new alert. */
#ifndef OTW_FWD_H
#define OTW_FWD_H

#include <stddef.h>

#include "det.h"

struct otw_fwd;

/* dest is "HOST:PORT" (IPv4/IPv6 literal or name; [v6]:port). Returns 0 and
 * *out, OTW_EUSAGE for a bad address or -errno. */
int otw_fwd_open(const char *dest, const char *hostname, struct otw_fwd **out);
void otw_fwd_close(struct otw_fwd *f); /* NULL is a no-op */

/* Format a into buf (always NUL-terminated); returns its length. */
size_t otw_fwd_format(const struct otw_fwd *f, const struct otw_alert *a,
		      char *buf, size_t len);
/* Send one alert; 0 or -errno (counted by the caller, never retried:
 * syslog over UDP is best effort by design). */
int otw_fwd_send(struct otw_fwd *f, const struct otw_alert *a);

#endif
