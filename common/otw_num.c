#include "otw_num.h"

#include <errno.h>
#include <stdlib.h>

#include "otw_err.h"

int otw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '-' || *s == '+')
		return OTW_EUSAGE;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return OTW_EUSAGE;
	*out = v;
	return 0;
}

int otw_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc = otw_parse_u64(s, min, max, &v);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}
