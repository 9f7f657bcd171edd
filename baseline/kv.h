/* key=value tokens of one rule line (exclusions, indicator rules): values
 * bare up to a blank, or "quoted" with \" and \\ escaped. */
#ifndef OTW_KV_H
#define OTW_KV_H

#include <stddef.h>

/* Next token from *p: 1 with key/val filled (cut to their sizes, val
 * NUL-terminated, *vlen its length), 0 at the end, -EINVAL with *err. */
int otw_kv_next(const char **p, char *key, size_t klen, char *val, size_t vcap,
		size_t *vlen, const char **err);

#endif
