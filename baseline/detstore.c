#include "detstore.h"

#include <string.h>

#include "alert.h"
#include "otw_err.h"

#define CTR_T0 "det_t0_ns"

static void to_store(const struct otw_alert *a, struct otw_store_alert *s)
{
	memset(s, 0, sizeof(*s));
	s->id = a->id;
	s->engine = a->engine;
	s->severity = a->severity;
	s->status = a->status;
	s->app = a->app;
	s->func = a->func;
	s->count = a->count;
	s->src = a->src;
	s->dst = a->dst;
	s->first_ns = a->first_ns;
	s->last_ns = a->last_ns;
	s->dedup = a->dedup;
	s->cause = a->cause;
	snprintf(s->title, sizeof(s->title), "%s", a->title);
	snprintf(s->desc, sizeof(s->desc), "%s", a->desc);
	snprintf(s->advice, sizeof(s->advice), "%s", a->advice);
}

static void from_store(const struct otw_store_alert *s, struct otw_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->id = s->id;
	a->dedup = s->dedup;
	a->cause = s->cause;
	a->status = s->status;
	a->engine = s->engine;
	a->severity = s->severity;
	a->app = s->app;
	a->func = s->func;
	a->count = s->count;
	a->src = s->src;
	a->dst = s->dst;
	a->first_ns = s->first_ns;
	a->last_ns = s->last_ns;
	snprintf(a->title, sizeof(a->title), "%s", s->title);
	snprintf(a->desc, sizeof(a->desc), "%s", s->desc);
	snprintf(a->advice, sizeof(a->advice), "%s", s->advice);
}

static int load_key(void *arg, uint64_t k)
{
	return otw_det_load_key(arg, k);
}

static int load_alert(void *arg, const struct otw_store_alert *s)
{
	struct otw_alert a;

	from_store(s, &a);
	(void)otw_det_load_alert(arg, &a); /* over capacity: stays stored */
	return 0;
}

int otw_detstore_load(struct otw_det *det, struct otw_txn *txn)
{
	uint64_t t0;
	int rc;

	if ((rc = otw_store_blkey_foreach(txn, load_key, det)) != 0 ||
	    (rc = otw_store_alert_foreach(txn, false, load_alert, det)) != 0)
		return rc;
	rc = otw_store_counter_get(txn, CTR_T0, &t0);
	if (rc == 0)
		otw_det_set_start_ns(det, t0);
	return rc == OTW_ENOTFOUND ? 0 : rc;
}

struct save {
	struct otw_txn *txn;
	uint64_t next_id;
	int rc;
	void (*fresh)(void *arg, const struct otw_alert *a);
	void *arg;
};

static void save_key(void *arg, uint64_t k)
{
	struct save *s = arg;

	if (s->rc == 0)
		s->rc = otw_store_blkey_put(s->txn, k);
}

static void save_alert(void *arg, struct otw_alert *a)
{
	struct save *s = arg;
	struct otw_store_alert rec, old;

	if (s->rc != 0)
		return;
	if (a->id == 0) {
		if (s->next_id == 0 && (s->rc = otw_store_alert_last_id(s->txn, &s->next_id)) != 0)
			return;
		a->id = ++s->next_id;
		if (s->fresh)
			s->fresh(s->arg, a);
	}
	to_store(a, &rec);
	/* the operator owns status and note: keep what the console wrote */
	if (otw_store_alert_get(s->txn, a->id, &old) == 0) {
		rec.status = old.status;
		rec.status_ns = old.status_ns;
		memcpy(rec.note, old.note, sizeof(rec.note));
		a->status = old.status;
	}
	s->rc = otw_store_alert_put(s->txn, &rec);
}

int otw_detstore_save(struct otw_det *det, struct otw_txn *txn)
{
	return otw_detstore_save_cb(det, txn, NULL, NULL);
}

int otw_detstore_save_cb(struct otw_det *det, struct otw_txn *txn,
			 void (*fresh)(void *arg, const struct otw_alert *a), void *arg)
{
	struct save s = { .txn = txn, .fresh = fresh, .arg = arg };

	otw_det_drain(det, save_key, save_alert, &s);
	if (s.rc == 0 && otw_det_start_ns(det) != 0)
		s.rc = otw_store_counter_put(txn, CTR_T0, otw_det_start_ns(det));
	return s.rc;
}

static int sync_one(void *arg, const struct otw_store_alert *s)
{
	struct otw_det *det = arg;

	(void)otw_det_set_status(det, s->id, s->status);
	return 0;
}

int otw_detstore_sync_status(struct otw_det *det, struct otw_txn *txn)
{
	return otw_store_alert_foreach(txn, false, sync_one, det);
}
