/* sim_enip: EtherNet/IP (ODVA Vol. 2) and CIP (Vol. 1). An HMI asks a
 * ControlLogix and its I/O adapter who they are (unicast ListIdentity on
 * UDP 44818), registers a session on TCP 44818, reads the Identity
 * object's product name with Get_Attribute_Single and then polls two Logix
 * tags (Read Tag, symbolic path); the controller exchanges implicit I/O
 * with the adapter on UDP 2222. Encapsulation is little-endian; the
 * ListIdentity socket address big-endian. */
#include <string.h>

#include "sim.h"

#define ENIP_PORT 44818
#define ENIP_IO_PORT 2222

enum { CMD_LIST_IDENTITY = 0x63, CMD_REGISTER = 0x65, CMD_SEND_RR = 0x6f };

const char *sim_enip_name(uint16_t func)
{
	switch (func) {
	case 0xff63: return "list_identity";
	case 0xff65: return "register_session";
	case 0x07: return "stop";
	case 0x0e: return "get_attribute_single";
	case 0x4c: return "read_tag";
	case 0x4d: return "write_tag";
	default: return "unknown";
	}
}

const char *sim_enip_io_name(uint16_t func)
{
	return func == 1 ? "io_data" : "unknown";
}

/* Encapsulation header (24 bytes); the length is set by enip_end. */
static void enip_hdr(struct sim_buf *w, uint16_t cmd, uint32_t session,
		     uint64_t ctx)
{
	sim_u16le(w, cmd);
	sim_u16le(w, 0);
	sim_u32le(w, session);
	sim_u32le(w, 0); /* status */
	sim_u32le(w, (uint32_t)ctx);
	sim_u32le(w, (uint32_t)(ctx >> 32));
	sim_u32le(w, 0); /* options */
}

static void enip_end(struct sim_buf *w)
{
	sim_set16le(w, 2, w->n - 24);
}

/* ListIdentity reply: one CIP Identity item (type 0x0C). */
static void list_identity_reply(struct sim_buf *w, const struct sim_host *h,
				const struct sim_cip_id *id, uint64_t ctx)
{
	size_t item;
	size_t nl = strlen(id->name);

	enip_hdr(w, CMD_LIST_IDENTITY, 0, ctx);
	sim_u16le(w, 1); /* item count */
	sim_u16le(w, 0x0c);
	item = w->n;
	sim_u16le(w, 0);
	sim_u16le(w, 1); /* encapsulation protocol version */
	sim_u16be(w, 2); /* sockaddr: AF_INET, port, address, zero */
	sim_u16be(w, ENIP_PORT);
	sim_u32be(w, h->ip);
	sim_u32be(w, 0);
	sim_u32be(w, 0);
	sim_u16le(w, id->vendor);
	sim_u16le(w, id->devtype);
	sim_u16le(w, id->prodcode);
	sim_u8(w, id->major);
	sim_u8(w, id->minor);
	sim_u16le(w, 0x0060); /* status: configured, run */
	sim_u32le(w, id->serial);
	sim_u8(w, (unsigned)nl);
	sim_put(w, id->name, nl);
	sim_u8(w, 3); /* state: operational */
	sim_set16le(w, item, w->n - item - 2);
	enip_end(w);
}

uint64_t sim_enip_list_identity(struct sim *s, struct sim_host *cli,
				struct sim_host *srv,
				const struct sim_cip_id *id, uint64_t t)
{
	struct sim_buf q = { .n = 0 }, r = { .n = 0 };
	uint64_t ctx = sim_rand(s);
	struct sim_ep ce = sim_ep(cli, sim_port(s, cli)), se = sim_ep(srv, ENIP_PORT);

	enip_hdr(&q, CMD_LIST_IDENTITY, 0, ctx);
	enip_end(&q);
	sim_send_udp(s, t, ce, se, q.b, q.n);
	sim_truth_app(s, SIM_APP_ENIP, cli, srv, 0, 0xff63, t);
	list_identity_reply(&r, srv, id, ctx);
	t += sim_range(s, 300, 2000) * SIM_US;
	sim_send_udp(s, t, se, ce, r.b, r.n);
	return t;
}

uint64_t sim_enip_register(struct sim *s, struct sim_tcp *c, uint32_t *session,
			   uint64_t t)
{
	struct sim_buf w = { .n = 0 };
	uint64_t ctx = sim_rand(s);

	enip_hdr(&w, CMD_REGISTER, 0, ctx);
	sim_u16le(&w, 1); /* protocol version */
	sim_u16le(&w, 0); /* options */
	enip_end(&w);
	t = sim_tcp_send(s, c, true, t, w.b, w.n);
	sim_truth_app(s, SIM_APP_ENIP, c->cli, c->srv, 0, 0xff65, t);
	*session = (uint32_t)sim_range(s, 0x10000, 0xfffffff0u);
	sim_set16le(&w, 4, *session & 0xffff); /* the target assigns it */
	sim_set16le(&w, 6, *session >> 16);
	return sim_tcp_send(s, c, false, t + sim_range(s, 1, 3) * SIM_MS, w.b,
			    w.n);
}

/* SendRRData around one unconnected CIP message (Null address item +
 * unconnected data item 0xB2). */
static void send_rr(struct sim_buf *w, uint32_t session, uint64_t ctx,
		    const struct sim_buf *cip)
{
	enip_hdr(w, CMD_SEND_RR, session, ctx);
	sim_u32le(w, 0);  /* interface handle: CIP */
	sim_u16le(w, 10); /* timeout, s */
	sim_u16le(w, 2);
	sim_u16le(w, 0x0000);
	sim_u16le(w, 0);
	sim_u16le(w, 0x00b2);
	sim_u16le(w, (unsigned)cip->n);
	sim_put(w, cip->b, cip->n);
	enip_end(w);
}

/* One CIP request and its reply (data rdata of rlen, general status 0).
 * unit/func are the dissector's op key for the truth. */
uint64_t sim_enip_cip(struct sim *s, struct sim_tcp *c, uint32_t session,
		      const struct sim_buf *req, const uint8_t *rdata,
		      size_t rlen, uint16_t unit, uint64_t t)
{
	struct sim_buf w = { .n = 0 }, rep = { .n = 0 };
	uint64_t ctx = sim_rand(s);

	send_rr(&w, session, ctx, req);
	t = sim_tcp_send(s, c, true, t, w.b, w.n);
	sim_truth_app(s, SIM_APP_ENIP, c->cli, c->srv, unit, req->b[0], t);
	sim_u8(&rep, req->b[0] | 0x80u);
	sim_u8(&rep, 0); /* reserved */
	sim_u8(&rep, 0); /* general status: success */
	sim_u8(&rep, 0); /* no extended status */
	sim_put(&rep, rdata, rlen);
	w.n = 0;
	send_rr(&w, session, ctx, &rep);
	return sim_tcp_send(s, c, false, t + sim_range(s, 1, 6) * SIM_MS, w.b,
			    w.n);
}

/* A Logix tag service (0x4C read, 0x4D write) on an ANSI extended symbol
 * segment; count elements; val (DINT) only for writes. */
void sim_enip_tag_req(struct sim_buf *w, uint8_t svc, const char *tag,
		      uint32_t val)
{
	size_t nl = strlen(tag), seg = 2 + nl + (nl & 1);

	w->n = 0;
	sim_u8(w, svc);
	sim_u8(w, (unsigned)(seg / 2));
	sim_u8(w, 0x91);
	sim_u8(w, (unsigned)nl);
	sim_put(w, tag, nl);
	if (nl & 1)
		sim_u8(w, 0);
	if (svc == 0x4d) {
		sim_u16le(w, 0x00c4); /* DINT */
		sim_u16le(w, 1);
		sim_u32le(w, val);
	} else {
		sim_u16le(w, 1);
	}
}

/* A service on class/instance (8-bit logical segments), attribute if
 * attr != 0. */
void sim_enip_path_req(struct sim_buf *w, uint8_t svc, uint8_t cls,
		       uint8_t inst, uint8_t attr)
{
	w->n = 0;
	sim_u8(w, svc);
	sim_u8(w, attr ? 3 : 2);
	sim_u8(w, 0x20);
	sim_u8(w, cls);
	sim_u8(w, 0x24);
	sim_u8(w, inst);
	if (attr) {
		sim_u8(w, 0x30);
		sim_u8(w, attr);
	}
}

/* Class-1 implicit I/O: sequenced address item (connection id, sequence)
 * and connected data item (16-bit CIP sequence count, data). */
static void io_send(struct sim *s, uint64_t t, struct sim_host *from,
		    struct sim_host *to, uint32_t conn, uint32_t seq,
		    size_t dlen)
{
	struct sim_buf w = { .n = 0 };

	sim_u16le(&w, 2);
	sim_u16le(&w, 0x8002);
	sim_u16le(&w, 8);
	sim_u32le(&w, conn);
	sim_u32le(&w, seq);
	sim_u16le(&w, 0x00b1);
	sim_u16le(&w, (unsigned)(2 + dlen));
	sim_u16le(&w, seq & 0xffff);
	for (size_t i = 0; i < dlen; i++)
		sim_u8(&w, (unsigned)sim_range(s, 0, 255));
	sim_send_udp(s, t, sim_ep(from, ENIP_IO_PORT), sim_ep(to, ENIP_IO_PORT),
		     w.b, w.n);
}

void sim_enip_step(struct sim *s, struct sim_task *task)
{
	static const char *const tags[] = { "Packer_Speed", "Line_Count" };
	struct sim_enip_poll *p = sim_container_of(task, struct sim_enip_poll, task);
	uint64_t t = sim_now(s), io = t;
	struct sim_buf req;

	if (p->n == 0) { /* find the devices, open the session */
		uint8_t nm[33];
		size_t nl = strlen(p->srv_id->name);

		t = sim_enip_list_identity(s, p->cli, p->srv, p->srv_id, t);
		t = sim_enip_list_identity(s, p->cli, p->io, p->io_id,
					   t + 5 * SIM_MS);
		t = sim_tcp_open(s, &p->conn, p->cli, p->srv, ENIP_PORT,
				 t + 20 * SIM_MS);
		t = sim_enip_register(s, &p->conn, &p->session, t + SIM_MS);
		sim_enip_path_req(&req, 0x0e, 1, 1, 7); /* product name */
		nm[0] = (uint8_t)nl;
		memcpy(nm + 1, p->srv_id->name, nl);
		t = sim_enip_cip(s, &p->conn, p->session, &req, nm, nl + 1, 1,
				 t + 2 * SIM_MS);
	}
	/* the controller's I/O connection: O->T and T->O each RPI */
	io_send(s, io, p->srv, p->io, p->o2t, ++p->io_seq, 8);
	io_send(s, io + sim_range(s, 200, 900) * SIM_US, p->io, p->srv, p->t2o,
		p->io_seq, 12);
	sim_truth_app(s, SIM_APP_ENIP_IO, p->srv, p->io, p->o2t & 0xffff, 1, io);
	sim_truth_app(s, SIM_APP_ENIP_IO, p->srv, p->io, p->t2o & 0xffff, 1, io);
	if (p->n % 2 == 0) { /* the HMI's tag poll, every other RPI */
		uint32_t v = (uint32_t)(1200 + sim_range(s, 0, 50));
		uint8_t rd[6] = { 0xc4, 0x00, (uint8_t)v, (uint8_t)(v >> 8), 0, 0 };

		sim_enip_tag_req(&req, 0x4c, tags[p->n / 2 % 2], 0);
		t = sim_enip_cip(s, &p->conn, p->session, &req, rd, sizeof(rd), 0,
				 t + sim_range(s, 1, 3) * SIM_MS);
		sim_tcp_ack(s, &p->conn, true, t + 100 * SIM_MS);
	}
	p->n++;
	task->next = io + p->period;
}
