/* SMB over TCP 445 (MS-SMB2 §2.1: 4-byte NetBIOS-style length) and over
 * the NetBIOS session service on 139 (RFC 1002 §4.3). SMB1 ([MS-CIFS])
 * and SMB2/3 ([MS-SMB2]) headers are counted; NEGOTIATE reports the
 * dialects, SESSION_SETUP's NTLMSSP messages ([MS-NLMP] §2.2.1) name the
 * server (CHALLENGE target info, version) and the client workstation
 * (AUTHENTICATE). User names are never read. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define SMB_PORT 445
#define NBSS_PORT 139
#define NBSS_MAX 0x1ffff          /* 17-bit length (RFC 1002 §4.3.1) */
#define NT_MORE_PROCESSING 0xc0000016u
#define SMB_F_ENC 0x200           /* func: SMB3 transform (encrypted) */
#define SMB_F_NBSS_REQ 0x281      /* func: NetBIOS session request */

struct smb_state {
	uint32_t rem[2];   /* bytes of a message cut by the segment */
	uint8_t pad[16];
};
_Static_assert(sizeof(struct smb_state) == 24, "state layout");
_Static_assert(sizeof(struct smb_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* MS-SMB2 §2.2.1.2 commands */
static const struct opname smb2_ops[19] = {
	[0] = { "negotiate", OTW_CAT_SESSION },
	[1] = { "session_setup", OTW_CAT_AUTH },
	[2] = { "logoff", OTW_CAT_SESSION },
	[3] = { "tree_connect", OTW_CAT_SESSION },
	[4] = { "tree_disconnect", OTW_CAT_SESSION },
	[5] = { "create", OTW_CAT_FILE },
	[6] = { "close", OTW_CAT_FILE },
	[7] = { "flush", OTW_CAT_FILE },
	[8] = { "read", OTW_CAT_READ },
	[9] = { "write", OTW_CAT_WRITE },
	[10] = { "lock", OTW_CAT_FILE },
	[11] = { "ioctl", OTW_CAT_CONFIG },
	[12] = { "cancel", OTW_CAT_SESSION },
	[13] = { "echo", OTW_CAT_SESSION },
	[14] = { "query_directory", OTW_CAT_FILE },
	[15] = { "change_notify", OTW_CAT_MONITOR },
	[16] = { "query_info", OTW_CAT_READ },
	[17] = { "set_info", OTW_CAT_WRITE },
	[18] = { "oplock_break", OTW_CAT_SESSION },
};

/* MS-CIFS §2.2.2.1, the commands seen in practice (func 0x100 + code) */
static const struct {
	uint8_t code;
	struct opname n;
} smb1_ops[] = {
	{ 0x04, { "smb1_close", OTW_CAT_FILE } },
	{ 0x06, { "smb1_delete", OTW_CAT_FILE } },
	{ 0x08, { "smb1_query_information", OTW_CAT_READ } },
	{ 0x24, { "smb1_locking_andx", OTW_CAT_FILE } },
	{ 0x25, { "smb1_transaction", OTW_CAT_OTHER } },
	{ 0x2b, { "smb1_echo", OTW_CAT_SESSION } },
	{ 0x2d, { "smb1_open_andx", OTW_CAT_FILE } },
	{ 0x2e, { "smb1_read_andx", OTW_CAT_READ } },
	{ 0x2f, { "smb1_write_andx", OTW_CAT_WRITE } },
	{ 0x32, { "smb1_transaction2", OTW_CAT_OTHER } },
	{ 0x34, { "smb1_find_close2", OTW_CAT_FILE } },
	{ 0x71, { "smb1_tree_disconnect", OTW_CAT_SESSION } },
	{ 0x72, { "smb1_negotiate", OTW_CAT_SESSION } },
	{ 0x73, { "smb1_session_setup_andx", OTW_CAT_AUTH } },
	{ 0x74, { "smb1_logoff_andx", OTW_CAT_SESSION } },
	{ 0x75, { "smb1_tree_connect_andx", OTW_CAT_SESSION } },
	{ 0xa0, { "smb1_nt_transact", OTW_CAT_OTHER } },
	{ 0xa2, { "smb1_nt_create_andx", OTW_CAT_FILE } },
	{ 0xa4, { "smb1_nt_cancel", OTW_CAT_SESSION } },
};

static const char *smb_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_SMB)
		return NULL;
	if (func < 19) {
		*cat = smb2_ops[func].cat;
		return smb2_ops[func].name;
	}
	if (func == SMB_F_ENC) {
		*cat = OTW_CAT_SESSION;
		return "encrypted";
	}
	if (func == SMB_F_NBSS_REQ) {
		*cat = OTW_CAT_SESSION;
		return "netbios_session_request";
	}
	if (func >= 0x100 && func < 0x200) {
		for (size_t i = 0; i < sizeof(smb1_ops) / sizeof(smb1_ops[0]); i++)
			if (smb1_ops[i].code == func - 0x100) {
				*cat = smb1_ops[i].n.cat;
				return smb1_ops[i].n.name;
			}
		*cat = OTW_CAT_OTHER;
		return "smb1_other";
	}
	return NULL;
}

/* UTF-16LE (or OEM) bytes to printable ASCII; returns the length. */
static size_t smb_str(const uint8_t *p, size_t n, bool unicode, char *out, size_t max)
{
	size_t k = 0;

	if (unicode) {
		for (size_t i = 0; i + 1 < n && k < max; i += 2) {
			unsigned ch = (unsigned)p[i] | (unsigned)p[i + 1] << 8;
			if (ch == 0)
				break;
			out[k++] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
	} else {
		for (size_t i = 0; i < n && k < max && p[i] != 0; i++)
			out[k++] = (char)(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
	}
	return k;
}

/* A field (len, maxlen, offset from the message start) of an NTLMSSP
 * message m: its bytes, or false when it points outside what we hold. */
static bool ntlm_field(const struct otw_cur *m, size_t at, struct otw_cur *out)
{
	struct otw_cur c = *m;
	uint16_t len;
	uint32_t off;

	if (!otw_cur_skip(&c, at) || !otw_cur_u16le(&c, &len) || !otw_cur_skip(&c, 2) ||
	    !otw_cur_u32le(&c, &off))
		return false;
	c = *m;
	return otw_cur_skip(&c, off) && otw_cur_sub(&c, len, out);
}

static void ntlm_report(struct otw_dctx *x, bool of_src, unsigned key,
			const struct otw_cur *v, bool unicode)
{
	char s[OTW_ATTR_VAL_MAX];
	size_t n = smb_str(v->p, otw_cur_left(v), unicode, s, sizeof(s));
	otw_attr_report(x, of_src, key, s, n);
}

/* The VERSION structure (MS-NLMP §2.2.2.10): "Windows 10.0 build 19041".
 * A zero build (Samba and other non-Windows peers) is not reported. */
static void ntlm_version(struct otw_dctx *x, const struct otw_cur *m, size_t at)
{
	struct otw_cur c = *m;
	uint8_t maj, min;
	uint16_t build;
	char s[40];
	int k;

	if (!otw_cur_skip(&c, at) || !otw_cur_u8(&c, &maj) || !otw_cur_u8(&c, &min) ||
	    !otw_cur_u16le(&c, &build) || build == 0 || maj < 5 || maj > 10)
		return;
	k = snprintf(s, sizeof(s), "Windows %u.%u build %u", maj, min, build);
	if (k > 0)
		otw_attr_report(x, true, OTW_ATTR_OS, s, (size_t)k);
}

/* Find "NTLMSSP\0" in a security blob (SPNEGO-wrapped or raw). */
static void smb_ntlmssp(struct otw_cur blob, struct otw_dctx *x)
{
	const uint8_t *p = blob.p;
	size_t n = otw_cur_left(&blob);
	struct otw_cur m, f;
	uint32_t type, flags;

	for (;;) {
		const uint8_t *s = memchr(p, 'N', n);
		if (s == NULL)
			return;
		n -= (size_t)(s - p);
		p = s;
		if (n < 12)
			return;
		if (memcmp(p, "NTLMSSP", 8) == 0)
			break;
		p++;
		n--;
	}
	m = otw_cur_make(p, n);
	f = m;
	if (!otw_cur_skip(&f, 8) || !otw_cur_u32le(&f, &type))
		return;
	if (type == 2) { /* CHALLENGE, from the server */
		struct otw_cur ti = m, av;
		bool dns_dom = false;
		f = m;
		if (!otw_cur_skip(&f, 20) || !otw_cur_u32le(&f, &flags))
			return;
		if (ntlm_field(&m, 40, &ti))
			while (otw_cur_left(&ti) >= 4) {
				uint16_t id = 0, len = 0;
				(void)otw_cur_u16le(&ti, &id);
				(void)otw_cur_u16le(&ti, &len);
				if (id == 0 || !otw_cur_sub(&ti, len, &av))
					break;
				if (id == 1) /* MsvAvNbComputerName */
					ntlm_report(x, true, OTW_ATTR_NAME, &av, true);
				else if (id == 3) /* MsvAvDnsComputerName */
					ntlm_report(x, true, OTW_ATTR_HOSTNAME, &av, true);
				else if (id == 4) { /* MsvAvDnsDomainName */
					ntlm_report(x, true, OTW_ATTR_DOMAIN, &av, true);
					dns_dom = true;
				}
			}
		if (!dns_dom && (flags & 0x00010000u) /* TARGET_TYPE_DOMAIN */ &&
		    ntlm_field(&m, 12, &f))
			ntlm_report(x, true, OTW_ATTR_DOMAIN, &f, flags & 1);
		if (flags & 0x02000000u) /* NEGOTIATE_VERSION */
			ntlm_version(x, &m, 48);
	} else if (type == 3) { /* AUTHENTICATE, from the client */
		f = m;
		if (!otw_cur_skip(&f, 60) || !otw_cur_u32le(&f, &flags))
			return;
		if (ntlm_field(&m, 44, &f)) /* Workstation; UserName never read */
			ntlm_report(x, true, OTW_ATTR_HOSTNAME, &f, flags & 1);
		if (flags & 0x02000000u)
			ntlm_version(x, &m, 64);
	}
}

/* SMB2 NEGOTIATE dialect as a capability: "smb 3.1.1". */
static void smb2_dialect(struct otw_dctx *x, uint16_t dia)
{
	char s[24];
	int k;

	if (dia == 0x02ff)
		k = snprintf(s, sizeof(s), "smb 2.???");
	else
		k = snprintf(s, sizeof(s), "smb %x.%x.%x", dia >> 8, (dia >> 4) & 15,
			     dia & 15);
	if (k > 0)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, s, (size_t)k);
}

/* One SMB2 header and body (m: from the header start); compounded
 * requests follow NextCommand (§2.2.1). */
static void smb2_msg(struct otw_cur m, struct otw_dctx *x)
{
	for (unsigned n = 0; n < 16; n++) {
		struct otw_cur h = m, body;
		uint16_t ssize, cmd, unit = 0;
		uint32_t status, flags, next;
		bool resp;
		uint8_t kind;

		if (!otw_cur_skip(&h, 4) || !otw_cur_u16le(&h, &ssize) ||
		    !otw_cur_skip(&h, 2) || !otw_cur_u32le(&h, &status) ||
		    !otw_cur_u16le(&h, &cmd) || !otw_cur_skip(&h, 2) ||
		    !otw_cur_u32le(&h, &flags) || !otw_cur_u32le(&h, &next) ||
		    !otw_cur_skip(&h, 64 - 24) || ssize != 64)
			return;
		body = h;
		resp = flags & 1; /* SMB2_FLAGS_SERVER_TO_REDIR */
		kind = !resp ? OTW_OPK_REQUEST
		       : (status >= 0xc0000000u && status != NT_MORE_PROCESSING)
			       ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
		if (cmd == 0 && !resp) { /* NEGOTIATE request: highest dialect */
			uint16_t cnt, dia;
			struct otw_cur b = body;
			if (otw_cur_skip(&b, 2) && otw_cur_u16le(&b, &cnt) &&
			    otw_cur_skip(&b, 32))
				for (unsigned i = 0; i < cnt && otw_cur_u16le(&b, &dia); i++)
					if (dia > unit && dia != 0x02ff)
						unit = dia;
		} else if (cmd == 0 && kind == OTW_OPK_RESPONSE) {
			struct otw_cur b = body;
			uint16_t dia;
			if (otw_cur_skip(&b, 4) && otw_cur_u16le(&b, &dia)) {
				unit = dia;
				smb2_dialect(x, dia);
			}
		} else if (cmd == 1 && resp && kind != OTW_OPK_EXCEPTION) {
			/* SESSION_SETUP response in progress: CHALLENGE */
			struct otw_cur b = body, blob = m;
			uint16_t off, len;
			if (otw_cur_skip(&b, 4) && otw_cur_u16le(&b, &off) &&
			    otw_cur_u16le(&b, &len) && otw_cur_skip(&blob, off)) {
				if (otw_cur_left(&blob) > len)
					blob.end = blob.p + len;
				smb_ntlmssp(blob, x);
			}
		} else if (cmd == 1 && !resp) {
			struct otw_cur b = body, blob = m;
			uint16_t off, len;
			if (otw_cur_skip(&b, 12) && otw_cur_u16le(&b, &off) &&
			    otw_cur_u16le(&b, &len) && otw_cur_skip(&blob, off)) {
				if (otw_cur_left(&blob) > len)
					blob.end = blob.p + len;
				smb_ntlmssp(blob, x);
			}
		}
		if (!(resp && status == 0x103)) /* STATUS_PENDING: interim */
			otw_op_report(x, &(struct otw_op){ .unit = unit, .func = cmd,
							   .kind = kind,
							   .addr = OTW_ADDR_NONE });
		if (next == 0 || next < 64 || !otw_cur_skip(&m, next))
			return;
	}
}

/* The next NUL-terminated string of an SMB1 byte block (Unicode strings
 * are 2-byte aligned from the header start h0). */
static bool smb1_string(struct otw_cur *b, const uint8_t *h0, bool unicode,
			struct otw_cur *out)
{
	const uint8_t *p;

	if (unicode && ((size_t)(b->p - h0) & 1) && !otw_cur_skip(b, 1))
		return false;
	for (p = b->p; p < b->end; p += unicode ? 2 : 1) {
		if (unicode ? (p + 1 < b->end && p[0] == 0 && p[1] == 0) : p[0] == 0) {
			out->p = b->p;
			out->end = p;
			b->p = p + (unicode ? 2 : 1);
			return true;
		}
	}
	return false;
}

/* SESSION_SETUP_ANDX (MS-CIFS §2.2.4.53, extended security
 * §2.2.4.6): after the parameter words and the security blob or
 * passwords come NativeOS and NativeLanMan. The request's account name
 * is stepped over, never read. */
static void smb1_session_setup(struct otw_cur h, const uint8_t *h0, bool resp,
			       bool unicode, struct otw_dctx *x)
{
	struct otw_cur w, b, str;
	uint8_t wc;
	uint16_t bc, blob = 0, pw1 = 0, pw2 = 0;
	char s[OTW_ATTR_VAL_MAX];
	size_t n;

	if (!otw_cur_u8(&h, &wc) || !otw_cur_sub(&h, (size_t)wc * 2, &w) ||
	    !otw_cur_u16le(&h, &bc))
		return;
	b = h;
	if (otw_cur_left(&b) > bc)
		b.end = b.p + bc;
	if (resp && wc == 4) { /* AndX(4), Action, SecurityBlobLength */
		if (!otw_cur_skip(&w, 6) || !otw_cur_u16le(&w, &blob))
			return;
	} else if (!resp && wc == 12) { /* ..., SecurityBlobLength at word 7 */
		if (!otw_cur_skip(&w, 14) || !otw_cur_u16le(&w, &blob))
			return;
	} else if (!resp && wc == 13) { /* passwords at words 7, 8 */
		if (!otw_cur_skip(&w, 14) || !otw_cur_u16le(&w, &pw1) ||
		    !otw_cur_u16le(&w, &pw2))
			return;
		blob = (uint16_t)(pw1 + pw2);
	} else if (!(resp && wc == 3)) {
		return;
	}
	if (!otw_cur_skip(&b, blob))
		return;
	if (!resp && wc == 13 && (!smb1_string(&b, h0, unicode, &str) || /* account */
				  !smb1_string(&b, h0, unicode, &str)))  /* domain */
		return;
	if (!smb1_string(&b, h0, unicode, &str))
		return;
	n = smb_str(str.p, otw_cur_left(&str), unicode, s, sizeof(s));
	otw_attr_report(x, true, OTW_ATTR_OS, s, n);
	if (resp && smb1_string(&b, h0, unicode, &str)) {
		n = smb_str(str.p, otw_cur_left(&str), unicode, s, sizeof(s));
		otw_attr_report(x, true, OTW_ATTR_SERVER, s, n);
	}
}

/* SMB1 header (MS-CIFS §2.2.3.1). */
static void smb1_msg(struct otw_cur m, struct otw_dctx *x)
{
	struct otw_cur h = m;
	uint8_t cmd, flags;
	uint16_t flags2;
	uint32_t status;
	uint8_t kind;

	if (!otw_cur_skip(&h, 4) || !otw_cur_u8(&h, &cmd) || !otw_cur_u32le(&h, &status) ||
	    !otw_cur_u8(&h, &flags) || !otw_cur_u16le(&h, &flags2) ||
	    !otw_cur_skip(&h, 32 - 12))
		return;
	kind = !(flags & 0x80) ? OTW_OPK_REQUEST
	       : (status >= 0xc0000000u && status != NT_MORE_PROCESSING)
		       ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
	if (cmd == 0x73) { /* SESSION_SETUP_ANDX: NTLMSSP in the security blob */
		smb_ntlmssp(h, x);
		if (kind != OTW_OPK_EXCEPTION)
			smb1_session_setup(h, m.p, flags & 0x80, flags2 & 0x8000, x);
	}
	if (cmd == 0x72 && kind == OTW_OPK_RESPONSE)
		otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "smb 1", 5);
	otw_op_report(x, &(struct otw_op){ .func = (uint16_t)(0x100 + cmd), .kind = kind,
					   .addr = OTW_ADDR_NONE });
}

/* NetBIOS name (RFC 1001 §14.1 first-level encoding) of 32 bytes. */
static void nbss_name(struct otw_dctx *x, bool of_src, struct otw_cur *c)
{
	uint8_t len, half[32];
	char s[16];
	size_t n = 0;

	if (!otw_cur_u8(c, &len) || len != 32 || !otw_cur_bytes(c, half, 32) ||
	    !otw_cur_skip(c, 1))
		return;
	for (unsigned i = 0; i < 15; i++) {
		unsigned hi = (unsigned)half[2 * i] - 'A', lo = (unsigned)half[2 * i + 1] - 'A';
		if (hi > 15 || lo > 15)
			return;
		s[n++] = (char)(hi << 4 | lo);
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || s[0] == '*') /* "*SMBSERVER": a wildcard, not a name */
		return;
	otw_attr_report(x, of_src, OTW_ATTR_NAME, s, n);
}

static enum otw_verdict smb_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct smb_state st;
	unsigned d = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap)
		st.rem[d] = 0;
	while (otw_cur_left(c) > 0) {
		uint8_t type, b1;
		uint16_t b23;
		uint32_t len;
		struct otw_cur m;
		uint8_t magic[4];

		if (st.rem[d] > 0) {
			size_t n = otw_cur_left(c) < st.rem[d] ? otw_cur_left(c) : st.rem[d];
			(void)otw_cur_skip(c, n);
			st.rem[d] -= (uint32_t)n;
			continue;
		}
		if (!otw_cur_u8(c, &type) || !otw_cur_u8(c, &b1) || !otw_cur_u16be(c, &b23)) {
			c->p = c->end; /* a cut header: resync on the next */
			v = OTW_SHORT;
			break;
		}
		len = (uint32_t)b1 << 16 | b23;
		if (type != 0x00 && type != 0x81 && type != 0x82 && type != 0x83 &&
		    type != 0x84 && type != 0x85) {
			v = OTW_MALFORMED;
			c->p = c->end;
			break;
		}
		if (len > NBSS_MAX) {
			v = OTW_MALFORMED;
			c->p = c->end;
			break;
		}
		if (!otw_cur_sub(c, len, &m)) {
			st.rem[d] = len - (uint32_t)otw_cur_left(c);
			m = *c;
			c->p = c->end;
		}
		if (type == 0x81) { /* session request: called, calling name */
			nbss_name(x, false, &m);
			nbss_name(x, true, &m);
			otw_op_report(x, &(struct otw_op){ .func = SMB_F_NBSS_REQ,
							   .kind = OTW_OPK_REQUEST,
							   .addr = OTW_ADDR_NONE });
			continue;
		}
		if (type == 0x82 || type == 0x83) {
			otw_op_report(x, &(struct otw_op){
				.func = SMB_F_NBSS_REQ,
				.kind = type == 0x82 ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION,
				.addr = OTW_ADDR_NONE });
			continue;
		}
		if (type != 0x00 || len == 0) /* keep-alive, retarget */
			continue;
		{
			struct otw_cur t = m;
			if (!otw_cur_bytes(&t, magic, 4))
				continue;
		}
		if (memcmp(magic, "\xfeSMB", 4) == 0)
			smb2_msg(m, x);
		else if (memcmp(magic, "\xffSMB", 4) == 0)
			smb1_msg(m, x);
		else if (memcmp(magic, "\xfdSMB", 4) == 0 || memcmp(magic, "\xfcSMB", 4) == 0)
			otw_op_report(x, &(struct otw_op){
				.func = SMB_F_ENC,
				.kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE,
				.addr = OTW_ADDR_NONE });
		else
			v = OTW_MALFORMED;
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static bool smb_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t t, m0, m1;
	(void)x;
	if (!otw_cur_peek_u8(c, 0, &t))
		return false;
	if (t == 0x81 || t == 0x85) /* NBSS session request, keep-alive */
		return otw_cur_left(c) == 4 || t == 0x81;
	return t == 0 && otw_cur_peek_u8(c, 4, &m0) && otw_cur_peek_u8(c, 5, &m1) &&
	       (m0 == 0xff || m0 == 0xfe || m0 == 0xfd) && m1 == 'S' &&
	       otw_cur_left(c) >= 8 && memcmp(c->p + 6, "MB", 2) == 0;
}

static const struct otw_dissector dis_smb = {
	.name = "smb",
	.app = OTW_APP_SMB,
	.l4 = IPPROTO_TCP,
	.port = SMB_PORT,
	.probe = smb_probe,
	.dissect = smb_dissect,
	.op_name = smb_op_name,
};

static const struct otw_dissector dis_nbss = {
	.name = "smb-netbios",
	.app = OTW_APP_SMB,
	.l4 = IPPROTO_TCP,
	.port = NBSS_PORT,
	.probe = smb_probe,
	.dissect = smb_dissect,
	.op_name = smb_op_name,
};

const struct otw_dissector *const otw_plugin_smb[] = { &dis_smb, &dis_nbss, NULL };
