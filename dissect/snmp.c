/* SNMP v1 (RFC 1157), v2c (RFC 1901, PDUs RFC 3416) and v3 (RFC 3412
 * message, RFC 3414 USM) on UDP 161 (agent) and 162 (trap receiver).
 * func = PDU type (context tag 0..8), unit = version field (0 v1, 1 v2c,
 * 3 v3). Community strings and v3 user names are never stored. System
 * group values in responses (sysDescr, sysObjectID, sysName) become
 * identity facts of the agent. A private minimal BER reader: definite
 * lengths only, at most 4 length bytes. See docs/protocols/snmp.md. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define SNMP_PORT 161
#define SNMP_TRAP_PORT 162
#define SNMP_MAX_VB 64       /* varbinds looked at per PDU */
#define FUNC_ENCRYPTED 15    /* v3 scopedPDU encrypted: type unknown */

#define SNMP_PENDING 4

/* Per-flow state: request ids awaiting a Response-PDU, whose type names
 * the request they answer (RFC 3416 §4.2: same request-id). */
struct snmp_state {
	uint32_t reqid[SNMP_PENDING];
	uint8_t func[SNMP_PENDING];
	uint8_t n;
	uint8_t next;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct snmp_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* RFC 3416 §3 PDU tags [0]..[8]; [4] is the SNMPv1 Trap-PDU. */
static const struct opname snmp_ops[16] = {
	[0] = { "get", OTW_CAT_READ },
	[1] = { "get_next", OTW_CAT_READ },
	[2] = { "response", OTW_CAT_READ },
	[3] = { "set", OTW_CAT_WRITE },
	[4] = { "trap", OTW_CAT_MONITOR },
	[5] = { "get_bulk", OTW_CAT_READ },
	[6] = { "inform", OTW_CAT_MONITOR },
	[7] = { "trap_v2", OTW_CAT_MONITOR },
	[8] = { "report", OTW_CAT_DIAG },
	[FUNC_ENCRYPTED] = { "encrypted_pdu", OTW_CAT_OTHER },
};

static const char *snmp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_SNMP || func >= 16 || snmp_ops[func].name == NULL)
		return NULL;
	*cat = snmp_ops[func].cat;
	return snmp_ops[func].name;
}

/* ---- tiny BER reader (X.690 §8.1) --------------------------------------- */

/* Read one TLV with a one-byte tag: *tag, and *v covering its value. */
static bool ber_tlv(struct otw_cur *c, uint8_t *tag, struct otw_cur *v)
{
	uint8_t t, l;
	size_t len;

	if (!otw_cur_u8(c, &t) || (t & 0x1f) == 0x1f || !otw_cur_u8(c, &l))
		return false;
	if (l < 0x80) {
		len = l;
	} else {
		unsigned n = l & 0x7f;
		if (n == 0 || n > 4) /* indefinite or absurd */
			return false;
		len = 0;
		for (unsigned i = 0; i < n; i++) {
			uint8_t b;
			if (!otw_cur_u8(c, &b))
				return false;
			len = len << 8 | b;
		}
	}
	*tag = t;
	return otw_cur_sub(c, len, v);
}

static bool ber_expect(struct otw_cur *c, uint8_t want, struct otw_cur *v)
{
	uint8_t t;

	return ber_tlv(c, &t, v) && t == want;
}

/* INTEGER that fits 32 bits (sign-extended). */
static bool ber_int(struct otw_cur *c, int32_t *out)
{
	struct otw_cur v;
	uint8_t b;
	uint32_t acc;

	if (!ber_expect(c, 0x02, &v) || otw_cur_left(&v) == 0 ||
	    otw_cur_left(&v) > 5)
		return false;
	(void)otw_cur_u8(&v, &b);
	acc = (b & 0x80) ? 0xffffff00u | b : b;
	while (otw_cur_u8(&v, &b))
		acc = acc << 8 | b;
	*out = (int32_t)acc;
	return true;
}

/* Dotted text of an OID value; returns length (0 on a bad encoding).
 * *arc7 gets the 7th arc (the enterprise of 1.3.6.1.4.1.N...). */
static size_t oid_text(struct otw_cur v, char *out, size_t cap, uint32_t *arc7)
{
	size_t n = 0;
	unsigned arcs = 0;
	uint32_t a = 0;
	uint8_t b;
	unsigned bytes = 0;

	*arc7 = 0;
	while (otw_cur_u8(&v, &b)) {
		if (++bytes > 5)
			return 0;
		a = a << 7 | (b & 0x7f);
		if (b & 0x80)
			continue;
		uint32_t parts[2] = { a, 0 };
		unsigned np = 1;
		if (arcs == 0) { /* first byte holds two arcs (X.690 §8.19.4) */
			parts[0] = a < 80 ? a / 40 : 2;
			parts[1] = a < 80 ? a % 40 : a - 80;
			np = 2;
		}
		for (unsigned i = 0; i < np; i++) {
			char d[10];
			unsigned k = 0;
			uint32_t x = parts[i];
			do {
				d[k++] = (char)('0' + x % 10);
				x /= 10;
			} while (x != 0);
			if (n + k + 1 > cap)
				return 0;
			if (n > 0)
				out[n++] = '.';
			while (k > 0)
				out[n++] = d[--k];
			if (++arcs == 7)
				*arc7 = parts[i];
		}
		a = 0;
		bytes = 0;
	}
	return bytes == 0 ? n : 0;
}

/* ---- identity ------------------------------------------------------------ */

/* 1.3.6.1.2.1.1.N.0 (system group, RFC 3418) encoded, without N and .0. */
static const uint8_t SYS_PFX[] = { 0x2b, 6, 1, 2, 1, 1 };

/* Enterprise numbers (IANA "enterprise-numbers" registry; the IT ones
 * cross-checked against Scapy's IANA_ENTERPRISE_NUMBERS excerpt). */
static const struct {
	uint32_t pen;
	const char *vendor;
} pens[] = {
	{ 9, "Cisco" },
	{ 11, "Hewlett-Packard" },
	{ 43, "3Com" },
	{ 248, "Hirschmann" },
	{ 311, "Microsoft" },
	{ 2021, "Net-SNMP" },
	{ 2636, "Juniper Networks" },
	{ 4329, "Siemens" },
	{ 4346, "Phoenix Contact" },
	{ 4526, "Netgear" },
	{ 8072, "Net-SNMP" },
	{ 8691, "Moxa" },
};

/* sysDescr substrings that name an operating system. */
static const struct {
	const char *needle;
	const char *os;
} os_hints[] = {
	{ "Linux", "Linux" },
	{ "Windows", "Windows" },
	{ "Cisco IOS", "Cisco IOS" },
	{ "Cisco NX-OS", "Cisco NX-OS" },
	{ "JUNOS", "Junos" },
	{ "VxWorks", "VxWorks" },
	{ "FreeBSD", "FreeBSD" },
	{ "SunOS", "SunOS" },
	{ "Darwin", "macOS" },
};

static void sys_descr(const struct otw_dctx *x, const uint8_t *s, size_t n)
{
	otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, (const char *)s, n);
	for (size_t i = 0; i < sizeof(os_hints) / sizeof(os_hints[0]); i++) {
		if (memmem(s, n, os_hints[i].needle, strlen(os_hints[i].needle))) {
			otw_attr_report(x, true, OTW_ATTR_OS, os_hints[i].os,
					strlen(os_hints[i].os));
			return;
		}
	}
}

static void sys_object_id(const struct otw_dctx *x, struct otw_cur v)
{
	static const uint8_t ENT[] = { 0x2b, 6, 1, 4, 1 }; /* 1.3.6.1.4.1 */
	char buf[128]; /* the engine keeps the first OTW_ATTR_VAL_MAX */
	uint32_t pen;
	size_t n = oid_text(v, buf, sizeof(buf), &pen);

	if (n == 0)
		return;
	otw_attr_report(x, true, OTW_ATTR_PRODUCT_CODE, buf, n);
	if (otw_cur_left(&v) <= sizeof(ENT) || memcmp(v.p, ENT, sizeof(ENT)) != 0)
		return;
	for (size_t i = 0; i < sizeof(pens) / sizeof(pens[0]); i++) {
		if (pens[i].pen == pen) {
			char d[12];
			size_t k = 0, m = 0;
			do {
				d[k++] = (char)('0' + pen % 10);
				pen /= 10;
			} while (pen != 0);
			while (k > 0)
				buf[m++] = d[--k];
			otw_attr_report(x, true, OTW_ATTR_VENDOR_ID, buf, m);
			otw_attr_report(x, true, OTW_ATTR_VENDOR, pens[i].vendor,
					strlen(pens[i].vendor));
			return;
		}
	}
}

/* Response varbinds: system group values become facts of the sender. */
static void varbinds(const struct otw_dctx *x, struct otw_cur vbl)
{
	for (unsigned i = 0; i < SNMP_MAX_VB && otw_cur_left(&vbl) > 0; i++) {
		struct otw_cur vb, oid, val;
		uint8_t vt;
		if (!ber_expect(&vbl, 0x30, &vb) || !ber_expect(&vb, 0x06, &oid) ||
		    !ber_tlv(&vb, &vt, &val))
			return;
		if (otw_cur_left(&oid) != sizeof(SYS_PFX) + 2 ||
		    memcmp(oid.p, SYS_PFX, sizeof(SYS_PFX)) != 0 ||
		    oid.p[sizeof(SYS_PFX) + 1] != 0)
			continue;
		switch (oid.p[sizeof(SYS_PFX)]) {
		case 1: /* sysDescr */
			if (vt == 0x04)
				sys_descr(x, val.p, otw_cur_left(&val));
			break;
		case 2: /* sysObjectID */
			if (vt == 0x06)
				sys_object_id(x, val);
			break;
		case 5: /* sysName */
			if (vt == 0x04)
				otw_attr_report(x, true, OTW_ATTR_NAME,
						(const char *)val.p,
						otw_cur_left(&val));
			break;
		default:
			break;
		}
	}
}

/* ---- messages ------------------------------------------------------------ */

static bool snmp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	struct otw_cur m = *c, msg;
	int32_t ver;

	(void)x;
	return ber_expect(&m, 0x30, &msg) && ber_int(&msg, &ver) &&
	       (ver == 0 || ver == 1 || ver == 3);
}

/* The PDU at c (tag 0xa0..0xa8): report it; facts from responses. */
static enum otw_verdict pdu(struct otw_cur *c, struct otw_dctx *x, int32_t ver,
			    bool community)
{
	struct otw_cur body;
	uint8_t tag;
	int32_t reqid, err = 0, erridx;
	unsigned func;
	struct otw_op op = { .unit = (uint16_t)ver, .addr = OTW_ADDR_NONE };

	if (!ber_tlv(c, &tag, &body))
		return OTW_MALFORMED;
	if (tag < 0xa0 || tag > 0xa8)
		return OTW_MALFORMED;
	func = tag & 0x1f;
	op.func = (uint16_t)func;
	if (func == 4) { /* v1 Trap-PDU: enterprise, agent-addr, ... */
		op.kind = OTW_OPK_REQUEST;
		otw_op_report(x, &op);
		if (community)
			otw_attr_report(x, true, OTW_ATTR_CAPABILITIES,
					"snmp-cleartext-community", 24);
		return OTW_OK;
	}
	if (!ber_int(&body, &reqid) || !ber_int(&body, &err) ||
	    !ber_int(&body, &erridx))
		return OTW_MALFORMED;
	/* getbulk reuses the two fields as non-repeaters/max-repetitions */
	bool resp = func == 2 || func == 8;
	op.kind = !resp ? OTW_OPK_REQUEST
		  : err != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE;
	if (x->state != NULL) {
		struct snmp_state st;
		memcpy(&st, x->state, sizeof(st));
		if (func == 2) { /* count it under the request it answers */
			for (unsigned i = 0; i < st.n; i++) {
				if (st.reqid[i] != (uint32_t)reqid)
					continue;
				op.func = st.func[i];
				st.n--;
				st.reqid[i] = st.reqid[st.n];
				st.func[i] = st.func[st.n];
				break;
			}
		} else if (func != 4 && func != 7 && func != 8) {
			unsigned i = st.n;
			if (st.n < SNMP_PENDING) {
				st.n++;
			} else {
				i = st.next;
				st.next = (uint8_t)((st.next + 1) % SNMP_PENDING);
			}
			st.reqid[i] = (uint32_t)reqid;
			st.func[i] = (uint8_t)func;
		}
		memcpy(x->state, &st, sizeof(st));
	}
	otw_op_report(x, &op);
	if (community) { /* the agent: who answers, or who is asked */
		bool agent_is_src = resp || func == 7 || func == 6;
		otw_attr_report(x, agent_is_src, OTW_ATTR_CAPABILITIES,
				"snmp-cleartext-community", 24);
	}
	if (func == 2 && err == 0) {
		struct otw_cur vbl;
		if (ber_expect(&body, 0x30, &vbl))
			varbinds(x, vbl);
	}
	return OTW_OK;
}

static enum otw_verdict snmp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur msg, v;
	int32_t ver;

	if (!ber_expect(c, 0x30, &msg))
		return OTW_MALFORMED;
	if (!ber_int(&msg, &ver))
		return OTW_MALFORMED;
	if (ver == 0 || ver == 1) {
		/* community: skipped, never copied */
		if (!ber_expect(&msg, 0x04, &v))
			return OTW_MALFORMED;
		return pdu(&msg, x, ver, true);
	}
	if (ver != 3)
		return OTW_MALFORMED;
	/* RFC 3412 §6: msgGlobalData, msgSecurityParameters, msgData */
	struct otw_cur hdr, flags;
	int32_t id, maxsize, model;
	uint8_t f = 0, t;
	if (!ber_expect(&msg, 0x30, &hdr) || !ber_int(&hdr, &id) ||
	    !ber_int(&hdr, &maxsize) || !ber_expect(&hdr, 0x04, &flags) ||
	    !ber_int(&hdr, &model) || !ber_expect(&msg, 0x04, &v))
		return OTW_MALFORMED;
	(void)otw_cur_u8(&flags, &f);
	if (!ber_tlv(&msg, &t, &v))
		return OTW_MALFORMED;
	if (t == 0x04 || (f & 0x02)) { /* privFlag: encryptedPDU */
		otw_op_report(x, &(struct otw_op){
			.unit = 3, .func = FUNC_ENCRYPTED, .addr = OTW_ADDR_NONE,
			.kind = (f & 0x04) || x->from_client ? OTW_OPK_REQUEST
							     : OTW_OPK_RESPONSE });
		return OTW_OK;
	}
	if (t != 0x30)
		return OTW_MALFORMED;
	/* ScopedPDU: contextEngineID, contextName, PDU */
	struct otw_cur ce, cn;
	if (!ber_expect(&v, 0x04, &ce) || !ber_expect(&v, 0x04, &cn))
		return OTW_MALFORMED;
	return pdu(&v, x, 3, false);
}

static const struct otw_dissector dis_snmp = {
	.name = "snmp",
	.app = OTW_APP_SNMP,
	.l4 = IPPROTO_UDP,
	.port = SNMP_PORT,
	.probe = snmp_probe,
	.dissect = snmp_dissect,
	.op_name = snmp_op_name,
};

static const struct otw_dissector dis_snmptrap = {
	.name = "snmp",
	.app = OTW_APP_SNMP,
	.l4 = IPPROTO_UDP,
	.port = SNMP_TRAP_PORT,
	.probe = snmp_probe,
	.dissect = snmp_dissect,
	.op_name = snmp_op_name,
};

const struct otw_dissector *const otw_plugin_snmp[] = { &dis_snmp, &dis_snmptrap,
							NULL };
