/* Socket names derived from the events URL, so that every process of one
 * pipeline agrees on them without more flags. */
#ifndef OTW_IPC_H
#define OTW_IPC_H

#include <stdbool.h>
#include <stddef.h>

/* Evidence socket of worker id: "ipc://DIR/evid-<id>.ipc" beside an events
 * URL "ipc://DIR/<name>". false (no evidence) for other transports or a
 * name that does not fit len. */
bool otw_ipc_evid_url(const char *events_url, unsigned id, char *buf,
		      size_t len);

#endif
