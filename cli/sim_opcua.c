/* sim_opcua: OPC UA binary over TCP 4840 (OPC 10000-6 UA Connection
 * Protocol and Secure Conversation, security policy None; services of
 * OPC 10000-4). A client says HEL, opens a secure channel, asks for the
 * endpoints (the server's application name and product URI), creates and
 * activates an anonymous session, browses the Objects folder and then
 * reads two variables now and then. Everything is little-endian; service
 * bodies start with the four-byte NodeId of their binary encoding. */
#include <string.h>

#include "sim.h"

#define UA_PORT 4840
#define POLICY_NONE "http://opcfoundation.org/UA/SecurityPolicy#None"

const char *sim_opcua_name(uint16_t func)
{
	switch (func) {
	case 0xff01: return "hello";
	case 446: return "open_secure_channel";
	case 428: return "get_endpoints";
	case 461: return "create_session";
	case 467: return "activate_session";
	case 527: return "browse";
	case 631: return "read";
	case 673: return "write";
	default: return "unknown";
	}
}

static void ua_string(struct sim_buf *w, const char *s)
{
	if (s == NULL) {
		sim_u32le(w, 0xffffffffu); /* null */
		return;
	}
	sim_u32le(w, (uint32_t)strlen(s));
	sim_str(w, s);
}

static void ua_null(struct sim_buf *w) /* null String/ByteString/array */
{
	sim_u32le(w, 0xffffffffu);
}

static void ua_u64(struct sim_buf *w, uint64_t v)
{
	sim_u32le(w, (uint32_t)v);
	sim_u32le(w, (uint32_t)(v >> 32));
}

/* DateTime: 100 ns ticks since 1601 from our µs since 1970. */
static void ua_time(struct sim_buf *w, uint64_t us)
{
	ua_u64(w, us * 10 + UINT64_C(116444736000000000));
}

static void ua_nodeid4(struct sim_buf *w, uint8_t ns, uint16_t id)
{
	sim_u8(w, 1); /* four-byte encoding */
	sim_u8(w, ns);
	sim_u16le(w, id);
}

static void ua_nodeid_str(struct sim_buf *w, uint16_t ns, const char *s)
{
	sim_u8(w, 3);
	sim_u16le(w, ns);
	ua_string(w, s);
}

static void ua_double(struct sim_buf *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	ua_u64(w, u);
}

static void req_header(struct sim_buf *w, struct sim_ua_conn *u, uint64_t t)
{
	if (u->auth)
		ua_nodeid4(w, 1, u->auth);
	else
		sim_u16le(w, 0); /* two-byte null NodeId */
	ua_time(w, t);
	sim_u32le(w, ++u->handle);
	sim_u32le(w, 0);   /* return diagnostics */
	ua_null(w);        /* audit entry id */
	sim_u32le(w, 10000);
	sim_u16le(w, 0);   /* additional header: null NodeId, */
	sim_u8(w, 0);      /* no body */
}

static void resp_header(struct sim_buf *w, struct sim_ua_conn *u, uint64_t t)
{
	ua_time(w, t);
	sim_u32le(w, u->handle);
	sim_u32le(w, 0); /* Good */
	sim_u8(w, 0);    /* no diagnostics */
	ua_null(w);      /* string table */
	sim_u16le(w, 0);
	sim_u8(w, 0);
}

/* MSG (or OPN/CLO) chunk around body; returns the send time. */
static uint64_t ua_send(struct sim *s, struct sim_ua_conn *u, bool from_cli,
			const char *type, const struct sim_buf *body, uint64_t t)
{
	struct sim_buf w = { .n = 0 };

	sim_put(&w, type, 3);
	sim_u8(&w, 'F');
	sim_u32le(&w, 0);
	sim_u32le(&w, u->channel);
	if (type[0] == 'O') { /* asymmetric security header */
		ua_string(&w, POLICY_NONE);
		ua_null(&w); /* sender certificate */
		ua_null(&w); /* receiver thumbprint */
	} else {
		sim_u32le(&w, u->token);
	}
	sim_u32le(&w, ++u->seq);
	sim_u32le(&w, u->req);
	sim_put(&w, body->b, body->n);
	sim_set16le(&w, 4, w.n & 0xffff);
	sim_set16le(&w, 6, w.n >> 16);
	return sim_tcp_send(s, &u->tcp, from_cli, t, w.b, w.n);
}

/* One service: request body req (TypeId first), response body rsp. */
static uint64_t ua_call(struct sim *s, struct sim_ua_conn *u, uint16_t func,
			const struct sim_buf *req, const struct sim_buf *rsp,
			uint64_t t)
{
	const char *type = func == 446 ? "OPN" : "MSG";

	u->req++;
	t = ua_send(s, u, true, type, req, t);
	sim_truth_app(s, SIM_APP_OPCUA, u->tcp.cli, u->tcp.srv, 0, func, t);
	return ua_send(s, u, false, type, rsp, t + sim_range(s, 1, 4) * SIM_MS);
}

static void app_desc(struct sim_buf *w, const struct sim_ua_server *sv,
		     const char *url)
{
	ua_string(w, sv->app_uri);
	ua_string(w, sv->product_uri);
	sim_u8(w, 2); /* LocalizedText: text only */
	ua_string(w, sv->app_name);
	sim_u32le(w, 0); /* ApplicationType: server */
	ua_null(w);      /* gateway server uri */
	ua_null(w);      /* discovery profile uri */
	sim_u32le(w, 1);
	ua_string(w, url);
}

/* HEL/ACK, OPN, CreateSession, ActivateSession: an open session. */
static uint64_t ua_connect(struct sim *s, struct sim_ua_conn *u,
			   struct sim_host *cli, struct sim_host *srv,
			   const struct sim_ua_server *sv, bool endpoints,
			   uint64_t t)
{
	struct sim_buf w = { .n = 0 }, q = { .n = 0 }, r = { .n = 0 };
	char url[64];
	uint32_t a = srv->ip;

	snprintf(url, sizeof(url), "opc.tcp://%u.%u.%u.%u:%u", a >> 24,
		 a >> 16 & 255, a >> 8 & 255, a & 255, UA_PORT);
	memset(u, 0, sizeof(*u));
	t = sim_tcp_open(s, &u->tcp, cli, srv, UA_PORT, t);
	sim_str(&w, "HELF");
	sim_u32le(&w, 0);
	sim_u32le(&w, 0);     /* protocol version */
	sim_u32le(&w, 65535); /* receive buffer */
	sim_u32le(&w, 65535); /* send buffer */
	sim_u32le(&w, 0);     /* max message size */
	sim_u32le(&w, 0);     /* max chunk count */
	ua_string(&w, url);
	sim_set16le(&w, 4, w.n);
	t = sim_tcp_send(s, &u->tcp, true, t + SIM_MS, w.b, w.n);
	sim_truth_app(s, SIM_APP_OPCUA, cli, srv, 0, 0xff01, t);
	w.n = 0;
	sim_str(&w, "ACKF");
	sim_u32le(&w, 28);
	sim_u32le(&w, 0);
	sim_u32le(&w, 65535);
	sim_u32le(&w, 65535);
	sim_u32le(&w, 0);
	sim_u32le(&w, 0);
	t = sim_tcp_send(s, &u->tcp, false, t + SIM_MS, w.b, w.n);

	ua_nodeid4(&q, 0, 446); /* OpenSecureChannelRequest */
	req_header(&q, u, t);
	sim_u32le(&q, 0);       /* client protocol version */
	sim_u32le(&q, 0);       /* issue */
	sim_u32le(&q, 1);       /* security mode None */
	sim_u32le(&q, 0);       /* empty client nonce */
	sim_u32le(&q, 3600000); /* requested lifetime, ms */
	u->channel = 0;
	u->token = 0;
	ua_nodeid4(&r, 0, 449);
	resp_header(&r, u, t);
	sim_u32le(&r, 0);
	u->channel = (uint32_t)sim_range(s, 1, 0xffff);
	u->token = (uint32_t)sim_range(s, 1, 0xffff);
	sim_u32le(&r, u->channel);
	sim_u32le(&r, u->token);
	ua_time(&r, t);
	sim_u32le(&r, 3600000);
	sim_u32le(&r, 0); /* empty server nonce */
	{	/* the request travels on channel 0 */
		uint32_t ch = u->channel;
		u->channel = 0;
		u->req++;
		t = ua_send(s, u, true, "OPN", &q, t + SIM_MS);
		sim_truth_app(s, SIM_APP_OPCUA, cli, srv, 0, 446, t);
		u->channel = ch;
		t = ua_send(s, u, false, "OPN", &r, t + sim_range(s, 1, 4) * SIM_MS);
	}

	if (endpoints) {
		q.n = r.n = 0;
		ua_nodeid4(&q, 0, 428);
		req_header(&q, u, t);
		ua_string(&q, url);
		ua_null(&q); /* locale ids */
		ua_null(&q); /* profile uris */
		ua_nodeid4(&r, 0, 431);
		resp_header(&r, u, t);
		sim_u32le(&r, 1);
		ua_string(&r, url);
		app_desc(&r, sv, url);
		ua_null(&r);      /* server certificate */
		sim_u32le(&r, 1); /* security mode None */
		ua_string(&r, POLICY_NONE);
		sim_u32le(&r, 1); /* one anonymous user token policy */
		ua_string(&r, "anonymous");
		sim_u32le(&r, 0);
		ua_null(&r);
		ua_null(&r);
		ua_null(&r);
		ua_string(&r, "http://opcfoundation.org/UA-Profile/Transport/"
			      "uatcp-uasc-uabinary");
		sim_u8(&r, 0); /* security level */
		t = ua_call(s, u, 428, &q, &r, t + 2 * SIM_MS);
	}

	q.n = r.n = 0;
	ua_nodeid4(&q, 0, 461);
	req_header(&q, u, t);
	ua_string(&q, cli->attacker ? "urn:opcua-client" : "urn:historian:collector");
	ua_string(&q, "urn:historian:collector:product");
	sim_u8(&q, 2);
	ua_string(&q, cli->name);
	sim_u32le(&q, 1); /* client */
	ua_null(&q);
	ua_null(&q);
	ua_null(&q);      /* discovery urls */
	ua_null(&q);      /* server uri */
	ua_string(&q, url);
	ua_string(&q, cli->name);
	ua_null(&q);      /* client nonce */
	ua_null(&q);      /* client certificate */
	ua_double(&q, 1200000.0);
	sim_u32le(&q, 0);
	u->auth = (uint16_t)sim_range(s, 1000, 0xfff0);
	ua_nodeid4(&r, 0, 464);
	resp_header(&r, u, t);
	ua_nodeid4(&r, 1, (uint16_t)(u->auth + 1)); /* session id */
	ua_nodeid4(&r, 1, u->auth);                 /* authentication token */
	ua_double(&r, 1200000.0);
	ua_null(&r); /* server nonce */
	ua_null(&r); /* server certificate */
	sim_u32le(&r, 0); /* no endpoints */
	ua_null(&r); /* software certificates */
	ua_null(&r); /* signature: algorithm, */
	ua_null(&r); /* signature */
	sim_u32le(&r, 0);
	{
		uint16_t auth = u->auth;
		u->auth = 0; /* CreateSession carries no token yet */
		t = ua_call(s, u, 461, &q, &r, t + 2 * SIM_MS);
		u->auth = auth;
	}

	q.n = r.n = 0;
	ua_nodeid4(&q, 0, 467);
	req_header(&q, u, t);
	ua_null(&q);
	ua_null(&q);      /* client signature */
	ua_null(&q);      /* software certificates */
	ua_null(&q);      /* locale ids */
	ua_nodeid4(&q, 0, 321); /* AnonymousIdentityToken, binary */
	sim_u8(&q, 1);
	sim_u32le(&q, 4 + 9);
	ua_string(&q, "anonymous");
	ua_null(&q);
	ua_null(&q);      /* user token signature */
	ua_nodeid4(&r, 0, 470);
	resp_header(&r, u, t);
	ua_null(&r); /* server nonce */
	ua_null(&r); /* results */
	ua_null(&r); /* diagnostic infos */
	return ua_call(s, u, 467, &q, &r, t + 2 * SIM_MS);
}

static uint64_t ua_browse(struct sim *s, struct sim_ua_conn *u, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };

	ua_nodeid4(&q, 0, 527);
	req_header(&q, u, t);
	sim_u16le(&q, 0);  /* view: null NodeId, */
	ua_u64(&q, 0);     /* timestamp, */
	sim_u32le(&q, 0);  /* version */
	sim_u32le(&q, 0);  /* max references */
	sim_u32le(&q, 1);
	sim_u8(&q, 0);     /* ObjectsFolder i=85 */
	sim_u8(&q, 85);
	sim_u32le(&q, 0);  /* forward */
	sim_u8(&q, 0);     /* HierarchicalReferences i=33 */
	sim_u8(&q, 33);
	sim_u8(&q, 1);     /* include subtypes */
	sim_u32le(&q, 0);
	sim_u32le(&q, 0x3f);
	ua_nodeid4(&r, 0, 530);
	resp_header(&r, u, t);
	sim_u32le(&r, 1);
	sim_u32le(&r, 0);  /* Good */
	ua_null(&r);       /* continuation point */
	sim_u32le(&r, 1);
	sim_u8(&r, 0);     /* Organizes i=35 */
	sim_u8(&r, 35);
	sim_u8(&r, 1);     /* forward */
	ua_nodeid_str(&r, 2, "Line1");
	sim_u16le(&r, 2);
	ua_string(&r, "Line1");
	sim_u8(&r, 2);
	ua_string(&r, "Line1");
	sim_u32le(&r, 1);  /* Object */
	sim_u8(&r, 0);     /* BaseObjectType i=58 */
	sim_u8(&r, 58);
	ua_null(&r);       /* diagnostic infos */
	return ua_call(s, u, 527, &q, &r, t);
}

static const char *const ua_vars[] = { "Line1.Temperature", "Line1.Pressure" };

static uint64_t ua_read(struct sim *s, struct sim_ua_conn *u, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };

	ua_nodeid4(&q, 0, 631);
	req_header(&q, u, t);
	ua_double(&q, 0.0);
	sim_u32le(&q, 2); /* timestamps: both */
	sim_u32le(&q, 2);
	ua_nodeid4(&r, 0, 634);
	resp_header(&r, u, t);
	sim_u32le(&r, 2);
	for (int i = 0; i < 2; i++) {
		ua_nodeid_str(&q, 2, ua_vars[i]);
		sim_u32le(&q, 13); /* Value */
		ua_null(&q);       /* index range */
		sim_u16le(&q, 0);  /* data encoding: null QualifiedName */
		ua_null(&q);
		sim_u8(&r, 1);     /* DataValue: value only */
		sim_u8(&r, 11);    /* Variant Double */
		ua_double(&r, (i ? 3.2 : 71.5) + (double)sim_range(s, 0, 99) / 100.0);
	}
	ua_null(&r);
	return ua_call(s, u, 631, &q, &r, t);
}

uint64_t sim_opcua_write(struct sim *s, struct sim_host *cli,
			 struct sim_host *srv, const struct sim_ua_server *sv,
			 uint64_t t)
{
	struct sim_ua_conn u;
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };

	t = ua_connect(s, &u, cli, srv, sv, false, t);
	ua_nodeid4(&q, 0, 673);
	req_header(&q, &u, t);
	sim_u32le(&q, 1);
	ua_nodeid_str(&q, 2, "Line1.Setpoint");
	sim_u32le(&q, 13);
	ua_null(&q);
	sim_u8(&q, 1);
	sim_u8(&q, 11);
	ua_double(&q, 950.0);
	ua_nodeid4(&r, 0, 676);
	resp_header(&r, &u, t);
	sim_u32le(&r, 1);
	sim_u32le(&r, 0);
	ua_null(&r);
	t = ua_call(s, &u, 673, &q, &r, t + 20 * SIM_MS);
	return sim_tcp_close(s, &u.tcp, true, t + 50 * SIM_MS);
}

void sim_opcua_step(struct sim *s, struct sim_task *task)
{
	struct sim_opcua_poll *p = sim_container_of(task, struct sim_opcua_poll, task);
	struct sim_ua_conn *u = &p->conn;
	uint64_t t = sim_now(s);

	if (!u->tcp.open) {
		t = ua_connect(s, u, p->cli, p->srv, p->sv, true, t);
		t = ua_browse(s, u, t + 5 * SIM_MS);
	}
	t = ua_read(s, u, t + SIM_MS);
	sim_tcp_ack(s, &u->tcp, true, t + 200 * SIM_MS);
	task->next = t + p->period - p->period / 50 +
		     sim_range(s, 0, p->period / 25);
}
