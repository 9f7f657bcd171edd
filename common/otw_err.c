#include "otw_err.h"

#include <string.h>

const char *otw_strerror(int err)
{
	switch (err) {
#define OTW_ERR_CASE(name, val, msg) \
	case (val):                  \
		return msg;
		OTW_ERRNO_MAP(OTW_ERR_CASE)
#undef OTW_ERR_CASE
	case 0:
		return "success";
	default:
		break;
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}
