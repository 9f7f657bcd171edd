/* LLDP (IEEE 802.1AB-2016 §8): the LLDPDU's TLVs name its sender: system
 * name, description, capabilities, management address, port id; the IEEE
 * 802.1 port VLAN id is the op's unit. Other organisationally specific
 * TLVs (802.3, PROFINET, TIA MED) are skipped by their length. */
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define ETH_LLDP 0x88cc

enum {
	LLDP_ADVERTISE = 1, /* an LLDPDU with TTL > 0 */
	LLDP_SHUTDOWN = 2,  /* TTL 0: the port is going down (§9.2.7.1.1) */
};

static const char *lldp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_LLDP)
		return NULL;
	*cat = OTW_CAT_MONITOR;
	if (func == LLDP_ADVERTISE)
		return "advertise";
	if (func == LLDP_SHUTDOWN)
		return "shutdown";
	return NULL;
}

/* System capabilities bits (§8.5.8.1, Table 8-4). */
static const char *const lldp_caps[11] = {
	"other", "repeater", "bridge", "wlan-ap", "router", "telephone",
	"docsis", "station", "c-vlan", "s-vlan", "tpmr",
};

static int fmt_mac(char *s, size_t n, const uint8_t *m)
{
	return snprintf(s, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			m[4], m[5]);
}

/* An IP address in IANA address family numbering (1 IPv4, 2 IPv6). */
static int fmt_addr(char *s, size_t n, uint8_t family, const struct otw_cur *a)
{
	const uint8_t *p = a->p;
	size_t len = otw_cur_left(a);

	if (family == 1 && len == 4)
		return snprintf(s, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	if (family == 2 && len == 16) {
		int k = 0;
		for (unsigned i = 0; i < 16 && k >= 0 && (size_t)k < n; i += 2)
			k += snprintf(s + k, n - (size_t)k, "%s%x", i ? ":" : "",
				      (unsigned)p[i] << 8 | p[i + 1]);
		return k;
	}
	return -1;
}

static bool lldp_text(uint8_t sub, bool port)
{
	/* chassis: 1 chassis component, 2 interface alias, 3 port component,
	 * 6 interface name, 7 local; port: 1 alias, 2 port component,
	 * 5 interface name, 7 local (§8.5.2.2, §8.5.3.2) */
	if (port)
		return sub == 1 || sub == 2 || sub == 5 || sub == 7;
	return sub == 1 || sub == 2 || sub == 3 || sub == 6 || sub == 7;
}

/* A station name: letters, digits, '-', '.', '_', with a letter. */
static bool lldp_is_name(const struct otw_cur *v)
{
	bool alpha = false;

	if (otw_cur_left(v) == 0)
		return false;
	for (const uint8_t *p = v->p; p < v->end; p++) {
		if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
			alpha = true;
		else if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			return false;
	}
	return alpha;
}

static enum otw_verdict lldp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct otw_cur chassis = { NULL, NULL }, port = { NULL, NULL };
	uint8_t chassis_sub = 0;
	uint16_t pvid = 0, ttl = 0xffff;
	bool have_name = false, ended = false;
	unsigned n = 0;
	char s[OTW_ATTR_VAL_MAX + 1];
	int k;

	while (otw_cur_left(c) > 0) {
		uint16_t th;
		unsigned type, len;
		struct otw_cur v;

		if (!otw_cur_u16be(c, &th))
			return OTW_MALFORMED;
		type = th >> 9;
		len = th & 0x1ff;
		if (!otw_cur_sub(c, len, &v))
			return OTW_MALFORMED;
		/* chassis id, port id and TTL come first, in that order */
		if ((n == 0 && type != 1) || (n == 1 && type != 2) || (n == 2 && type != 3))
			return OTW_MALFORMED;
		n++;
		switch (type) {
		case 0: /* End of LLDPDU */
			ended = true;
			break;
		case 1: /* Chassis ID */
			if (!otw_cur_u8(&v, &chassis_sub) || otw_cur_left(&v) == 0)
				return OTW_MALFORMED;
			chassis = v;
			break;
		case 2: { /* Port ID */
			uint8_t sub;
			if (!otw_cur_u8(&v, &sub) || otw_cur_left(&v) == 0)
				return OTW_MALFORMED;
			if (lldp_text(sub, true)) {
				otw_attr_report(x, true, OTW_ATTR_PORT_ID, (const char *)v.p,
						otw_cur_left(&v));
				port = v;
			} else if (sub == 3 && otw_cur_left(&v) == 6) {
				if ((k = fmt_mac(s, sizeof(s), v.p)) > 0)
					otw_attr_report(x, true, OTW_ATTR_PORT_ID, s, (size_t)k);
			} else if (sub == 4) {
				uint8_t fam;
				if (otw_cur_u8(&v, &fam) &&
				    (k = fmt_addr(s, sizeof(s), fam, &v)) > 0)
					otw_attr_report(x, true, OTW_ATTR_PORT_ID, s, (size_t)k);
			}
			break;
		}
		case 3: /* Time To Live */
			if (!otw_cur_u16be(&v, &ttl))
				return OTW_MALFORMED;
			break;
		case 4: /* Port Description */
			break;
		case 5: /* System Name */
			otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)v.p,
					otw_cur_left(&v));
			have_name = otw_cur_left(&v) > 0;
			break;
		case 6: /* System Description */
			otw_attr_report(x, true, OTW_ATTR_DESCRIPTION, (const char *)v.p,
					otw_cur_left(&v));
			break;
		case 7: { /* System Capabilities: supported, enabled */
			uint16_t sup, en;
			k = 0;
			if (!otw_cur_u16be(&v, &sup) || !otw_cur_u16be(&v, &en))
				return OTW_MALFORMED;
			en &= sup;
			for (unsigned i = 0; i < 11; i++) {
				int r;
				if (!(en & (1u << i)))
					continue;
				r = snprintf(s + k, sizeof(s) - (size_t)k, "%s%s", k ? "," : "",
					     lldp_caps[i]);
				if (r < 0 || (size_t)(k + r) >= sizeof(s))
					break;
				k += r;
			}
			if (k > 0)
				otw_attr_report(x, true, OTW_ATTR_CAPABILITIES, s, (size_t)k);
			/* a bridge or router that is not also an end station
			 * (PLCs and HMIs with a 2-port switch say "station") */
			if ((en & 0x14) && !(en & 0x80))
				otw_attr_report(x, true, OTW_ATTR_ROLE, "switch", 6);
			break;
		}
		case 8: { /* Management Address: len, subtype, address, ... */
			uint8_t alen, fam;
			struct otw_cur a;
			if (!otw_cur_u8(&v, &alen) || alen < 2 || !otw_cur_sub(&v, alen, &a) ||
			    !otw_cur_u8(&a, &fam))
				return OTW_MALFORMED;
			if ((k = fmt_addr(s, sizeof(s), fam, &a)) > 0)
				otw_attr_report(x, true, OTW_ATTR_MGMT_ADDR, s, (size_t)k);
			break;
		}
		case 127: { /* Organizationally Specific: OUI, subtype */
			uint8_t oui[3], sub;
			if (!otw_cur_bytes(&v, oui, 3) || !otw_cur_u8(&v, &sub))
				return OTW_MALFORMED;
			/* IEEE 802.1 (00-80-C2) Port VLAN ID (802.1Q Annex D.2.1) */
			if (memcmp(oui, "\x00\x80\xc2", 3) == 0 && sub == 1)
				(void)otw_cur_u16be(&v, &pvid);
			break;
		}
		default:
			break;
		}
		if (ended)
			break;
	}
	if (n < 3)
		return OTW_MALFORMED;
	/* no System Name: a locally assigned chassis id names the station
	 * (PROFINET devices put their NameOfStation there) */
	if (!have_name && chassis.p != NULL && chassis_sub == 7 &&
	    lldp_is_name(&chassis)) {
		otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)chassis.p,
				otw_cur_left(&chassis));
	} else if (!have_name && port.p != NULL && otw_cur_left(&port) > 9 &&
		   memcmp(port.p, "port-", 5) == 0) {
		/* PROFINET (IEC 61158-6-10): "port-001.<NameOfStation>" when
		 * the chassis id holds the device's type string instead */
		const uint8_t *dot = memchr(port.p, '.', otw_cur_left(&port));
		struct otw_cur nm = { dot ? dot + 1 : port.end, port.end };
		if (lldp_is_name(&nm))
			otw_attr_report(x, true, OTW_ATTR_NAME, (const char *)nm.p,
					otw_cur_left(&nm));
	}
	otw_op_report(x, &(struct otw_op){ .unit = (uint16_t)(pvid & 0xfff),
					   .func = ttl == 0 ? LLDP_SHUTDOWN : LLDP_ADVERTISE,
					   .kind = OTW_OPK_REQUEST, .addr = OTW_ADDR_NONE });
	return OTW_OK;
}

static const struct otw_dissector dis_lldp = {
	.name = "lldp",
	.app = OTW_APP_LLDP,
	.l4 = 0,
	.ethertype = ETH_LLDP,
	.dissect = lldp_dissect,
	.op_name = lldp_op_name,
};

const struct otw_dissector *const otw_plugin_lldp[] = { &dis_lldp, NULL };
