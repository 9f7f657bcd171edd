/* otwatch console: serve the web console and REST API over HTTPS until
 * SIGINT/SIGTERM. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "console.h"
#include "otw_ipc-t.h"
#include "otw_num.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch console [--db DIR] [--listen ADDR:PORT] [--cert F --key F]\n"
		"                       [--www DIR] [--threads N]\n"
		"  --db DIR          the store (default %s)\n"
		"  --listen A:P      HTTPS address (default 127.0.0.1:8443)\n"
		"  --cert/--key F    PEM certificate (+chain) and key; default: a\n"
		"                    self-signed certificate kept in DIR/console.pem\n"
		"  --www DIR         UI files (default: installed, else the source tree)\n"
		"       otwatch console token add|list|del ...   API tokens (see --help)\n",
		OTW_STORE_DIR_DEFAULT);
}

static const char *default_www(void)
{
	struct stat sb;

	if (stat(OTW_WWW_INSTALL "/index.html", &sb) == 0)
		return OTW_WWW_INSTALL;
	return OTW_WWW_BUILD;
}

int otw_cmd_console(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "www", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct otw_console_conf conf = {
		.db = OTW_STORE_DIR_DEFAULT, .listen = "127.0.0.1:8443",
	};
	struct otw_console *c;
	char err[512];
	int ch, rc;

	if (argc > 1 && strcmp(argv[1], "token") == 0)
		return otw_cmd_console_token(argc - 1, argv + 1);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': conf.db = optarg; break;
		case 'l': conf.listen = optarg; break;
		case 'c': conf.cert = optarg; break;
		case 'k': conf.key = optarg; break;
		case 'w': conf.www = optarg; break;
		case 't':
			if (otw_parse_uint(optarg, 1, 256, &conf.threads) != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (conf.www == NULL)
		conf.www = default_www();
	if ((rc = otw_console_start(&conf, &c, err, sizeof(err))) != 0) {
		fprintf(stderr, "otwatch console: %s\n", err[0] ? err : "cannot start");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "otw-console level=info event=listening url=https://%s/ db=%s\n",
		conf.listen, conf.db);
	while (!stop)
		pause();
	otw_console_stop(c);
	fprintf(stderr, "otw-console level=info event=stopped\n");
	return 0;
}
