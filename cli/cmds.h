/* Sub-commands of the `otwatch` front command; one file each. Each returns
 * the process exit code (0 ok, 1 failure, 2 usage). argv[0] is the
 * sub-command name. */
#ifndef OTW_CLI_CMDS_H
#define OTW_CLI_CMDS_H

int otw_cmd_analyze(int argc, char **argv);   /* cli/analyze.c */
int otw_cmd_simulate(int argc, char **argv);  /* cli/simulate.c */
int otw_cmd_run(int argc, char **argv);       /* cli/run.c: supervisor */
int otw_cmd_status(int argc, char **argv);    /* cli/status.c */
int otw_cmd_inventory(int argc, char **argv); /* cli/inventory.c */
int otw_cmd_console(int argc, char **argv);   /* cli/console.c */
int otw_cmd_console_token(int argc, char **argv); /* cli/token.c */
int otw_cmd_activation(int argc, char **argv);  /* cli/activation.c */
int otw_cmd_setup(int argc, char **argv);       /* cli/setup.c */
int otw_cmd_user(int argc, char **argv);      /* cli/user.c */
int otw_cmd_alerts(int argc, char **argv);    /* cli/alerts.c */
int otw_cmd_devices(int argc, char **argv);   /* cli/devices.c */
int otw_cmd_names(int argc, char **argv);     /* cli/names.c */
int otw_cmd_monitor(int argc, char **argv);   /* cli/monitor.c */
int otw_cmd_audit(int argc, char **argv);     /* cli/audit.c */
int otw_cmd_learning(int argc, char **argv);  /* cli/learning.c */
int otw_cmd_exclusions(int argc, char **argv); /* cli/exclusions.c */
int otw_cmd_rules(int argc, char **argv);     /* cli/rules.c */

/* cli/change.c: the acting user for the audit log: given (--user), else
 * $SUDO_USER, else $USER, else "cli". */
const char *otw_cli_user(const char *given);

#endif
