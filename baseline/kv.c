#include "kv.h"

#include <errno.h>

int otw_kv_next(const char **pp, char *key, size_t klen, char *val, size_t vcap,
		size_t *vlen, const char **err)
{
	const char *p = *pp;
	size_t k = 0, v = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*pp = p;
		return 0;
	}
	while (*p && *p != '=' && *p != ' ' && *p != '\t' && k < klen - 1)
		key[k++] = *p++;
	key[k] = '\0';
	if (*p++ != '=') {
		*err = "expected key=value";
		return -EINVAL;
	}
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			if (v < vcap - 1)
				val[v++] = *p;
		}
		if (*p++ != '"') {
			*err = "unterminated quote";
			return -EINVAL;
		}
	} else {
		while (*p && *p != ' ' && *p != '\t') {
			if (v < vcap - 1)
				val[v++] = *p;
			p++;
		}
	}
	val[v] = '\0';
	*vlen = v;
	*pp = p;
	return 1;
}
