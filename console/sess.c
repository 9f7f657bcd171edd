#include "sess.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "otw_err.h"

struct otw_sesstab {
	pthread_mutex_t mu;
	struct otw_sess s[OTW_SESS_MAX]; /* id[0] == 0: free */
};

int otw_sess_create_table(struct otw_sesstab **out)
{
	struct otw_sesstab *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -12; /* -ENOMEM */
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
	return 0;
}

void otw_sess_destroy_table(struct otw_sesstab *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	OPENSSL_cleanse(t->s, sizeof(t->s));
	free(t);
}

static bool expired(const struct otw_sess *s, uint64_t now)
{
	return now - s->used_ns > OTW_SESS_IDLE_NS ||
	       now - s->created_ns > OTW_SESS_ABS_NS;
}

int otw_sess_new(struct otw_sesstab *t, const char *user, uint8_t role,
		 uint64_t now_ns, struct otw_sess *out)
{
	struct otw_sess *slot = NULL, *oldest = NULL;
	int rc = 0;

	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < OTW_SESS_MAX; i++) {
		struct otw_sess *s = &t->s[i];
		if (s->id[0] != '\0' && expired(s, now_ns))
			s->id[0] = '\0';
		if (s->id[0] == '\0') {
			slot = s;
			break;
		}
		if (oldest == NULL || s->used_ns < oldest->used_ns)
			oldest = s;
	}
	if (slot == NULL)
		slot = oldest; /* full of live sessions: the least used goes */
	memset(slot, 0, sizeof(*slot));
	if (otw_random_hex(slot->id, OTW_SESS_ID_HEX / 2) != 0 ||
	    otw_random_hex(slot->csrf, OTW_SESS_ID_HEX / 2) != 0) {
		slot->id[0] = '\0';
		rc = OTW_ECRYPTO;
	} else {
		snprintf(slot->user, sizeof(slot->user), "%s", user);
		slot->role = role;
		slot->created_ns = slot->used_ns = now_ns;
		*out = *slot;
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

static bool lookup(struct otw_sesstab *t, const char *id, uint64_t now_ns,
		   struct otw_sess *out, bool touch)
{
	bool found = false;

	if (strlen(id) != OTW_SESS_ID_HEX)
		return false;
	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < OTW_SESS_MAX; i++) {
		struct otw_sess *s = &t->s[i];
		if (s->id[0] == '\0' || CRYPTO_memcmp(s->id, id, OTW_SESS_ID_HEX) != 0)
			continue;
		if (expired(s, now_ns)) {
			s->id[0] = '\0';
			break;
		}
		if (touch)
			s->used_ns = now_ns;
		if (out != NULL)
			*out = *s;
		found = true;
		break;
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}

bool otw_sess_get(struct otw_sesstab *t, const char *id, uint64_t now_ns,
		  struct otw_sess *out)
{
	return lookup(t, id, now_ns, out, true);
}

bool otw_sess_live(struct otw_sesstab *t, const char *id, uint64_t now_ns)
{
	return lookup(t, id, now_ns, NULL, false);
}

void otw_sess_drop(struct otw_sesstab *t, const char *id)
{
	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < OTW_SESS_MAX; i++)
		if (t->s[i].id[0] != '\0' && strcmp(t->s[i].id, id) == 0)
			t->s[i].id[0] = '\0';
	pthread_mutex_unlock(&t->mu);
}

void otw_sess_drop_user(struct otw_sesstab *t, const char *user)
{
	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < OTW_SESS_MAX; i++)
		if (t->s[i].id[0] != '\0' && strcmp(t->s[i].user, user) == 0)
			t->s[i].id[0] = '\0';
	pthread_mutex_unlock(&t->mu);
}
