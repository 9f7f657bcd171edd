/* otw_class: passive device classification. A table of rules, each with a
 * type, a weight and a human-readable reason, is run over what the
 * inventory knows of one device (facts, served/used protocols and ports,
 * the operations it issued as a client); the weights of the rules that
 * fired are summed per type and the best type wins. Its confidence is the
 * sum capped at 99; its evidence is the reasons of its rules.
 * See docs/inventory.md for the table. */
#ifndef OTW_CLASS_H
#define OTW_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#define OTW_CLASS_MAP(X)       \
	X(UNKNOWN, "unknown")  \
	X(PLC, "plc")          \
	X(RTU, "rtu")          \
	X(IED, "ied")          \
	X(HMI, "hmi")          \
	X(ENGINEERING, "engineering") \
	X(HISTORIAN, "historian") \
	X(SCADA, "scada")      \
	X(SWITCH, "switch")    \
	X(ROUTER, "router")    \
	X(FIREWALL, "firewall") \
	X(PRINTER, "printer")  \
	X(WORKSTATION, "workstation") \
	X(SERVER, "server")    \
	X(CAMERA, "camera")    \
	X(IOT, "iot")

enum otw_dev_type {
#define OTW_CLASS_ENUM(id, s) OTW_DT_##id,
	OTW_CLASS_MAP(OTW_CLASS_ENUM)
#undef OTW_CLASS_ENUM
	OTW_DT__COUNT
};

const char *otw_dev_type_name(enum otw_dev_type t);
/* Type named s ("plc") or, for the ROLE vocabulary of dissectors, the type
 * it maps to ("io" -> plc, "gateway" -> router); OTW_DT_UNKNOWN if none. */
enum otw_dev_type otw_dev_type_from_role(const char *s);

/* Server ports the classifier looks at (bit per entry). */
enum otw_class_port {
	OTW_CP_DNS = 1u << 0,      /* 53 */
	OTW_CP_DHCP = 1u << 1,     /* 67 */
	OTW_CP_NTP = 1u << 2,      /* 123 */
	OTW_CP_HTTP = 1u << 3,     /* 80, 443, 8080 */
	OTW_CP_SMB = 1u << 4,      /* 445, 139 */
	OTW_CP_RDP = 1u << 5,      /* 3389 */
	OTW_CP_VNC = 1u << 6,      /* 5900 */
	OTW_CP_PRINT = 1u << 7,    /* 9100, 631, 515 */
	OTW_CP_RTSP = 1u << 8,     /* 554 */
	OTW_CP_HISTORIAN = 1u << 9, /* 5450 PI, 14000 Proficy */
	OTW_CP_LDAP = 1u << 10,    /* 389, 88 */
	OTW_CP_SQL = 1u << 11,     /* 1433 */
	OTW_CP_SNMP = 1u << 12,    /* 161 */
	OTW_CP_SSH = 1u << 13,     /* 22 */
};

/* Port bit of a server port, 0 if not one the classifier uses. */
unsigned otw_class_port_bit(uint16_t port);

/* Everything the rules look at, filled by the inventory. Strings may be
 * NULL. */
struct otw_class_in {
	uint64_t apps_served, apps_used; /* bit (1 << enum otw_app) */
	unsigned ports_served;           /* OTW_CP_* */
	bool router;                     /* MAC carries routed IPs */
	unsigned router_nets;            /* distinct /24s behind it */
	bool ip_is_gw_like;              /* x.x.x.1 or x.x.x.254 */
	const char *role;                /* best ROLE fact */
	unsigned role_tier;              /* its precedence tier (5 = OT) */
	const char *role_app;            /* protocol that taught it */
	const char *vendor;              /* chosen vendor (facts or OUI) */
	const char *os, *name, *capabilities, *user_agent;
	/* as a client of OT protocols (from ops) */
	unsigned ot_servers;             /* distinct OT servers polled */
	uint64_t ot_requests;            /* requests issued */
	uint64_t ot_writes;              /* of category write */
	uint64_t ot_control;             /* control */
	uint64_t ot_program;             /* program + firmware */
	const char *program_app;         /* an app of the program ops */
	unsigned max_read_funcs;         /* most distinct read/diag funcs
					    on one server */
	double span_s;                   /* observation span (whole inventory) */
	unsigned ot_clients;             /* distinct clients of its OT apps */
};

#define OTW_CLASS_EVIDENCE_MAX 6
#define OTW_CLASS_REASON_LEN 96

struct otw_class_out {
	enum otw_dev_type type;
	uint8_t confidence;              /* 0..99 */
	unsigned n_evidence;
	char evidence[OTW_CLASS_EVIDENCE_MAX][OTW_CLASS_REASON_LEN];
};

void otw_classify(const struct otw_class_in *in, struct otw_class_out *out);

#endif
