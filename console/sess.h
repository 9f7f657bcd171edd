/* Console sessions: random bearer ids in an HttpOnly cookie, a CSRF token
 * per session, idle and absolute timeouts. In memory: a restart signs
 * everyone out, which is the safe direction. Thread-safe. */
#ifndef OTW_SESS_H
#define OTW_SESS_H

#include <stdbool.h>
#include <stdint.h>

#include "user.h"

#define OTW_SESS_ID_HEX 64     /* 32 random bytes */
#define OTW_SESS_MAX 4096
#define OTW_SESS_IDLE_NS (30ull * 60 * 1000000000)
#define OTW_SESS_ABS_NS (12ull * 3600 * 1000000000)

struct otw_sess {
	char id[OTW_SESS_ID_HEX + 1];
	char csrf[OTW_SESS_ID_HEX + 1];
	char user[OTW_USER_NAME_MAX];
	uint8_t role;
	uint64_t created_ns, used_ns;
};

struct otw_sesstab;

int otw_sess_create_table(struct otw_sesstab **out);
void otw_sess_destroy_table(struct otw_sesstab *t);

/* New session for user/role; *out gets a copy. Returns 0, OTW_EFULL (the
 * oldest is dropped first, so only when every slot is fresh) or
 * OTW_ECRYPTO. */
int otw_sess_new(struct otw_sesstab *t, const char *user, uint8_t role,
		 uint64_t now_ns, struct otw_sess *out);
/* Look id up; a live one is touched and copied to *out. false when
 * unknown or expired (then it is removed). */
bool otw_sess_get(struct otw_sesstab *t, const char *id, uint64_t now_ns,
		  struct otw_sess *out);
/* true while id is a live session; does not count as activity (a
 * WebSocket left open must not keep a session alive). */
bool otw_sess_live(struct otw_sesstab *t, const char *id, uint64_t now_ns);
void otw_sess_drop(struct otw_sesstab *t, const char *id);
/* Drop every session of user (deleted, role changed, password reset). */
void otw_sess_drop_user(struct otw_sesstab *t, const char *user);

#endif
