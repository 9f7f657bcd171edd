#include "opnames.h"

#include "registry.h"

const char *otw_op_name(unsigned app, unsigned func, const char **category)
{
	const char *cat = OTW_CAT_OTHER;
	const char *name = otw_registry_op_name(app, func, &cat);

	if (category)
		*category = name ? cat : OTW_CAT_OTHER;
	return name;
}
