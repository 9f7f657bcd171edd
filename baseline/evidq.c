#include "evidq.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "evid.h"
#include "otw_ipc-t.h"
#include "otw_ipc.h"

#define Q_LEN 256
#define REQ_TIMEOUT_MS 300

struct item {
	uint64_t id;
	uint32_t workers;
	struct otw_pktring_sel sel;
};

struct otw_evidq {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item q[Q_LEN];
	unsigned head, n;
	bool stop;
	char url[256]; /* events URL */
	char dir[4096];
	nng_socket sock[OTW_MAX_WORKERS];
	bool open[OTW_MAX_WORKERS];
	struct otw_evidq_stats st;
	uint8_t buf[OTW_EVID_BYTES];
};

static bool sock_for(struct otw_evidq *q, unsigned w, nng_socket **out)
{
	char url[512];

	if (!q->open[w]) {
		if (!otw_ipc_evid_url(q->url, w, url, sizeof(url)) ||
		    nng_req0_open(&q->sock[w]) != 0)
			return false;
		(void)nng_socket_set_ms(q->sock[w], NNG_OPT_SENDTIMEO, REQ_TIMEOUT_MS);
		(void)nng_socket_set_ms(q->sock[w], NNG_OPT_RECVTIMEO, REQ_TIMEOUT_MS);
		(void)nng_socket_set_ms(q->sock[w], NNG_OPT_RECONNMINT, 20);
		(void)nng_socket_set_ms(q->sock[w], NNG_OPT_RECONNMAXT, 200);
		if (nng_dial(q->sock[w], url, NULL, NNG_FLAG_NONBLOCK) != 0) {
			nng_close(q->sock[w]);
			return false;
		}
		q->open[w] = true;
	}
	*out = &q->sock[w];
	return true;
}

/* Ask every worker of it; merge the answers into q->buf. */
static size_t collect(struct otw_evidq *q, const struct item *it)
{
	uint8_t req[OTW_PKTRING_SEL_BYTES];
	size_t len = 0;

	otw_pktring_sel_encode(&it->sel, req);
	for (unsigned w = 0; w < OTW_MAX_WORKERS; w++) {
		nng_socket *s;
		void *msg;
		size_t mlen;
		if (!(it->workers & 1u << w) || !sock_for(q, w, &s))
			continue;
		if (nng_send(*s, req, sizeof(req), 0) != 0 ||
		    nng_recv(*s, &msg, &mlen, NNG_FLAG_ALLOC) != 0)
			continue;
		if (len == 0 && mlen >= 24 && mlen <= sizeof(q->buf)) {
			memcpy(q->buf, msg, mlen);
			len = mlen;
		} else if (len != 0) {
			len = otw_evid_merge(q->buf, len, sizeof(q->buf), msg, mlen);
		}
		nng_free(msg, mlen);
	}
	return len;
}

static void *run(void *arg)
{
	struct otw_evidq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct item it;
		size_t len;
		while (q->n == 0 && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->n == 0)
			break;
		it = q->q[q->head];
		q->head = (q->head + 1) % Q_LEN;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		len = collect(q, &it);
		pthread_mutex_lock(&q->mu);
		if (len <= 24)
			q->st.empty++;
		else if (otw_evid_write(q->dir, it.id, q->buf, len) != 0)
			q->st.failed++;
		else
			q->st.written++;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int otw_evidq_create(const char *events_url, const char *dir,
		     struct otw_evidq **out)
{
	struct otw_evidq *q;
	int rc;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		return -errno;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -ENOMEM;
	if (strlen(events_url) >= sizeof(q->url) || strlen(dir) >= sizeof(q->dir)) {
		free(q);
		return -ENAMETOOLONG;
	}
	strcpy(q->url, events_url);
	strcpy(q->dir, dir);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if ((rc = pthread_create(&q->thr, NULL, run, q)) != 0) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return -rc;
	}
	*out = q;
	return 0;
}

void otw_evidq_destroy(struct otw_evidq *q, unsigned wait_ms)
{
	if (q == NULL)
		return;
	for (unsigned ms = 0; ms < wait_ms; ms += 10) {
		pthread_mutex_lock(&q->mu);
		unsigned n = q->n;
		pthread_mutex_unlock(&q->mu);
		if (n == 0)
			break;
		nng_msleep(10);
	}
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	q->st.dropped += q->n; /* what is left is not worth waiting for */
	q->n = 0;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thr, NULL);
	for (unsigned w = 0; w < OTW_MAX_WORKERS; w++)
		if (q->open[w])
			nng_close(q->sock[w]);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

void otw_evidq_push(struct otw_evidq *q, const struct otw_alert *a,
		    uint32_t workers)
{
	struct item it = { .id = a->id, .workers = workers };

	pthread_mutex_lock(&q->mu);
	if (a->id == 0 || !otw_evid_sel(a, &it.sel) || q->n == Q_LEN) {
		q->st.dropped++;
	} else {
		q->q[(q->head + q->n) % Q_LEN] = it;
		q->n++;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
}

void otw_evidq_get_stats(struct otw_evidq *q, struct otw_evidq_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}
