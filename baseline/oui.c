/* oui.c: IEEE MAC prefix registries -> short vendor names.
 *
 * Layout: three sorted arrays of (prefix, name offset) pairs, one per
 * prefix length (24, 28, 36 bits of the MAC), and one string pool where
 * each distinct shortened name is stored once (interned through a small
 * open-addressing set used only while loading). The registry text files
 * have lines "00-1B-1B   (hex)\t\tSiemens AG"; MA-M and MA-S add a second
 * line "900000-9FFFFF     (base 16)\t\tName" giving the extra bits. */
#include "oui.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ent {
	uint64_t prefix; /* the prefix's bits, right-aligned */
	uint32_t name;   /* offset in pool */
};

struct tab {
	struct ent *e;
	size_t n, cap;
};

struct otw_oui {
	struct tab t24, t28, t36;
	char *pool;
	size_t pool_len, pool_cap;
	size_t names;
	/* load-time intern set: pool offset + 1, 0 = empty */
	uint32_t *set;
	size_t set_cap;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int set_grow(struct otw_oui *o)
{
	size_t ncap = o->set_cap ? o->set_cap * 2 : 4096;
	uint32_t *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < o->set_cap; i++) {
		uint32_t v = o->set[i];
		size_t j;
		if (v == 0)
			continue;
		j = hash_str(o->pool + v - 1) & (ncap - 1);
		while (ns[j] != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = v;
	}
	free(o->set);
	o->set = ns;
	o->set_cap = ncap;
	return 0;
}

/* Offset of name in the pool, adding it once. */
static int intern(struct otw_oui *o, const char *name, uint32_t *off)
{
	size_t len = strlen(name), j;

	if ((o->names + 1) * 2 > o->set_cap && set_grow(o) != 0)
		return -ENOMEM;
	j = hash_str(name) & (o->set_cap - 1);
	for (; o->set[j] != 0; j = (j + 1) & (o->set_cap - 1)) {
		if (strcmp(o->pool + o->set[j] - 1, name) == 0) {
			*off = o->set[j] - 1;
			return 0;
		}
	}
	if (o->pool_len + len + 1 > o->pool_cap) {
		size_t ncap = o->pool_cap ? o->pool_cap * 2 : 65536;
		char *np;
		while (ncap < o->pool_len + len + 1)
			ncap *= 2;
		if ((np = realloc(o->pool, ncap)) == NULL)
			return -ENOMEM;
		o->pool = np;
		o->pool_cap = ncap;
	}
	memcpy(o->pool + o->pool_len, name, len + 1);
	*off = (uint32_t)o->pool_len;
	o->set[j] = (uint32_t)o->pool_len + 1;
	o->pool_len += len + 1;
	o->names++;
	return 0;
}

static int tab_add(struct tab *t, uint64_t prefix, uint32_t name)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct ent *ne = realloc(t->e, ncap * sizeof(*ne));
		if (ne == NULL)
			return -ENOMEM;
		t->e = ne;
		t->cap = ncap;
	}
	t->e[t->n++] = (struct ent){ prefix, name };
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

/* Sort and drop duplicate prefixes (first kept), shrink to fit. */
static void tab_finish(struct tab *t)
{
	size_t w = 0;
	struct ent *ne;

	if (t->n == 0)
		return;
	qsort(t->e, t->n, sizeof(*t->e), ent_cmp);
	for (size_t i = 0; i < t->n; i++)
		if (w == 0 || t->e[w - 1].prefix != t->e[i].prefix)
			t->e[w++] = t->e[i];
	t->n = w;
	if (w > 0 && (ne = realloc(t->e, w * sizeof(*ne))) != NULL) {
		t->e = ne;
		t->cap = w;
	}
}

static const char *const suffixes[] = {
	"inc", "incorporated", "co", "ltd", "corp", "corporation", "corporate",
	"gmbh", "ag", "llc", "sa", "bv", "limited", "company", "kg", "spa",
	"oy", "ab", "as", "asa", "srl", "sro", "pty", "plc", "sas", "nv",
	"kk", "mbh", "gmbhco", "cokg", "coltd", "sarl", "sl", "lp", "se",
};

static bool is_suffix(const char *w, size_t n)
{
	char b[16];
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof(b) - 1; i++)
		if (isalnum((unsigned char)w[i]))
			b[k++] = (char)tolower((unsigned char)w[i]);
	b[k] = 0;
	if (k == 0)
		return true; /* "&", "/" ... */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strcmp(b, suffixes[i]) == 0)
			return true;
	return false;
}

void otw_oui_shorten(char *s)
{
	size_t n = strlen(s);

	for (;;) {
		size_t w;
		while (n > 0 && strchr(" \t,.;", s[n - 1]) != NULL)
			n--;
		s[n] = 0;
		w = n;
		while (w > 0 && strchr(" \t,", s[w - 1]) == NULL)
			w--;
		if (w == 0 || !is_suffix(s + w, n - w))
			break;
		n = w;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse n hex digits (skipping '-') from p into *v; false if malformed. */
static bool hexn(const char *p, int n, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < n; p++) {
		int h;
		if (*p == '-')
			continue;
		if ((h = hexval((unsigned char)*p)) < 0)
			return false;
		*v = *v << 4 | (unsigned)h;
		i++;
	}
	return true;
}

/* Text after the "(hex)" / "(base 16)" marker, trimmed and shortened. */
static const char *name_after(char *line, const char *marker)
{
	char *p = strstr(line, marker), *e;

	if (p == NULL)
		return NULL;
	p += strlen(marker);
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = 0;
	if (e - p > 40) /* keep names short: first words only */
		p[40] = 0;
	otw_oui_shorten(p);
	return *p ? p : NULL;
}

/* bits = 24: MA-L lines only. 28/36: the "(hex)" line gives 24 bits, the
 * following "(base 16)" line the next (bits - 24) / 4 digits. */
static int load_file(struct otw_oui *o, const char *path, int bits,
		     struct tab *t)
{
	FILE *f = fopen(path, "r");
	char line[512];
	uint64_t hi = 0;
	bool have_hi = false;
	int rc = 0;

	if (f == NULL)
		return 0; /* no registry: no vendors */
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		const char *nm;
		uint64_t v;
		uint32_t off;

		if (strstr(line, "(hex)") != NULL) {
			have_hi = hexn(line, 6, &hi);
			if (bits != 24 || !have_hi)
				continue;
			if ((nm = name_after(line, "(hex)")) == NULL ||
			    strcasecmp(nm, "Private") == 0)
				continue;
			if ((rc = intern(o, nm, &off)) == 0)
				rc = tab_add(t, hi, off);
		} else if (bits != 24 && have_hi &&
			   strstr(line, "(base 16)") != NULL) {
			have_hi = false;
			if (!hexn(line, (bits - 24) / 4, &v))
				continue;
			if ((nm = name_after(line, "(base 16)")) == NULL ||
			    strcasecmp(nm, "Private") == 0)
				continue;
			if ((rc = intern(o, nm, &off)) == 0)
				rc = tab_add(t, hi << (bits - 24) | v, off);
		}
	}
	fclose(f);
	return rc;
}

void otw_oui_free(struct otw_oui *o)
{
	if (o == NULL)
		return;
	free(o->t24.e);
	free(o->t28.e);
	free(o->t36.e);
	free(o->pool);
	free(o->set);
	free(o);
}

int otw_oui_load(const char *dir, struct otw_oui **out)
{
	struct otw_oui *o = calloc(1, sizeof(*o));
	char p[4096];
	int rc;

	if (o == NULL)
		return -ENOMEM;
	if (dir == NULL)
		dir = OTW_OUI_DIR_DEFAULT;
	snprintf(p, sizeof(p), "%s/oui.txt", dir);
	if ((rc = load_file(o, p, 24, &o->t24)) != 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/mam.txt", dir);
	if ((rc = load_file(o, p, 28, &o->t28)) != 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/oui36.txt", dir);
	if ((rc = load_file(o, p, 36, &o->t36)) != 0)
		goto fail;
	tab_finish(&o->t24);
	tab_finish(&o->t28);
	tab_finish(&o->t36);
	free(o->set); /* interning is over */
	o->set = NULL;
	o->set_cap = 0;
	if (o->pool_len > 0) {
		char *np = realloc(o->pool, o->pool_len);
		if (np != NULL) {
			o->pool = np;
			o->pool_cap = o->pool_len;
		}
	}
	*out = o;
	return 0;
fail:
	otw_oui_free(o);
	return rc;
}

static const struct ent *tab_find(const struct tab *t, uint64_t key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->e[mid].prefix == key)
			return &t->e[mid];
		if (t->e[mid].prefix < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *otw_oui_vendor(const struct otw_oui *o, const uint8_t mac[6])
{
	uint64_t m = 0;
	const struct ent *e;

	if (o == NULL || (mac[0] & 0x03) != 0) /* group or local bit */
		return NULL;
	for (int i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	if ((e = tab_find(&o->t36, m >> 12)) != NULL ||
	    (e = tab_find(&o->t28, m >> 20)) != NULL ||
	    (e = tab_find(&o->t24, m >> 24)) != NULL)
		return o->pool + e->name;
	return NULL;
}

void otw_oui_get_stats(const struct otw_oui *o, struct otw_oui_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (o == NULL)
		return;
	out->n24 = o->t24.n;
	out->n28 = o->t28.n;
	out->n36 = o->t36.n;
	out->names = o->names;
	out->bytes = sizeof(*o) + o->pool_cap +
		     (o->t24.cap + o->t28.cap + o->t36.cap) * sizeof(struct ent);
}

const struct otw_oui *otw_oui_default(void)
{
	static struct otw_oui *def;
	static bool tried;

	if (!tried) {
		tried = true;
		if (otw_oui_load(getenv("OTW_OUI_DIR"), &def) != 0)
			def = NULL;
	}
	return def;
}
