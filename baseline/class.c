/* class.c: the rule table of passive classification (see class.h and
 * docs/inventory.md). Each rule names a type, a weight and a reason
 * format; its match function says whether it fires and fills the %s of
 * the reason. Weights: a role stated by an OT protocol is near-certain
 * (90); a server/client behaviour in an OT protocol is strong (50-70);
 * a service port is medium (30-50); vendor, OS and name hints are weak
 * (10-30) and only decide alone when nothing else is known. */
#include "class.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "otw_app.h"

static const char *const type_names[OTW_DT__COUNT] = {
#define OTW_CLASS_NAME(id, s) [OTW_DT_##id] = s,
	OTW_CLASS_MAP(OTW_CLASS_NAME)
#undef OTW_CLASS_NAME
};

const char *otw_dev_type_name(enum otw_dev_type t)
{
	return (unsigned)t < OTW_DT__COUNT ? type_names[t] : "unknown";
}

enum otw_dev_type otw_dev_type_from_role(const char *s)
{
	static const struct { const char *role; enum otw_dev_type t; } alias[] = {
		{ "io", OTW_DT_PLC }, { "drive", OTW_DT_PLC },
		{ "controller", OTW_DT_PLC }, { "gateway", OTW_DT_ROUTER },
		{ "outstation", OTW_DT_RTU }, { "master", OTW_DT_SCADA },
		{ "bridge", OTW_DT_SWITCH },
	};

	if (s == NULL)
		return OTW_DT_UNKNOWN;
	for (int t = 1; t < OTW_DT__COUNT; t++)
		if (strcasecmp(s, type_names[t]) == 0)
			return (enum otw_dev_type)t;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcasecmp(s, alias[i].role) == 0)
			return alias[i].t;
	return OTW_DT_UNKNOWN;
}

unsigned otw_class_port_bit(uint16_t port)
{
	switch (port) {
	case 53: return OTW_CP_DNS;
	case 67: return OTW_CP_DHCP;
	case 123: return OTW_CP_NTP;
	case 80: case 443: case 8080: return OTW_CP_HTTP;
	case 139: case 445: return OTW_CP_SMB;
	case 3389: return OTW_CP_RDP;
	case 5900: return OTW_CP_VNC;
	case 515: case 631: case 9100: return OTW_CP_PRINT;
	case 554: return OTW_CP_RTSP;
	case 5450: case 14000: return OTW_CP_HISTORIAN;
	case 88: case 389: return OTW_CP_LDAP;
	case 1433: return OTW_CP_SQL;
	case 161: return OTW_CP_SNMP;
	case 22: return OTW_CP_SSH;
	default: return 0;
	}
}

#define BIT(a) ((uint64_t)1 << (a))

/* Case-insensitive substring. */
static bool has(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	if (s == NULL)
		return false;
	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

static bool has_any(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (has(s, *list))
			return true;
	return false;
}

/* Continuous polling vs sporadic sessions need a long enough window. */
#define SPAN_MIN_S 300.0
#define POLL_RATE 0.05 /* requests/s above which a client "polls" */

static bool polls(const struct otw_class_in *in)
{
	return in->span_s < SPAN_MIN_S ||
	       (double)in->ot_requests / in->span_s >= POLL_RATE;
}

struct rule;
typedef bool (*match_fn)(const struct otw_class_in *in,
			 const struct rule *r, char *d, size_t n);

struct rule {
	enum otw_dev_type type; /* OTW_DT_UNKNOWN: the match decides */
	uint8_t weight;
	const char *reason;     /* printf format with one %s */
	match_fn match;
	uint64_t apps;          /* for the app-set rules */
	const char *const *words; /* for the word-list rules */
};

/* %s = the first app of set that is in mask. */
static bool app_in(uint64_t mask, uint64_t set, char *d, size_t n)
{
	for (unsigned a = 1; a < 64; a++)
		if ((mask & set) >> a & 1) {
			snprintf(d, n, "%s", otw_app_name(a));
			return true;
		}
	return false;
}

static bool m_served(const struct otw_class_in *in, const struct rule *r,
		     char *d, size_t n)
{
	return app_in(in->apps_served, r->apps, d, n);
}

static bool m_used(const struct otw_class_in *in, const struct rule *r,
		   char *d, size_t n)
{
	return app_in(in->apps_used | in->apps_served, r->apps, d, n);
}

static bool m_port(const struct otw_class_in *in, const struct rule *r,
		   char *d, size_t n)
{
	(void)d;
	(void)n;
	return (in->ports_served & (unsigned)r->apps) != 0;
}

static bool m_router(const struct otw_class_in *in, const struct rule *r,
		     char *d, size_t n)
{
	(void)r;
	(void)d;
	(void)n;
	return in->router;
}

static bool m_program(const struct otw_class_in *in, const struct rule *r,
		      char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%s", in->program_app ? in->program_app : "?");
	return in->ot_program > 0;
}

static bool m_control(const struct otw_class_in *in, const struct rule *r,
		      char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%llu", (unsigned long long)in->ot_control);
	return in->ot_control > 0 && in->ot_program == 0;
}

static bool m_browse(const struct otw_class_in *in, const struct rule *r,
		     char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%u", in->max_read_funcs);
	return in->max_read_funcs >= 4;
}

static bool m_sporadic(const struct otw_class_in *in, const struct rule *r,
		       char *d, size_t n)
{
	(void)r;
	if (in->ot_requests == 0 || polls(in))
		return false;
	snprintf(d, n, "%.2g", (double)in->ot_requests / in->span_s);
	return true;
}

static bool m_hmi(const struct otw_class_in *in, const struct rule *r,
		  char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%u", in->ot_servers);
	return in->ot_servers >= 1 && in->ot_writes > 0 && polls(in) &&
	       in->ot_servers < 5;
}

static bool m_scada(const struct otw_class_in *in, const struct rule *r,
		    char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%u", in->ot_servers);
	return in->ot_servers >= 5 && polls(in);
}

static bool m_historian(const struct otw_class_in *in, const struct rule *r,
			char *d, size_t n)
{
	(void)r;
	snprintf(d, n, "%u", in->ot_servers);
	return in->ot_servers >= 2 && in->ot_writes == 0 &&
	       in->ot_control == 0 && in->ot_program == 0 && polls(in) &&
	       in->max_read_funcs < 4;
}

static bool m_word(const char *s, const struct rule *r, char *d, size_t n)
{
	if (!has_any(s, r->words))
		return false;
	snprintf(d, n, "%s", s);
	return true;
}

static bool m_vendor(const struct otw_class_in *in, const struct rule *r,
		     char *d, size_t n)
{
	return m_word(in->vendor, r, d, n);
}

static bool m_os(const struct otw_class_in *in, const struct rule *r,
		 char *d, size_t n)
{
	return m_word(in->os, r, d, n);
}

static bool m_caps(const struct otw_class_in *in, const struct rule *r,
		   char *d, size_t n)
{
	return m_word(in->capabilities, r, d, n);
}

/* Name hints match whole tokens at the start of a token ("hmi-01",
 * "plant-hmi2"), not any substring ("schmidt"). */
static bool m_name(const struct otw_class_in *in, const struct rule *r,
		   char *d, size_t n)
{
	const char *s = in->name;

	if (s == NULL)
		return false;
	for (const char *p = s; *p; p++) {
		if (p != s && isalnum((unsigned char)p[-1]))
			continue;
		for (const char *const *w = r->words; *w; w++) {
			size_t k = strlen(*w);
			if (strncasecmp(p, *w, k) == 0 &&
			    !isalpha((unsigned char)p[k])) {
				snprintf(d, n, "%s", s);
				return true;
			}
		}
	}
	return false;
}

static bool m_gwip(const struct otw_class_in *in, const struct rule *r,
		   char *d, size_t n)
{
	(void)r;
	(void)d;
	(void)n;
	return in->ip_is_gw_like && in->apps_used == 0 &&
	       in->ot_requests == 0 && in->apps_served == 0;
}

static bool m_client_only(const struct otw_class_in *in, const struct rule *r,
			  char *d, size_t n)
{
	(void)r;
	(void)d;
	(void)n;
	return in->user_agent != NULL ||
	       (in->apps_used != 0 && in->apps_served == 0 &&
		in->ports_served == 0 && in->ot_requests == 0);
}

static const uint64_t plc_apps = BIT(OTW_APP_MODBUS) | BIT(OTW_APP_S7COMM) |
	BIT(OTW_APP_S7COMMPLUS) | BIT(OTW_APP_ENIP) | BIT(OTW_APP_PROFINET) |
	BIT(OTW_APP_UMAS) | BIT(OTW_APP_ENIP_IO) | BIT(OTW_APP_PNIO_CM) |
	BIT(OTW_APP_ETHERCAT);

static const char *const w_plc_vendors[] = { "siemens", "rockwell",
	"allen-bradley", "schneider", "telemecanique", "wago", "phoenix contact",
	"beckhoff", "omron", "mitsubishi electric", "b&r", "yokogawa",
	"emerson", "honeywell", "moxa", "hilscher", "pilz", "festo", "abb",
	"ge fanuc", "ge intelligent", "koyo", "delta electronics", NULL };
static const char *const w_net_vendors[] = { "cisco", "juniper", "arista",
	"mikrotik", "ubiquiti", "extreme networks", "aruba", NULL };
static const char *const w_sw_vendors[] = { "hirschmann", "ruggedcom",
	"westermo", "netgear", "tp-link", NULL };
static const char *const w_fw_vendors[] = { "fortinet", "palo alto",
	"check point", "sonicwall", "watchguard", NULL };
static const char *const w_pc_vendors[] = { "dell", "hewlett", "lenovo",
	"intel", "microsoft", "apple", "asustek", "vmware", "super micro",
	"fujitsu", NULL };
static const char *const w_iot_vendors[] = { "raspberry", "espressif",
	"tuya", "shelly", "sonos", "nest", "amazon", NULL };
static const char *const w_cam_vendors[] = { "axis", "hikvision", "dahua",
	"hanwha", "vivotek", "mobotix", NULL };
static const char *const w_prn_vendors[] = { "brother", "lexmark", "kyocera",
	"xerox", "ricoh", "canon", "zebra", "konica", NULL };
static const char *const w_os_server[] = { "server", NULL };
static const char *const w_os_pc[] = { "windows", "mac os", "macos", NULL };
static const char *const w_cap_router[] = { "router", NULL };
static const char *const w_cap_switch[] = { "bridge", "switch", NULL };
static const char *const w_cap_phone[] = { "phone", NULL };
static const char *const w_cap_server[] = { "server", NULL };
static const char *const w_n_hmi[] = { "hmi", "panel", NULL };
static const char *const w_n_eng[] = { "ews", "eng", "engineering", NULL };
static const char *const w_n_hist[] = { "hist", "historian", "pi", NULL };
static const char *const w_n_plc[] = { "plc", "cpu", NULL };
static const char *const w_n_rtu[] = { "rtu", NULL };
static const char *const w_n_scada[] = { "scada", NULL };
static const char *const w_n_srv[] = { "srv", "server", "dc", "ns", "dns",
	"ad", NULL };
static const char *const w_n_rtr[] = { "gw", "rtr", "router", "gateway",
	NULL };
static const char *const w_n_fw[] = { "fw", "firewall", NULL };
static const char *const w_n_sw[] = { "sw", "switch", NULL };

#define R(t, w, why, fn) { OTW_DT_##t, w, why, fn, 0, NULL }
#define RA(t, w, why, fn, set) { OTW_DT_##t, w, why, fn, set, NULL }
#define RW(t, w, why, fn, list) { OTW_DT_##t, w, why, fn, 0, list }

static const struct rule rules[] = {
	/* OT protocol roles */
	RA(PLC, 60, "serves %s (controller side)", m_served, plc_apps),
	RA(RTU, 60, "serves %s (outstation)", m_served, BIT(OTW_APP_DNP3)),
	RA(RTU, 65, "serves %s (controlled station)", m_served,
	   BIT(OTW_APP_IEC104)),
	RA(IED, 60, "serves %s (IEC 61850 server)", m_served,
	   BIT(OTW_APP_MMS)),
	RA(IED, 60, "speaks %s (IEC 61850 publisher)", m_used,
	   BIT(OTW_APP_GOOSE) | BIT(OTW_APP_SV)),
	RA(PLC, 40, "serves %s (building controller)", m_served,
	   BIT(OTW_APP_BACNET)),
	RA(SCADA, 30, "serves %s (OPC UA server)", m_served,
	   BIT(OTW_APP_OPCUA)),
	RA(HISTORIAN, 50, "serves a historian port%s", m_port,
	   OTW_CP_HISTORIAN),
	R(ENGINEERING, 70, "issued program/firmware operations (%s)",
	  m_program),
	R(ENGINEERING, 45, "issued %s control operations (start/stop/mode)",
	  m_control),
	R(ENGINEERING, 35,
	  "read every data table of a controller (%s read functions): upload/"
	  "browse", m_browse),
	R(ENGINEERING, 25, "sporadic OT sessions (%s requests/s), not polling",
	  m_sporadic),
	R(HMI, 50, "polls %s OT server(s) and writes to them", m_hmi),
	R(SCADA, 60, "polls %s OT servers", m_scada),
	R(HISTORIAN, 55,
	  "polls %s OT servers read-only (data collection, no writes)",
	  m_historian),
	/* network roles */
	R(ROUTER, 80, "its MAC is the source of IPs of several /24 networks%s (routed)",
	  m_router),
	RW(ROUTER, 70, "capabilities '%s'", m_caps, w_cap_router),
	RW(SWITCH, 60, "capabilities '%s'", m_caps, w_cap_switch),
	RW(IOT, 40, "capabilities '%s'", m_caps, w_cap_phone),
	RW(SERVER, 30, "announced service '%s'", m_caps, w_cap_server),
	R(ROUTER, 15, "gateway-like address (.1/.254) and no traffic of its "
	  "own%s", m_gwip),
	/* services */
	RA(SERVER, 40, "serves DNS%s", m_port, OTW_CP_DNS),
	RA(SERVER, 40, "serves DHCP%s", m_port, OTW_CP_DHCP),
	RA(SERVER, 30, "serves LDAP/Kerberos%s", m_port, OTW_CP_LDAP),
	RA(SERVER, 30, "serves SQL%s", m_port, OTW_CP_SQL),
	RA(SERVER, 20, "serves NTP%s", m_port, OTW_CP_NTP),
	RA(SERVER, 20, "serves SMB%s", m_port, OTW_CP_SMB),
	RA(PRINTER, 50, "serves a printing port%s", m_port, OTW_CP_PRINT),
	RA(CAMERA, 40, "serves RTSP%s", m_port, OTW_CP_RTSP),
	RA(WORKSTATION, 20, "serves RDP%s", m_port, OTW_CP_RDP),
	RA(HMI, 15, "serves VNC%s", m_port, OTW_CP_VNC),
	R(WORKSTATION, 10, "client-only IT traffic%s", m_client_only),
	/* hints: vendor, OS, name */
	RW(PLC, 15, "vendor %s makes controllers", m_vendor, w_plc_vendors),
	RW(ROUTER, 25, "vendor %s makes network equipment", m_vendor,
	   w_net_vendors),
	RW(SWITCH, 25, "vendor %s makes switches", m_vendor, w_sw_vendors),
	RW(FIREWALL, 30, "vendor %s makes firewalls", m_vendor, w_fw_vendors),
	RW(WORKSTATION, 10, "vendor %s makes PCs", m_vendor, w_pc_vendors),
	RW(IOT, 20, "vendor %s makes IoT devices", m_vendor, w_iot_vendors),
	RW(CAMERA, 40, "vendor %s makes cameras", m_vendor, w_cam_vendors),
	RW(PRINTER, 40, "vendor %s makes printers", m_vendor, w_prn_vendors),
	RW(SERVER, 30, "OS %s", m_os, w_os_server),
	RW(WORKSTATION, 20, "OS %s", m_os, w_os_pc),
	RW(HMI, 25, "name %s", m_name, w_n_hmi),
	RW(ENGINEERING, 25, "name %s", m_name, w_n_eng),
	RW(HISTORIAN, 25, "name %s", m_name, w_n_hist),
	RW(PLC, 25, "name %s", m_name, w_n_plc),
	RW(RTU, 25, "name %s", m_name, w_n_rtu),
	RW(SCADA, 25, "name %s", m_name, w_n_scada),
	RW(SERVER, 15, "name %s", m_name, w_n_srv),
	RW(ROUTER, 20, "name %s", m_name, w_n_rtr),
	RW(FIREWALL, 25, "name %s", m_name, w_n_fw),
	RW(SWITCH, 20, "name %s", m_name, w_n_sw),
};

void otw_classify(const struct otw_class_in *in, struct otw_class_out *out)
{
	unsigned score[OTW_DT__COUNT] = { 0 };
	bool fired[sizeof(rules) / sizeof(rules[0])] = { false };
	char d[64];
	enum otw_dev_type role_t = otw_dev_type_from_role(in->role);
	unsigned role_w = 0, best = OTW_DT_UNKNOWN;

	memset(out, 0, sizeof(*out));
	/* a role stated by a protocol: 90 from an OT protocol, less from
	 * weaker sources (same tiers as the identity precedence) */
	if (role_t != OTW_DT_UNKNOWN) {
		role_w = in->role_tier >= 5 ? 90 : in->role_tier == 4 ? 70 : 40;
		score[role_t] += role_w;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		d[0] = 0;
		if (rules[i].match(in, &rules[i], d, sizeof(d))) {
			fired[i] = true;
			score[rules[i].type] += rules[i].weight;
		}
	}
	for (unsigned t = 1; t < OTW_DT__COUNT; t++)
		if (score[t] > score[best])
			best = t;
	if (score[best] < 10) {
		out->type = OTW_DT_UNKNOWN;
		return;
	}
	out->type = (enum otw_dev_type)best;
	out->confidence = (uint8_t)(score[best] > 99 ? 99 : score[best]);
	if (role_t == best && out->n_evidence < OTW_CLASS_EVIDENCE_MAX)
		snprintf(out->evidence[out->n_evidence++],
			 OTW_CLASS_REASON_LEN, "role '%s' reported by %s",
			 in->role, in->role_app ? in->role_app : "?");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (!fired[i] || rules[i].type != best ||
		    out->n_evidence == OTW_CLASS_EVIDENCE_MAX)
			continue;
		d[0] = 0;
		rules[i].match(in, &rules[i], d, sizeof(d));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(out->evidence[out->n_evidence++],
			 OTW_CLASS_REASON_LEN, rules[i].reason, d);
#pragma GCC diagnostic pop
	}
}
