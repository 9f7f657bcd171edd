/* OPC UA binary over TCP (OPC 10000-6 "Mappings" §7.1 UA Connection
 * Protocol, §6.7 Secure Conversation; service encodings from OPC 10000-4
 * and the NodeIds of the standard namespace).
 *
 * Operation encoding (docs/protocols/opcua.md): unit = 0, addr = none,
 * func = numeric NodeId of the request's binary encoding (631 = Read...);
 * responses and ServiceFaults are counted against their request's id.
 * Transport messages without a service: 0xFF01 hello (HEL/ACK, ERR is its
 * exception), 0xFF02 an encrypted MSG chunk, 0xFF04 reverse hello.
 * The engine frames the stream by the message header (ua_pdu_len) and
 * reassembles messages cut by segment boundaries; one over its buffer cap
 * is parsed as far as it goes. Chunks after the first of a multi-chunk
 * message are skipped. Encrypted chunks are counted, never parsed. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define UA_PORT 4840
#define UA_HDR 8
#define UA_MAX_MSG (16u << 20)
#define UA_FUNC_HELLO 0xFF01u
#define UA_FUNC_ENCRYPTED 0xFF02u
#define UA_FUNC_RHE 0xFF04u

#define UA_ID_SERVICE_FAULT 397
#define UA_ID_OPN_REQ 446
#define UA_ID_CLO_REQ 452
#define UA_ID_GET_ENDPOINTS 428
#define UA_ID_CREATE_SESSION 461
#define UA_PEND 3

/* Per-flow state. */
struct ua_state {
	struct {
		uint16_t req;   /* low 16 bits of the request id; */
		uint16_t func;  /* 0 = free */
	} pend[UA_PEND];
	uint8_t flags;      /* UF_* */
	uint8_t next;       /* round-robin victim */
	uint8_t pad[10];
};
#define UF_CLEAR 1u       /* the channel's policy is None */
#define UF_SECURE 2u      /* the channel's policy is not None */
#define UF_CONT0 16u      /* inside a multi-chunk message, per dir */
_Static_assert(sizeof(struct ua_state) == 24, "state layout");
_Static_assert(sizeof(struct ua_state) <= OTW_APP_STATE_BYTES, "state size");

struct ua_svc {
	uint16_t id; /* request encoding NodeId; the response is id + 3 */
	const char *name;
	const char *cat;
};

/* Standard NodeIds of the service requests' DefaultBinary encodings
 * (OPC 10000-6 annex A, NodeIds.csv), sorted by id. */
static const struct ua_svc ua_svcs[] = {
	{ 422, "find_servers", OTW_CAT_DIAG },
	{ 428, "get_endpoints", OTW_CAT_DIAG },
	{ 437, "register_server", OTW_CAT_CONFIG },
	{ 446, "open_secure_channel", OTW_CAT_SESSION },
	{ 452, "close_secure_channel", OTW_CAT_SESSION },
	{ 461, "create_session", OTW_CAT_SESSION },
	{ 467, "activate_session", OTW_CAT_AUTH },
	{ 473, "close_session", OTW_CAT_SESSION },
	{ 479, "cancel", OTW_CAT_SESSION },
	{ 488, "add_nodes", OTW_CAT_CONFIG },
	{ 494, "add_references", OTW_CAT_CONFIG },
	{ 500, "delete_nodes", OTW_CAT_CONFIG },
	{ 506, "delete_references", OTW_CAT_CONFIG },
	{ 527, "browse", OTW_CAT_READ },
	{ 533, "browse_next", OTW_CAT_READ },
	{ 554, "translate_browse_paths", OTW_CAT_READ },
	{ 560, "register_nodes", OTW_CAT_READ },
	{ 566, "unregister_nodes", OTW_CAT_READ },
	{ 615, "query_first", OTW_CAT_READ },
	{ 621, "query_next", OTW_CAT_READ },
	{ 631, "read", OTW_CAT_READ },
	{ 664, "history_read", OTW_CAT_READ },
	{ 673, "write", OTW_CAT_WRITE },
	{ 700, "history_update", OTW_CAT_WRITE },
	{ 712, "call", OTW_CAT_CONTROL },
	{ 751, "create_monitored_items", OTW_CAT_MONITOR },
	{ 763, "modify_monitored_items", OTW_CAT_MONITOR },
	{ 769, "set_monitoring_mode", OTW_CAT_MONITOR },
	{ 775, "set_triggering", OTW_CAT_MONITOR },
	{ 781, "delete_monitored_items", OTW_CAT_MONITOR },
	{ 787, "create_subscription", OTW_CAT_MONITOR },
	{ 793, "modify_subscription", OTW_CAT_MONITOR },
	{ 799, "set_publishing_mode", OTW_CAT_MONITOR },
	{ 826, "publish", OTW_CAT_MONITOR },
	{ 832, "republish", OTW_CAT_MONITOR },
	{ 841, "transfer_subscriptions", OTW_CAT_MONITOR },
	{ 847, "delete_subscriptions", OTW_CAT_MONITOR },
};

static const struct ua_svc *ua_svc_find(unsigned id)
{
	size_t lo = 0, hi = sizeof(ua_svcs) / sizeof(ua_svcs[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ua_svcs[mid].id == id)
			return &ua_svcs[mid];
		if (ua_svcs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *ua_op_name(unsigned app, unsigned func, const char **cat)
{
	const struct ua_svc *s;

	if (app != OTW_APP_OPCUA)
		return NULL;
	switch (func) {
	case UA_FUNC_HELLO:
		*cat = OTW_CAT_SESSION;
		return "hello";
	case UA_FUNC_ENCRYPTED:
		*cat = OTW_CAT_OTHER;
		return "encrypted_message";
	case UA_FUNC_RHE:
		*cat = OTW_CAT_SESSION;
		return "reverse_hello";
	case UA_ID_SERVICE_FAULT:
		*cat = OTW_CAT_OTHER;
		return "service_fault";
	default:
		break;
	}
	if ((s = ua_svc_find(func)) == NULL)
		return NULL;
	*cat = s->cat;
	return s->name;
}

/* ---- built-in types (OPC 10000-6 §5.2.2) ---- */

static bool ua_i32(struct otw_cur *c, int32_t *v)
{
	uint32_t u;

	if (!otw_cur_u32le(c, &u))
		return false;
	*v = (int32_t)u;
	return true;
}

/* String / ByteString: Int32 length (-1 = null), bytes. */
static bool ua_string(struct otw_cur *c, const uint8_t **s, size_t *n)
{
	int32_t len;

	if (!ua_i32(c, &len) || len < -1)
		return false;
	*s = c->p;
	*n = len < 0 ? 0 : (size_t)len;
	return otw_cur_skip(c, *n);
}

static bool ua_skip_string(struct otw_cur *c)
{
	const uint8_t *s;
	size_t n;

	return ua_string(c, &s, &n);
}

/* NodeId / ExpandedNodeId (§5.2.2.9-10). *num is set for numeric ids in
 * namespace 0, else UINT32_MAX. */
static bool ua_nodeid(struct otw_cur *c, uint32_t *num)
{
	uint8_t enc, b;
	uint16_t ns, w;
	uint32_t id;

	*num = UINT32_MAX;
	if (!otw_cur_u8(c, &enc))
		return false;
	switch (enc & 0x3F) {
	case 0:
		if (!otw_cur_u8(c, &b))
			return false;
		*num = b;
		break;
	case 1:
		if (!otw_cur_u8(c, &b) || !otw_cur_u16le(c, &w))
			return false;
		if (b == 0)
			*num = w;
		break;
	case 2:
		if (!otw_cur_u16le(c, &ns) || !otw_cur_u32le(c, &id))
			return false;
		if (ns == 0)
			*num = id;
		break;
	case 3:
	case 5:
		if (!otw_cur_skip(c, 2) || !ua_skip_string(c))
			return false;
		break;
	case 4:
		if (!otw_cur_skip(c, 2 + 16))
			return false;
		break;
	default:
		return false;
	}
	if ((enc & 0x80) && !ua_skip_string(c)) /* namespace URI */
		return false;
	if ((enc & 0x40) && !otw_cur_skip(c, 4)) /* server index */
		return false;
	return true;
}

/* DiagnosticInfo (§5.2.2.12). */
static bool ua_diag(struct otw_cur *c, unsigned depth)
{
	uint8_t m;

	if (depth > 4 || !otw_cur_u8(c, &m))
		return false;
	if ((m & 0x01) && !otw_cur_skip(c, 4))
		return false;
	if ((m & 0x02) && !otw_cur_skip(c, 4))
		return false;
	if ((m & 0x08) && !otw_cur_skip(c, 4))
		return false;
	if ((m & 0x04) && !otw_cur_skip(c, 4))
		return false;
	if ((m & 0x10) && !ua_skip_string(c))
		return false;
	if ((m & 0x20) && !otw_cur_skip(c, 4))
		return false;
	if ((m & 0x40) && !ua_diag(c, depth + 1))
		return false;
	return true;
}

/* ExtensionObject (§5.2.2.15). */
static bool ua_extobj(struct otw_cur *c)
{
	uint32_t id;
	uint8_t enc;

	if (!ua_nodeid(c, &id) || !otw_cur_u8(c, &enc))
		return false;
	return enc == 0 || ua_skip_string(c);
}

/* ResponseHeader (OPC 10000-4 §7.33); *result = ServiceResult. */
static bool ua_response_header(struct otw_cur *c, uint32_t *result)
{
	int32_t n;

	if (!otw_cur_skip(c, 8 + 4) || !otw_cur_u32le(c, result) ||
	    !ua_diag(c, 0) || !ua_i32(c, &n) || n > 1024)
		return false;
	for (int32_t i = 0; i < n; i++)
		if (!ua_skip_string(c))
			return false;
	return ua_extobj(c);
}

/* ---- identity ---- */

static void ua_attr(const struct otw_dctx *x, bool of_src, unsigned key,
		    const uint8_t *s, size_t n)
{
	if (n > 0)
		otw_attr_report(x, of_src, key, (const char *)s, n);
}

/* ApplicationDescription (OPC 10000-4 §7.2) of the server: uri,
 * product uri, name; only what lies in this segment. */
static void ua_app_desc(const struct otw_dctx *x, struct otw_cur *c)
{
	const uint8_t *uri, *prod, *text = NULL;
	size_t nuri, nprod, ntext = 0;
	uint8_t mask;

	if (!ua_string(c, &uri, &nuri) || !ua_string(c, &prod, &nprod) ||
	    !otw_cur_u8(c, &mask))
		return;
	if ((mask & 1) && !ua_skip_string(c))
		return;
	if ((mask & 2) && !ua_string(c, &text, &ntext))
		return;
	ua_attr(x, true, OTW_ATTR_DESCRIPTION, uri, nuri);
	ua_attr(x, true, OTW_ATTR_PRODUCT_CODE, prod, nprod);
	if (text)
		ua_attr(x, true, OTW_ATTR_NAME, text, ntext);
}

/* The server's own description in a GetEndpoints / CreateSession reply:
 * the first EndpointDescription's server ApplicationDescription. */
static void ua_server_identity(const struct otw_dctx *x, unsigned req,
			       struct otw_cur *c)
{
	int32_t n;
	uint32_t id;

	if (req == UA_ID_CREATE_SESSION) {
		/* sessionId, authenticationToken, revisedSessionTimeout,
		 * serverNonce, serverCertificate */
		if (!ua_nodeid(c, &id) || !ua_nodeid(c, &id) || !otw_cur_skip(c, 8) ||
		    !ua_skip_string(c) || !ua_skip_string(c))
			return;
	}
	if (!ua_i32(c, &n) || n < 1 || !ua_skip_string(c) /* endpointUrl */)
		return;
	ua_app_desc(x, c);
}

/* ---- messages ---- */

static void ua_op(const struct otw_dctx *x, unsigned func, uint8_t kind)
{
	struct otw_op op = { .func = (uint16_t)func, .kind = kind,
			     .addr = OTW_ADDR_NONE };
	otw_op_report(x, &op);
}

static void pend_put(struct ua_state *st, uint32_t req, unsigned func)
{
	unsigned i;

	for (i = 0; i < UA_PEND; i++)
		if (st->pend[i].func == 0)
			break;
	if (i == UA_PEND) { /* requests that get no answer: reuse */
		i = st->next;
		st->next = (uint8_t)((st->next + 1) % UA_PEND);
	}
	st->pend[i].req = (uint16_t)req;
	st->pend[i].func = (uint16_t)func;
}

static unsigned pend_take(struct ua_state *st, uint32_t req)
{
	for (unsigned i = 0; i < UA_PEND; i++) {
		if (st->pend[i].func != 0 && st->pend[i].req == (uint16_t)req) {
			unsigned f = st->pend[i].func;
			st->pend[i].func = 0;
			return f;
		}
	}
	return 0;
}

/* Body of a service message in clear: TypeId, then the request or
 * response. clear: the channel is known to carry plain bodies. */
static bool ua_service(const struct otw_dctx *x, struct ua_state *st,
		       uint32_t req_id, struct otw_cur *c, bool clear)
{
	uint32_t id, result = 0;
	const struct ua_svc *s;

	if (!ua_nodeid(c, &id) || id == UINT32_MAX || id > 0xFEFF)
		return false;
	if ((s = ua_svc_find(id)) != NULL) {
		pend_put(st, req_id, id);
		ua_op(x, id, OTW_OPK_REQUEST);
		return true;
	}
	if (id == UA_ID_SERVICE_FAULT ||
	    (id >= 3 && (s = ua_svc_find(id - 3)) != NULL)) {
		unsigned req = pend_take(st, req_id);
		bool hdr = ua_response_header(c, &result);
		if (req == 0)
			req = s ? s->id : UA_ID_SERVICE_FAULT;
		ua_op(x, req,
		      id == UA_ID_SERVICE_FAULT || (hdr && (result & 0x80000000u))
			      ? OTW_OPK_EXCEPTION
			      : OTW_OPK_RESPONSE);
		if (hdr && result == 0 && s &&
		    (s->id == UA_ID_GET_ENDPOINTS || s->id == UA_ID_CREATE_SESSION))
			ua_server_identity(x, s->id, c);
		return true;
	}
	if (!clear)
		return false;
	/* an unknown service on a plain channel: count it by direction */
	ua_op(x, id, x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE);
	return true;
}

static bool ua_type(const uint8_t t[4])
{
	static const char types[][4] = { "HEL", "ACK", "ERR", "OPN", "MSG",
					 "CLO", "RHE" };

	if (t[3] != 'F' && t[3] != 'C' && t[3] != 'A')
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (memcmp(t, types[i], 3) == 0)
			return true;
	return false;
}

/* A plausible message header at the cursor. */
static bool ua_hdr_ok(const struct otw_cur *c, uint8_t t[4], uint32_t *size)
{
	struct otw_cur h = *c;

	if (!otw_cur_bytes(&h, t, 4) || !otw_cur_u32le(&h, size))
		return false;
	return ua_type(t) && *size >= UA_HDR + 8 && *size <= UA_MAX_MSG;
}

/* One message (header already read); body = what arrived of it. */
static void ua_message(const struct otw_dctx *x, struct ua_state *st,
		       const uint8_t t[4], struct otw_cur *body)
{
	unsigned dir = x->from_client ? 0 : 1;
	uint8_t cont = (uint8_t)(UF_CONT0 << dir);
	bool first = !(st->flags & cont);
	uint32_t req_id;
	const uint8_t *s;
	size_t n;

	if (t[3] == 'C')
		st->flags |= cont;
	else
		st->flags &= (uint8_t)~cont;
	if (memcmp(t, "HEL", 3) == 0) {
		ua_op(x, UA_FUNC_HELLO, OTW_OPK_REQUEST);
		/* version, 4 buffer limits, endpoint URL (§7.1.2.3): the
		 * address the client used for the server */
		if (otw_cur_skip(body, 20) && ua_string(body, &s, &n))
			ua_attr(x, false, OTW_ATTR_PROTO_ADDR, s, n);
		return;
	}
	if (memcmp(t, "ACK", 3) == 0) {
		ua_op(x, UA_FUNC_HELLO, OTW_OPK_RESPONSE);
		return;
	}
	if (memcmp(t, "ERR", 3) == 0) {
		ua_op(x, UA_FUNC_HELLO, OTW_OPK_EXCEPTION);
		return;
	}
	if (memcmp(t, "RHE", 3) == 0) {
		ua_op(x, UA_FUNC_RHE, OTW_OPK_REQUEST);
		return;
	}
	if (!first || t[3] == 'A')
		return; /* continuation or abort: no TypeId here */
	if (!otw_cur_skip(body, 4)) /* secure channel id */
		return;
	if (memcmp(t, "OPN", 3) == 0) {
		/* asymmetric security header (§6.7.2.3), sequence header */
		bool none;
		if (!ua_string(body, &s, &n))
			return;
		none = n >= 5 && memcmp(s + n - 5, "#None", 5) == 0;
		st->flags = (uint8_t)((st->flags & ~(UF_CLEAR | UF_SECURE)) |
				      (none ? UF_CLEAR : UF_SECURE));
		if (!ua_skip_string(body) || !ua_skip_string(body) ||
		    !otw_cur_skip(body, 4) || !otw_cur_u32le(body, &req_id))
			goto opn_plain;
		if (none && ua_service(x, st, req_id, body, false))
			return;
	opn_plain:
		ua_op(x, UA_ID_OPN_REQ,
		      x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE);
		return;
	}
	/* MSG / CLO: token id, sequence number, request id (§6.7.2.4) */
	if (!otw_cur_skip(body, 8) || !otw_cur_u32le(body, &req_id))
		return;
	/* a signed-only or plain body starts with a known TypeId; an
	 * encrypted one matches by chance with negligible odds */
	if (ua_service(x, st, req_id, body, (st->flags & UF_CLEAR) != 0))
		return;
	if (memcmp(t, "CLO", 3) == 0)
		ua_op(x, UA_ID_CLO_REQ, OTW_OPK_REQUEST);
	else
		ua_op(x, UA_FUNC_ENCRYPTED,
		      x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE);
}

/* Port 4840: any message type (captures may start mid-session). */
static bool ua_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t t[4];
	uint32_t size;

	(void)x; /* the message may continue in the next segment */
	return ua_hdr_ok(c, t, &size);
}

/* Other ports: only a connection opening, checked field by field: HEL
 * with protocol version 0, sane buffer sizes and an opc.* endpoint URL
 * filling the message exactly; or OPN naming an OPC UA security policy. */
static bool ua_probe_heur(const struct otw_cur *c, const struct otw_dctx *x)
{
	uint8_t t[4];
	uint32_t size, ver, rbuf, sbuf;
	struct otw_cur b = *c;
	const uint8_t *s;
	size_t n;
	static const char pol[] = "http://opcfoundation.org/UA/SecurityPolicy#";

	(void)x;
	if (!ua_hdr_ok(c, t, &size) || t[3] != 'F' || size != otw_cur_left(c))
		return false;
	(void)otw_cur_skip(&b, UA_HDR);
	if (memcmp(t, "HEL", 3) == 0) {
		if (!otw_cur_u32le(&b, &ver) || !otw_cur_u32le(&b, &rbuf) ||
		    !otw_cur_u32le(&b, &sbuf) || !otw_cur_skip(&b, 8) ||
		    !ua_string(&b, &s, &n))
			return false;
		return ver == 0 && rbuf >= 8192 && sbuf >= 8192 && n >= 7 &&
		       n <= 4096 && memcmp(s, "opc.", 4) == 0 &&
		       otw_cur_left(&b) == 0;
	}
	if (memcmp(t, "OPN", 3) == 0) {
		if (!otw_cur_skip(&b, 4) || !ua_string(&b, &s, &n))
			return false;
		return n > sizeof(pol) - 1 && memcmp(s, pol, sizeof(pol) - 1) == 0;
	}
	return false;
}

/* TCP framing by the message header (§7.1.2.2). While resynchronising
 * (after lost bytes) a header's message must end the segment or be
 * followed by another header; what precedes it is skipped. */
static enum otw_pdu ua_pdu_len(const struct otw_cur *c,
			       const struct otw_dctx *x, uint32_t *len)
{
	uint8_t t[4];
	uint32_t size, next;
	struct otw_cur nx = *c;

	if (!x->resync) {
		if (otw_cur_left(c) < UA_HDR) {
			*len = UA_HDR;
			return OTW_PDU_MORE;
		}
		if (!ua_hdr_ok(c, t, &size)) {
			*len = (uint32_t)otw_cur_left(c); /* nothing to go on */
			return OTW_PDU_JUNK;
		}
		*len = size;
		return OTW_PDU_LEN;
	}
	if (ua_hdr_ok(c, t, &size) &&
	    (size == otw_cur_left(c) ||
	     (otw_cur_skip(&nx, size) && ua_hdr_ok(&nx, t, &next)))) {
		*len = size;
		return OTW_PDU_LEN;
	}
	*len = otw_cur_left(c) < UA_HDR ? (uint32_t)otw_cur_left(c) : 1;
	return OTW_PDU_JUNK;
}

/* One message from the engine (a prefix when x->cut; several from a
 * fuzzer). */
static enum otw_verdict ua_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct ua_state st;
	unsigned dir = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;
	uint8_t t[4];
	uint32_t size;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap) /* lost bytes: a multi-chunk message is lost too */
		st.flags &= (uint8_t)~(UF_CONT0 << dir);
	while (otw_cur_left(c) > 0) {
		struct otw_cur body;

		if (otw_cur_left(c) < UA_HDR) {
			v = OTW_SHORT;
			break;
		}
		if (!ua_hdr_ok(c, t, &size)) {
			v = OTW_MALFORMED;
			break;
		}
		(void)otw_cur_skip(c, UA_HDR);
		if (!otw_cur_sub(c, size - UA_HDR, &body)) {
			body = *c; /* a prefix: the rest was not buffered */
			c->p = c->end;
			v = OTW_SHORT;
		}
		ua_message(x, &st, t, &body);
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

static const struct otw_dissector dis_opcua = {
	.name = "opcua",
	.app = OTW_APP_OPCUA,
	.l4 = IPPROTO_TCP,
	.port = UA_PORT,
	.probe = ua_probe,
	.dissect = ua_dissect,
	.op_name = ua_op_name,
	.pdu_len = ua_pdu_len,
	.pdu_max = UA_MAX_MSG, /* the buffer size caps it */
};

static const struct otw_dissector dis_opcua_heur = {
	.name = "opcua-heur",
	.app = OTW_APP_OPCUA,
	.l4 = IPPROTO_TCP,
	.port = 0,
	.probe = ua_probe_heur,
	.dissect = ua_dissect,
	.op_name = NULL, /* named by dis_opcua */
	.pdu_len = ua_pdu_len,
	.pdu_max = UA_MAX_MSG,
};

const struct otw_dissector *const otw_plugin_opcua[] = {
	&dis_opcua, &dis_opcua_heur, NULL,
};
