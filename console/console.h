/* The sensor console: HTTPS REST API and web UI over the store. */
#ifndef OTW_CONSOLE_H
#define OTW_CONSOLE_H

#include <stdbool.h>

struct otw_console_conf {
	const char *db;       /* store directory */
	const char *listen;   /* "127.0.0.1:8443" (HTTPS) */
	const char *cert;     /* PEM certificate (+ chain); NULL: self-signed */
	const char *key;      /* PEM private key, with cert */
	const char *www;      /* UI files; NULL: built-in default */
	const char *state;    /* directory for the generated TLS file */
	unsigned threads;     /* worker threads (default 8) */
};

struct otw_console;

/* Open the store, prepare TLS and start listening. Returns 0 and *out, or
 * an error with a sentence in err. */
int otw_console_start(const struct otw_console_conf *conf,
		      struct otw_console **out, char *err, size_t errlen);
void otw_console_stop(struct otw_console *c); /* NULL is a no-op */

#endif
