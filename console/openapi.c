/* GET /api/v1/openapi.json: the OpenAPI 3 document, built from the route
 * tables the dispatcher serves (one source of truth: a route added to a
 * table is documented, and its role is the one enforced). */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "user.h"

static const char *lower(const char *m, char *b, size_t n)
{
	size_t i = 0;

	for (; m[i] && i + 1 < n; i++)
		b[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	b[i] = '\0';
	return b;
}

/* "/x/" -> "/x/{id}"; "/x/{name}" stays; the tail's name to *param */
static void doc_path(const char *p, char *out, size_t n, char *param, size_t pn)
{
	size_t len = strlen(p);
	const char *brace;

	param[0] = '\0';
	if (p[len - 1] == '/') {
		snprintf(out, n, "%s{id}", p);
		snprintf(param, pn, "id");
		return;
	}
	snprintf(out, n, "%s", p);
	if (p[len - 1] == '}' && (brace = strrchr(p, '{')) != NULL)
		snprintf(param, pn, "%.*s", (int)(p + len - 1 - brace - 1), brace + 1);
}

static cJSON *error_ref(const char *desc)
{
	cJSON *o = cJSON_CreateObject(), *c, *j;

	cJSON_AddStringToObject(o, "description", desc);
	c = cJSON_AddObjectToObject(o, "content");
	j = cJSON_AddObjectToObject(c, "application/json");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "schema"), "$ref",
				"#/components/schemas/Error");
	return o;
}

static cJSON *operation(const struct otw_route *rt, const char *param)
{
	bool changes = strcmp(rt->method, "GET") != 0;
	bool has_body = strcmp(rt->method, "POST") == 0 || strcmp(rt->method, "PUT") == 0 ||
			strcmp(rt->method, "PATCH") == 0;
	cJSON *op = cJSON_CreateObject(), *resp, *sec;
	char id[160], m[8];
	size_t k = 0;

	cJSON_AddStringToObject(op, "summary", rt->what);
	/* operationId: method + path words, e.g. delete_api_v1_users_name */
	k = (size_t)snprintf(id, sizeof(id), "%s", lower(rt->method, m, sizeof(m)));
	for (const char *p = rt->path; *p && k + 1 < sizeof(id); p++)
		if (*p != '{' && *p != '}')
			id[k++] = (*p == '/' || *p == '.' || *p == '-') ? '_' : *p;
	id[k] = '\0';
	cJSON_AddStringToObject(op, "operationId", id);
	cJSON_AddStringToObject(op, "x-otw-role", rt->role ? otw_role_name(rt->role) : "none");
	sec = cJSON_AddArrayToObject(op, "security");
	if (rt->role != 0) {
		cJSON *s = cJSON_CreateObject(), *b = cJSON_CreateObject();
		cJSON_AddArrayToObject(s, "session");
		if (changes)
			cJSON_AddArrayToObject(s, "csrf");
		cJSON_AddArrayToObject(b, "bearer");
		cJSON_AddItemToArray(sec, s);
		cJSON_AddItemToArray(sec, b);
	}
	if (param[0] != '\0') {
		cJSON *ps = cJSON_AddArrayToObject(op, "parameters"), *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", param);
		cJSON_AddStringToObject(p, "in", "path");
		cJSON_AddBoolToObject(p, "required", true);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "schema"), "type", "string");
		cJSON_AddItemToArray(ps, p);
	}
	if (has_body) {
		cJSON *rb = cJSON_AddObjectToObject(op, "requestBody"), *c;
		cJSON_AddBoolToObject(rb, "required", true);
		c = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rb, "content"), "application/json");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "schema"), "type", "object");
		cJSON_AddStringToObject(rb, "description", "a JSON object of at most 64 KiB");
	}
	resp = cJSON_AddObjectToObject(op, "responses");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(resp, "2XX"), "description", "done");
	cJSON_AddItemToObject(resp, "400", error_ref("bad request (body, parameter)"));
	if (rt->role != 0) {
		cJSON_AddItemToObject(resp, "401", error_ref("no session or token"));
		cJSON_AddItemToObject(resp, "403", error_ref(changes ? "role too low, or X-CSRF-Token missing"
								    : "role too low"));
	}
	if (has_body) {
		cJSON_AddItemToObject(resp, "413", error_ref("body over 64 KiB"));
		cJSON_AddItemToObject(resp, "415", error_ref("not application/json"));
	}
	return op;
}

static cJSON *components(void)
{
	cJSON *c = cJSON_CreateObject(), *ss = cJSON_AddObjectToObject(c, "securitySchemes");
	cJSON *s, *err, *props;

	s = cJSON_AddObjectToObject(ss, "session");
	cJSON_AddStringToObject(s, "type", "apiKey");
	cJSON_AddStringToObject(s, "in", "cookie");
	cJSON_AddStringToObject(s, "name", "otw_sid");
	s = cJSON_AddObjectToObject(ss, "csrf");
	cJSON_AddStringToObject(s, "type", "apiKey");
	cJSON_AddStringToObject(s, "in", "header");
	cJSON_AddStringToObject(s, "name", "X-CSRF-Token");
	s = cJSON_AddObjectToObject(ss, "bearer");
	cJSON_AddStringToObject(s, "type", "http");
	cJSON_AddStringToObject(s, "scheme", "bearer");
	cJSON_AddStringToObject(s, "description", "API token (otwatch console token add)");
	err = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "schemas"), "Error");
	cJSON_AddStringToObject(err, "type", "object");
	props = cJSON_AddObjectToObject(err, "properties");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(props, "error"), "type", "string");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(props, "status"), "type", "integer");
	return c;
}

static void openapi_get(struct otw_req *r)
{
	cJSON *doc = cJSON_CreateObject(), *info, *paths;

	cJSON_AddStringToObject(doc, "openapi", "3.0.3");
	info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "otwatch sensor console API");
	cJSON_AddStringToObject(info, "version", "1");
	cJSON_AddStringToObject(info, "description",
				"Generated from the console's route table. x-otw-role is the "
				"lowest role allowed (readonly < analyst < admin).");
	paths = cJSON_AddObjectToObject(doc, "paths");
	for (unsigned t = 0; otw_route_tables[t] != NULL; t++) {
		for (const struct otw_route *rt = otw_route_tables[t]; rt->fn != NULL; rt++) {
			char path[256], param[64], m[8];
			cJSON *item;

			doc_path(rt->path, path, sizeof(path), param, sizeof(param));
			if ((item = cJSON_GetObjectItemCaseSensitive(paths, path)) == NULL)
				item = cJSON_AddObjectToObject(paths, path);
			cJSON_AddItemToObject(item, lower(rt->method, m, sizeof(m)),
					      operation(rt, param));
		}
	}
	cJSON_AddItemToObject(doc, "components", components());
	otw_reply_json(r, 200, doc);
}

const struct otw_route otw_routes_openapi[] = {
	{ "GET", "/api/v1/openapi.json", OTW_ROLE_READONLY, openapi_get, "this OpenAPI 3 document" },
	{ NULL, NULL, 0, NULL, NULL },
};
