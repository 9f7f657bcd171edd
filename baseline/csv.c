/* RFC 4180 CSV (csv.h). */
#include "csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	char *f[OTW_CSV_FIELDS];
	size_t len[OTW_CSV_FIELDS];
	unsigned n;
};

static int bad(unsigned line, unsigned *bad_line, char *err, size_t errlen,
	       const char *msg)
{
	*bad_line = line;
	if (err != NULL)
		snprintf(err, errlen, "line %u: %s", line, msg);
	return -EINVAL;
}

int otw_csv_parse(const char *buf, size_t len, otw_csv_row_fn fn, void *arg,
		  unsigned *bad_line, char *err, size_t errlen)
{
	struct rec r;
	size_t i = 0;
	unsigned line = 1;
	int rc = 0;

	*bad_line = 0;
	r.f[0] = malloc((size_t)OTW_CSV_FIELDS * OTW_CSV_FIELD_MAX);
	if (r.f[0] == NULL)
		return -ENOMEM;
	for (unsigned k = 1; k < OTW_CSV_FIELDS; k++)
		r.f[k] = r.f[0] + (size_t)k * OTW_CSV_FIELD_MAX;
	while (i < len && rc == 0) {
		unsigned start = line;
		bool end = false;

		r.n = 0;
		while (!end) { /* one field per turn */
			bool quoted = i < len && buf[i] == '"';
			size_t o = 0;
			if (r.n == OTW_CSV_FIELDS) {
				rc = bad(start, bad_line, err, errlen, "more than 32 fields");
				goto out;
			}
			if (quoted)
				i++;
			for (;;) {
				char c;
				if (i == len) {
					if (quoted) {
						rc = bad(start, bad_line, err, errlen,
							 "quote not closed");
						goto out;
					}
					end = true;
					break;
				}
				c = buf[i];
				if (c == '\0') {
					rc = bad(line, bad_line, err, errlen, "NUL byte");
					goto out;
				}
				if (quoted && c == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						i++; /* "" is one quote */
					} else {
						quoted = false;
						i++;
						if (i < len && buf[i] != ',' &&
						    buf[i] != '\r' && buf[i] != '\n') {
							rc = bad(line, bad_line, err, errlen,
								 "text after a closing quote");
							goto out;
						}
						continue;
					}
				} else if (!quoted && c == ',') {
					i++;
					break;
				} else if (!quoted && (c == '\r' || c == '\n')) {
					if (c == '\r' && i + 1 < len && buf[i + 1] == '\n')
						i++;
					i++;
					line++;
					end = true;
					break;
				} else if (!quoted && c == '"') {
					rc = bad(line, bad_line, err, errlen,
						 "quote inside an unquoted field");
					goto out;
				}
				if (c == '\n')
					line++;
				if (o + 1 >= OTW_CSV_FIELD_MAX) {
					rc = bad(line, bad_line, err, errlen,
						 "field over 1023 bytes");
					goto out;
				}
				r.f[r.n][o++] = c;
				i++;
			}
			r.f[r.n][o] = '\0';
			r.len[r.n++] = o;
		}
		if (r.n == 1 && r.len[0] == 0)
			continue; /* blank line */
		rc = fn(arg, start, r.f, r.n);
	}
out:
	free(r.f[0]);
	return rc;
}

void otw_csv_field(FILE *f, const char *s)
{
	bool q = strpbrk(s, ",\"\r\n") != NULL;

	if (q)
		fputc('"', f);
	if (strchr("=+-@", s[0]) != NULL && s[0] != '\0')
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (q)
		fputc('"', f);
}
