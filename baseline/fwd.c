#include "fwd.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "otw_app.h"
#include "otw_err.h"
#include "otw_pkt.h"

#ifndef OTW_VERSION
#define OTW_VERSION "0.1"
#endif

struct otw_fwd {
	int fd;
	struct sockaddr_storage to;
	socklen_t to_len;
	char host[64];
};

int otw_fwd_open(const char *dest, const char *hostname, struct otw_fwd **out)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	struct otw_fwd *f;

	if (snprintf(host, sizeof(host), "%s", dest) >= (int)sizeof(host) ||
	    (port = strrchr(host, ':')) == NULL || port[1] == '\0')
		return OTW_EUSAGE;
	*port++ = '\0';
	if (host[0] == '[') { /* [v6]:port */
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return OTW_EUSAGE;
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL)
		return OTW_EUSAGE;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	f->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		int e = -errno;
		freeaddrinfo(ai);
		free(f);
		return e;
	}
	memcpy(&f->to, ai->ai_addr, ai->ai_addrlen);
	f->to_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(f->host, sizeof(f->host), "%s", hostname && *hostname ? hostname : "-");
	*out = f;
	return 0;
}

void otw_fwd_close(struct otw_fwd *f)
{
	if (f == NULL)
		return;
	close(f->fd);
	free(f);
}

/* CEF escapes: '|' and '\' in header fields; '=' and '\' in extensions. */
static size_t esc(char *o, size_t len, const char *s, const char *special)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		if (strchr(special, *s))
			o[n++] = '\\';
		o[n++] = *s == '\n' || *s == '\r' ? ' ' : *s;
	}
	o[n] = '\0';
	return n;
}

size_t otw_fwd_format(const struct otw_fwd *f, const struct otw_alert *a,
		      char *buf, size_t len)
{
	static const int cef_sev[] = { 0, 3, 5, 8, 10 };
	static const int sys_sev[] = { 6, 5, 4, 3, 2 }; /* notice..critical */
	static const struct otw_ip zero;
	char title[2 * OTW_ALERT_TITLE_MAX], desc[2 * OTW_ALERT_TEXT_MAX];
	char ts[40], src[64] = "", dst[64] = "";
	time_t t = (time_t)(a->first_ns / 1000000000ull);
	struct tm tm;
	unsigned sev = a->severity < 5 ? a->severity : 0;
	int n;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	esc(title, sizeof(title), a->title, "|\\");
	esc(desc, sizeof(desc), a->desc, "=\\");
	if (memcmp(&a->src, &zero, 16) != 0)
		otw_ip_str(&a->src, src, sizeof(src));
	if (memcmp(&a->dst, &zero, 16) != 0)
		otw_ip_str(&a->dst, dst, sizeof(dst));
	/* PRI = facility local4 (20) * 8 + severity */
	n = snprintf(buf, len,
		     "<%d>1 %s %s otwatch - alert - CEF:0|otwatch|otwatch|%s|%s|%s|%d|"
		     "cat=%s cnt=%u externalId=%llu%s%s%s%s%s%s rt=%llu msg=%s",
		     20 * 8 + sys_sev[sev], ts, f ? f->host : "-", OTW_VERSION,
		     otw_engine_name(a->engine), title, cef_sev[sev],
		     otw_engine_name(a->engine), a->count, (unsigned long long)a->id,
		     src[0] ? " src=" : "", src, dst[0] ? " dst=" : "", dst,
		     a->app ? " app=" : "", a->app ? otw_app_name(a->app) : "",
		     (unsigned long long)(a->first_ns / 1000000ull), desc);
	if (n < 0)
		buf[0] = '\0';
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

int otw_fwd_send(struct otw_fwd *f, const struct otw_alert *a)
{
	char buf[1400];
	size_t n = otw_fwd_format(f, a, buf, sizeof(buf));

	if (sendto(f->fd, buf, n, MSG_DONTWAIT, (struct sockaddr *)&f->to, f->to_len) < 0)
		return -errno;
	return 0;
}
