/* DNS (RFC 1035) on UDP and TCP 53 (TCP: RFC 1035 §4.2.2 length prefix),
 * multicast DNS (RFC 6762, DNS-SD RFC 6763) on UDP 5353, LLMNR (RFC 4795)
 * on UDP 5355 and NetBIOS Name Service (RFC 1002 §4.2) on UDP 137.
 * One op per question (func = QTYPE, unit = OPCODE; NBNS: func = OPCODE,
 * unit = QTYPE); identity facts from the names hosts announce for
 * themselves. Names are decoded into a stack buffer with a bounded number
 * of compression pointers. See docs/protocols/dns.md. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define DNS_PORT 53
#define MDNS_PORT 5353
#define LLMNR_PORT 5355
#define NBNS_PORT 137
#define DNS_HDR 12
#define DNS_MAX_Q 256     /* questions counted per message */
#define DNS_MAX_RR 64     /* resource records looked at per message */
#define DNS_MAX_HOPS 16   /* compression pointers followed per name */
#define DNS_NAME_MAX 255  /* RFC 1035 §2.3.4 */

struct opname {
	const char *name;
	const char *cat;
};

/* QTYPE names (IANA DNS parameters registry). */
static const struct opname dns_types[256] = {
	[1] = { "a", OTW_CAT_READ },
	[2] = { "ns", OTW_CAT_READ },
	[5] = { "cname", OTW_CAT_READ },
	[6] = { "soa", OTW_CAT_READ },
	[12] = { "ptr", OTW_CAT_READ },
	[13] = { "hinfo", OTW_CAT_READ },
	[15] = { "mx", OTW_CAT_READ },
	[16] = { "txt", OTW_CAT_READ },
	[28] = { "aaaa", OTW_CAT_READ },
	[33] = { "srv", OTW_CAT_READ },
	[35] = { "naptr", OTW_CAT_READ },
	[41] = { "opt", OTW_CAT_READ },
	[43] = { "ds", OTW_CAT_READ },
	[46] = { "rrsig", OTW_CAT_READ },
	[47] = { "nsec", OTW_CAT_READ },
	[48] = { "dnskey", OTW_CAT_READ },
	[50] = { "nsec3", OTW_CAT_READ },
	[64] = { "svcb", OTW_CAT_READ },
	[65] = { "https", OTW_CAT_READ },
	[99] = { "spf", OTW_CAT_READ },
	[250] = { "tsig", OTW_CAT_AUTH },
	[251] = { "ixfr", OTW_CAT_READ },
	[252] = { "axfr", OTW_CAT_READ },
	[255] = { "any", OTW_CAT_READ },
};

/* NBNS OPCODE (RFC 1002 §4.2.1.1). */
static const struct opname nbns_ops[16] = {
	[0] = { "query", OTW_CAT_READ },
	[5] = { "registration", OTW_CAT_SESSION },
	[6] = { "release", OTW_CAT_SESSION },
	[7] = { "wack", OTW_CAT_SESSION },
	[8] = { "refresh", OTW_CAT_SESSION },
	[9] = { "refresh", OTW_CAT_SESSION },
	[15] = { "multihomed_registration", OTW_CAT_SESSION },
};

static const char *dns_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *t;

	if ((app == OTW_APP_DNS || app == OTW_APP_MDNS || app == OTW_APP_LLMNR) &&
	    func < 256)
		t = &dns_types[func];
	else if (app == OTW_APP_NBNS && func < 16)
		t = &nbns_ops[func];
	else
		return NULL;
	if (t->name == NULL)
		return NULL;
	*cat = t->cat;
	return t->name;
}

/* ---- names ------------------------------------------------------------- */

/* A message: its bytes (for compression pointers) and a reader. */
struct msg {
	const uint8_t *base;
	size_t len;
};

/* Read the name at *c (RFC 1035 §4.1.4), moving c past it. When out is
 * set, write it dotted (no trailing dot) and set *olen. Returns false on
 * a malformed name (loop, too long, bad label). */
static bool name_read(const struct msg *m, struct otw_cur *c, char *out,
		      size_t *olen)
{
	struct otw_cur r = *c;
	size_t n = 0;
	unsigned hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;
		if (!otw_cur_u8(&r, &l))
			return false;
		if ((l & 0xc0) == 0xc0) {
			uint8_t lo;
			if (!otw_cur_u8(&r, &lo))
				return false;
			size_t off = (size_t)(l & 0x3f) << 8 | lo;
			if (!jumped)
				*c = r;
			jumped = true;
			if (++hops > DNS_MAX_HOPS || off >= m->len)
				return false;
			r = otw_cur_make(m->base + off, m->len - off);
			continue;
		}
		if (l & 0xc0) /* 0x40/0x80: extended label types, obsolete */
			return false;
		if (l == 0)
			break;
		if (otw_cur_left(&r) < l || n + l + 1 > DNS_NAME_MAX)
			return false;
		if (out != NULL) {
			if (n > 0)
				out[n++] = '.';
			(void)otw_cur_bytes(&r, out + n, l);
		} else {
			n += (n > 0);
			(void)otw_cur_skip(&r, l);
		}
		n += l;
	}
	if (!jumped)
		*c = r;
	if (olen != NULL)
		*olen = n;
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char ch = s[n - k + i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != suf[i])
			return false;
	}
	return true;
}

/* "4.3.2.1.in-addr.arpa" -> 1.2.3.4 (network order into ip[12..15] of a
 * v4-mapped otw_ip). IPv6 ip6.arpa names are not decoded. */
static bool ptr_v4(const char *s, size_t n, struct otw_ip *ip)
{
	unsigned oct[4], k = 0, v = 0, digits = 0;

	if (!ends_with(s, n, ".in-addr.arpa"))
		return false;
	n -= 13;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || k == 4 || v > 255)
				return false;
			oct[k++] = v;
			v = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (k != 4)
		return false;
	memset(ip->b, 0, 10);
	ip->b[10] = ip->b[11] = 0xff;
	for (unsigned i = 0; i < 4; i++)
		ip->b[12 + i] = (uint8_t)oct[3 - i];
	return true;
}

/* The A (4 bytes) or AAAA (16 bytes) rdata equals ip. */
static bool rdata_is(const uint8_t *rd, uint16_t rdlen, const struct otw_ip *ip)
{
	if (rdlen == 4)
		return otw_ip_is_v4(ip) && memcmp(ip->b + 12, rd, 4) == 0;
	if (rdlen == 16)
		return memcmp(ip->b, rd, 16) == 0;
	return false;
}

/* Report s as a host name (an FQDN: first label, the rest as DOMAIN);
 * mDNS names lose their ".local" (RFC 6762 §3). */
static void report_host(const struct otw_dctx *x, bool of_src, const char *s,
			size_t n)
{
	if (x->app == OTW_APP_MDNS && ends_with(s, n, ".local"))
		n -= 6;
	if (n > 0 && memchr(s, '.', n) == NULL)
		otw_attr_report(x, of_src, OTW_ATTR_HOSTNAME, s, n);
	else if (n > 0) { /* FQDN: first label is the host, rest the domain */
		const char *dot = memchr(s, '.', n);
		otw_attr_report(x, of_src, OTW_ATTR_HOSTNAME, s, (size_t)(dot - s));
		otw_attr_report(x, of_src, OTW_ATTR_DOMAIN, dot + 1,
				n - (size_t)(dot - s) - 1);
	}
}

/* ---- mDNS / DNS-SD facts ------------------------------------------------ */

/* DNS-SD service types that say what a device is (RFC 6763 §7; service
 * names from the IANA service name registry). */
static const struct {
	const char *svc; /* "._ipp._tcp" as it appears in instance names */
	const char *cap;
} sd_caps[] = {
	{ "._ipp._tcp", "printer" },
	{ "._ipps._tcp", "printer" },
	{ "._printer._tcp", "printer" },
	{ "._pdl-datastream._tcp", "printer" },
	{ "._scanner._tcp", "scanner" },
	{ "._uscan._tcp", "scanner" },
	{ "._smb._tcp", "file-server" },
	{ "._afpovertcp._tcp", "file-server" },
	{ "._ssh._tcp", "ssh-server" },
	{ "._sftp-ssh._tcp", "ssh-server" },
	{ "._http._tcp", "http-server" },
	{ "._workstation._tcp", "workstation" },
	{ "._airplay._tcp", "airplay" },
	{ "._raop._tcp", "airplay" },
	{ "._googlecast._tcp", "chromecast" },
	{ "._device-info._tcp", NULL },
};

/* TXT keys that name a model or vendor (Apple device-info "model=",
 * printers' Bonjour "ty=", "product=", "usb_MFG=", "usb_MDL=", Google
 * cast "md="). */
static const struct {
	const char *key;
	unsigned attr;
} txt_keys[] = {
	{ "model=", OTW_ATTR_MODEL },
	{ "ty=", OTW_ATTR_MODEL },
	{ "product=", OTW_ATTR_MODEL },
	{ "usb_MDL=", OTW_ATTR_MODEL },
	{ "md=", OTW_ATTR_MODEL },
	{ "usb_MFG=", OTW_ATTR_VENDOR },
	{ "manufacturer=", OTW_ATTR_VENDOR },
};

/* Where "._<svc>._tcp/udp" starts in an instance name, or n if none. */
static size_t sd_split(const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (s[i] == '.' && s[i + 1] == '_')
			return i;
	return n;
}

static void mdns_service(const struct otw_dctx *x, const char *s, size_t n)
{
	size_t i = sd_split(s, n);

	if (i == 0 || i == n)
		return;
	for (size_t k = 0; k < sizeof(sd_caps) / sizeof(sd_caps[0]); k++) {
		size_t l = strlen(sd_caps[k].svc);
		if (n - i >= l && memcmp(s + i, sd_caps[k].svc, l) == 0) {
			if (sd_caps[k].cap != NULL)
				otw_attr_report(x, true, OTW_ATTR_CAPABILITIES,
						sd_caps[k].cap,
						strlen(sd_caps[k].cap));
			if (strcmp(sd_caps[k].svc, "._device-info._tcp") == 0)
				return; /* a host's name, not a service's */
			break;
		}
	}
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, s, i);
}

static void mdns_txt(const struct otw_dctx *x, struct otw_cur rd)
{
	for (unsigned i = 0; i < 32 && otw_cur_left(&rd) > 0; i++) {
		uint8_t l;
		struct otw_cur s;
		if (!otw_cur_u8(&rd, &l) || !otw_cur_sub(&rd, l, &s))
			return;
		for (size_t k = 0; k < sizeof(txt_keys) / sizeof(txt_keys[0]); k++) {
			size_t kl = strlen(txt_keys[k].key);
			if (l > kl && strncasecmp((const char *)s.p, txt_keys[k].key,
						  kl) == 0) {
				const char *v = (const char *)s.p + kl;
				size_t vl = l - kl;
				if (vl >= 2 && v[0] == '(' && v[vl - 1] == ')') {
					v++; /* product=(HP LaserJet) */
					vl -= 2;
				}
				otw_attr_report(x, true, txt_keys[k].attr, v, vl);
				break;
			}
		}
	}
}

/* ---- NetBIOS names ------------------------------------------------------ */

/* RFC 1001 §14.1 first-level encoding: 32 letters 'A'..'P', two per byte.
 * Writes the 15-character name (trailing spaces trimmed) and the suffix. */
static bool nb_decode(const char *enc, size_t n, char *name, size_t *nlen,
		      uint8_t *suffix)
{
	uint8_t raw[16];

	if (n < 32 || (n > 32 && enc[32] != '.'))
		return false;
	for (unsigned i = 0; i < 16; i++) {
		int hi = enc[2 * i] - 'A', lo = enc[2 * i + 1] - 'A';
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return false;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	*suffix = raw[15];
	size_t k = 15;
	while (k > 0 && (raw[k - 1] == ' ' || raw[k - 1] == 0))
		k--;
	for (size_t i = 0; i < k; i++)
		if (raw[i] < 0x21 || raw[i] > 0x7e)
			return false; /* "\x01\x02__MSBROWSE__\x02\x01" and kin */
	memcpy(name, raw, k);
	*nlen = k;
	return k > 0;
}

/* A NetBIOS name the sender holds: unique <00> = its host name, group
 * <00> = its workgroup/domain, unique <20> = file server service,
 * group <1C> = domain controllers (MS-NBTE / [MS-BRWS] suffixes). */
static void nb_fact(const struct otw_dctx *x, const char *name, size_t n,
		    uint8_t suffix, bool group)
{
	if (suffix == 0x00 && !group)
		otw_attr_report(x, true, OTW_ATTR_HOSTNAME, name, n);
	else if (suffix == 0x00 && group)
		otw_attr_report(x, true, OTW_ATTR_DOMAIN, name, n);
	else if (suffix == 0x20 && !group)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "file-server", 11);
	else if (suffix == 0x1c && group)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES,
				"domain-controller", 17);
}

/* NBSTAT response rdata (RFC 1002 §4.2.18): count, then 18-byte entries
 * of name(15) suffix(1) flags(2). */
static void nb_status(const struct otw_dctx *x, struct otw_cur rd)
{
	uint8_t cnt;

	if (!otw_cur_u8(&rd, &cnt))
		return;
	for (unsigned i = 0; i < cnt && i < 64; i++) {
		uint8_t e[18];
		size_t k = 15;
		if (!otw_cur_bytes(&rd, e, sizeof(e)))
			return;
		while (k > 0 && (e[k - 1] == ' ' || e[k - 1] == 0))
			k--;
		bool ok = k > 0;
		for (size_t j = 0; j < k; j++)
			ok = ok && e[j] >= 0x21 && e[j] <= 0x7e;
		if (ok)
			nb_fact(x, (const char *)e, k, e[15], (e[16] & 0x80) != 0);
	}
}

/* ---- messages ----------------------------------------------------------- */

/* msglen: the whole message's length (TCP: from its length prefix; the
 * first segment may hold less). */
static bool hdr_sane(const struct otw_cur *c, uint16_t app, size_t msglen)
{
	uint16_t flags, qd, an, ns, ar;

	if (!otw_cur_peek_u16be(c, 2, &flags) || !otw_cur_peek_u16be(c, 4, &qd) ||
	    !otw_cur_peek_u16be(c, 6, &an) || !otw_cur_peek_u16be(c, 8, &ns) ||
	    !otw_cur_peek_u16be(c, 10, &ar))
		return false;
	unsigned opcode = flags >> 11 & 0xf;
	bool qr = flags & 0x8000;
	if (app == OTW_APP_NBNS) {
		if (nbns_ops[opcode].name == NULL)
			return false;
	} else if (opcode > 6 || opcode == 3) { /* query..update, DSO=6 */
		return false;
	}
	/* a question takes at least 5 bytes, a record 11 */
	if ((size_t)qd * 5 + ((size_t)an + ns + ar) * 11 > msglen)
		return false;
	/* a query asks something; a response answers (mDNS: no question) */
	if (!qr && qd == 0 && opcode != 5)
		return false;
	if (qr == 0 && (flags & 0x000f) != 0 && app != OTW_APP_NBNS)
		return false; /* rcode in a query */
	return otw_cur_left(c) >= DNS_HDR + (qd ? 5u : 0u);
}

static bool dns_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint16_t app = OTW_APP_DNS;
	const struct otw_pkt *p = x->pkt;

	if (p->l4 == IPPROTO_TCP) {
		struct otw_cur m = *c;
		uint16_t len;
		if (!otw_cur_u16be(&m, &len) || len < DNS_HDR)
			return false;
		return hdr_sane(&m, app, (size_t)len - DNS_HDR);
	}
	return otw_cur_left(c) >= DNS_HDR &&
	       hdr_sane(c, app, otw_cur_left(c) - DNS_HDR);
}

static bool mdns_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return otw_cur_left(c) >= DNS_HDR &&
	       hdr_sane(c, OTW_APP_MDNS, otw_cur_left(c) - DNS_HDR);
}

static bool llmnr_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return otw_cur_left(c) >= DNS_HDR &&
	       hdr_sane(c, OTW_APP_LLMNR, otw_cur_left(c) - DNS_HDR);
}

static bool nbns_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return otw_cur_left(c) >= DNS_HDR &&
	       hdr_sane(c, OTW_APP_NBNS, otw_cur_left(c) - DNS_HDR);
}

/* One DNS-format message in m. */
static enum otw_verdict dns_msg(const struct msg *m, const struct otw_dctx *x)
{
	const struct otw_pkt *p = x->pkt;
	struct otw_cur c = otw_cur_make(m->base, m->len);
	uint16_t id, flags, qd, an, ns, ar;
	uint16_t first_type = 0, first_q = 0;
	char name[DNS_NAME_MAX + 1];
	size_t nlen;
	unsigned nq = 0;
	bool any_q = false;

	if (!otw_cur_u16be(&c, &id) || !otw_cur_u16be(&c, &flags) ||
	    !otw_cur_u16be(&c, &qd) || !otw_cur_u16be(&c, &an) ||
	    !otw_cur_u16be(&c, &ns) || !otw_cur_u16be(&c, &ar))
		return OTW_SHORT;
	bool qr = flags & 0x8000;
	unsigned opcode = flags >> 11 & 0xf, rcode = flags & 0xf;
	bool nbns = x->app == OTW_APP_NBNS;
	if (nbns ? nbns_ops[opcode].name == NULL : opcode > 6)
		return OTW_MALFORMED;
	uint8_t kind = !qr ? OTW_OPK_REQUEST
		       : rcode != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;

	/* questions: one op each (NBNS: one per message, unit = QTYPE) */
	for (unsigned i = 0; i < qd; i++) {
		uint16_t qtype, qclass;
		struct otw_cur at = c;
		if (!name_read(m, &c, NULL, NULL) || !otw_cur_u16be(&c, &qtype) ||
		    !otw_cur_u16be(&c, &qclass))
			return OTW_MALFORMED;
		if (i == 0)
			first_q = qtype;
		/* the names a client resolves (not reverse lookups): the
		 * rightmost 48 bytes, where the domain is, if longer */
		if (i == 0 && x->app == OTW_APP_DNS && !qr && opcode == 0 &&
		    qtype != 12 && name_read(m, &at, name, &nlen) && nlen > 0) {
			size_t cut = nlen > OTW_ATTR_VAL_MAX ? nlen - OTW_ATTR_VAL_MAX : 0;
			otw_attr_report(x, true, OTW_ATTR_DNS_QUERY, name + cut,
					nlen - cut);
		}
		if (!nbns && nq < DNS_MAX_Q) {
			nq++;
			any_q = true;
			otw_op_report(x, &(struct otw_op){
				.unit = (uint16_t)opcode, .func = qtype,
				.kind = kind, .addr = OTW_ADDR_NONE });
		}
	}

	/* resource records: facts, and the first type for question-less
	 * responses (mDNS announcements) */
	unsigned nrr = (unsigned)an + ns + ar;
	for (unsigned i = 0; i < nrr && i < DNS_MAX_RR; i++) {
		uint16_t type, klass, rdlen;
		uint32_t ttl;
		struct otw_cur rd, owner = c;
		if (!name_read(m, &c, NULL, NULL) || !otw_cur_u16be(&c, &type) ||
		    !otw_cur_u16be(&c, &klass) || !otw_cur_u32be(&c, &ttl) ||
		    !otw_cur_u16be(&c, &rdlen) || !otw_cur_sub(&c, rdlen, &rd))
			return OTW_MALFORMED;
		if (i == 0)
			first_type = type;
		if (!qr && !(nbns && (opcode == 5 || opcode == 8 || opcode == 9 ||
				      opcode == 15)))
			continue; /* queries carry no facts, but registrations */
		/* only these record types can give a fact: decode the owner
		 * name (already validated) just for them */
		if (rcode != 0 || !(type == 1 || type == 28 || type == 12 ||
				    type == 16 || type == 33 || type == 0x20 ||
				    type == 0x21))
			continue;
		if (!name_read(m, &owner, name, &nlen))
			return OTW_MALFORMED;
		switch (x->app) {
		case OTW_APP_DNS:
			if (!qr || i >= an)
				break;
			if (type == 12) { /* PTR of the sender or receiver */
				struct otw_ip ip;
				char tgt[DNS_NAME_MAX + 1];
				size_t tl;
				struct otw_cur t = rd;
				if (!ptr_v4(name, nlen, &ip) ||
				    !name_read(m, &t, tgt, &tl))
					break;
				if (memcmp(&ip, &p->src, sizeof(ip)) == 0)
					report_host(x, true, tgt, tl);
				else if (memcmp(&ip, &p->dst, sizeof(ip)) == 0)
					report_host(x, false, tgt, tl);
			} else if (type == 1 || type == 28) {
				if (rdata_is(rd.p, rdlen, &p->src))
					report_host(x, true, name, nlen);
				else if (rdata_is(rd.p, rdlen, &p->dst))
					report_host(x, false, name, nlen);
			}
			break;
		case OTW_APP_MDNS:
			if (!qr)
				break;
			if ((type == 1 || type == 28) &&
			    rdata_is(rd.p, rdlen, &p->src))
				report_host(x, true, name, nlen);
			else if (type == 33) /* SRV: "Instance._svc._tcp.local" */
				mdns_service(x, name, nlen);
			else if (type == 16)
				mdns_txt(x, rd);
			break;
		case OTW_APP_LLMNR:
			if (qr && (type == 1 || type == 28) &&
			    rdata_is(rd.p, rdlen, &p->src))
				report_host(x, true, name, nlen);
			break;
		case OTW_APP_NBNS: {
			char nb[16];
			size_t nbl;
			uint8_t suffix;
			uint16_t nbf;
			if (type == 0x21 && qr) { /* NBSTAT */
				nb_status(x, rd);
				break;
			}
			/* NB rdata: flags(2) + IPv4; the owner's own address */
			if (type != 0x20 || rdlen < 6 ||
			    !nb_decode(name, nlen, nb, &nbl, &suffix) ||
			    !otw_cur_u16be(&rd, &nbf) ||
			    !rdata_is(rd.p, 4, &p->src))
				break;
			nb_fact(x, nb, nbl, suffix, (nbf & 0x8000) != 0);
			break;
		}
		default:
			break;
		}
	}

	if (nbns) {
		otw_op_report(x, &(struct otw_op){
			.unit = first_q ? first_q : first_type,
			.func = (uint16_t)opcode, .kind = kind,
			.addr = OTW_ADDR_NONE });
	} else if (!any_q && qr) {
		otw_op_report(x, &(struct otw_op){
			.unit = (uint16_t)opcode, .func = first_type,
			.kind = kind, .addr = OTW_ADDR_NONE });
	}
	/* a unicast DNS server answering on its port */
	if (x->app == OTW_APP_DNS && qr && p->sport == DNS_PORT && opcode == 0)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "dns-server", 10);
	return OTW_OK;
}

/* Per-flow state of DNS over TCP: bytes of a cut message still to skip,
 * per direction. */
struct dns_tcp_state {
	uint16_t skip[2];
	uint8_t pad[20];
};
_Static_assert(sizeof(struct dns_tcp_state) <= OTW_APP_STATE_BYTES, "state size");

static enum otw_verdict dns_tcp(struct otw_cur *c, struct otw_dctx *x)
{
	struct dns_tcp_state st;
	unsigned dir = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap)
		st.skip[dir] = 0;
	if (st.skip[dir] != 0) {
		size_t n = st.skip[dir] < otw_cur_left(c) ? st.skip[dir]
							  : otw_cur_left(c);
		(void)otw_cur_skip(c, n);
		st.skip[dir] = (uint16_t)(st.skip[dir] - n);
	}
	for (unsigned i = 0; i < 64 && otw_cur_left(c) > 0; i++) {
		uint16_t len;
		struct otw_cur body;
		if (!otw_cur_u16be(c, &len)) {
			v = OTW_SHORT; /* a lone length byte: lose one message */
			c->p = c->end;
			break;
		}
		if (!otw_cur_sub(c, len, &body)) { /* cut: skip its tail */
			st.skip[dir] = (uint16_t)(len - otw_cur_left(c));
			c->p = c->end;
			v = OTW_SHORT;
			break;
		}
		struct msg m = { body.p, len };
		if (len < DNS_HDR) {
			v = OTW_MALFORMED;
			break;
		}
		if ((v = dns_msg(&m, x)) == OTW_MALFORMED)
			break;
	}
	memcpy(x->state, &st, sizeof(st));
	return v == OTW_OK || v == OTW_SHORT ? v : OTW_MALFORMED;
}

static enum otw_verdict dns_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct msg m = { c->p, otw_cur_left(c) };

	if (x->pkt->l4 == IPPROTO_TCP)
		return dns_tcp(c, x);
	if (m.len < DNS_HDR)
		return OTW_SHORT;
	return dns_msg(&m, x);
}

static const struct otw_dissector dis_dns = {
	.name = "dns",
	.app = OTW_APP_DNS,
	.l4 = IPPROTO_UDP,
	.port = DNS_PORT,
	.probe = dns_probe,
	.dissect = dns_dissect,
	.op_name = dns_op_name,
};

static const struct otw_dissector dis_dnstcp = {
	.name = "dns",
	.app = OTW_APP_DNS,
	.l4 = IPPROTO_TCP,
	.port = DNS_PORT,
	.probe = dns_probe,
	.dissect = dns_dissect,
	.op_name = dns_op_name,
};

static const struct otw_dissector dis_mdns = {
	.name = "mdns",
	.app = OTW_APP_MDNS,
	.l4 = IPPROTO_UDP,
	.port = MDNS_PORT,
	.probe = mdns_probe,
	.dissect = dns_dissect,
	.op_name = dns_op_name,
};

static const struct otw_dissector dis_llmnr = {
	.name = "llmnr",
	.app = OTW_APP_LLMNR,
	.l4 = IPPROTO_UDP,
	.port = LLMNR_PORT,
	.probe = llmnr_probe,
	.dissect = dns_dissect,
	.op_name = dns_op_name,
};

static const struct otw_dissector dis_nbns = {
	.name = "nbns",
	.app = OTW_APP_NBNS,
	.l4 = IPPROTO_UDP,
	.port = NBNS_PORT,
	.probe = nbns_probe,
	.dissect = dns_dissect,
	.op_name = dns_op_name,
};

const struct otw_dissector *const otw_plugin_dns[] = {
	&dis_dns, &dis_dnstcp, &dis_mdns, &dis_llmnr, &dis_nbns, NULL
};
