/* FTP control connection (RFC 959, RFC 2228 AUTH, RFC 2428, RFC 3659):
 * commands as operations, replies as their responses (4xx/5xx as
 * exceptions), the 220 greeting as the server's banner, and a cleartext
 * USER/PASS login as a capability of the server. Arguments (names,
 * passwords, paths) are never stored. After AUTH TLS is accepted the
 * connection is encrypted and only counted. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define FTP_PORT 21
#define FTP_LINE_MAX 1024

/* func: documented in docs/protocols/ftp-telnet.md */
enum {
	FTP_UNKNOWN = 0, FTP_USER, FTP_PASS, FTP_ACCT, FTP_CWD, FTP_CDUP, FTP_QUIT,
	FTP_PORT_C, FTP_PASV, FTP_TYPE, FTP_RETR, FTP_STOR, FTP_APPE, FTP_DELE,
	FTP_RMD, FTP_MKD, FTP_PWD, FTP_LIST, FTP_NLST, FTP_SYST, FTP_STAT,
	FTP_HELP, FTP_NOOP, FTP_FEAT, FTP_OPTS, FTP_AUTH, FTP_PBSZ, FTP_PROT,
	FTP_EPSV, FTP_EPRT, FTP_SIZE, FTP_MDTM, FTP_RNFR, FTP_RNTO, FTP_REST,
	FTP_ABOR, FTP_SITE, FTP_MLSD, FTP_MLST, FTP_STOU, FTP_SMNT, FTP_REIN,
	FTP_ALLO, FTP_STRU, FTP_MODE, FTP__N,
	FTP_GREETING = 100,  /* the server's 220 greeting (a response) */
	FTP_CLEAR_LOGIN = 101, /* a USER + PASS exchange in cleartext */
	FTP_ENCRYPTED = 102,  /* a segment after AUTH TLS */
};

static const struct {
	char tok[5];
	const char *cat;
} ftp_cmds[FTP__N] = {
	[FTP_UNKNOWN] = { "", OTW_CAT_OTHER },
	[FTP_USER] = { "USER", OTW_CAT_AUTH }, [FTP_PASS] = { "PASS", OTW_CAT_AUTH },
	[FTP_ACCT] = { "ACCT", OTW_CAT_AUTH }, [FTP_CWD] = { "CWD", OTW_CAT_FILE },
	[FTP_CDUP] = { "CDUP", OTW_CAT_FILE }, [FTP_QUIT] = { "QUIT", OTW_CAT_SESSION },
	[FTP_PORT_C] = { "PORT", OTW_CAT_SESSION }, [FTP_PASV] = { "PASV", OTW_CAT_SESSION },
	[FTP_TYPE] = { "TYPE", OTW_CAT_SESSION }, [FTP_RETR] = { "RETR", OTW_CAT_READ },
	[FTP_STOR] = { "STOR", OTW_CAT_FILE }, [FTP_APPE] = { "APPE", OTW_CAT_FILE },
	[FTP_DELE] = { "DELE", OTW_CAT_FILE }, [FTP_RMD] = { "RMD", OTW_CAT_FILE },
	[FTP_MKD] = { "MKD", OTW_CAT_FILE }, [FTP_PWD] = { "PWD", OTW_CAT_FILE },
	[FTP_LIST] = { "LIST", OTW_CAT_READ }, [FTP_NLST] = { "NLST", OTW_CAT_READ },
	[FTP_SYST] = { "SYST", OTW_CAT_DIAG }, [FTP_STAT] = { "STAT", OTW_CAT_DIAG },
	[FTP_HELP] = { "HELP", OTW_CAT_DIAG }, [FTP_NOOP] = { "NOOP", OTW_CAT_SESSION },
	[FTP_FEAT] = { "FEAT", OTW_CAT_DIAG }, [FTP_OPTS] = { "OPTS", OTW_CAT_CONFIG },
	[FTP_AUTH] = { "AUTH", OTW_CAT_AUTH }, [FTP_PBSZ] = { "PBSZ", OTW_CAT_SESSION },
	[FTP_PROT] = { "PROT", OTW_CAT_SESSION }, [FTP_EPSV] = { "EPSV", OTW_CAT_SESSION },
	[FTP_EPRT] = { "EPRT", OTW_CAT_SESSION }, [FTP_SIZE] = { "SIZE", OTW_CAT_READ },
	[FTP_MDTM] = { "MDTM", OTW_CAT_READ }, [FTP_RNFR] = { "RNFR", OTW_CAT_FILE },
	[FTP_RNTO] = { "RNTO", OTW_CAT_FILE }, [FTP_REST] = { "REST", OTW_CAT_SESSION },
	[FTP_ABOR] = { "ABOR", OTW_CAT_SESSION }, [FTP_SITE] = { "SITE", OTW_CAT_CONFIG },
	[FTP_MLSD] = { "MLSD", OTW_CAT_READ }, [FTP_MLST] = { "MLST", OTW_CAT_READ },
	[FTP_STOU] = { "STOU", OTW_CAT_FILE }, [FTP_SMNT] = { "SMNT", OTW_CAT_FILE },
	[FTP_REIN] = { "REIN", OTW_CAT_SESSION }, [FTP_ALLO] = { "ALLO", OTW_CAT_FILE },
	[FTP_STRU] = { "STRU", OTW_CAT_SESSION }, [FTP_MODE] = { "MODE", OTW_CAT_SESSION },
};

/* snake_case names, same order as ftp_cmds */
static const char *const ftp_names[FTP__N] = {
	"unknown_command", "user", "pass", "acct", "cwd", "cdup", "quit", "port",
	"pasv", "type", "retr", "stor", "appe", "dele", "rmd", "mkd", "pwd", "list",
	"nlst", "syst", "stat", "help", "noop", "feat", "opts", "auth", "pbsz",
	"prot", "epsv", "eprt", "size", "mdtm", "rnfr", "rnto", "rest", "abor",
	"site", "mlsd", "mlst", "stou", "smnt", "rein", "allo", "stru", "mode",
};

#define FF_USER 0x01    /* USER sent */
#define FF_LOGIN 0x02   /* cleartext login reported */
#define FF_TLS 0x04     /* AUTH TLS sent */
#define FF_ENC 0x08     /* encrypted from now on */
#define FF_BANNER 0x10  /* greeting seen */
#define FF_CUT0 0x20    /* client line cut by the last segment */
#define FF_CUT1 0x40    /* server line cut by the last segment */

struct ftp_state {
	uint8_t q[4];    /* commands (func) awaiting their replies, FIFO */
	uint8_t nq;
	uint8_t flags;
	uint8_t pad[18];
};
_Static_assert(sizeof(struct ftp_state) == 24, "state layout");
_Static_assert(sizeof(struct ftp_state) <= OTW_APP_STATE_BYTES, "state size");

static const char *ftp_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_FTP)
		return NULL;
	if (func < FTP__N) {
		*cat = ftp_cmds[func].cat;
		return ftp_names[func];
	}
	if (func == FTP_GREETING) {
		*cat = OTW_CAT_SESSION;
		return "greeting";
	}
	if (func == FTP_CLEAR_LOGIN) {
		*cat = OTW_CAT_AUTH;
		return "cleartext_login";
	}
	if (func == FTP_ENCRYPTED) {
		*cat = OTW_CAT_SESSION;
		return "encrypted";
	}
	return NULL;
}

/* Command verb (3-4 letters, any case) at p: its func, 0 if unknown,
 * -1 if the line is not a command. */
static int ftp_verb(const uint8_t *p, size_t n)
{
	char v[5];
	size_t k = 0;

	while (k < n && k < 5 && ((p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z')) {
		if (k < 4)
			v[k] = (char)(p[k] & ~0x20);
		k++;
	}
	if (k < 3 || k > 4 || (k < n && p[k] != ' '))
		return -1;
	v[k] = 0;
	for (int i = 1; i < FTP__N; i++)
		if (strcmp(ftp_cmds[i].tok, v) == 0)
			return i;
	return 0;
}

/* "ddd " or "ddd-" reply: the code, 0 if not one */
static unsigned ftp_code(const uint8_t *p, size_t n, bool *last)
{
	if (n < 3 || p[0] < '1' || p[0] > '6' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (n > 3 && p[3] != ' ' && p[3] != '-'))
		return 0;
	*last = n == 3 || p[3] == ' ';
	return (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
	       (unsigned)(p[2] - '0');
}

static void ftp_report(struct otw_dctx *x, unsigned func, uint8_t kind)
{
	otw_op_report(x, &(struct otw_op){ .func = (uint16_t)func, .kind = kind,
					   .addr = OTW_ADDR_NONE });
}

static enum otw_verdict ftp_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct ftp_state st;
	uint8_t cut = x->from_client ? FF_CUT0 : FF_CUT1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (st.flags & FF_ENC) {
		ftp_report(x, FTP_ENCRYPTED, x->from_client ? OTW_OPK_REQUEST
							     : OTW_OPK_RESPONSE);
		goto out;
	}
	if (x->gap)
		st.flags |= cut;
	while (otw_cur_left(c) > 0) {
		const uint8_t *p = c->p;
		const uint8_t *lf = memchr(p, '\n', otw_cur_left(c));
		size_t n;

		if (lf == NULL) { /* a line cut by the segment: skip its rest */
			if (otw_cur_left(c) > FTP_LINE_MAX)
				v = OTW_MALFORMED;
			st.flags |= cut;
			c->p = c->end;
			break;
		}
		c->p = lf + 1;
		if (st.flags & cut) {
			st.flags &= (uint8_t)~cut;
			continue;
		}
		n = (size_t)(lf - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (x->from_client) {
			int f = ftp_verb(p, n);
			if (f < 0) {
				v = OTW_MALFORMED;
				continue;
			}
			ftp_report(x, (unsigned)f, OTW_OPK_REQUEST);
			if (st.nq == sizeof(st.q)) { /* unanswered: drop the oldest */
				memmove(st.q, st.q + 1, sizeof(st.q) - 1);
				st.nq--;
			}
			st.q[st.nq++] = (uint8_t)f;
			if (f == FTP_USER)
				st.flags |= FF_USER;
			else if (f == FTP_PASS && (st.flags & FF_USER) &&
				 !(st.flags & FF_LOGIN)) {
				st.flags |= FF_LOGIN;
				otw_attr_report(x, false, OTW_ATTR_CAPABILITIES,
						"cleartext-login", 15);
				ftp_report(x, FTP_CLEAR_LOGIN, OTW_OPK_REQUEST);
			} else if (f == FTP_AUTH) {
				st.flags |= FF_TLS;
			}
		} else {
			bool last = false;
			unsigned code = ftp_code(p, n, &last), f;
			if (code == 0 || !last) /* text of a multi-line reply */
				continue;
			if (code == 220 && !(st.flags & FF_BANNER)) {
				st.flags |= FF_BANNER;
				if (n > 4)
					otw_attr_report(x, true, OTW_ATTR_SERVER,
							(const char *)p + 4, n - 4);
				ftp_report(x, FTP_GREETING, OTW_OPK_RESPONSE);
				continue;
			}
			if (code < 200) /* preliminary: the final reply follows */
				continue;
			f = FTP_UNKNOWN; /* a reply whose command we missed */
			if (st.nq > 0) {
				f = st.q[0];
				memmove(st.q, st.q + 1, sizeof(st.q) - 1);
				st.nq--;
			}
			ftp_report(x, f, code >= 400 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE);
			if (f == FTP_AUTH && code == 234 && (st.flags & FF_TLS)) {
				st.flags |= FF_ENC; /* TLS handshake follows */
				break;
			}
		}
	}
out:
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* Greeting "220 " / "220-" from the server, or a known command. */
static bool ftp_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	bool last;
	size_t n = otw_cur_left(c);
	const uint8_t *lf;

	(void)x;
	if (n >= 4 && ftp_code(c->p, 4, &last) != 0 && c->p[0] >= '1' && c->p[0] <= '5')
		return true;
	lf = memchr(c->p, '\n', n < 64 ? n : 64);
	if (lf == NULL)
		return false;
	n = (size_t)(lf - c->p);
	if (n > 0 && c->p[n - 1] == '\r')
		n--;
	return ftp_verb(c->p, n) > 0;
}

static const struct otw_dissector dis_ftp = {
	.name = "ftp",
	.app = OTW_APP_FTP,
	.l4 = IPPROTO_TCP,
	.port = FTP_PORT,
	.probe = ftp_probe,
	.dissect = ftp_dissect,
	.op_name = ftp_op_name,
};

const struct otw_dissector *const otw_plugin_ftp[] = { &dis_ftp, NULL };
