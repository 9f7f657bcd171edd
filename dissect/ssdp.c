/* SSDP (UPnP Device Architecture 2.0 §1: HTTP over UDP 1900):
 * NOTIFY, M-SEARCH and the unicast "HTTP/1.1 200 OK" search responses.
 * func: 1 notify, 2 m_search (a search response counts as its response);
 * unit: NTS of a NOTIFY (1 alive, 2 byebye, 3 update), else 0.
 * See docs/protocols/ssdp.md. */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "otw_app.h"
#include "registry.h"

#define SSDP_PORT 1900
#define SSDP_MAX_LINES 32
#define F_NOTIFY 1
#define F_MSEARCH 2

struct opname {
	const char *name;
	const char *cat;
};

static const struct opname ssdp_ops[3] = {
	[F_NOTIFY] = { "notify", OTW_CAT_MONITOR },
	[F_MSEARCH] = { "m_search", OTW_CAT_READ },
};

static const char *ssdp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_SSDP || func >= 3 || ssdp_ops[func].name == NULL)
		return NULL;
	*cat = ssdp_ops[func].cat;
	return ssdp_ops[func].name;
}

static bool starts(const struct otw_cur *c, const char *s)
{
	size_t n = strlen(s);

	return otw_cur_left(c) >= n && memcmp(c->p, s, n) == 0;
}

static bool ssdp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return starts(c, "NOTIFY * HTTP/1.") || starts(c, "M-SEARCH * HTTP/1.") ||
	       starts(c, "HTTP/1.1 ") || starts(c, "HTTP/1.0 ");
}

/* Next line (without CR LF) into *line; false at the end. */
static bool next_line(struct otw_cur *c, struct otw_cur *line)
{
	const uint8_t *e;

	if (otw_cur_left(c) == 0)
		return false;
	e = memchr(c->p, '\n', otw_cur_left(c));
	line->p = c->p;
	line->end = e != NULL ? e : c->end;
	c->p = e != NULL ? e + 1 : c->end;
	if (line->end > line->p && line->end[-1] == '\r')
		line->end--;
	return true;
}

/* "Name: value" with name matched case-insensitively; *v = trimmed value. */
static bool header(const struct otw_cur *line, const char *name,
		   struct otw_cur *v)
{
	size_t n = strlen(name);

	if (otw_cur_left(line) <= n || line->p[n] != ':' ||
	    strncasecmp((const char *)line->p, name, n) != 0)
		return false;
	v->p = line->p + n + 1;
	v->end = line->end;
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t'))
		v->p++;
	while (v->end > v->p && (v->end[-1] == ' ' || v->end[-1] == '\t'))
		v->end--;
	return true;
}

static bool val_is(const struct otw_cur *v, const char *s)
{
	size_t n = strlen(s);

	return otw_cur_left(v) == n && strncasecmp((const char *)v->p, s, n) == 0;
}

/* NT/ST "urn:<domain>:device:<type>:<ver>" -> "<type>:<ver>". */
static void device_type(const struct otw_dctx *x, const struct otw_cur *v)
{
	static const char tag[] = ":device:";
	const uint8_t *m;

	if (!starts(v, "urn:"))
		return;
	m = memmem(v->p, otw_cur_left(v), tag, sizeof(tag) - 1);
	if (m == NULL || m + sizeof(tag) - 1 >= v->end)
		return;
	m += sizeof(tag) - 1;
	otw_attr_report(x, true, OTW_ATTR_DEVICE_TYPE, (const char *)m,
			(size_t)(v->end - m));
}

static enum otw_verdict ssdp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur line, v;
	struct otw_op op = { .addr = OTW_ADDR_NONE };
	bool facts;

	if (!next_line(c, &line))
		return OTW_SHORT;
	if (starts(&line, "NOTIFY * HTTP/1.")) {
		op.func = F_NOTIFY;
		op.kind = OTW_OPK_REQUEST;
	} else if (starts(&line, "M-SEARCH * HTTP/1.")) {
		op.func = F_MSEARCH;
		op.kind = OTW_OPK_REQUEST;
	} else if (starts(&line, "HTTP/1.1 ") || starts(&line, "HTTP/1.0 ")) {
		op.func = F_MSEARCH;
		op.kind = otw_cur_left(&line) >= 12 &&
				  memcmp(line.p + 9, "200", 3) == 0
			  ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION;
	} else {
		return OTW_MALFORMED;
	}
	/* announcements and answers describe their sender */
	facts = op.func == F_NOTIFY || op.kind == OTW_OPK_RESPONSE;
	for (unsigned i = 0; i < SSDP_MAX_LINES && next_line(c, &line); i++) {
		if (otw_cur_left(&line) == 0)
			break; /* end of headers */
		if (header(&line, "NTS", &v)) {
			op.unit = val_is(&v, "ssdp:alive") ? 1
				  : val_is(&v, "ssdp:byebye") ? 2
				  : val_is(&v, "ssdp:update") ? 3 : 0;
		} else if (!facts) {
			if (header(&line, "USER-AGENT", &v))
				otw_attr_report(x, true, OTW_ATTR_USER_AGENT,
						(const char *)v.p,
						otw_cur_left(&v));
		} else if (header(&line, "SERVER", &v)) {
			otw_attr_report(x, true, OTW_ATTR_SERVER, (const char *)v.p,
					otw_cur_left(&v));
		} else if (header(&line, "LOCATION", &v)) {
			otw_attr_report(x, true, OTW_ATTR_DESCRIPTION,
					(const char *)v.p, otw_cur_left(&v));
		} else if (header(&line, "NT", &v) || header(&line, "ST", &v)) {
			device_type(x, &v);
		}
	}
	/* a byebye's headers still name the device; keep them */
	otw_op_report(x, &op);
	return OTW_OK;
}

static const struct otw_dissector dis_ssdp = {
	.name = "ssdp",
	.app = OTW_APP_SSDP,
	.l4 = IPPROTO_UDP,
	.port = SSDP_PORT,
	.probe = ssdp_probe,
	.dissect = ssdp_dissect,
	.op_name = ssdp_op_name,
};

const struct otw_dissector *const otw_plugin_ssdp[] = { &dis_ssdp, NULL };
