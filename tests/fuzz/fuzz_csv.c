/* libFuzzer: the CSV parser (baseline/csv.c) on arbitrary bytes, and the
 * monitor-rule and names parsers on the fields it yields. ASan catches any
 * read outside the input; the checks below catch a field the parser made
 * longer than its cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *arg, unsigned line, char **f, unsigned n)
{
	struct otw_filter_rule r;

	(void)arg;
	if (line == 0 || n == 0 || n > OTW_CSV_FIELDS)
		abort();
	for (unsigned i = 0; i < n; i++) {
		if (strlen(f[i]) >= OTW_CSV_FIELD_MAX)
			abort();
		(void)otw_filter_parse(f[i], &r, NULL, 0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned bad;

	(void)otw_csv_parse((const char *)data, size, row, NULL, &bad, NULL, 0);
	return 0;
}
