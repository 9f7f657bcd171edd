/* SSH (RFC 4253): the identification string of each side, then the
 * cleartext binary packets of the first key exchange (message number as
 * the function) until NEWKEYS; after it every segment of that direction is
 * counted once as "encrypted" without being read. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define SSH_PORT 22
#define SSH_PKT_MAX 35000   /* RFC 4253 §6.1: implementations must take 35000 */
#define SSH_PRE_LINES 8     /* lines a server may send before its banner */

enum { SS_BANNER, SS_CLEAR, SS_ENC };

#define SSH_F_BANNER 0x100  /* func: identification string */
#define SSH_F_ENC 0x101     /* func: an encrypted segment */

struct ssh_state {
	uint32_t rem[2];    /* bytes of a cleartext packet still to come */
	uint8_t mode[2];    /* SS_* */
	uint8_t lines[2];   /* pre-banner lines seen */
	uint8_t pad[12];
};
_Static_assert(sizeof(struct ssh_state) == 24, "state layout");
_Static_assert(sizeof(struct ssh_state) <= OTW_APP_STATE_BYTES, "state size");

static const char *ssh_op_name(unsigned app, unsigned func, const char **cat)
{
	const char *n = NULL;

	if (app != OTW_APP_SSH)
		return NULL;
	*cat = OTW_CAT_SESSION;
	switch (func) {
	case SSH_F_BANNER: return "version_banner";
	case SSH_F_ENC: return "encrypted";
	case 1: n = "disconnect"; break;
	case 2: n = "ignore"; break;
	case 3: n = "unimplemented"; break;
	case 4: n = "debug"; break;
	case 5: n = "service_request"; break;
	case 6: n = "service_accept"; break;
	case 7: n = "ext_info"; break;
	case 20: n = "kexinit"; break;
	case 21: n = "newkeys"; break;
	default:
		if (func >= 30 && func <= 49) {
			n = "kex_method";
			break;
		}
		if (func >= 50 && func <= 79) {
			*cat = OTW_CAT_AUTH;
			n = "userauth";
			break;
		}
		if (func < 256)
			n = "message_other";
		break;
	}
	return n;
}

/* "SSH-2.0-" / "SSH-1.99-" / "SSH-1.5-" at the cursor. */
static bool ssh_is_banner(const struct otw_cur *c)
{
	return otw_cur_left(c) >= 8 && memcmp(c->p, "SSH-", 4) == 0 &&
	       c->p[4] >= '1' && c->p[4] <= '2' && c->p[5] == '.';
}

static enum otw_verdict ssh_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct ssh_state st;
	unsigned d = x->from_client ? 0 : 1;
	uint8_t kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap && st.mode[d] == SS_CLEAR) /* lost the framing */
		st.mode[d] = SS_ENC;
	while (otw_cur_left(c) > 0) {
		if (st.mode[d] == SS_ENC) {
			otw_op_report(x, &(struct otw_op){ .func = SSH_F_ENC, .kind = kind,
							   .addr = OTW_ADDR_NONE });
			c->p = c->end;
			break;
		}
		if (st.mode[d] == SS_BANNER) {
			const uint8_t *lf = memchr(c->p, '\n', otw_cur_left(c) < 256 ?
								otw_cur_left(c) : 256);
			size_t len;
			if (lf == NULL) { /* no line end in reach: not SSH framing */
				st.mode[d] = SS_ENC;
				v = OTW_MALFORMED;
				continue;
			}
			len = (size_t)(lf - c->p);
			if (len > 0 && c->p[len - 1] == '\r')
				len--;
			if (!ssh_is_banner(c)) {
				/* RFC 4253 §4.2: other lines may precede it */
				if (++st.lines[d] > SSH_PRE_LINES) {
					st.mode[d] = SS_ENC;
					v = OTW_MALFORMED;
				}
				c->p = lf + 1;
				continue;
			}
			otw_attr_report(x, true,
					x->from_client ? OTW_ATTR_USER_AGENT : OTW_ATTR_SERVER,
					(const char *)c->p, len);
			otw_op_report(x, &(struct otw_op){ .func = SSH_F_BANNER, .kind = kind,
							   .addr = OTW_ADDR_NONE });
			/* SSH-1 (not 1.99) has other framing: count it only */
			st.mode[d] = memcmp(c->p, "SSH-1.", 6) == 0 &&
						     memcmp(c->p, "SSH-1.99", 8) != 0
					     ? SS_ENC : SS_CLEAR;
			c->p = lf + 1;
			continue;
		}
		/* SS_CLEAR: uint32 packet_length, byte padding_length, payload */
		if (st.rem[d] > 0) {
			size_t n = otw_cur_left(c) < st.rem[d] ? otw_cur_left(c) : st.rem[d];
			(void)otw_cur_skip(c, n);
			st.rem[d] -= (uint32_t)n;
			continue;
		}
		{
			uint32_t plen;
			uint8_t padlen, msg;
			if (!otw_cur_u32be(c, &plen) || !otw_cur_u8(c, &padlen) ||
			    !otw_cur_u8(c, &msg)) {
				/* a header cut by the segment: framing lost */
				st.mode[d] = SS_ENC;
				c->p = c->end;
				break;
			}
			if (plen < 5 || plen > SSH_PKT_MAX || padlen < 4 || padlen >= plen) {
				st.mode[d] = SS_ENC;
				v = OTW_MALFORMED;
				c->p = c->end;
				break;
			}
			otw_op_report(x, &(struct otw_op){ .func = msg, .kind = kind,
							   .addr = OTW_ADDR_NONE });
			plen -= 2;
			if (otw_cur_left(c) >= plen) {
				(void)otw_cur_skip(c, plen);
			} else {
				st.rem[d] = plen - (uint32_t)otw_cur_left(c);
				c->p = c->end;
			}
			if (msg == 21) /* NEWKEYS: what follows is encrypted */
				st.mode[d] = SS_ENC;
		}
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* Port 22: the banner, maybe after other lines (RFC 4253 §4.2). */
static bool ssh_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	size_t n = otw_cur_left(c) < 1024 ? otw_cur_left(c) : 1024;

	(void)x;
	if (ssh_is_banner(c))
		return true;
	for (size_t i = 0; i + 5 <= n; i++)
		if (c->p[i] == '\n' && memcmp(c->p + i + 1, "SSH-", 4) == 0)
			return true;
	return false;
}

static bool ssh_probe_strict(const struct otw_cur *c, const struct otw_dctx *x)
{
	(void)x;
	return otw_cur_left(c) >= 9 && (memcmp(c->p, "SSH-2.0-", 8) == 0 ||
					memcmp(c->p, "SSH-1.99-", 9) == 0);
}

static const struct otw_dissector dis_ssh = {
	.name = "ssh",
	.app = OTW_APP_SSH,
	.l4 = IPPROTO_TCP,
	.port = SSH_PORT,
	.probe = ssh_probe,
	.dissect = ssh_dissect,
	.op_name = ssh_op_name,
};

static const struct otw_dissector dis_ssh_any = {
	.name = "ssh-heuristic",
	.app = OTW_APP_SSH,
	.l4 = IPPROTO_TCP,
	.port = 0,
	.probe = ssh_probe_strict,
	.dissect = ssh_dissect,
	.op_name = ssh_op_name,
};

const struct otw_dissector *const otw_plugin_ssh[] = { &dis_ssh, &dis_ssh_any, NULL };
