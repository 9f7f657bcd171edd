/* IEEE 802.3 length frames with an 802.2 LLC header: spanning tree BPDUs
 * (DSAP 0x42, IEEE 802.1D-2004 §9 / 802.1Q §14; Cisco PVST+ on SNAP
 * 00-00-0C/0x010B) and CDP (SNAP 00-00-0C/0x2000). STP senders are
 * bridges; CDP names its sender (device id, platform, software version,
 * addresses, port, capabilities, native VLAN). */
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

/* STP func: the BPDU type (0 configuration, 2 RST/MST, 0x80 TCN);
 * unit: the protocol version (0 STP, 2 RSTP, 3 MSTP). CDP func 1. */
#define CDP_ANNOUNCE 1

static const char *llc_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app == OTW_APP_STP) {
		*cat = OTW_CAT_MONITOR;
		switch (func) {
		case 0x00: return "config_bpdu";
		case 0x02: return "rst_bpdu";
		case 0x80: return "tcn_bpdu";
		default: return NULL;
		}
	}
	if (app == OTW_APP_CDP && func == CDP_ANNOUNCE) {
		*cat = OTW_CAT_MONITOR;
		return "announce";
	}
	return NULL;
}

/* BPDU (802.1D §9.3): protocol id 0, version, type. */
static enum otw_verdict llc_stp(struct otw_cur *c, struct otw_dctx *x)
{
	uint16_t pid;
	uint8_t ver, type;

	if (!otw_cur_u16be(c, &pid) || !otw_cur_u8(c, &ver) || !otw_cur_u8(c, &type))
		return OTW_MALFORMED;
	if (pid != 0 || (type != 0x00 && type != 0x02 && type != 0x80))
		return OTW_MALFORMED;
	/* configuration: flags 1, root id 8, cost 4, bridge id 8, port 2,
	 * 4 timers; RST adds version-1 length 1 */
	if (type != 0x80 && otw_cur_left(c) < 31)
		return OTW_MALFORMED;
	x->app = OTW_APP_STP;
	otw_op_report(x, &(struct otw_op){ .app = OTW_APP_STP, .unit = ver, .func = type,
					   .kind = OTW_OPK_REQUEST, .addr = OTW_ADDR_NONE });
	otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, "bridge", 6);
	otw_attr_report(x, true, OTW_ATTR_ROLE, "switch", 6);
	return OTW_OK;
}

/* CDP address list (type 2 and 0x16): first IPv4 address (NLPID 0xcc). */
static void cdp_addrs(struct otw_cur v, struct otw_dctx *x)
{
	uint32_t cnt;

	if (!otw_cur_u32be(&v, &cnt))
		return;
	for (uint32_t i = 0; i < cnt && i < 16; i++) {
		uint8_t ptype, plen, proto = 0;
		uint16_t alen;
		struct otw_cur pr, a;
		if (!otw_cur_u8(&v, &ptype) || !otw_cur_u8(&v, &plen) ||
		    !otw_cur_sub(&v, plen, &pr) || !otw_cur_u16be(&v, &alen) ||
		    !otw_cur_sub(&v, alen, &a))
			return;
		(void)otw_cur_u8(&pr, &proto);
		if (ptype == 1 && plen == 1 && proto == 0xcc && alen == 4 &&
		    (a.p[0] | a.p[1] | a.p[2] | a.p[3]) != 0) {
			char s[16];
			int k = snprintf(s, sizeof(s), "%u.%u.%u.%u", a.p[0], a.p[1],
					 a.p[2], a.p[3]);
			if (k > 0)
				otw_attr_report(x, true, OTW_ATTR_MGMT_ADDR, s, (size_t)k);
			return;
		}
	}
}

/* "Version 12.2(44)SE," in the software version text: the version. */
static void cdp_version(const struct otw_cur *v, struct otw_dctx *x)
{
	size_t n = otw_cur_left(v);
	const uint8_t *p = v->p;

	for (size_t i = 0; i + 8 < n; i++) {
		if (memcmp(p + i, "Version ", 8) != 0)
			continue;
		size_t j = i + 8, e = j;
		while (e < n && p[e] != ',' && p[e] != ' ' && p[e] != '\n' && p[e] != '\r')
			e++;
		if (e > j && p[j] >= '0' && p[j] <= '9')
			otw_attr_report(x, true, OTW_ATTR_FIRMWARE, (const char *)p + j, e - j);
		return;
	}
}

/* CDP (Cisco): version, TTL, checksum, then type/length/value TLVs whose
 * length counts the 4-byte header. */
static enum otw_verdict llc_cdp(struct otw_cur *c, struct otw_dctx *x)
{
	uint8_t ver, ttl;
	uint16_t vlan = 0;

	if (!otw_cur_u8(c, &ver) || !otw_cur_u8(c, &ttl) || !otw_cur_skip(c, 2) ||
	    ver < 1 || ver > 2)
		return OTW_MALFORMED;
	x->app = OTW_APP_CDP;
	while (otw_cur_left(c) >= 4) {
		uint16_t type = 0, len = 0;
		struct otw_cur v;
		(void)otw_cur_u16be(c, &type);
		(void)otw_cur_u16be(c, &len);
		if (len < 4 || !otw_cur_sub(c, len - 4u, &v))
			return OTW_MALFORMED;
		switch (type) {
		case 0x01: /* Device ID */
			otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)v.p,
					otw_cur_left(&v));
			break;
		case 0x02: /* Addresses */
		case 0x16: /* Management addresses */
			cdp_addrs(v, x);
			break;
		case 0x03: /* Port ID */
			otw_attr_report(x, true, OTW_ATTR_PORT_ID, (const char *)v.p,
					otw_cur_left(&v));
			break;
		case 0x04: { /* Capabilities */
			static const char *const caps[] = {
				"router", "trans-bridge", "source-route-bridge", "switch",
				"host", "igmp", "repeater", "phone", "remote-managed",
			};
			uint32_t cap;
			char s[OTW_ATTR_VAL_MAX + 1];
			int k = 0;
			if (!otw_cur_u32be(&v, &cap))
				break;
			for (unsigned i = 0; i < 9; i++) {
				int r;
				if (!(cap & (1u << i)))
					continue;
				r = snprintf(s + k, sizeof(s) - (size_t)k, "%s%s", k ? "," : "",
					     caps[i]);
				if (r < 0 || (size_t)(k + r) >= sizeof(s))
					break;
				k += r;
			}
			if (k > 0)
				otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, s, (size_t)k);
			if (cap & 0x0f) /* router, bridges, switch */
				otw_attr_report(x, true, OTW_ATTR_ROLE, "switch", 6);
			break;
		}
		case 0x05: { /* Software version: first line, and its version */
			const uint8_t *nl = memchr(v.p, '\n', otw_cur_left(&v));
			size_t l = nl ? (size_t)(nl - v.p) : otw_cur_left(&v);
			otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, (const char *)v.p, l);
			cdp_version(&v, x);
			break;
		}
		case 0x06: /* Platform */
			otw_attr_report(x, true, OTW_ATTR_PLATFORM, (const char *)v.p,
					otw_cur_left(&v));
			otw_attr_report(x, true, OTW_ATTR_MODEL, (const char *)v.p,
					otw_cur_left(&v));
			break;
		case 0x0a: /* Native VLAN */
			(void)otw_cur_u16be(&v, &vlan);
			break;
		default:
			break;
		}
	}
	otw_op_report(x, &(struct otw_op){ .app = OTW_APP_CDP, .unit = vlan,
					   .func = CDP_ANNOUNCE, .kind = OTW_OPK_REQUEST,
					   .addr = OTW_ADDR_NONE });
	return OTW_OK;
}

static enum otw_verdict llc_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint8_t dsap, ssap, ctrl;
	uint16_t len = x->pkt->ethertype;

	/* the 802.3 length field bounds the LLC PDU (the rest is padding) */
	if (len < 0x0600 && otw_cur_left(c) > len)
		c->end = c->p + len;
	if (!otw_cur_u8(c, &dsap) || !otw_cur_u8(c, &ssap) || !otw_cur_u8(c, &ctrl))
		return OTW_SHORT;
	if ((ctrl & 3) != 3) /* I/S frames: a second control byte, not ours */
		return OTW_OK;
	if (dsap == 0x42 && ssap == 0x42)
		return llc_stp(c, x);
	if (dsap == 0xaa && ssap == 0xaa) {
		uint8_t oui[3];
		uint16_t pid;
		if (!otw_cur_bytes(c, oui, 3) || !otw_cur_u16be(c, &pid))
			return OTW_SHORT;
		if (memcmp(oui, "\x00\x00\x0c", 3) != 0)
			return OTW_OK;
		if (pid == 0x2000)
			return llc_cdp(c, x);
		if (pid == 0x010b) /* PVST+ */
			return llc_stp(c, x);
	}
	return OTW_OK;
}

static const struct otw_dissector dis_llc = {
	.name = "llc",
	.app = OTW_APP_STP,
	.l4 = 0,
	.ethertype = OTW_ETHERTYPE_LLC,
	.dissect = llc_dissect,
	.op_name = llc_op_name,
};

const struct otw_dissector *const otw_plugin_llc[] = { &dis_llc, NULL };
