/* Strict parsing of numeric command-line values: the whole string must be
 * a number in range (decimal, 0x hex or 0 octal), no sign. */
#ifndef OTW_NUM_H
#define OTW_NUM_H

#include <stdint.h>

/* 0 and *out, or OTW_EUSAGE when s is not a number in [min, max]. */
int otw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int otw_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

#endif
