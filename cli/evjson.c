/* One event as a JSON line: `otwatch analyze --events` shows exactly what
 * the workers would send to the baseline process. */
#include "evjson.h"

#include <inttypes.h>

#include "opnames.h"
#include "otw_app.h"
#include "otw_pkt.h"

static void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void otw_evjson(FILE *f, const struct otw_ev *ev)
{
	char a[64], b[64];

	switch (ev->kind) {
	case OTW_EV_DEVICE: {
		const struct otw_ev_device *d = &ev->u.dev;
		fprintf(f, "{\"ev\":\"device\",\"mac\":\"%s\",\"vlan\":%u",
			otw_mac_str(d->mac, a, sizeof(a)), d->vlan);
		if (d->has_ip)
			fprintf(f, ",\"ip\":\"%s\"", otw_ip_str(&d->ip, b, sizeof(b)));
		fprintf(f, ",\"learn\":%u,\"ts_ns\":%" PRIu64 "}\n", d->learn, d->ts_ns);
		break;
	}
	case OTW_EV_CONN: {
		const struct otw_ev_conn *c = &ev->u.conn;
		fprintf(f, "{\"ev\":\"conn\",\"l4\":%u,\"src_ip\":\"%s\",\"src_port\":%u,"
			   "\"dst_ip\":\"%s\",\"dst_port\":%u,\"app\":\"%s\",\"flags\":%u,"
			   "\"packets\":%u,\"bytes\":%" PRIu64 "}\n",
			c->l4, otw_ip_str(&c->src_ip, a, sizeof(a)), c->src_port,
			otw_ip_str(&c->dst_ip, b, sizeof(b)), c->dst_port,
			otw_app_name(c->app), c->flags, c->packets, c->bytes);
		break;
	}
	case OTW_EV_OP: {
		const struct otw_ev_op *o = &ev->u.op;
		const char *cat, *name = otw_op_name(o->app, o->func, &cat);
		fprintf(f, "{\"ev\":\"op\",\"app\":\"%s\",\"src_ip\":\"%s\",\"dst_ip\":\"%s\","
			   "\"unit\":%u,\"func\":%u,\"name\":",
			otw_app_name(o->app), otw_ip_str(&o->src_ip, a, sizeof(a)),
			otw_ip_str(&o->dst_ip, b, sizeof(b)), o->unit, o->func);
		if (name)
			json_str(f, name, strlen(name));
		else
			fputs("null", f);
		fprintf(f, ",\"category\":\"%s\"", cat);
		if (o->addr_lo != OTW_ADDR_NONE)
			fprintf(f, ",\"addr_lo\":%u,\"addr_hi\":%u", o->addr_lo, o->addr_hi);
		fprintf(f, ",\"count\":%u,\"responses\":%u,\"exceptions\":%u}\n",
			o->count, o->responses, o->exceptions);
		break;
	}
	case OTW_EV_ATTR: {
		const struct otw_ev_attr *t = &ev->u.attr;
		const char *k = otw_attr_name(t->key);
		fprintf(f, "{\"ev\":\"attr\",\"app\":\"%s\",\"key\":\"%s\",\"value\":",
			otw_app_name(t->app), k ? k : "?");
		json_str(f, t->val, t->len < OTW_ATTR_VAL_MAX ? t->len : OTW_ATTR_VAL_MAX);
		if (t->has_mac)
			fprintf(f, ",\"mac\":\"%s\"", otw_mac_str(t->mac, a, sizeof(a)));
		if (t->has_ip)
			fprintf(f, ",\"ip\":\"%s\"", otw_ip_str(&t->ip, b, sizeof(b)));
		fprintf(f, ",\"ts_ns\":%" PRIu64 "}\n", t->ts_ns);
		break;
	}
	default:
		fprintf(f, "{\"ev\":\"unknown\",\"kind\":%u}\n", ev->kind);
	}
}
