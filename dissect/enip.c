/* EtherNet/IP encapsulation (ODVA CIP Networks Library Vol. 2, ch. 2) with
 * the CIP explicit messages it carries (Vol. 1, ch. 2 and 4, appendix A/C),
 * and CIP implicit I/O on UDP 2222 (Vol. 2 §3-2.2).
 *
 * Operation encoding (docs/protocols/enip-cip.md):
 *   unit = CIP class id (low 16 bits; 0 for symbolic paths and for
 *          encapsulation commands), addr = instance id.
 *   func = 0x00SS   CIP common service SS (< 0x4B), or object-specific
 *                   service SS on a symbolic / class-less path (Logix tags)
 *          0xCCSS   object-specific service SS (>= 0x4B) of class CC
 *                   (1..0xFE), or a configuration Set on class CC
 *          0xFFCC   encapsulation command CC with no CIP inside
 *   enip-io: unit = low 16 bits of the connection id, func = 1 (io_data),
 *          addr = connection id; one request per I/O packet.
 * On TCP the engine frames the stream by the encapsulation header
 * (enip_pdu_len) and reassembles PDUs cut by segment boundaries; one over
 * its buffer cap is parsed as far as it goes. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define ENIP_PORT 44818
#define ENIP_IO_PORT 2222
#define ENIP_HDR 24
#define ENIP_FUNC_ENCAP 0xFF00u
#define ENIP_FUNC_IO 1u

/* Encapsulation commands (Vol. 2 table 2-3.2). */
#define CMD_NOP 0x0000
#define CMD_LIST_SERVICES 0x0004
#define CMD_LIST_IDENTITY 0x0063
#define CMD_LIST_INTERFACES 0x0064
#define CMD_REGISTER 0x0065
#define CMD_UNREGISTER 0x0066
#define CMD_SEND_RR 0x006F
#define CMD_SEND_UNIT 0x0070
#define CMD_INDICATE_STATUS 0x0072
#define CMD_CANCEL 0x0073

/* Common packet format item types (Vol. 2 table 2-6.3). */
#define CPF_NULL 0x0000
#define CPF_IDENTITY 0x000C
#define CPF_CONN_ADDR 0x00A1
#define CPF_CONN_DATA 0x00B1
#define CPF_UNCONN_DATA 0x00B2
#define CPF_SEQ_ADDR 0x8002

/* CIP classes and services used below (Vol. 1 §4-4, table 5-1.1). */
#define CLS_IDENTITY 0x01
#define CLS_MSG_ROUTER 0x02
#define CLS_CONN_MGR 0x06
#define SVC_GET_ALL 0x01
#define SVC_MSP 0x0A
#define SVC_UCS 0x52

#define MSP_SLOTS 12
#define ENIP_PEND 3
#define CIP_MAX_DEPTH 3

/* Per-flow state. */
struct enip_state {
	struct {
		uint8_t cls;  /* class of the last request of this service */
		uint8_t svc;  /* service | PEND_UCS; 0 = free */
	} pend[ENIP_PEND];    /* most recent first */
	uint8_t msp_n;        /* embedded services of the last MSP request */
	uint8_t msp_cls[MSP_SLOTS]; /* their classes */
	uint8_t pad[5];
};
#define PEND_UCS 0x80 /* the request came in an Unconnected_Send */
_Static_assert(sizeof(struct enip_state) == 24, "state layout");
_Static_assert(sizeof(struct enip_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* CIP common services (Vol. 1 appendix A table) and, above 0x4A,
 * Logix tag services on symbolic paths (Rockwell publication
 * 1756-PM020 "Logix 5000 Data Access"). */
static const struct opname cip_svc[128] = {
	[0x01] = { "get_attributes_all", OTW_CAT_READ },
	[0x02] = { "set_attributes_all", OTW_CAT_WRITE },
	[0x03] = { "get_attribute_list", OTW_CAT_READ },
	[0x04] = { "set_attribute_list", OTW_CAT_WRITE },
	[0x05] = { "reset", OTW_CAT_CONTROL },
	[0x06] = { "start", OTW_CAT_CONTROL },
	[0x07] = { "stop", OTW_CAT_CONTROL },
	[0x08] = { "create", OTW_CAT_CONFIG },
	[0x09] = { "delete", OTW_CAT_CONFIG },
	[0x0A] = { "multiple_service_packet", OTW_CAT_OTHER },
	[0x0D] = { "apply_attributes", OTW_CAT_CONFIG },
	[0x0E] = { "get_attribute_single", OTW_CAT_READ },
	[0x10] = { "set_attribute_single", OTW_CAT_WRITE },
	[0x11] = { "find_next_object_instance", OTW_CAT_READ },
	[0x14] = { "error_response", OTW_CAT_OTHER },
	[0x15] = { "restore", OTW_CAT_CONFIG },
	[0x16] = { "save", OTW_CAT_CONFIG },
	[0x17] = { "no_operation", OTW_CAT_OTHER },
	[0x18] = { "get_member", OTW_CAT_READ },
	[0x19] = { "set_member", OTW_CAT_WRITE },
	[0x1A] = { "insert_member", OTW_CAT_CONFIG },
	[0x1B] = { "remove_member", OTW_CAT_CONFIG },
	[0x1C] = { "group_sync", OTW_CAT_OTHER },
	[0x4C] = { "read_tag", OTW_CAT_READ },
	[0x4D] = { "write_tag", OTW_CAT_WRITE },
	[0x4E] = { "read_modify_write_tag", OTW_CAT_WRITE },
	[0x52] = { "read_tag_fragmented", OTW_CAT_READ },
	[0x53] = { "write_tag_fragmented", OTW_CAT_WRITE },
};

/* Class-qualified services. */
struct cls_op {
	uint16_t func;
	const char *name;
	const char *cat;
};
static const struct cls_op cip_cls_ops[] = {
	/* Connection Manager (Vol. 1 §3-5.5) */
	{ 0x064E, "forward_close", OTW_CAT_SESSION },
	{ 0x0652, "unconnected_send", OTW_CAT_OTHER },
	{ 0x0654, "forward_open", OTW_CAT_SESSION },
	{ 0x0656, "get_connection_data", OTW_CAT_DIAG },
	{ 0x0657, "search_connection_data", OTW_CAT_DIAG },
	{ 0x065A, "get_connection_owner", OTW_CAT_DIAG },
	{ 0x065B, "large_forward_open", OTW_CAT_SESSION },
	/* File object (Vol. 1 §5A-42): uploads read a file (often the
	 * device's EDS), downloads and clears replace it */
	{ 0x374B, "file_initiate_upload", OTW_CAT_FILE },
	{ 0x374C, "file_initiate_download", OTW_CAT_PROGRAM },
	{ 0x374D, "file_initiate_partial_read", OTW_CAT_FILE },
	{ 0x374E, "file_initiate_partial_write", OTW_CAT_PROGRAM },
	{ 0x374F, "file_upload_transfer", OTW_CAT_FILE },
	{ 0x3750, "file_download_transfer", OTW_CAT_PROGRAM },
	{ 0x3751, "file_clear", OTW_CAT_PROGRAM },
	/* PCCC object (Rockwell): legacy PLC-5/SLC commands tunnelled */
	{ 0x674B, "execute_pccc", OTW_CAT_OTHER },
	/* TCP/IP Interface and Ethernet Link objects (Vol. 2 §5-3, §5-4):
	 * a Set changes the network configuration */
	{ 0xF502, "set_tcpip_config", OTW_CAT_CONFIG },
	{ 0xF504, "set_tcpip_config", OTW_CAT_CONFIG },
	{ 0xF510, "set_tcpip_config", OTW_CAT_CONFIG },
	{ 0xF602, "set_ethernet_link_config", OTW_CAT_CONFIG },
	{ 0xF604, "set_ethernet_link_config", OTW_CAT_CONFIG },
	{ 0xF610, "set_ethernet_link_config", OTW_CAT_CONFIG },
	{ 0xF64C, "get_and_clear_counters", OTW_CAT_DIAG },
};

/* Is a Set on class cls given a class-qualified func? */
static bool cip_cfg_class(uint32_t cls)
{
	return cls == 0xF5 || cls == 0xF6;
}

/* Rockwell vendor-specific classes. 0xA1 carries ControlFLASH firmware
 * updates (openics EIP-FirmwareChange capture); the others are the
 * controller, program, routine and task objects that a Logix program
 * download creates and edits with services 0x4B..0x51 (openics
 * EIP-SoftwareDownload capture); their layout is not public. */
static bool cip_flash_class(unsigned cls)
{
	return cls == 0xA1;
}
static bool cip_logix_prog_class(unsigned cls)
{
	switch (cls) {
	case 0x68: case 0x69: case 0x6A: case 0x6D: case 0x70: case 0x72:
	case 0x73: case 0x74: case 0x7E: case 0x8E: case 0xAC:
		return true;
	default:
		return false;
	}
}

static const struct opname enip_cmds[] = {
	{ "nop", OTW_CAT_SESSION },
	{ "list_services", OTW_CAT_DIAG },
	{ "list_identity", OTW_CAT_DIAG },
	{ "list_interfaces", OTW_CAT_DIAG },
	{ "register_session", OTW_CAT_SESSION },
	{ "unregister_session", OTW_CAT_SESSION },
	{ "send_rr_data", OTW_CAT_OTHER },
	{ "send_unit_data", OTW_CAT_OTHER },
	{ "indicate_status", OTW_CAT_DIAG },
	{ "cancel", OTW_CAT_SESSION },
	{ "legacy_command", OTW_CAT_DIAG },
};

static int enip_cmd_index(unsigned cmd)
{
	switch (cmd) {
	case CMD_NOP: return 0;
	case CMD_LIST_SERVICES: return 1;
	case CMD_LIST_IDENTITY: return 2;
	case CMD_LIST_INTERFACES: return 3;
	case CMD_REGISTER: return 4;
	case CMD_UNREGISTER: return 5;
	case CMD_SEND_RR: return 6;
	case CMD_SEND_UNIT: return 7;
	case CMD_INDICATE_STATUS: return 8;
	case CMD_CANCEL: return 9;
	case 0x0001: case 0x0002: case 0x0003: return 10; /* Vol. 2: legacy */
	default: return -1;
	}
}

static const char *enip_op_name(unsigned app, unsigned func, const char **cat)
{
	unsigned cls = func >> 8, svc = func & 0xFF;

	if (app == OTW_APP_ENIP_IO) {
		if (func != ENIP_FUNC_IO)
			return NULL;
		*cat = OTW_CAT_MONITOR;
		return "io_data";
	}
	if (app != OTW_APP_ENIP)
		return NULL;
	if (cls == 0xFF) {
		int i = enip_cmd_index(svc);
		if (i < 0)
			return NULL;
		*cat = enip_cmds[i].cat;
		return enip_cmds[i].name;
	}
	if (svc >= 0x80)
		return NULL;
	if (cls == 0) {
		if (cip_svc[svc].name == NULL)
			return NULL;
		*cat = cip_svc[svc].cat;
		return cip_svc[svc].name;
	}
	for (size_t i = 0; i < sizeof(cip_cls_ops) / sizeof(cip_cls_ops[0]); i++) {
		if (cip_cls_ops[i].func == func) {
			*cat = cip_cls_ops[i].cat;
			return cip_cls_ops[i].name;
		}
	}
	if (cip_flash_class(cls)) {
		*cat = OTW_CAT_FIRMWARE;
		return "firmware_update_service";
	}
	if (cip_logix_prog_class(cls)) {
		switch (svc) {
		case 0x08:
			*cat = OTW_CAT_PROGRAM;
			return "logix_program_create";
		case 0x09:
			*cat = OTW_CAT_PROGRAM;
			return "logix_program_delete";
		case 0x4C: case 0x52:
			*cat = OTW_CAT_READ;
			return "logix_read_data";
		case 0x4D: case 0x53:
			*cat = OTW_CAT_WRITE;
			return "logix_write_data";
		default:
			*cat = OTW_CAT_PROGRAM;
			return "logix_program_service";
		}
	}
	if (cls >= 0x64 && cls <= 0xC7) { /* vendor-specific range */
		switch (svc) {
		case 0x4C: case 0x52:
			*cat = OTW_CAT_READ;
			return "vendor_read";
		case 0x4D: case 0x53:
			*cat = OTW_CAT_WRITE;
			return "vendor_write";
		default:
			break;
		}
	}
	*cat = OTW_CAT_OTHER;
	return "object_specific_service";
}

/* ---- CIP ---- */

static bool peek_u16le(const struct otw_cur *c, size_t off, uint16_t *v)
{
	uint8_t lo, hi;

	if (!otw_cur_peek_u8(c, off, &lo) || !otw_cur_peek_u8(c, off + 1, &hi))
		return false;
	*v = (uint16_t)(lo | hi << 8);
	return true;
}

/* What an EPATH addresses: the last class and instance segments. */
struct cip_path {
	uint32_t cls;
	uint32_t inst;
	bool has_cls;
	bool symbolic;
};

static bool cip_logical(struct otw_cur *c, unsigned fmt, uint32_t *v)
{
	uint8_t b;
	uint16_t w;

	switch (fmt) {
	case 0:
		if (!otw_cur_u8(c, &b))
			return false;
		*v = b;
		return true;
	case 1: /* pad byte, then 16 bits */
		if (!otw_cur_skip(c, 1) || !otw_cur_u16le(c, &w))
			return false;
		*v = w;
		return true;
	case 2:
		return otw_cur_skip(c, 1) && otw_cur_u32le(c, v);
	default:
		return false;
	}
}

/* Vol. 1 appendix C: padded EPATH. */
static bool cip_path_parse(struct otw_cur *c, struct cip_path *p)
{
	p->cls = 0;
	p->inst = OTW_ADDR_NONE;
	p->has_cls = false;
	p->symbolic = false;
	while (otw_cur_left(c) > 0) {
		uint8_t seg, n;
		uint32_t v;

		if (!otw_cur_u8(c, &seg))
			return false;
		switch (seg >> 5) {
		case 0: /* port segment */
			if (seg & 0x10) { /* extended link address */
				if (!otw_cur_u8(c, &n))
					return false;
				if ((seg & 0x0F) == 0x0F && !otw_cur_skip(c, 2))
					return false;
				if (!otw_cur_skip(c, n) ||
				    ((n & 1) && !otw_cur_skip(c, 1)))
					return false;
			} else {
				if ((seg & 0x0F) == 0x0F && !otw_cur_skip(c, 2))
					return false;
				if (!otw_cur_skip(c, 1))
					return false;
			}
			break;
		case 1: { /* logical segment */
			unsigned type = (seg >> 2) & 7, fmt = seg & 3;
			if (type == 5) { /* electronic key / special */
				if (!otw_cur_u8(c, &n) || !otw_cur_skip(c, n == 4 ? 8 : 0))
					return false;
				break;
			}
			if (!cip_logical(c, fmt, &v))
				return false;
			if (type == 0) {
				p->cls = v;
				p->has_cls = true;
				p->inst = OTW_ADDR_NONE;
			} else if (type == 1) {
				p->inst = v;
			}
			break;
		}
		case 2: /* network segment */
			if (seg == 0x50 || seg == 0x51) { /* extended: words */
				if (!otw_cur_u8(c, &n) || !otw_cur_skip(c, (size_t)n * 2))
					return false;
			} else if (!otw_cur_skip(c, 1)) {
				return false;
			}
			break;
		case 3: /* symbolic segment */
			p->symbolic = true;
			if (!otw_cur_skip(c, seg & 0x1F))
				return false;
			break;
		case 4: /* data segment */
			if (!otw_cur_u8(c, &n))
				return false;
			if (seg == 0x91) { /* ANSI extended symbol, padded */
				p->symbolic = true;
				if (!otw_cur_skip(c, (size_t)n + (n & 1)))
					return false;
			} else if (!otw_cur_skip(c, (size_t)n * 2)) {
				return false;
			}
			break;
		default:
			return false;
		}
	}
	return true;
}

static uint16_t cip_func(uint32_t cls, uint8_t svc)
{
	if (cls == 0 || cls >= 0xFF)
		return svc;
	if (svc >= 0x4B ||
	    (cip_cfg_class(cls) && (svc == 0x02 || svc == 0x04 || svc == 0x10)) ||
	    (cip_logix_prog_class(cls) && (svc == 0x08 || svc == 0x09)))
		return (uint16_t)(cls << 8 | svc);
	return svc;
}

static void cip_op(const struct otw_dctx *x, uint32_t cls, uint8_t svc,
		   uint32_t inst, uint8_t kind)
{
	struct otw_op op = {
		.unit = (uint16_t)cls,
		.func = cip_func(cls, svc),
		.kind = kind,
		.addr = inst,
	};
	otw_op_report(x, &op);
}

struct cip_ident {
	uint16_t vendor, devtype, prodcode;
	uint8_t rev_major, rev_minor;
	uint32_t serial;
	const uint8_t *name;
	uint8_t name_len;
};

/* Vendor ids: ODVA's list as shipped in Wireshark's packet-cip.c
 * (cip_vendor_vals); the few seen in automation networks. */
static const struct {
	uint16_t id;
	const char *name;
} cip_vendors[] = {
	{ 1, "Rockwell Automation/Allen-Bradley" },
	{ 5, "Rockwell Automation/Reliance Electric" },
	{ 40, "WAGO" },
	{ 44, "Yaskawa Electric" },
	{ 46, "ABB" },
	{ 47, "Omron" },
	{ 48, "Turck" },
	{ 57, "Pepperl+Fuchs" },
	{ 68, "Eaton" },
	{ 82, "Mitsubishi Electric" },
	{ 83, "Opto 22" },
	{ 90, "HMS Industrial Networks" },
	{ 108, "Beckhoff Automation" },
	{ 109, "National Instruments" },
	{ 145, "Siemens" },
	{ 161, "Mitsubishi Electric" },
	{ 176, "Red Lion Controls" },
	{ 243, "Schneider Electric" },
	{ 250, "Yokogawa Electric" },
	{ 256, "Turck" },
	{ 283, "Hilscher" },
	{ 309, "ProSoft Technology" },
	{ 315, "SEW-Eurodrive" },
	{ 326, "GE Fanuc Automation" },
	{ 345, "Endress+Hauser" },
	{ 356, "Fanuc Robotics" },
	{ 367, "Keyence" },
};

/* Device profiles (Vol. 1 table 6-7.1) and the ROLE they imply. */
static const struct {
	uint16_t type;
	const char *name;
	const char *role;
} cip_devtypes[] = {
	{ 0x00, "Generic Device", NULL },
	{ 0x02, "AC Drive", "drive" },
	{ 0x03, "Motor Overload", NULL },
	{ 0x04, "Limit Switch", NULL },
	{ 0x05, "Inductive Proximity Switch", NULL },
	{ 0x06, "Photoelectric Sensor", NULL },
	{ 0x07, "General Purpose Discrete I/O", "io" },
	{ 0x09, "Resolver", NULL },
	{ 0x0C, "Communications Adapter", NULL },
	{ 0x0E, "Programmable Logic Controller", "plc" },
	{ 0x10, "Position Controller", NULL },
	{ 0x13, "DC Drive", "drive" },
	{ 0x15, "Contactor", NULL },
	{ 0x16, "Motor Starter", NULL },
	{ 0x17, "Soft Start", NULL },
	{ 0x18, "Human-Machine Interface", "hmi" },
	{ 0x1A, "Mass Flow Controller", NULL },
	{ 0x1B, "Pneumatic Valve", NULL },
	{ 0x22, "Encoder", NULL },
	{ 0x23, "Safety Discrete I/O", "io" },
	{ 0x25, "CIP Motion Drive", "drive" },
	{ 0x2B, "Generic Device (keyable)", NULL },
};

static void attr_str(const struct otw_dctx *x, unsigned key, const char *s)
{
	otw_attr_report(x, true, key, s, strlen(s));
}

/* Identity facts about the packet's sender. routed: the identity came
 * through Unconnected_Send from a module behind the sender (a CPU in a
 * chassis slot): only its name (MODULE) and role are the sender's. */
static void cip_ident_report(const struct otw_dctx *x, const struct cip_ident *id,
			     bool routed)
{
	char b[24];
	int n;

	if (routed) {
		for (size_t i = 0; i < sizeof(cip_devtypes) / sizeof(cip_devtypes[0]); i++)
			if (cip_devtypes[i].type == id->devtype && cip_devtypes[i].role)
				attr_str(x, OTW_ATTR_ROLE, cip_devtypes[i].role);
		if (id->name_len > 0)
			otw_attr_report(x, true, OTW_ATTR_MODULE,
					(const char *)id->name, id->name_len);
		return;
	}

	n = snprintf(b, sizeof(b), "%u", id->vendor);
	otw_attr_report(x, true, OTW_ATTR_VENDOR_ID, b, (size_t)n);
	for (size_t i = 0; i < sizeof(cip_vendors) / sizeof(cip_vendors[0]); i++)
		if (cip_vendors[i].id == id->vendor)
			attr_str(x, OTW_ATTR_VENDOR, cip_vendors[i].name);
	for (size_t i = 0; i < sizeof(cip_devtypes) / sizeof(cip_devtypes[0]); i++) {
		if (cip_devtypes[i].type != id->devtype)
			continue;
		attr_str(x, OTW_ATTR_DEVICE_TYPE, cip_devtypes[i].name);
		if (cip_devtypes[i].role)
			attr_str(x, OTW_ATTR_ROLE, cip_devtypes[i].role);
		break;
	}
	n = snprintf(b, sizeof(b), "%u", id->prodcode);
	otw_attr_report(x, true, OTW_ATTR_PRODUCT_CODE, b, (size_t)n);
	n = snprintf(b, sizeof(b), "%u.%02u", id->rev_major, id->rev_minor);
	otw_attr_report(x, true, OTW_ATTR_FIRMWARE, b, (size_t)n);
	n = snprintf(b, sizeof(b), "0x%08x", id->serial);
	otw_attr_report(x, true, OTW_ATTR_SERIAL, b, (size_t)n);
	if (id->name_len > 0)
		otw_attr_report(x, true, OTW_ATTR_MODEL, (const char *)id->name,
				id->name_len);
}

/* Identity object instance attributes 1..7 (Vol. 1 §5A-2), the body of
 * both a ListIdentity item after its socket address and a
 * Get_Attributes_All reply on the Identity object. */
static bool cip_ident_parse(struct otw_cur *c, struct cip_ident *id)
{
	if (!otw_cur_u16le(c, &id->vendor) || !otw_cur_u16le(c, &id->devtype) ||
	    !otw_cur_u16le(c, &id->prodcode) || !otw_cur_u8(c, &id->rev_major) ||
	    !otw_cur_u8(c, &id->rev_minor) || !otw_cur_skip(c, 2) ||
	    !otw_cur_u32le(c, &id->serial) || !otw_cur_u8(c, &id->name_len))
		return false;
	id->name = c->p;
	return otw_cur_skip(c, id->name_len);
}

/* Remember the class of the latest request of service svc: a reply names
 * its service but not the object, and clients may pipeline requests. */
static void pend_put(struct enip_state *st, uint8_t svc, uint32_t cls, bool ucs)
{
	unsigned i;

	if (svc == 0)
		return;
	for (i = 0; i < ENIP_PEND - 1; i++)
		if ((st->pend[i].svc & 0x7F) == svc)
			break;
	for (; i > 0; i--)
		st->pend[i] = st->pend[i - 1];
	st->pend[0].svc = (uint8_t)(svc | (ucs ? PEND_UCS : 0));
	st->pend[0].cls = cls < 0x100 ? (uint8_t)cls : 0;
}

static int pend_find(const struct enip_state *st, uint8_t svc, bool ucs)
{
	for (int i = 0; i < ENIP_PEND; i++)
		if (st->pend[i].svc != 0 &&
		    (ucs ? (st->pend[i].svc & PEND_UCS) != 0
			 : (st->pend[i].svc & 0x7F) == svc))
			return i;
	return -1;
}

static void cip_request(const struct otw_dctx *x, struct enip_state *st,
			struct otw_cur *c, unsigned depth, bool top, bool ucs);

/* Walk the services of a Multiple_Service_Packet body (Vol. 1 § ):
 * count, offsets from the count field, services; calls fn on each. */
static void cip_msp_walk(struct otw_cur *body,
			 void (*fn)(void *arg, struct otw_cur *sub, unsigned i),
			 void *arg)
{
	struct otw_cur base = *body;
	uint16_t n, prev = 0;

	if (!otw_cur_u16le(body, &n))
		return;
	for (uint16_t i = 0; i < n; i++) {
		uint16_t off, end;
		struct otw_cur e = base, sub;

		if (!otw_cur_u16le(body, &off) || off < prev ||
		    off >= otw_cur_left(&base))
			return;
		prev = off;
		end = (uint16_t)otw_cur_left(&base);
		if (i + 1 < n && !peek_u16le(body, 0, &end))
			return;
		if (end < off || end > otw_cur_left(&base))
			return;
		(void)otw_cur_skip(&e, off);
		(void)otw_cur_sub(&e, (size_t)(end - off), &sub);
		fn(arg, &sub, i);
	}
}

struct msp_ctx {
	const struct otw_dctx *x;
	struct enip_state *st;
	unsigned depth;
	bool top;
};

static void msp_req_one(void *arg, struct otw_cur *sub, unsigned i)
{
	struct msp_ctx *m = arg;

	if (m->top && i < MSP_SLOTS) {
		/* remember the class the reply will not name */
		uint8_t svc, words;
		struct otw_cur pc = *sub, path;
		struct cip_path p;
		uint8_t k = 0;
		if (otw_cur_u8(&pc, &svc) && otw_cur_u8(&pc, &words) &&
		    otw_cur_sub(&pc, (size_t)words * 2, &path) &&
		    cip_path_parse(&path, &p) && p.cls < 0x100)
			k = (uint8_t)p.cls;
		m->st->msp_cls[i] = k;
		m->st->msp_n = (uint8_t)(i + 1);
	}
	cip_request(m->x, m->st, sub, m->depth + 1, false, false);
}

/* One CIP request (Vol. 1 §2-4.1): service, path size in words, path,
 * data. top: the encapsulation's own message (not inside an MSP). */
static void cip_request(const struct otw_dctx *x, struct enip_state *st,
			struct otw_cur *c, unsigned depth, bool top, bool ucs)
{
	uint8_t svc, words;
	struct otw_cur path;
	struct cip_path p;

	if (depth > CIP_MAX_DEPTH || !otw_cur_u8(c, &svc) ||
	    !otw_cur_u8(c, &words) ||
	    !otw_cur_sub(c, (size_t)words * 2, &path) || !cip_path_parse(&path, &p))
		return;
	svc &= 0x7F;
	if (!p.has_cls)
		p.cls = 0;
	if (p.cls == CLS_CONN_MGR && svc == SVC_UCS) {
		/* Unconnected_Send (Vol. 1 §3-5.5.4): the embedded request
		 * is what the target executes; its reply comes back bare */
		uint16_t len;
		struct otw_cur emb;
		if (otw_cur_skip(c, 2) && otw_cur_u16le(c, &len) &&
		    otw_cur_sub(c, len, &emb)) {
			cip_request(x, st, &emb, depth + 1, top, true);
			return;
		}
	}
	cip_op(x, p.cls, svc, p.inst, OTW_OPK_REQUEST);
	if (svc == SVC_MSP) {
		struct msp_ctx m = { x, st, depth, top };
		if (top)
			st->msp_n = 0;
		cip_msp_walk(c, msp_req_one, &m);
	}
	pend_put(st, svc, p.cls, ucs);
}

static void cip_reply(const struct otw_dctx *x, struct enip_state *st,
		      struct otw_cur *c, int msp_idx);

static void msp_rep_one(void *arg, struct otw_cur *sub, unsigned i)
{
	struct msp_ctx *m = arg;

	cip_reply(m->x, m->st, sub, (int)i);
}

/* One CIP reply (Vol. 1 §2-4.2): service|0x80, reserved, general status,
 * additional status size in words, additional status, data. msp_idx: its
 * place in an MSP reply, -1 at top level. */
static void cip_reply(const struct otw_dctx *x, struct enip_state *st,
		      struct otw_cur *c, int msp_idx)
{
	uint8_t svc, gen, words;
	uint32_t cls = 0;
	bool routed = false;
	int k;

	if (!otw_cur_u8(c, &svc) || !otw_cur_skip(c, 1) || !otw_cur_u8(c, &gen) ||
	    !otw_cur_u8(c, &words) || !otw_cur_skip(c, (size_t)words * 2))
		return;
	svc &= 0x7F;
	if (msp_idx >= 0 && msp_idx < st->msp_n) {
		cls = st->msp_cls[msp_idx];
	} else if (msp_idx < 0 && svc == SVC_UCS &&
		   (k = pend_find(st, svc, true)) >= 0) {
		/* the router's own failure to deliver the embedded request */
		cls = st->pend[k].cls;
		svc = st->pend[k].svc & 0x7F;
	} else if ((k = pend_find(st, svc, false)) >= 0) {
		cls = st->pend[k].cls;
		routed = (st->pend[k].svc & PEND_UCS) != 0;
	}
	cip_op(x, cls, svc, OTW_ADDR_NONE,
	       gen != 0 && gen != 0x06 /* partial data: more to come */
		       ? OTW_OPK_EXCEPTION
		       : OTW_OPK_RESPONSE);
	if (gen == 0 && svc == SVC_GET_ALL && cls == CLS_IDENTITY) {
		struct cip_ident id;
		struct otw_cur d = *c;
		if (cip_ident_parse(&d, &id))
			cip_ident_report(x, &id, routed);
	}
	if (svc == SVC_MSP && msp_idx < 0) {
		struct msp_ctx m = { x, st, 0, false };
		cip_msp_walk(c, msp_rep_one, &m);
	}
}

/* A CIP message: request or reply by the service's top bit. */
static void cip_message(const struct otw_dctx *x, struct enip_state *st,
			struct otw_cur *c)
{
	uint8_t svc;

	if (!otw_cur_peek_u8(c, 0, &svc))
		return;
	if (svc & 0x80)
		cip_reply(x, st, c, -1);
	else
		cip_request(x, st, c, 0, true, false);
}

/* ---- encapsulation ---- */

static void encap_op(const struct otw_dctx *x, uint16_t cmd, uint8_t kind)
{
	struct otw_op op = { .unit = 0, .func = (uint16_t)(ENIP_FUNC_ENCAP | (cmd & 0xFF)),
			     .kind = kind, .addr = OTW_ADDR_NONE };
	otw_op_report(x, &op);
}

/* SendRRData / SendUnitData body (Vol. 2 §2-4.7, §2-4.8): interface
 * handle, timeout, CPF. Returns whether a CIP message was found. cut: the
 * body is a prefix, its last item is taken as far as it goes. */
static bool encap_send_data(const struct otw_dctx *x, struct enip_state *st,
			    struct otw_cur *c, bool cut)
{
	uint16_t n;
	bool found = false;

	if (!otw_cur_skip(c, 6) || !otw_cur_u16le(c, &n))
		return false;
	for (uint16_t i = 0; i < n && i < 8; i++) {
		uint16_t type, len;
		struct otw_cur item;
		if (!otw_cur_u16le(c, &type) || !otw_cur_u16le(c, &len))
			break;
		if (!otw_cur_sub(c, len, &item)) {
			if (!cut)
				break;
			item = *c;
			c->p = c->end;
		}
		if (type == CPF_CONN_DATA) {
			if (!otw_cur_skip(&item, 2)) /* CIP sequence count */
				continue;
		} else if (type != CPF_UNCONN_DATA) {
			continue;
		}
		if (otw_cur_left(&item) == 0)
			continue;
		cip_message(x, st, &item);
		found = true;
	}
	return found;
}

/* ListIdentity reply items (Vol. 2 §2-4.2.3). */
static void encap_list_identity(const struct otw_dctx *x, struct otw_cur *c)
{
	uint16_t n;

	if (!otw_cur_u16le(c, &n))
		return;
	for (uint16_t i = 0; i < n && i < 4; i++) {
		uint16_t type, len;
		struct otw_cur item;
		struct cip_ident id;
		if (!otw_cur_u16le(c, &type) || !otw_cur_u16le(c, &len) ||
		    !otw_cur_sub(c, len, &item))
			return;
		if (type != CPF_IDENTITY)
			continue;
		/* encapsulation version, socket address (big-endian) */
		if (!otw_cur_skip(&item, 2 + 16) || !cip_ident_parse(&item, &id))
			continue;
		cip_ident_report(x, &id, false);
	}
}

static bool encap_cmd_known(uint16_t cmd)
{
	return enip_cmd_index(cmd) >= 0;
}

/* One encapsulation message; body holds what arrived of its data
 * (complete unless cut). */
static void encap_message(const struct otw_dctx *x, struct enip_state *st,
			  uint16_t cmd, uint16_t len, uint32_t status,
			  struct otw_cur *body, bool cut)
{
	bool reply;

	switch (cmd) {
	case CMD_SEND_RR:
	case CMD_SEND_UNIT:
		if (status != 0) {
			encap_op(x, cmd, OTW_OPK_EXCEPTION);
			return;
		}
		if (!encap_send_data(x, st, body, cut) && !cut)
			encap_op(x, cmd, x->from_client ? OTW_OPK_REQUEST
							: OTW_OPK_RESPONSE);
		return;
	case CMD_LIST_IDENTITY:
	case CMD_LIST_SERVICES:
	case CMD_LIST_INTERFACES:
	case 0x0001: case 0x0002: case 0x0003:
		/* requests carry no data; replies always do (Vol. 2
		 * §2-4.2..4), whichever way the flow was oriented */
		reply = len > 0 || status != 0;
		break;
	case CMD_NOP:
	case CMD_UNREGISTER:
	case CMD_CANCEL:
		reply = false; /* no reply defined */
		break;
	default:
		reply = !x->from_client;
		break;
	}
	if (!reply) {
		encap_op(x, cmd, OTW_OPK_REQUEST);
		return;
	}
	encap_op(x, cmd, status != 0 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE);
	if (cmd == CMD_LIST_IDENTITY && status == 0)
		encap_list_identity(x, body);
}

/* A plausible encapsulation header at the cursor (Vol. 2 §2-3). */
static bool encap_hdr_ok(const struct otw_cur *c, size_t *pdu)
{
	uint8_t b[ENIP_HDR];
	struct otw_cur h = *c;
	uint16_t cmd, len;
	uint32_t opts;

	if (!otw_cur_bytes(&h, b, sizeof(b)))
		return false;
	cmd = (uint16_t)(b[0] | b[1] << 8);
	len = (uint16_t)(b[2] | b[3] << 8);
	opts = (uint32_t)b[20] | (uint32_t)b[21] << 8 | (uint32_t)b[22] << 16 |
	       (uint32_t)b[23] << 24;
	if (!encap_cmd_known(cmd) || opts != 0)
		return false;
	*pdu = ENIP_HDR + (size_t)len;
	return true;
}

static bool enip_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	size_t pdu;

	if (!encap_hdr_ok(c, &pdu))
		return false;
	/* a known command and zero options already reject noise; a TCP
	 * PDU may continue in the next segment */
	if (x->pkt->l4 == IPPROTO_UDP)
		return pdu == otw_cur_left(c);
	return true;
}

/* TCP framing by the encapsulation header (Vol. 2 §2-3). While
 * resynchronising (after lost bytes) a header must end the segment or be
 * followed by another one; what precedes it is skipped. */
static enum otw_pdu enip_pdu_len(const struct otw_cur *c,
				 const struct otw_dctx *x, uint32_t *len)
{
	size_t pdu, next;
	struct otw_cur nx = *c;

	if (!x->resync) {
		if (otw_cur_left(c) < ENIP_HDR) {
			*len = ENIP_HDR;
			return OTW_PDU_MORE;
		}
		if (!encap_hdr_ok(c, &pdu)) {
			*len = (uint32_t)otw_cur_left(c); /* nothing to go on */
			return OTW_PDU_JUNK;
		}
		*len = (uint32_t)pdu;
		return OTW_PDU_LEN;
	}
	if (encap_hdr_ok(c, &pdu) &&
	    (pdu == otw_cur_left(c) ||
	     (otw_cur_skip(&nx, pdu) && encap_hdr_ok(&nx, &next)))) {
		*len = (uint32_t)pdu;
		return OTW_PDU_LEN;
	}
	*len = otw_cur_left(c) < ENIP_HDR ? (uint32_t)otw_cur_left(c) : 1;
	return OTW_PDU_JUNK;
}

/* One PDU from the TCP engine (a prefix when x->cut), or a datagram. */
static enum otw_verdict enip_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct enip_state st;
	enum otw_verdict v = OTW_OK;
	size_t pdu;

	memcpy(&st, x->state, sizeof(st));
	while (otw_cur_left(c) > 0) {
		uint16_t cmd = 0, len = 0;
		uint32_t status = 0;
		struct otw_cur body;
		bool cut;

		if (otw_cur_left(c) < ENIP_HDR) {
			v = OTW_SHORT;
			break;
		}
		if (!encap_hdr_ok(c, &pdu)) {
			v = OTW_MALFORMED;
			break;
		}
		(void)otw_cur_u16le(c, &cmd);
		(void)otw_cur_u16le(c, &len);
		(void)otw_cur_skip(c, 4); /* session handle */
		(void)otw_cur_u32le(c, &status);
		(void)otw_cur_skip(c, 12); /* sender context, options */
		cut = false;
		if (!otw_cur_sub(c, len, &body)) {
			cut = true;
			if (x->pkt->l4 == IPPROTO_UDP) {
				v = OTW_MALFORMED;
				break;
			}
			body = *c; /* a prefix: the rest was not buffered */
			c->p = c->end;
			v = OTW_SHORT;
		}
		encap_message(x, &st, cmd, len, status, &body, cut);
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* ---- implicit I/O (UDP 2222) ---- */

/* CPF of a class 0/1 I/O packet: a sequenced (or connected) address
 * item, then the connected data item. */
static bool io_parse(struct otw_cur *c, uint32_t *conn)
{
	uint16_t n, type, len = 0, dtype, dlen;

	if (!otw_cur_u16le(c, &n) || n < 2 || n > 4 || !otw_cur_u16le(c, &type) ||
	    !otw_cur_u16le(c, &len))
		return false;
	if (!((type == CPF_SEQ_ADDR && len == 8) || (type == CPF_CONN_ADDR && len == 4)))
		return false;
	if (!otw_cur_u32le(c, conn) || !otw_cur_skip(c, (size_t)len - 4) ||
	    !otw_cur_u16le(c, &dtype) || !otw_cur_u16le(c, &dlen))
		return false;
	if (dtype != CPF_CONN_DATA && dtype != CPF_UNCONN_DATA)
		return false;
	return otw_cur_skip(c, dlen);
}

static bool io_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	struct otw_cur t = *c;
	uint32_t conn;

	(void)x;
	return io_parse(&t, &conn);
}

static enum otw_verdict io_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	uint32_t conn;
	struct otw_op op = { .func = ENIP_FUNC_IO, .kind = OTW_OPK_REQUEST };

	if (!io_parse(c, &conn))
		return OTW_MALFORMED;
	op.unit = (uint16_t)conn;
	op.addr = conn;
	otw_op_report(x, &op);
	return OTW_OK;
}

static const struct otw_dissector dis_enip_tcp = {
	.name = "enip",
	.app = OTW_APP_ENIP,
	.l4 = IPPROTO_TCP,
	.port = ENIP_PORT,
	.probe = enip_probe,
	.dissect = enip_dissect,
	.op_name = enip_op_name,
	.pdu_len = enip_pdu_len,
	.pdu_max = ENIP_HDR + UINT16_MAX, /* the buffer size caps it */
};

static const struct otw_dissector dis_enip_udp = {
	.name = "enip-udp",
	.app = OTW_APP_ENIP,
	.l4 = IPPROTO_UDP,
	.port = ENIP_PORT,
	.probe = enip_probe,
	.dissect = enip_dissect,
	.op_name = NULL, /* named by dis_enip_tcp */
};

static const struct otw_dissector dis_enip_io = {
	.name = "enip-io",
	.app = OTW_APP_ENIP_IO,
	.l4 = IPPROTO_UDP,
	.port = ENIP_IO_PORT,
	.probe = io_probe,
	.dissect = io_dissect,
	.op_name = NULL, /* named by dis_enip_tcp */
};

const struct otw_dissector *const otw_plugin_enip[] = {
	&dis_enip_tcp, &dis_enip_udp, &dis_enip_io, NULL,
};
