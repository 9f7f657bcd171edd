/* The list of application dissectors, flattened from the plug-ins' lists
 * (built in, by the OTW_PLUGIN_* defines meson sets) into one table at
 * start, with a per-app index so the per-packet lookup is one load. */
#include "registry.h"

#include <stddef.h>

#include "otw_app.h"

#define MAX_DISSECTORS 64

static const struct otw_dissector *const *const plugins[] = {
#ifdef OTW_PLUGIN_MODBUS
	otw_plugin_modbus,
#endif
#ifdef OTW_PLUGIN_DNP3
	otw_plugin_dnp3,
#endif
#ifdef OTW_PLUGIN_IEC104
	otw_plugin_iec104,
#endif
#ifdef OTW_PLUGIN_ISO
	otw_plugin_iso,
#endif
#ifdef OTW_PLUGIN_ENIP
	otw_plugin_enip,
#endif
#ifdef OTW_PLUGIN_OPCUA
	otw_plugin_opcua,
#endif
#ifdef OTW_PLUGIN_BACNET
	otw_plugin_bacnet,
#endif
#ifdef OTW_PLUGIN_PROFINET
	otw_plugin_profinet,
#endif
#ifdef OTW_PLUGIN_GOOSE
	otw_plugin_goose,
#endif
#ifdef OTW_PLUGIN_ETHERCAT
	otw_plugin_ethercat,
#endif
#ifdef OTW_PLUGIN_DHCP
	otw_plugin_dhcp,
#endif
#ifdef OTW_PLUGIN_DNS
	otw_plugin_dns,
#endif
#ifdef OTW_PLUGIN_NTP
	otw_plugin_ntp,
#endif
#ifdef OTW_PLUGIN_SNMP
	otw_plugin_snmp,
#endif
#ifdef OTW_PLUGIN_SSDP
	otw_plugin_ssdp,
#endif
#ifdef OTW_PLUGIN_SYSLOG
	otw_plugin_syslog,
#endif
#ifdef OTW_PLUGIN_HTTP
	otw_plugin_http,
#endif
#ifdef OTW_PLUGIN_TLS
	otw_plugin_tls,
#endif
#ifdef OTW_PLUGIN_SSH
	otw_plugin_ssh,
#endif
#ifdef OTW_PLUGIN_SMB
	otw_plugin_smb,
#endif
#ifdef OTW_PLUGIN_FTP
	otw_plugin_ftp,
#endif
#ifdef OTW_PLUGIN_TELNET
	otw_plugin_telnet,
#endif
#ifdef OTW_PLUGIN_RDP
	otw_plugin_rdp,
#endif
#ifdef OTW_PLUGIN_VNC
	otw_plugin_vnc,
#endif
#ifdef OTW_PLUGIN_LLDP
	otw_plugin_lldp,
#endif
#ifdef OTW_PLUGIN_LLC
	otw_plugin_llc,
#endif
	NULL,
};

static const struct otw_dissector *table[MAX_DISSECTORS];
static size_t n_table;
static const struct otw_dissector *by_app[OTW_APP__COUNT]; /* L3+ only */

/* Runs before main (and before any worker thread): the table is read-only
 * afterwards. */
__attribute__((constructor)) static void registry_build(void)
{
	for (size_t i = 0; plugins[i] != NULL; i++) {
		for (size_t j = 0; plugins[i][j] != NULL; j++) {
			const struct otw_dissector *d = plugins[i][j];
			if (n_table == MAX_DISSECTORS)
				return;
			table[n_table++] = d;
			if (d->l4 != 0 && d->app < OTW_APP__COUNT && by_app[d->app] == NULL)
				by_app[d->app] = d;
		}
	}
}

const struct otw_dissector *otw_registry_match(const struct otw_cur *c,
					       const struct otw_dctx *x,
					       bool *server_is_dst)
{
	const struct otw_pkt *p = x->pkt;

	for (size_t i = 0; i < n_table; i++) {
		const struct otw_dissector *d = table[i];
		if (d->l4 == 0 || d->l4 != p->l4 || d->port == 0)
			continue;
		if (p->dport == d->port || p->sport == d->port) {
			if (d->probe && !d->probe(c, x))
				continue;
			*server_is_dst = p->dport == d->port;
			return d;
		}
	}
	for (size_t i = 0; i < n_table; i++) {
		const struct otw_dissector *d = table[i];
		if (d->l4 == 0 || d->l4 != p->l4 || d->port != 0 || d->probe == NULL)
			continue;
		if (d->probe(c, x)) {
			*server_is_dst = p->dport < p->sport;
			return d;
		}
	}
	return NULL;
}

const struct otw_dissector *otw_registry_get(unsigned app)
{
	return app < OTW_APP__COUNT ? by_app[app] : NULL;
}

const struct otw_dissector *otw_registry_l2(uint16_t ethertype)
{
	if (ethertype < 0x0600) /* an 802.3 length: LLC frames */
		ethertype = OTW_ETHERTYPE_LLC;
	for (size_t i = 0; i < n_table; i++)
		if (table[i]->l4 == 0 && table[i]->ethertype == ethertype)
			return table[i];
	return NULL;
}

const char *otw_registry_op_name(unsigned app, unsigned func, const char **cat)
{
	for (size_t i = 0; i < n_table; i++) {
		const struct otw_dissector *d = table[i];
		const char *n;
		if (d->op_name && (n = d->op_name(app, func, cat)) != NULL)
			return n;
	}
	return NULL;
}

/* Well-known server port of a dissector for l4, used to orient flows whose
 * opening was not seen. 0 when no dissector claims either port. */
uint16_t otw_registry_server_port(uint8_t l4, uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < n_table; i++) {
		const struct otw_dissector *d = table[i];
		if (l4 != 0 && d->l4 == l4 && d->port != 0 &&
		    (d->port == sport || d->port == dport))
			return d->port;
	}
	return 0;
}
