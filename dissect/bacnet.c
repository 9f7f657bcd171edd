/* BACnet/IP (ANSI/ASHRAE 135: Annex J BVLL, clause 6 NPDU, clause 20 APDU,
 * clause 21 service choices). One UDP datagram = one BVLC message.
 *
 * Operation encoding (docs/protocols/bacnet.md):
 *   func 0x000-0x0ff  confirmed service choice (request, acks, errors)
 *   func 0x100-0x1ff  0x100 + unconfirmed service choice
 *   func 0x200-0x2ff  0x200 + BVLC function without an NPDU (BDT/FDT, ...)
 *   func 0x300-0x3ff  0x300 + network layer message type
 *   func 0x400        segment-ack
 *   func 0x4ff        reject/abort whose request was not seen
 *   unit 0; addr = object instance of ReadProperty/WriteProperty. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define BAC_PORT 47808
#define BAC_BVLC_TYPE 0x81 /* BACnet/IP (Annex J.2) */
#define BAC_PENDING 11

#define BAC_F_BVLC 0x200
#define BAC_F_NET 0x300
#define BAC_F_SEGACK 0x400
#define BAC_F_UNKNOWN 0x4ff

/* Confirmed requests awaiting their ack: reject and abort name only the
 * invoke id, so the service comes from here. */
struct bac_state {
	struct {
		uint8_t invoke;
		uint8_t svc; /* service choice | 0x80 when the client asked */
	} pend[BAC_PENDING];
	uint8_t n_pend;
	uint8_t next;
};
_Static_assert(sizeof(struct bac_state) == 24, "state layout");
_Static_assert(sizeof(struct bac_state) <= OTW_APP_STATE_BYTES, "state size");

struct opname {
	const char *name;
	const char *cat;
};

/* Clause 21 BACnetConfirmedServiceChoice. */
static const struct opname bac_confirmed[34] = {
	[0] = { "acknowledge_alarm", OTW_CAT_WRITE },
	[1] = { "confirmed_cov_notification", OTW_CAT_MONITOR },
	[2] = { "confirmed_event_notification", OTW_CAT_MONITOR },
	[3] = { "get_alarm_summary", OTW_CAT_READ },
	[4] = { "get_enrollment_summary", OTW_CAT_READ },
	[5] = { "subscribe_cov", OTW_CAT_MONITOR },
	[6] = { "atomic_read_file", OTW_CAT_FILE },
	[7] = { "atomic_write_file", OTW_CAT_FILE },
	[8] = { "add_list_element", OTW_CAT_WRITE },
	[9] = { "remove_list_element", OTW_CAT_WRITE },
	[10] = { "create_object", OTW_CAT_CONFIG },
	[11] = { "delete_object", OTW_CAT_CONFIG },
	[12] = { "read_property", OTW_CAT_READ },
	[13] = { "read_property_conditional", OTW_CAT_READ },
	[14] = { "read_property_multiple", OTW_CAT_READ },
	[15] = { "write_property", OTW_CAT_WRITE },
	[16] = { "write_property_multiple", OTW_CAT_WRITE },
	[17] = { "device_communication_control", OTW_CAT_CONTROL },
	[18] = { "confirmed_private_transfer", OTW_CAT_OTHER },
	[19] = { "confirmed_text_message", OTW_CAT_OTHER },
	[20] = { "reinitialize_device", OTW_CAT_CONTROL },
	[21] = { "vt_open", OTW_CAT_SESSION },
	[22] = { "vt_close", OTW_CAT_SESSION },
	[23] = { "vt_data", OTW_CAT_SESSION },
	[24] = { "authenticate", OTW_CAT_AUTH },
	[25] = { "request_key", OTW_CAT_AUTH },
	[26] = { "read_range", OTW_CAT_READ },
	[27] = { "life_safety_operation", OTW_CAT_CONTROL },
	[28] = { "subscribe_cov_property", OTW_CAT_MONITOR },
	[29] = { "get_event_information", OTW_CAT_READ },
	[30] = { "subscribe_cov_property_multiple", OTW_CAT_MONITOR },
	[31] = { "confirmed_cov_notification_multiple", OTW_CAT_MONITOR },
	[32] = { "confirmed_audit_notification", OTW_CAT_MONITOR },
	[33] = { "audit_log_query", OTW_CAT_READ },
};

/* Clause 21 BACnetUnconfirmedServiceChoice. */
static const struct opname bac_unconfirmed[15] = {
	[0] = { "i_am", OTW_CAT_DIAG },
	[1] = { "i_have", OTW_CAT_DIAG },
	[2] = { "unconfirmed_cov_notification", OTW_CAT_MONITOR },
	[3] = { "unconfirmed_event_notification", OTW_CAT_MONITOR },
	[4] = { "unconfirmed_private_transfer", OTW_CAT_OTHER },
	[5] = { "unconfirmed_text_message", OTW_CAT_OTHER },
	[6] = { "time_synchronization", OTW_CAT_CONFIG },
	[7] = { "who_has", OTW_CAT_DIAG },
	[8] = { "who_is", OTW_CAT_DIAG },
	[9] = { "utc_time_synchronization", OTW_CAT_CONFIG },
	[10] = { "write_group", OTW_CAT_WRITE },
	[11] = { "unconfirmed_cov_notification_multiple", OTW_CAT_MONITOR },
	[12] = { "unconfirmed_audit_notification", OTW_CAT_MONITOR },
	[13] = { "who_am_i", OTW_CAT_DIAG },
	[14] = { "you_are", OTW_CAT_CONFIG },
};

/* Annex J.2 BVLC functions that carry no NPDU. */
static const struct opname bac_bvlc[13] = {
	[0x00] = { "bvlc_result", OTW_CAT_SESSION },
	[0x01] = { "write_bdt", OTW_CAT_CONFIG },
	[0x02] = { "read_bdt", OTW_CAT_DIAG },
	[0x05] = { "register_foreign_device", OTW_CAT_SESSION },
	[0x06] = { "read_fdt", OTW_CAT_DIAG },
	[0x08] = { "delete_fdt_entry", OTW_CAT_CONFIG },
	[0x09] = { "distribute_broadcast_to_network", OTW_CAT_OTHER },
	[0x0c] = { "secure_bvll", OTW_CAT_AUTH },
};

/* Clause 6.2.4 network layer message types. */
static const struct opname bac_net[20] = {
	[0x00] = { "who_is_router_to_network", OTW_CAT_DIAG },
	[0x01] = { "i_am_router_to_network", OTW_CAT_DIAG },
	[0x02] = { "i_could_be_router_to_network", OTW_CAT_DIAG },
	[0x03] = { "reject_message_to_network", OTW_CAT_DIAG },
	[0x04] = { "router_busy_to_network", OTW_CAT_CONFIG },
	[0x05] = { "router_available_to_network", OTW_CAT_CONFIG },
	[0x06] = { "initialize_routing_table", OTW_CAT_CONFIG },
	[0x07] = { "initialize_routing_table_ack", OTW_CAT_CONFIG },
	[0x08] = { "establish_connection_to_network", OTW_CAT_SESSION },
	[0x09] = { "disconnect_connection_to_network", OTW_CAT_SESSION },
	[0x0a] = { "challenge_request", OTW_CAT_AUTH },
	[0x0b] = { "security_payload", OTW_CAT_AUTH },
	[0x0c] = { "security_response", OTW_CAT_AUTH },
	[0x0d] = { "request_key_update", OTW_CAT_AUTH },
	[0x0e] = { "update_key_set", OTW_CAT_AUTH },
	[0x0f] = { "update_distribution_key", OTW_CAT_AUTH },
	[0x10] = { "request_master_key", OTW_CAT_AUTH },
	[0x11] = { "set_master_key", OTW_CAT_AUTH },
	[0x12] = { "what_is_network_number", OTW_CAT_DIAG },
	[0x13] = { "network_number_is", OTW_CAT_DIAG },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *bac_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct opname *o = NULL;
	unsigned lo = func & 0xff;

	if (app != OTW_APP_BACNET)
		return NULL;
	switch (func >> 8) {
	case 0:
		o = lo < NELEM(bac_confirmed) ? &bac_confirmed[lo] : NULL;
		break;
	case 1:
		o = lo < NELEM(bac_unconfirmed) ? &bac_unconfirmed[lo] : NULL;
		break;
	case 2:
		o = lo < NELEM(bac_bvlc) ? &bac_bvlc[lo] : NULL;
		break;
	case 3:
		if (lo >= 0x80) {
			*cat = OTW_CAT_OTHER;
			return "vendor_network_message";
		}
		o = lo < NELEM(bac_net) ? &bac_net[lo] : NULL;
		break;
	case 4:
		*cat = func == BAC_F_SEGACK ? OTW_CAT_SESSION : OTW_CAT_OTHER;
		return func == BAC_F_SEGACK ? "segment_ack"
		       : func == BAC_F_UNKNOWN ? "unknown_service" : NULL;
	default:
		break;
	}
	if (o == NULL || o->name == NULL)
		return NULL;
	*cat = o->cat;
	return o->name;
}

/* BACnet vendor identifiers: a few building-controls makers from the
 * ASHRAE assigned vendor id list (bacnet.org/assigned-vendor-ids), as
 * Wireshark 4.0 names them (tshark -G values, bacapp.vendor_identifier). */
static const struct {
	uint16_t id;
	const char *name;
} bac_vendors[] = {
	{ 0, "ASHRAE" },
	{ 2, "The Trane Company" },
	{ 5, "Johnson Controls, Inc." },
	{ 7, "Siemens Schweiz AG" },
	{ 8, "Delta Controls" },
	{ 9, "Siemens Schweiz AG" },
	{ 10, "Schneider Electric" },
	{ 11, "TAC" },
	{ 16, "United Technologies Carrier" },
	{ 17, "Honeywell Inc." },
	{ 18, "Alerton / Honeywell" },
	{ 19, "TAC AB" },
	{ 24, "Automated Logic Corporation" },
	{ 28, "KMC Controls, Inc." },
	{ 35, "Reliable Controls Corporation" },
	{ 36, "Tridium Inc." },
	{ 39, "Kieback & Peter GmbH & Co KG" },
	{ 260, "BACnet Stack at SourceForge" },
};

static const char *bac_vendor(unsigned id)
{
	for (size_t i = 0; i < NELEM(bac_vendors); i++)
		if (bac_vendors[i].id == id)
			return bac_vendors[i].name;
	return NULL;
}

/* ---- clause 20.2 tags ---------------------------------------------------- */

struct bac_tag {
	uint8_t num;     /* tag number */
	bool ctx;        /* context specific */
	uint8_t open;    /* 1 opening, 2 closing, 0 neither */
	uint32_t len;    /* content octets (application boolean: 0) */
	uint32_t lvt;    /* raw length/value/type */
};

static bool bac_tag(struct otw_cur *c, struct bac_tag *t)
{
	uint8_t b, x;

	if (!otw_cur_u8(c, &b))
		return false;
	t->num = b >> 4;
	t->ctx = (b & 0x08) != 0;
	t->open = 0;
	t->lvt = b & 0x07;
	if (t->num == 15) { /* extended tag number */
		if (!otw_cur_u8(c, &x))
			return false;
		t->num = x;
	}
	if (t->ctx && t->lvt == 6) {
		t->open = 1;
		t->len = 0;
		return true;
	}
	if (t->ctx && t->lvt == 7) {
		t->open = 2;
		t->len = 0;
		return true;
	}
	if (t->lvt == 5) { /* extended length (20.2.1.3.1) */
		uint16_t l16;
		uint32_t l32;

		if (!otw_cur_u8(c, &x))
			return false;
		if (x == 254) {
			if (!otw_cur_u16be(c, &l16))
				return false;
			t->lvt = l16;
		} else if (x == 255) {
			if (!otw_cur_u32be(c, &l32))
				return false;
			t->lvt = l32;
		} else {
			t->lvt = x;
		}
	}
	/* application boolean holds its value in lvt */
	t->len = (!t->ctx && t->num == 1) ? 0 : t->lvt;
	return true;
}

static bool bac_uint(struct otw_cur *c, uint32_t len, uint32_t *v)
{
	uint8_t b;

	if (len == 0 || len > 4)
		return false;
	*v = 0;
	for (uint32_t i = 0; i < len; i++) {
		if (!otw_cur_u8(c, &b))
			return false;
		*v = *v << 8 | b;
	}
	return true;
}

/* Skip one value (primitive, or constructed up to its closing tag). */
static bool bac_skip_value(struct otw_cur *c, const struct bac_tag *t)
{
	unsigned depth = t->open == 1 ? 1 : 0;

	if (t->open == 2)
		return false;
	if (depth == 0)
		return otw_cur_skip(c, t->len);
	while (depth > 0) {
		struct bac_tag u;

		if (!bac_tag(c, &u))
			return false;
		if (u.open == 1)
			depth++;
		else if (u.open == 2)
			depth--;
		else if (!otw_cur_skip(c, u.len))
			return false;
		if (depth > 32)
			return false;
	}
	return true;
}

/* ---- identity ----------------------------------------------------------- */

static void bac_num_attr(const struct otw_dctx *x, unsigned key, uint32_t v)
{
	char b[12];
	int n = snprintf(b, sizeof(b), "%u", v);

	otw_attr_report(x, true, key, b, (size_t)n);
}

/* I-Am (21.x): device object identifier, max APDU, segmentation, vendor. */
static void bac_i_am(struct otw_cur *c, const struct otw_dctx *x)
{
	struct bac_tag t;
	uint32_t oid, v, vendor;
	const char *name;

	if (!bac_tag(c, &t) || t.ctx || t.num != 12 || t.len != 4 ||
	    !bac_uint(c, 4, &oid) || (oid >> 22) != 8)
		return;
	if (!bac_tag(c, &t) || t.ctx || t.num != 2 || !bac_uint(c, t.len, &v) ||
	    !bac_tag(c, &t) || t.ctx || t.num != 9 || !bac_uint(c, t.len, &v) ||
	    !bac_tag(c, &t) || t.ctx || t.num != 2 || !bac_uint(c, t.len, &vendor))
		return;
	bac_num_attr(x, OTW_ATTR_PROTO_ADDR, oid & 0x3fffff);
	bac_num_attr(x, OTW_ATTR_VENDOR_ID, vendor);
	if ((name = bac_vendor(vendor)) != NULL)
		otw_attr_report(x, true, OTW_ATTR_VENDOR, name, strlen(name));
}

/* A device object property value: report it if it names the device. */
static void bac_dev_prop(struct otw_cur *c, const struct otw_dctx *x,
			 uint32_t prop, const struct bac_tag *t)
{
	unsigned key;
	uint8_t cs;
	struct otw_cur s;

	switch (prop) {
	case 121: key = OTW_ATTR_VENDOR; break;     /* vendor-name */
	case 70: key = OTW_ATTR_MODEL; break;       /* model-name */
	case 44: key = OTW_ATTR_FIRMWARE; break;    /* firmware-revision */
	case 12: key = OTW_ATTR_DESCRIPTION; break; /* application-sw-version */
	case 77: key = OTW_ATTR_NAME; break;        /* object-name */
	default: return;
	}
	/* CharacterString (20.2.9): charset octet, then the text; only
	 * ISO 10646 UTF-8 (0) is taken as it is */
	if (t->ctx || t->num != 7 || t->len < 2 || !otw_cur_sub(c, t->len, &s) ||
	    !otw_cur_u8(&s, &cs) || cs != 0)
		return;
	otw_attr_report(x, true, key, (const char *)s.p, otw_cur_left(&s));
}

/* ReadProperty-ACK (15.5.1.3): objectIdentifier [0], propertyIdentifier
 * [1], propertyArrayIndex [2] OPTIONAL, propertyValue [3]. */
static void bac_rp_ack(struct otw_cur *c, const struct otw_dctx *x)
{
	struct bac_tag t;
	uint32_t oid, prop;

	if (!bac_tag(c, &t) || !t.ctx || t.num != 0 || t.len != 4 ||
	    !bac_uint(c, 4, &oid) || (oid >> 22) != 8)
		return;
	if (!bac_tag(c, &t) || !t.ctx || t.num != 1 || !bac_uint(c, t.len, &prop))
		return;
	if (!bac_tag(c, &t))
		return;
	if (t.ctx && t.num == 2 && t.open == 0) {
		if (!otw_cur_skip(c, t.len) || !bac_tag(c, &t))
			return;
	}
	if (!t.ctx || t.num != 3 || t.open != 1 || !bac_tag(c, &t))
		return;
	bac_dev_prop(c, x, prop, &t);
}

/* ReadPropertyMultiple-ACK (15.7.1.3): a list of (objectIdentifier [0],
 * listOfResults [1] of (propertyIdentifier [2], index [3] OPTIONAL,
 * value [4] | error [5])). */
static void bac_rpm_ack(struct otw_cur *c, const struct otw_dctx *x)
{
	struct bac_tag t;
	uint32_t oid, prop = 0;

	while (otw_cur_left(c) > 0) {
		if (!bac_tag(c, &t) || !t.ctx || t.num != 0 || t.len != 4 ||
		    !bac_uint(c, 4, &oid))
			return;
		if (!bac_tag(c, &t) || !t.ctx || t.num != 1 || t.open != 1)
			return;
		for (;;) {
			if (!bac_tag(c, &t))
				return;
			if (t.open == 2 && t.num == 1)
				break;
			if (t.ctx && t.num == 2 && t.open == 0) {
				if (!bac_uint(c, t.len, &prop))
					return;
				continue;
			}
			if (t.ctx && t.num == 3 && t.open == 0) {
				if (!otw_cur_skip(c, t.len))
					return;
				continue;
			}
			if (t.ctx && (t.num == 4 || t.num == 5) && t.open == 1) {
				unsigned num = t.num;
				bool first = true;

				for (;;) { /* values up to the closing tag */
					if (!bac_tag(c, &t))
						return;
					if (t.open == 2 && t.num == num)
						break;
					if (num == 4 && first && (oid >> 22) == 8) {
						struct otw_cur v = *c;
						bac_dev_prop(&v, x, prop, &t);
					}
					first = false;
					if (!bac_skip_value(c, &t))
						return;
				}
				continue;
			}
			return;
		}
	}
}

/* ---- pending confirmed requests ----------------------------------------- */

static void bac_pend_add(struct bac_state *st, uint8_t invoke, uint8_t svc,
			 bool by_client)
{
	unsigned i = st->n_pend;

	for (unsigned k = 0; k < st->n_pend; k++)
		if (st->pend[k].invoke == invoke &&
		    ((st->pend[k].svc & 0x80) != 0) == by_client) {
			i = k; /* a retry reuses its invoke id */
			goto set;
		}
	if (st->n_pend < BAC_PENDING) {
		st->n_pend++;
	} else {
		i = st->next;
		st->next = (uint8_t)((st->next + 1) % BAC_PENDING);
	}
set:
	st->pend[i].invoke = invoke;
	st->pend[i].svc = (uint8_t)((svc & 0x7f) | (by_client ? 0x80 : 0));
}

/* Service of the request with this invoke id asked by the client side
 * (by_client) or the server side; -1 if not seen. Forgets it. */
static int bac_pend_take(struct bac_state *st, uint8_t invoke, bool by_client)
{
	for (unsigned i = 0; i < st->n_pend; i++) {
		int svc;

		if (st->pend[i].invoke != invoke ||
		    ((st->pend[i].svc & 0x80) != 0) != by_client)
			continue;
		svc = st->pend[i].svc & 0x7f;
		st->pend[i] = st->pend[--st->n_pend];
		if (st->next >= BAC_PENDING)
			st->next = 0;
		return svc;
	}
	return -1;
}

/* ---- reporting ---------------------------------------------------------- */

/* Report an op whose requester is the packet's sender (req_by_sender) or
 * its receiver: BACnet peers ask each other on one 5-tuple. */
static void bac_op(const struct otw_dctx *x, bool req_by_sender, uint16_t func,
		   uint8_t kind, uint32_t addr)
{
	struct otw_dctx y = *x;
	struct otw_op op = { .func = func, .kind = kind, .addr = addr,
			     .naddr = 1 };

	if (x->client != NULL && req_by_sender != x->from_client) {
		y.client = x->server;
		y.server = x->client;
	}
	otw_op_report(&y, &op);
}

/* Object instance in a request's first context tag 0 (ReadProperty,
 * WriteProperty), else OTW_ADDR_NONE. */
static uint32_t bac_req_addr(struct otw_cur c, uint8_t svc)
{
	struct bac_tag t;
	uint32_t oid;

	if (svc != 12 && svc != 15)
		return OTW_ADDR_NONE;
	if (!bac_tag(&c, &t) || !t.ctx || t.num != 0 || t.len != 4 ||
	    !bac_uint(&c, 4, &oid))
		return OTW_ADDR_NONE;
	return oid & 0x3fffff;
}

/* APDU (clause 20.1). ident: the sender is the device the APDU came from
 * (not routed from another network, not forwarded by a BBMD). */
static enum otw_verdict bac_apdu(struct otw_cur *c, const struct otw_dctx *x,
				 struct bac_state *st, bool ident)
{
	uint8_t b0, b1, invoke, svc, seq = 0;
	unsigned type;
	bool by_client = x->from_client;
	int psvc;

	if (!otw_cur_u8(c, &b0))
		return OTW_MALFORMED;
	type = b0 >> 4;
	switch (type) {
	case 0: /* Confirmed-Request */
		if (!otw_cur_u8(c, &b1) || !otw_cur_u8(c, &invoke))
			return OTW_MALFORMED;
		if ((b0 & 0x08) && (!otw_cur_u8(c, &seq) || !otw_cur_skip(c, 1)))
			return OTW_MALFORMED;
		if (!otw_cur_u8(c, &svc))
			return OTW_MALFORMED;
		if (seq != 0) /* later segments of a segmented request */
			return OTW_OK;
		bac_pend_add(st, invoke, svc, by_client);
		bac_op(x, true, svc, OTW_OPK_REQUEST, bac_req_addr(*c, svc));
		return OTW_OK;
	case 1: /* Unconfirmed-Request */
		if (!otw_cur_u8(c, &svc))
			return OTW_MALFORMED;
		bac_op(x, true, (uint16_t)(0x100 | svc), OTW_OPK_REQUEST,
		       OTW_ADDR_NONE);
		if (svc == 0 && ident)
			bac_i_am(c, x);
		return OTW_OK;
	case 2: /* SimpleACK */
	case 3: /* ComplexACK */
	case 5: /* Error */
		if (!otw_cur_u8(c, &invoke))
			return OTW_MALFORMED;
		if (type == 3 && (b0 & 0x08) &&
		    (!otw_cur_u8(c, &seq) || !otw_cur_skip(c, 1)))
			return OTW_MALFORMED;
		if (!otw_cur_u8(c, &svc))
			return OTW_MALFORMED;
		if (seq != 0)
			return OTW_OK;
		(void)bac_pend_take(st, invoke, !by_client);
		bac_op(x, false, svc,
		       type == 5 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE,
		       OTW_ADDR_NONE);
		if (type == 3 && ident && !(b0 & 0x08) && svc == 12)
			bac_rp_ack(c, x);
		else if (type == 3 && ident && !(b0 & 0x08) && svc == 14)
			bac_rpm_ack(c, x);
		return OTW_OK;
	case 4: /* SegmentACK: server bit says who sent it */
		if (!otw_cur_u8(c, &invoke) || !otw_cur_skip(c, 2))
			return OTW_MALFORMED;
		bac_op(x, true, BAC_F_SEGACK, OTW_OPK_REQUEST, OTW_ADDR_NONE);
		return OTW_OK;
	case 6: /* Reject (always from the server) */
	case 7: /* Abort: SRV bit set when the server sent it */
		if (!otw_cur_u8(c, &invoke) || !otw_cur_skip(c, 1))
			return OTW_MALFORMED;
		if (type == 7 && !(b0 & 0x01)) { /* the requester gave up */
			psvc = bac_pend_take(st, invoke, by_client);
			bac_op(x, true, psvc < 0 ? BAC_F_UNKNOWN : (uint16_t)psvc,
			       OTW_OPK_EXCEPTION, OTW_ADDR_NONE);
			return OTW_OK;
		}
		psvc = bac_pend_take(st, invoke, !by_client);
		bac_op(x, false, psvc < 0 ? BAC_F_UNKNOWN : (uint16_t)psvc,
		       OTW_OPK_EXCEPTION, OTW_ADDR_NONE);
		return OTW_OK;
	default:
		return OTW_MALFORMED;
	}
}

/* NPDU (clause 6.2). */
static enum otw_verdict bac_npdu(struct otw_cur *c, const struct otw_dctx *x,
				 struct bac_state *st, bool ident)
{
	uint8_t ver, ctl, len, type;
	uint16_t net;

	if (!otw_cur_u8(c, &ver) || !otw_cur_u8(c, &ctl))
		return OTW_MALFORMED;
	if (ver != 1 || (ctl & 0x50) != 0) /* bits 6, 4 are reserved */
		return OTW_MALFORMED;
	if (ctl & 0x20) { /* DNET, DLEN, DADR */
		if (!otw_cur_u16be(c, &net) || !otw_cur_u8(c, &len) ||
		    !otw_cur_skip(c, len))
			return OTW_MALFORMED;
	}
	if (ctl & 0x08) { /* SNET, SLEN, SADR: routed from elsewhere */
		if (!otw_cur_u16be(c, &net) || !otw_cur_u8(c, &len) ||
		    len == 0 || !otw_cur_skip(c, len))
			return OTW_MALFORMED;
		ident = false;
	}
	if ((ctl & 0x20) && !otw_cur_skip(c, 1)) /* hop count */
		return OTW_MALFORMED;
	if (ctl & 0x80) { /* network layer message */
		if (!otw_cur_u8(c, &type))
			return OTW_MALFORMED;
		if (type >= 0x80 && !otw_cur_skip(c, 2)) /* vendor id */
			return OTW_MALFORMED;
		bac_op(x, true, (uint16_t)(BAC_F_NET | type), OTW_OPK_REQUEST,
		       OTW_ADDR_NONE);
		return OTW_OK;
	}
	return bac_apdu(c, x, st, ident);
}

/* BVLC (Annex J.2): type 0x81, function, length of the whole message. */
static bool bac_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t type, fn, ver;
	uint16_t len;

	(void)x;
	if (!otw_cur_peek_u8(c, 0, &type) || !otw_cur_peek_u8(c, 1, &fn) ||
	    !otw_cur_peek_u16be(c, 2, &len))
		return false;
	/* some stacks send a wrong BVLC length (Wireshark takes them too):
	 * NPDU-carrying functions must show NPDU version 1 where it
	 * belongs, the others (BDT/FDT management) an exact length */
	if (type != BAC_BVLC_TYPE || fn > 0x0c || len < 4)
		return false;
	if (fn == 0x04)
		return otw_cur_peek_u8(c, 10, &ver) && ver == 1;
	if (fn == 0x09 || fn == 0x0a || fn == 0x0b)
		return otw_cur_peek_u8(c, 4, &ver) && ver == 1;
	return len == otw_cur_left(c);
}

static enum otw_verdict bac_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct bac_state st;
	struct otw_cur m;
	uint8_t type, fn;
	uint16_t len, res;
	enum otw_verdict v = OTW_OK;
	bool bad_len;

	if (!otw_cur_u8(c, &type) || !otw_cur_u8(c, &fn) ||
	    !otw_cur_u16be(c, &len))
		return OTW_MALFORMED;
	if (type != BAC_BVLC_TYPE || len < 4)
		return OTW_MALFORMED;
	/* a BVLC length that disagrees with the datagram is counted
	 * malformed, and what the datagram holds is parsed (as Wireshark
	 * does: some stacks always send the same length) */
	bad_len = len - 4u != otw_cur_left(c);
	if (!otw_cur_sub(c, len - 4u < otw_cur_left(c) ? len - 4u : otw_cur_left(c),
			 &m))
		return OTW_MALFORMED;
	memcpy(&st, x->state, sizeof(st));
	switch (fn) {
	case 0x00: /* BVLC-Result: a NAK names the function it refuses */
		if (!otw_cur_u16be(&m, &res)) {
			v = OTW_MALFORMED;
			break;
		}
		if (res == 0 || (res >> 4) > 6 || (res & 0x0f) != 0) {
			bac_op(x, false, BAC_F_BVLC, OTW_OPK_RESPONSE,
			       OTW_ADDR_NONE);
		} else {
			static const uint8_t nak_fn[7] = { 0, 1, 2, 5, 6, 8, 9 };
			bac_op(x, false, (uint16_t)(BAC_F_BVLC | nak_fn[res >> 4]),
			       OTW_OPK_EXCEPTION, OTW_ADDR_NONE);
		}
		break;
	case 0x03: /* Read-BDT-Ack */
	case 0x07: /* Read-FDT-Ack */
		bac_op(x, false, (uint16_t)(BAC_F_BVLC | (fn - 1)),
		       OTW_OPK_RESPONSE, OTW_ADDR_NONE);
		break;
	case 0x01: case 0x02: case 0x05: case 0x06: case 0x08: case 0x0c:
		bac_op(x, true, (uint16_t)(BAC_F_BVLC | fn), OTW_OPK_REQUEST,
		       OTW_ADDR_NONE);
		break;
	case 0x04: /* Forwarded-NPDU: original B/IP address first */
		if (!otw_cur_skip(&m, 6))
			v = OTW_MALFORMED;
		else
			v = bac_npdu(&m, x, &st, false);
		break;
	case 0x09: /* Distribute-Broadcast-To-Network (foreign device) */
	case 0x0a: /* Original-Unicast-NPDU */
	case 0x0b: /* Original-Broadcast-NPDU */
		v = bac_npdu(&m, x, &st, true);
		break;
	default:
		v = OTW_MALFORMED;
		break;
	}
	memcpy(x->state, &st, sizeof(st));
	return bad_len ? OTW_MALFORMED : v;
}

static const struct otw_dissector dis_bacnet = {
	.name = "bacnet",
	.app = OTW_APP_BACNET,
	.l4 = IPPROTO_UDP,
	.port = BAC_PORT,
	.probe = bac_probe,
	.dissect = bac_dissect,
	.op_name = bac_op_name,
};

const struct otw_dissector *const otw_plugin_bacnet[] = { &dis_bacnet, NULL };
