/* otwatch: the front command. Dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd cmds[] = {
	{ "analyze", otw_cmd_analyze, "dissect pcap files offline, print inventory" },
	{ "simulate", otw_cmd_simulate, "write the simulated plant capture" },
	{ "run", otw_cmd_run, "start capture, workers and baseline (supervisor)" },
	{ "status", otw_cmd_status, "print live capture/ring/worker counters" },
	{ "inventory", otw_cmd_inventory, "print the stored inventory" },
	{ "devices", otw_cmd_devices, "list, show, edit, merge, delete, export/import devices" },
	{ "names", otw_cmd_names, "names of subnets, VLANs, ports; DHCP ranges" },
	{ "monitor", otw_cmd_monitor, "include/exclude rules of the monitored traffic" },
	{ "alerts", otw_cmd_alerts, "list stored alerts; close, mute, learn, reopen" },
	{ "learning", otw_cmd_learning, "learning mode: status, on, off (per subnet/device)" },
	{ "exclusions", otw_cmd_exclusions, "rules that keep alerts quiet: add, list, del" },
	{ "rules", otw_cmd_rules, "threat indicator rule file: check, reload" },
	{ "audit", otw_cmd_audit, "list the audit log (who changed what)" },
	{ "console", otw_cmd_console, "serve the web console and REST API (HTTPS)" },
	{ "user", otw_cmd_user, "add, list and delete console users" },
	{ "setup", otw_cmd_setup, "first configuration: name, interfaces, certificate, mode" },
	{ "activation", otw_cmd_activation, "signing keys, signed activation files; apply one" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: otwatch COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n`otwatch COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("otwatch %s\n", OTW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "otwatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
