/* TLS (RFC 5246, RFC 8446 record and handshake layers). Records are
 * followed by their 5-byte headers; a record's body beyond the segment is
 * skipped by count (per-direction state), so bulk data costs O(1) per
 * segment. Handshake messages are parsed while they lie in one segment:
 * ClientHello (SNI, JA3), ServerHello (JA3S) and, before TLS 1.3, the
 * first certificate's subject/issuer CN and notAfter. */
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define TLS_PORT 443
#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext.length limit */

/* direction flags */
#define TF_CCS 0x01     /* ChangeCipherSpec seen: handshake now encrypted */
#define TF_LOST 0x02    /* lost record sync: wait for a header at a segment start */

struct tls_state {
	uint16_t rem[2];    /* body bytes of the current record still to come */
	uint8_t hbuf[2][4]; /* a record header cut by the segment's end */
	uint8_t hn[2];      /* bytes in hbuf */
	uint8_t flags[2];   /* TF_* */
	uint8_t tls13;      /* ServerHello chose TLS 1.3 */
	uint8_t pad[7];
};
_Static_assert(sizeof(struct tls_state) == 24, "state layout");
_Static_assert(sizeof(struct tls_state) <= OTW_APP_STATE_BYTES, "state size");

/* func: handshake type (0-255), or 0x100 + record content type for other
 * records (docs/protocols/tls.md). */
#define TLS_REC(t) (0x100u + (t))
#define TLS_ENC_HS TLS_REC(22) /* handshake record after ChangeCipherSpec */

static const char *tls_op_name(unsigned app, unsigned func, const char **cat)
{
	const char *n = NULL;

	if (app != OTW_APP_TLS)
		return NULL;
	switch (func) {
	case 0: n = "hello_request"; break;
	case 1: n = "client_hello"; break;
	case 2: n = "server_hello"; break;
	case 4: n = "new_session_ticket"; break;
	case 8: n = "encrypted_extensions"; break;
	case 11: n = "certificate"; break;
	case 12: n = "server_key_exchange"; break;
	case 13: n = "certificate_request"; break;
	case 14: n = "server_hello_done"; break;
	case 15: n = "certificate_verify"; break;
	case 16: n = "client_key_exchange"; break;
	case 20: n = "finished"; break;
	case 24: n = "key_update"; break;
	case TLS_REC(20): n = "change_cipher_spec"; break;
	case TLS_REC(21): n = "alert"; break;
	case TLS_ENC_HS: n = "encrypted_handshake"; break;
	case TLS_REC(23): n = "application_data"; break;
	case TLS_REC(24): n = "heartbeat"; break;
	default:
		if (func < 0x100)
			n = "handshake_other";
		break;
	}
	if (n != NULL)
		*cat = OTW_CAT_SESSION;
	return n;
}

static bool tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Bounded decimal list writer for the JA3 strings. */
struct sbuf {
	char b[1536];
	size_t n;
	bool full;
};

static void sb_num(struct sbuf *s, unsigned v, char sep)
{
	char t[8];
	int k = snprintf(t, sizeof(t), "%u", v);
	if (s->full || k < 0 || s->n + (size_t)k + 2 >= sizeof(s->b)) {
		s->full = true;
		return;
	}
	if (sep)
		s->b[s->n++] = sep;
	memcpy(s->b + s->n, t, (size_t)k);
	s->n += (size_t)k;
}

static void sb_ch(struct sbuf *s, char ch)
{
	if (s->n + 2 >= sizeof(s->b))
		s->full = true;
	else
		s->b[s->n++] = ch;
}

/* JA3/JA3S digest ("ja3:" + 32 hex) as a DESCRIPTION fact: there is no
 * fingerprint key in enum otw_attr yet. */
static void tls_fingerprint(struct otw_dctx *x, const char *tag, const struct sbuf *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char out[48];
	size_t k = strlen(tag);

	if (s->full || EVP_Digest(s->b, s->n, md, &mdlen, EVP_md5(), NULL) != 1 ||
	    mdlen != 16)
		return;
	memcpy(out, tag, k);
	for (unsigned i = 0; i < 16; i++) {
		out[k++] = hex[md[i] >> 4];
		out[k++] = hex[md[i] & 15];
	}
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, out, k);
}

static bool cur_u8_vec(struct otw_cur *c, struct otw_cur *v)
{
	uint8_t n;
	return otw_cur_u8(c, &n) && otw_cur_sub(c, n, v);
}

static bool cur_u16_vec(struct otw_cur *c, struct otw_cur *v)
{
	uint16_t n;
	return otw_cur_u16be(c, &n) && otw_cur_sub(c, n, v);
}

static bool tls_is_name(const uint8_t *p, size_t n)
{
	bool alpha = false;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
			alpha = true;
		else if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			return false;
	}
	return alpha;
}

/* ClientHello body (RFC 8446 §4.1.2). Returns the highest version offered. */
static uint16_t tls_client_hello(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur v, exts;
	struct sbuf ja3, curves, pf;
	uint16_t ver, best;
	bool ok;

	if (!otw_cur_u16be(c, &ver) || !otw_cur_skip(c, 32) || !cur_u8_vec(c, &v))
		return 0;
	best = ver;
	ja3.n = curves.n = pf.n = 0;
	ja3.full = curves.full = pf.full = false;
	sb_num(&ja3, ver, 0);
	sb_ch(&ja3, ',');
	if (!cur_u16_vec(c, &v))
		return best;
	for (bool first = true; otw_cur_left(&v) >= 2;) {
		uint16_t cs;
		(void)otw_cur_u16be(&v, &cs);
		if (tls_grease(cs))
			continue;
		sb_num(&ja3, cs, first ? 0 : '-');
		first = false;
	}
	sb_ch(&ja3, ',');
	if (!cur_u8_vec(c, &v))
		return best;
	exts = otw_cur_make(c->p, 0); /* no extensions: JA3 with empty lists */
	ok = true;
	if (otw_cur_left(c) > 0 && !cur_u16_vec(c, &exts)) {
		/* cut by the segment: read what is here, no fingerprint */
		exts = *c;
		ok = false;
		if (otw_cur_left(&exts) >= 2)
			exts.p += 2;
	}
	for (bool first = true; ok && otw_cur_left(&exts) > 0;) {
		uint16_t type;
		struct otw_cur e;
		if (!otw_cur_u16be(&exts, &type) || !cur_u16_vec(&exts, &e)) {
			ok = false;
			break;
		}
		if (!ok) { /* a partial list: names only */
			if (type != 0)
				continue;
		}
		if (tls_grease(type))
			continue;
		sb_num(&ja3, type, first ? 0 : '-');
		first = false;
		if (type == 0) { /* server_name (RFC 6066 §3) */
			struct otw_cur list, name;
			uint8_t nt;
			if (cur_u16_vec(&e, &list) && otw_cur_u8(&list, &nt) && nt == 0 &&
			    cur_u16_vec(&list, &name) &&
			    tls_is_name(name.p, otw_cur_left(&name)))
				otw_attr_report(x, false, OTW_ATTR_HOSTNAME,
						(const char *)name.p, otw_cur_left(&name));
		} else if (type == 10) { /* supported_groups */
			struct otw_cur g;
			bool f2 = true;
			if (cur_u16_vec(&e, &g))
				while (otw_cur_left(&g) >= 2) {
					uint16_t grp;
					(void)otw_cur_u16be(&g, &grp);
					if (tls_grease(grp))
						continue;
					sb_num(&curves, grp, f2 ? 0 : '-');
					f2 = false;
				}
		} else if (type == 11) { /* ec_point_formats */
			struct otw_cur g;
			bool f2 = true;
			if (cur_u8_vec(&e, &g))
				while (otw_cur_left(&g) >= 1) {
					uint8_t f;
					(void)otw_cur_u8(&g, &f);
					sb_num(&pf, f, f2 ? 0 : '-');
					f2 = false;
				}
		} else if (type == 43) { /* supported_versions */
			struct otw_cur g;
			if (cur_u8_vec(&e, &g))
				while (otw_cur_left(&g) >= 2) {
					uint16_t sv;
					(void)otw_cur_u16be(&g, &sv);
					if (!tls_grease(sv) && sv > best && (sv >> 8) == 3)
						best = sv;
				}
		}
	}
	if (!ok) /* cut or broken: no fingerprint from a partial list */
		return best;
	sb_ch(&ja3, ',');
	if (!curves.full && ja3.n + curves.n + pf.n + 4 < sizeof(ja3.b)) {
		memcpy(ja3.b + ja3.n, curves.b, curves.n);
		ja3.n += curves.n;
		ja3.b[ja3.n++] = ',';
		memcpy(ja3.b + ja3.n, pf.b, pf.n);
		ja3.n += pf.n;
	} else {
		ja3.full = true;
	}
	if (!pf.full)
		tls_fingerprint(x, "ja3:", &ja3);
	return best;
}

/* ServerHello (RFC 8446 §4.1.3): returns the version chosen. */
static uint16_t tls_server_hello(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur v, exts;
	struct sbuf s;
	uint16_t ver, chosen, cs;
	uint8_t comp;
	bool first = true;

	if (!otw_cur_u16be(c, &ver) || !otw_cur_skip(c, 32) || !cur_u8_vec(c, &v) ||
	    !otw_cur_u16be(c, &cs) || !otw_cur_u8(c, &comp))
		return 0;
	chosen = ver;
	s.n = 0;
	s.full = false;
	sb_num(&s, ver, 0);
	sb_num(&s, cs, ',');
	sb_ch(&s, ',');
	exts = otw_cur_make(c->p, 0); /* extensions are optional */
	if (otw_cur_left(c) > 0 && !cur_u16_vec(c, &exts))
		return chosen;
	while (otw_cur_left(&exts) > 0) {
		uint16_t type;
		struct otw_cur e;
		if (!otw_cur_u16be(&exts, &type) || !cur_u16_vec(&exts, &e))
			return chosen;
		if (tls_grease(type))
			continue;
		sb_num(&s, type, first ? 0 : '-');
		first = false;
		if (type == 43) {
			uint16_t sv;
			if (otw_cur_u16be(&e, &sv) && (sv >> 8) == 3)
				chosen = sv;
		}
	}
	tls_fingerprint(x, "ja3s:", &s);
	return chosen;
}

/* ---- X.509 (RFC 5280 §4.1), a bounded DER walk -------------------------- */

static bool der_tlv(struct otw_cur *c, uint8_t *tag, struct otw_cur *val)
{
	uint8_t t, l;
	size_t len = 0;

	if (!otw_cur_u8(c, &t) || !otw_cur_u8(c, &l))
		return false;
	if (l & 0x80) {
		unsigned n = l & 0x7f;
		if (n == 0 || n > 3)
			return false;
		for (unsigned i = 0; i < n; i++) {
			uint8_t b;
			if (!otw_cur_u8(c, &b))
				return false;
			len = len << 8 | b;
		}
	} else {
		len = l;
	}
	*tag = t;
	return otw_cur_sub(c, len, val);
}

/* Tag and length of a TLV whose value may run past the cursor: the
 * cursor is left on the value. */
static bool der_hdr(struct otw_cur *c, uint8_t *tag)
{
	uint8_t l;

	if (!otw_cur_u8(c, tag) || !otw_cur_u8(c, &l))
		return false;
	return !(l & 0x80) || ((l & 0x7f) <= 3 && otw_cur_skip(c, l & 0x7f));
}

/* The commonName (2.5.4.3) of a Name, or false. */
static bool der_cn(struct otw_cur name, struct otw_cur *cn)
{
	static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
	uint8_t tag;
	struct otw_cur rdn, atv, oid, val;

	while (otw_cur_left(&name) > 0) {
		if (!der_tlv(&name, &tag, &rdn) || tag != 0x31)
			return false;
		while (otw_cur_left(&rdn) > 0) {
			if (!der_tlv(&rdn, &tag, &atv) || tag != 0x30 ||
			    !der_tlv(&atv, &tag, &oid) || tag != 0x06 ||
			    !der_tlv(&atv, &tag, &val))
				return false;
			if (otw_cur_left(&oid) == 3 && memcmp(oid.p, oid_cn, 3) == 0) {
				*cn = val;
				return true;
			}
		}
	}
	return false;
}

/* First certificate of a Certificate message body (TLS <= 1.2, §7.4.2):
 * "cert:CN=<subject>,exp=<notAfter date>,iss=<issuer CN>" about the server.
 * A certificate cut by the segment is read as far as it goes. */
static void tls_certificate(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur cert, tbs, issuer, validity, subject, t, scn, icn;
	uint32_t n;
	uint8_t tag;
	char out[OTW_ATTR_VAL_MAX + 1];
	int k;

	if (!otw_cur_skip(c, 3) || !otw_cur_u24be(c, &n))
		return;
	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }: both
	 * may run past the segment; read their headers only */
	cert = *c;
	if (!der_hdr(&cert, &tag) || tag != 0x30 || !der_hdr(&cert, &tag) || tag != 0x30)
		return;
	tbs = cert;
	if (!der_tlv(&tbs, &tag, &t)) /* version [0] or serial */
		return;
	if (tag == 0xa0 && !der_tlv(&tbs, &tag, &t)) /* serial */
		return;
	if (!der_tlv(&tbs, &tag, &t) || /* signature algorithm */
	    !der_tlv(&tbs, &tag, &issuer) || tag != 0x30 ||
	    !der_tlv(&tbs, &tag, &validity) || tag != 0x30 ||
	    !der_tlv(&tbs, &tag, &subject) || tag != 0x30)
		return;
	if (!der_cn(subject, &scn))
		return;
	k = snprintf(out, sizeof(out), "cert:CN=%.*s", (int)otw_cur_left(&scn),
		     (const char *)scn.p);
	if (der_tlv(&validity, &tag, &t) && der_tlv(&validity, &tag, &t)) {
		/* notAfter: UTCTime YYMMDDhhmmssZ or GeneralizedTime YYYYMMDD... */
		size_t l = otw_cur_left(&t);
		if (k > 0 && (size_t)k < sizeof(out) && tag == 0x17 && l >= 6)
			k += snprintf(out + k, sizeof(out) - (size_t)k,
				      ",exp=%s%.2s-%.2s-%.2s",
				      t.p[0] >= '5' ? "19" : "20", (const char *)t.p,
				      (const char *)t.p + 2, (const char *)t.p + 4);
		else if (k > 0 && (size_t)k < sizeof(out) && tag == 0x18 && l >= 8)
			k += snprintf(out + k, sizeof(out) - (size_t)k,
				      ",exp=%.4s-%.2s-%.2s", (const char *)t.p,
				      (const char *)t.p + 4, (const char *)t.p + 6);
	}
	if (k > 0 && (size_t)k < sizeof(out) && der_cn(issuer, &icn))
		k += snprintf(out + k, sizeof(out) - (size_t)k, ",iss=%.*s",
			      (int)otw_cur_left(&icn), (const char *)icn.p);
	if (k <= 0)
		return;
	if ((size_t)k >= sizeof(out))
		k = (int)sizeof(out) - 1;
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, out, (size_t)k);
}

/* Handshake messages of one record's bytes in this segment. */
static void tls_handshakes(struct otw_cur *c, struct otw_dctx *x,
			   struct tls_state *st, uint8_t kind)
{
	while (otw_cur_left(c) >= 4) {
		uint8_t type = 0;
		uint32_t len = 0;
		uint16_t unit = 0;
		struct otw_cur body;
		bool whole;

		(void)otw_cur_u8(c, &type);
		(void)otw_cur_u24be(c, &len);
		whole = otw_cur_sub(c, len, &body);
		if (!whole) { /* cut: read what we have */
			body = *c;
			c->p = c->end;
		}
		if (type == 1 && x->from_client) {
			unit = tls_client_hello(&body, x);
		} else if (type == 2 && !x->from_client) {
			unit = tls_server_hello(&body, x);
			if (unit == 0x0304)
				st->tls13 = 1;
		} else if (type == 11 && !x->from_client && !st->tls13) {
			tls_certificate(&body, x);
		}
		otw_op_report(x, &(struct otw_op){ .unit = unit, .func = type,
						   .kind = kind,
						   .addr = OTW_ADDR_NONE });
	}
}

static bool tls_hdr_ok(const uint8_t h[5])
{
	unsigned len = (unsigned)h[3] << 8 | h[4];
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4 && len <= TLS_REC_MAX;
}

static enum otw_verdict tls_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct tls_state st;
	unsigned d = x->from_client ? 0 : 1;
	uint8_t kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap) {
		st.rem[d] = 0;
		st.hn[d] = 0;
		st.flags[d] |= TF_LOST;
	}
	if (st.flags[d] & TF_LOST) { /* resume only on a header here */
		uint8_t h[5];
		struct otw_cur t = *c;
		if (!otw_cur_bytes(&t, h, 5) || !tls_hdr_ok(h))
			goto out;
		st.flags[d] &= (uint8_t)~TF_LOST;
	}
	while (otw_cur_left(c) > 0) {
		uint8_t h[5];
		uint16_t len;
		struct otw_cur rec;
		bool whole;

		if (st.rem[d] > 0) { /* body of a record begun earlier: O(1) */
			size_t n = otw_cur_left(c) < st.rem[d] ? otw_cur_left(c) : st.rem[d];
			(void)otw_cur_skip(c, n);
			st.rem[d] = (uint16_t)(st.rem[d] - n);
			continue;
		}
		/* the header, maybe completing one cut by the last segment */
		memcpy(h, st.hbuf[d], st.hn[d]);
		if (!otw_cur_bytes(c, h + st.hn[d], 5u - st.hn[d])) {
			size_t n = otw_cur_left(c);
			memcpy(st.hbuf[d] + st.hn[d], c->p, n);
			st.hn[d] = (uint8_t)(st.hn[d] + n);
			c->p = c->end;
			break;
		}
		st.hn[d] = 0;
		if (!tls_hdr_ok(h)) {
			st.flags[d] |= TF_LOST;
			v = OTW_MALFORMED;
			break;
		}
		len = (uint16_t)(h[3] << 8 | h[4]);
		whole = otw_cur_sub(c, len, &rec);
		if (!whole) {
			st.rem[d] = (uint16_t)(len - otw_cur_left(c));
			rec = *c;
			c->p = c->end;
		}
		switch (h[0]) {
		case 22:
			if (st.flags[d] & TF_CCS)
				otw_op_report(x, &(struct otw_op){ .func = TLS_ENC_HS,
								   .kind = kind,
								   .addr = OTW_ADDR_NONE });
			else
				tls_handshakes(&rec, x, &st, kind);
			break;
		case 20:
			st.flags[d] |= TF_CCS;
			otw_op_report(x, &(struct otw_op){ .func = TLS_REC(20), .kind = kind,
							   .addr = OTW_ADDR_NONE });
			break;
		case 21: { /* alert: level 2 = fatal (RFC 5246 §7.2), if cleartext */
			uint8_t level = 0;
			bool clear = !(st.flags[d] & TF_CCS) && len == 2;
			(void)otw_cur_u8(&rec, &level);
			otw_op_report(x, &(struct otw_op){
				.func = TLS_REC(21),
				.kind = clear && level == 2 ? OTW_OPK_EXCEPTION : kind,
				.addr = OTW_ADDR_NONE });
			break;
		}
		default:
			otw_op_report(x, &(struct otw_op){ .func = TLS_REC(h[0]), .kind = kind,
							   .addr = OTW_ADDR_NONE });
			break;
		}
	}
out:
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* Port 443: any record header (a capture may begin mid-connection). */
static bool tls_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t h[5];
	struct otw_cur t = *c;
	(void)x;
	return otw_cur_bytes(&t, h, 5) && tls_hdr_ok(h);
}

/* Any port: a handshake record holding a ClientHello or ServerHello whose
 * version is 3.x and whose length fits the record. */
static bool tls_probe_strict(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t h[5], type, vmaj, vmin;
	uint32_t hlen;
	struct otw_cur t = *c;
	(void)x;
	if (!otw_cur_bytes(&t, h, 5) || h[0] != 22 || !tls_hdr_ok(h) ||
	    !otw_cur_u8(&t, &type) || !otw_cur_u24be(&t, &hlen) ||
	    !otw_cur_u8(&t, &vmaj) || !otw_cur_u8(&t, &vmin))
		return false;
	return (type == 1 || type == 2) && vmaj == 3 && vmin <= 4 && hlen >= 38 &&
	       hlen < 0x10000;
}

static const struct otw_dissector dis_tls = {
	.name = "tls",
	.app = OTW_APP_TLS,
	.l4 = IPPROTO_TCP,
	.port = TLS_PORT,
	.probe = tls_probe,
	.dissect = tls_dissect,
	.op_name = tls_op_name,
};

static const struct otw_dissector dis_tls_any = {
	.name = "tls-heuristic",
	.app = OTW_APP_TLS,
	.l4 = IPPROTO_TCP,
	.port = 0,
	.probe = tls_probe_strict,
	.dissect = tls_dissect,
	.op_name = tls_op_name,
};

const struct otw_dissector *const otw_plugin_tls[] = { &dis_tls, &dis_tls_any, NULL };
