/* otw_csv: RFC 4180 CSV, both ways. The parser takes a whole buffer (an
 * upload or a file read in full), accepts CRLF or LF line ends, quoted
 * fields with "" for a quote and line breaks inside quotes, and hands each
 * record to a callback with its 1-based line number. It never reads
 * outside buf. */
#ifndef OTW_CSV_H
#define OTW_CSV_H

#include <stddef.h>
#include <stdio.h>

#define OTW_CSV_FIELDS 32      /* fields per record */
#define OTW_CSV_FIELD_MAX 1024 /* bytes per field, incl. the NUL */

/* fields[i] are NUL-terminated, valid during the call; a non-zero return
 * stops the parse and is returned. */
typedef int (*otw_csv_row_fn)(void *arg, unsigned line, char **fields,
			      unsigned n);

/* Returns 0, the callback's non-zero value, or -EINVAL for a malformed
 * record (unterminated quote, text after a closing quote, too many or too
 * long fields, a NUL byte) with *bad_line set and a reason in err. */
int otw_csv_parse(const char *buf, size_t len, otw_csv_row_fn fn, void *arg,
		  unsigned *bad_line, char *err, size_t errlen);

/* Write s as one field: quoted when it holds a comma, quote, CR or LF;
 * a leading = + - @ is prefixed with ' so spreadsheets do not run it. */
void otw_csv_field(FILE *f, const char *s);

#endif
