/* otw_oui: MAC prefix -> vendor, from the IEEE registries that Debian's
 * ieee-data package installs (oui.txt MA-L 24-bit, mam.txt MA-M 28-bit,
 * oui36.txt MA-S 36-bit). Loaded once into sorted arrays of prefixes plus
 * one pool of interned, shortened vendor names; lookups are binary
 * searches, longest prefix first.
 *
 * A missing file is not an error: the table is just empty (or smaller).
 * Locally administered and group (multicast) MACs never get a vendor. */
#ifndef OTW_OUI_H
#define OTW_OUI_H

#include <stddef.h>
#include <stdint.h>

#define OTW_OUI_DIR_DEFAULT "/usr/share/ieee-data"

struct otw_oui;

struct otw_oui_stats {
	size_t n24, n28, n36; /* prefixes loaded per registry */
	size_t names;         /* distinct interned names */
	size_t bytes;         /* heap held by the table */
};

/* Load the registries found in dir (NULL = OTW_OUI_DIR_DEFAULT).
 * Returns 0 and *out (possibly empty), or -ENOMEM. */
int otw_oui_load(const char *dir, struct otw_oui **out);
void otw_oui_free(struct otw_oui *o); /* NULL is a no-op */

/* Short vendor name ("Siemens", "Rockwell Automation") or NULL: unknown,
 * locally administered, group MAC, or o == NULL. Valid until free. */
const char *otw_oui_vendor(const struct otw_oui *o, const uint8_t mac[6]);

void otw_oui_get_stats(const struct otw_oui *o, struct otw_oui_stats *out);

/* The process-wide table, loaded from OTW_OUI_DIR_DEFAULT on first use
 * (or from $OTW_OUI_DIR when set); NULL only without memory. Not
 * thread-safe on first call: the inventory owner calls it. */
const struct otw_oui *otw_oui_default(void);

/* Shorten a registry name in place: trims corporate suffixes ("Co.,Ltd",
 * "Inc.", "GmbH", "Corporation" ...), commas and spaces. */
void otw_oui_shorten(char *name);

#endif
