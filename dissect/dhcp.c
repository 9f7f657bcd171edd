/* DHCPv4 (RFC 2131, options RFC 2132, client FQDN RFC 4702) on UDP 67/68
 * and DHCPv6 (RFC 8415, client FQDN RFC 4704) on UDP 547/546.
 * One op per message (func = message type); identity facts about the
 * client from its own requests, "dhcp-server" about a server that names
 * itself in the server identifier option. See docs/protocols/dhcp.md. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define DHCP_SERVER_PORT 67
#define DHCP6_SERVER_PORT 547
#define BOOTP_FIXED 236          /* op .. file (RFC 2131 §2) */
#define DHCP_MAGIC 0x63825363u   /* RFC 2131 §3 */
#define DHCP_MAX_OPTS 128        /* options looked at per message */

struct opname {
	const char *name;
	const char *cat;
};

/* RFC 2132 §9.6 option 53 values; 0 = plain BOOTP (no option 53). */
static const struct opname dhcp_ops[9] = {
	[0] = { "bootp", OTW_CAT_SESSION },
	[1] = { "discover", OTW_CAT_SESSION },
	[2] = { "offer", OTW_CAT_SESSION },
	[3] = { "request", OTW_CAT_SESSION },
	[4] = { "decline", OTW_CAT_SESSION },
	[5] = { "ack", OTW_CAT_SESSION },
	[6] = { "nak", OTW_CAT_SESSION },
	[7] = { "release", OTW_CAT_SESSION },
	[8] = { "inform", OTW_CAT_SESSION },
};

/* RFC 8415 §7.3 message types. */
static const struct opname dhcp6_ops[14] = {
	[1] = { "solicit", OTW_CAT_SESSION },
	[2] = { "advertise", OTW_CAT_SESSION },
	[3] = { "request", OTW_CAT_SESSION },
	[4] = { "confirm", OTW_CAT_SESSION },
	[5] = { "renew", OTW_CAT_SESSION },
	[6] = { "rebind", OTW_CAT_SESSION },
	[7] = { "reply", OTW_CAT_SESSION },
	[8] = { "release", OTW_CAT_SESSION },
	[9] = { "decline", OTW_CAT_SESSION },
	[10] = { "reconfigure", OTW_CAT_CONFIG },
	[11] = { "information_request", OTW_CAT_SESSION },
	[12] = { "relay_forw", OTW_CAT_SESSION },
	[13] = { "relay_repl", OTW_CAT_SESSION },
};

static const char *dhcp_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *t;

	if (app == OTW_APP_DHCP && func < 9)
		t = &dhcp_ops[func];
	else if (app == OTW_APP_DHCPV6 && func < 14)
		t = &dhcp6_ops[func];
	else
		return NULL;
	if (t->name == NULL)
		return NULL;
	*cat = t->cat;
	return t->name;
}

/* ---- DHCPv4 ------------------------------------------------------------ */

static bool dhcp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	struct otw_cur h = *c;
	uint8_t op, htype, hlen;
	uint32_t magic;

	(void)x;
	if (!otw_cur_u8(&h, &op) || !otw_cur_u8(&h, &htype) ||
	    !otw_cur_u8(&h, &hlen) || !otw_cur_skip(&h, BOOTP_FIXED - 3) ||
	    !otw_cur_u32be(&h, &magic))
		return false;
	return (op == 1 || op == 2) && hlen <= 16 && magic == DHCP_MAGIC;
}

/* The options looked at, by code; others are skipped. */
enum { O_HOST, O_DOMAIN, O_TYPE, O_SRVID, O_PRL, O_VCLASS, O_FQDN, O__N };
static const uint8_t opt_slot[256] = {
	[12] = O_HOST + 1, [15] = O_DOMAIN + 1, [53] = O_TYPE + 1,
	[54] = O_SRVID + 1, [55] = O_PRL + 1, [60] = O_VCLASS + 1,
	[81] = O_FQDN + 1,
};

/* Options found in one message (pointers into the packet). */
struct dhcp_opts {
	const uint8_t *v[O__N];
	uint8_t len[O__N];
};

/* Decimal of v into out (at most 3 digits); returns digits written. */
static size_t put_dec(char *out, unsigned v)
{
	char t[5];
	size_t n = 0, i = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(t));
	while (n > 0)
		out[i++] = t[--n];
	return i;
}

/* Comma-separated decimal list of n values (u8 or u16), fingerbank style.
 * Stops before OTW_ATTR_VAL_MAX would be passed. */
static size_t fingerprint(char *out, size_t cap, struct otw_cur c, bool wide)
{
	size_t n = 0;

	while (otw_cur_left(&c) > 0) {
		unsigned v;
		if (wide) {
			uint16_t w;
			if (!otw_cur_u16be(&c, &w))
				break;
			v = w;
		} else {
			uint8_t b;
			(void)otw_cur_u8(&c, &b);
			v = b;
		}
		if (n + 7 > cap) /* comma + up to 5 digits + room */
			break;
		if (n > 0)
			out[n++] = ',';
		n += put_dec(out + n, v);
	}
	return n;
}

/* RFC 4702 §2.3 name: DNS wire format when the E flag is set, else
 * ASCII. Writes dotted text into out; returns its length. */
static size_t fqdn_text(char *out, size_t cap, struct otw_cur c, bool wire)
{
	size_t n = 0;

	if (!wire) {
		n = otw_cur_left(&c) < cap ? otw_cur_left(&c) : cap;
		(void)otw_cur_bytes(&c, out, n);
		while (n > 0 && (out[n - 1] == '.' || out[n - 1] == 0))
			n--;
		return n;
	}
	for (unsigned labels = 0; labels < 64; labels++) {
		uint8_t l;
		if (!otw_cur_u8(&c, &l) || l == 0 || l > 63 ||
		    otw_cur_left(&c) < l || n + l + 1 > cap)
			break;
		if (n > 0)
			out[n++] = '.';
		(void)otw_cur_bytes(&c, out + n, l);
		n += l;
	}
	return n;
}

/* HOSTNAME = first label, DOMAIN = the rest of a dotted name. */
static void report_fqdn(const struct otw_dctx *x, bool of_src, const char *s,
			size_t n, bool want_host)
{
	const char *dot = memchr(s, '.', n);

	if (dot == NULL) {
		if (want_host)
			otw_attr_report(x, of_src, OTW_ATTR_HOSTNAME, s, n);
		return;
	}
	if (want_host && dot > s)
		otw_attr_report(x, of_src, OTW_ATTR_HOSTNAME, s, (size_t)(dot - s));
	if ((size_t)(dot - s) + 1 < n)
		otw_attr_report(x, of_src, OTW_ATTR_DOMAIN, dot + 1,
				n - (size_t)(dot - s) - 1);
}

static void dhcp_client_facts(const struct otw_dctx *x, bool of_src,
			      const struct dhcp_opts *o)
{
	char buf[256];
	size_t n;

	if (o->v[O_HOST] != NULL) /* host name */
		otw_attr_report(x, of_src, OTW_ATTR_HOSTNAME,
				(const char *)o->v[O_HOST], o->len[O_HOST]);
	if (o->v[O_VCLASS] != NULL) /* vendor class identifier */
		otw_attr_report(x, of_src, OTW_ATTR_DHCP_VENDOR_CLASS,
				(const char *)o->v[O_VCLASS], o->len[O_VCLASS]);
	if (o->v[O_PRL] != NULL) { /* parameter request list */
		n = fingerprint(buf, OTW_ATTR_VAL_MAX,
				otw_cur_make(o->v[O_PRL], o->len[O_PRL]), false);
		otw_attr_report(x, of_src, OTW_ATTR_DHCP_FINGERPRINT, buf, n);
	}
	if (o->v[O_FQDN] != NULL && o->len[O_FQDN] > 3) { /* client FQDN */
		n = fqdn_text(buf, sizeof(buf),
			      otw_cur_make(o->v[O_FQDN] + 3, o->len[O_FQDN] - 3u),
			      (o->v[O_FQDN][0] & 0x04) != 0);
		report_fqdn(x, of_src, buf, n, o->v[O_HOST] == NULL);
	}
}

static enum otw_verdict dhcp4_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	static const uint8_t zero4[4];
	const struct otw_pkt *p = x->pkt;
	struct dhcp_opts o;
	uint8_t op, htype, hlen, yiaddr[4], giaddr[4], chaddr[16], type = 0;
	uint32_t magic;
	unsigned nopt = 0;
	bool ended = false;

	if (!otw_cur_u8(c, &op) || !otw_cur_u8(c, &htype) ||
	    !otw_cur_u8(c, &hlen) || !otw_cur_skip(c, 13) ||
	    !otw_cur_bytes(c, yiaddr, 4) || !otw_cur_skip(c, 4) ||
	    !otw_cur_bytes(c, giaddr, 4) || !otw_cur_bytes(c, chaddr, 16) ||
	    !otw_cur_skip(c, 192) || !otw_cur_u32be(c, &magic))
		return OTW_SHORT;
	if ((op != 1 && op != 2) || hlen > 16 || magic != DHCP_MAGIC)
		return OTW_MALFORMED;
	/* RFC 2132 §2: code, length, value; 0 pad and 255 end have no length */
	memset(o.v, 0, sizeof(o.v));
	while (nopt++ < DHCP_MAX_OPTS) {
		uint8_t code, len;
		if (!otw_cur_u8(c, &code))
			break;
		if (code == 0)
			continue;
		if (code == 255) {
			ended = true;
			break;
		}
		if (!otw_cur_u8(c, &len) || otw_cur_left(c) < len)
			return OTW_MALFORMED;
		unsigned k = opt_slot[code];
		if (k != 0 && o.v[k - 1] == NULL) { /* first occurrence wins */
			o.v[k - 1] = c->p;
			o.len[k - 1] = len;
		}
		(void)otw_cur_skip(c, len);
	}
	(void)ended; /* a missing end option is tolerated (many stacks) */
	if (o.v[O_TYPE] != NULL && o.len[O_TYPE] == 1)
		type = o.v[O_TYPE][0];
	if (type > 8)
		return OTW_MALFORMED;

	struct otw_op rep = { .func = type, .addr = OTW_ADDR_NONE };
	if (op == 1) {
		rep.kind = OTW_OPK_REQUEST;
	} else {
		rep.kind = type == 6 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
		if (type == 5 && memcmp(yiaddr, zero4, 4) != 0) {
			/* the lease: yiaddr as a host-order u32 */
			rep.addr = (uint32_t)yiaddr[0] << 24 |
				   (uint32_t)yiaddr[1] << 16 |
				   (uint32_t)yiaddr[2] << 8 | yiaddr[3];
			rep.naddr = 1;
		}
	}
	otw_op_report(x, &rep);

	/* client facts: only when the frame's MAC is the client's (not a
	 * relay's: giaddr != 0 packets carry another host's chaddr) */
	bool eth_chaddr = htype == 1 && hlen == 6;
	if (op == 1 && eth_chaddr && memcmp(p->smac, chaddr, 6) == 0)
		dhcp_client_facts(x, true, &o);
	if (op == 2 && eth_chaddr && memcmp(p->dmac, chaddr, 6) == 0 &&
	    memcmp(giaddr, zero4, 4) == 0 && o.v[O_DOMAIN] != NULL)
		otw_attr_report(x, false, OTW_ATTR_DOMAIN,
				(const char *)o.v[O_DOMAIN], o.len[O_DOMAIN]);
	/* a server that names itself (option 54 == source address) */
	if (op == 2 && o.v[O_SRVID] != NULL && o.len[O_SRVID] == 4 &&
	    otw_ip_is_v4(&p->src) && memcmp(p->src.b + 12, o.v[O_SRVID], 4) == 0)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "dhcp-server", 11);
	return OTW_OK;
}

/* ---- DHCPv6 ------------------------------------------------------------ */

static bool dhcp6_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t t;
	uint16_t code;

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &t) || t == 0 || t > 13)
		return false;
	if (t == 12 || t == 13) /* relay: hop count + two addresses */
		return otw_cur_left(c) >= 34;
	/* at least one option, a known low code */
	return otw_cur_peek_u16be(c, 4, &code) && code != 0 && code < 256;
}

static enum otw_verdict dhcp6_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint8_t type;
	uint16_t status = 0;
	bool server_id = false;
	const uint8_t *fqdn = NULL, *vclass = NULL, *oro = NULL;
	uint16_t fqdn_len = 0, vclass_len = 0, oro_len = 0;
	char buf[256];
	size_t n;

	if (!otw_cur_u8(c, &type))
		return OTW_SHORT;
	if (type == 0 || type > 13)
		return OTW_MALFORMED;
	if (type == 12 || type == 13) {
		/* relay: the relayed message is another host's; count only */
		if (!otw_cur_skip(c, 33))
			return OTW_SHORT;
		otw_op_report(x, &(struct otw_op){
			.func = type, .addr = OTW_ADDR_NONE,
			.kind = type == 12 ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE });
		return OTW_OK;
	}
	if (!otw_cur_skip(c, 3)) /* transaction id */
		return OTW_SHORT;
	for (unsigned i = 0; i < DHCP_MAX_OPTS && otw_cur_left(c) > 0; i++) {
		uint16_t code, len;
		struct otw_cur v;
		if (!otw_cur_u16be(c, &code) || !otw_cur_u16be(c, &len) ||
		    !otw_cur_sub(c, len, &v))
			return OTW_MALFORMED;
		switch (code) {
		case 2: /* server identifier */
			server_id = true;
			break;
		case 6: /* option request */
			oro = v.p;
			oro_len = len;
			break;
		case 13: /* status code (top level) */
			(void)otw_cur_u16be(&v, &status);
			break;
		case 16: /* vendor class: enterprise, then length-prefixed data */
			vclass = v.p;
			vclass_len = len;
			break;
		case 39: /* client FQDN: flags + DNS wire name */
			fqdn = v.p;
			fqdn_len = len;
			break;
		default:
			break;
		}
	}
	bool client_msg = type != 2 && type != 7 && type != 10;
	otw_op_report(x, &(struct otw_op){
		.func = type, .addr = OTW_ADDR_NONE,
		.kind = client_msg ? OTW_OPK_REQUEST
			: status != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE });
	if (client_msg) {
		if (fqdn != NULL && fqdn_len > 1) {
			n = fqdn_text(buf, sizeof(buf),
				      otw_cur_make(fqdn + 1, fqdn_len - 1u), true);
			report_fqdn(x, true, buf, n, true);
		}
		if (vclass != NULL && vclass_len > 6) {
			struct otw_cur v = otw_cur_make(vclass + 4, vclass_len - 4u);
			uint16_t l;
			if (otw_cur_u16be(&v, &l) && otw_cur_left(&v) >= l)
				otw_attr_report(x, true, OTW_ATTR_DHCP_VENDOR_CLASS,
						(const char *)v.p, l);
		}
		if (oro != NULL) {
			n = fingerprint(buf, OTW_ATTR_VAL_MAX,
					otw_cur_make(oro, oro_len), true);
			otw_attr_report(x, true, OTW_ATTR_DHCP_FINGERPRINT, buf, n);
		}
	} else if (server_id && x->pkt->sport == DHCP6_SERVER_PORT) {
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "dhcpv6-server", 13);
	}
	return OTW_OK;
}

static const struct otw_dissector dis_dhcp = {
	.name = "dhcp",
	.app = OTW_APP_DHCP,
	.l4 = IPPROTO_UDP,
	.port = DHCP_SERVER_PORT,
	.probe = dhcp_probe,
	.dissect = dhcp4_dissect,
	.op_name = dhcp_op_name,
};

static const struct otw_dissector dis_dhcpv6 = {
	.name = "dhcpv6",
	.app = OTW_APP_DHCPV6,
	.l4 = IPPROTO_UDP,
	.port = DHCP6_SERVER_PORT,
	.probe = dhcp6_probe,
	.dissect = dhcp6_dissect,
	.op_name = dhcp_op_name,
};

const struct otw_dissector *const otw_plugin_dhcp[] = { &dis_dhcp, &dis_dhcpv6,
							NULL };
