#include "otw_app.h"
#include "otw_ev-t.h"

static const char *const app_names[OTW_APP__COUNT] = {
#define OTW_APP_STR(name, val, str) [val] = str,
	OTW_APP_MAP(OTW_APP_STR)
#undef OTW_APP_STR
};

const char *otw_app_name(unsigned app)
{
	if (app >= OTW_APP__COUNT || app_names[app] == 0)
		return "unknown";
	return app_names[app];
}

static const char *const attr_names[OTW_ATTR__COUNT] = {
#define OTW_ATTR_STR(name, val, str) [val] = str,
	OTW_ATTR_MAP(OTW_ATTR_STR)
#undef OTW_ATTR_STR
};

const char *otw_attr_name(unsigned key)
{
	return key < OTW_ATTR__COUNT ? attr_names[key] : 0;
}
