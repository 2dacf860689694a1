/* supd: command line, config loading, the check and print modes, then the
 * daemon.  The command line is supervisord's, so `supd -n -c
 * /etc/supervisord.conf` in an existing Dockerfile works; new options are
 * long ones. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "diag.h"
#include "loop.h"
#include "upgrade.h"

#define MAX_OVERRIDES 24

static const char usage_text[] =
	"supd -- run a set of applications as daemons.\n"
	"\n"
	"Usage: supd [options]\n"
	"\n"
	"Options (supervisord's, with the same meaning):\n"
	"-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
	"-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)\n"
	"-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)\n"
	"-h/--help -- print this usage message and exit\n"
	"-v/--version -- print supd version number and exit\n"
	"-u/--user USER -- run supd as this user (or numeric uid)\n"
	"-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)\n"
	"-d/--directory DIRECTORY -- directory to chdir to when daemonized\n"
	"-l/--logfile FILENAME -- use FILENAME as logfile path\n"
	"-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile\n"
	"-z/--logfile_backups NUM -- number of backups to keep when max bytes reached\n"
	"-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)\n"
	"-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME\n"
	"-i/--identifier STR -- identifier used for this instance of supd\n"
	"-q/--childlogdir DIRECTORY -- the log directory for child process logs\n"
	"-k/--nocleanup --  prevent the process from performing cleanup (removal of\n"
	"                   old automatic child log files) at startup.\n"
	"-a/--minfds NUM -- the minimum number of file descriptors for start success\n"
	"-t/--strip_ansi -- strip ansi escape codes from process output\n"
	"--minprocs NUM  -- the minimum number of processes available for start success\n"
	"--profile_options OPTIONS -- accepted for compatibility; supd has no profiler\n"
	"\n"
	"supd's own options:\n"
	"--check -- check the configuration, print 'FILE: configuration OK' or every\n"
	"           error found, and exit (0 when OK, 2 otherwise)\n"
	"--print-config -- print the normalised configuration as INI and exit\n"
	"--json -- with --print-config: print it as JSON\n"
	"--format ini|yaml|cfg -- read the configuration in this format (default: by\n"
	"                         file extension: .yaml/.yml, .cfg, anything else INI)\n"
	"\n"
	"Without -c, the configuration is searched in: $SUPD_CONFIG, ./supd.conf,\n"
	"./etc/supd.conf, /etc/supd.conf, /etc/supervisor/supervisord.conf,\n"
	"/etc/supervisord.conf.\n";

enum {
	OPT_MINPROCS = 256,
	OPT_PROFILE,
	OPT_CHECK,
	OPT_PRINT,
	OPT_JSON,
	OPT_FORMAT,
	OPT_UPGRADE_PROBE,
};

static const struct option long_opts[] = {
	{"configuration", required_argument, NULL, 'c'},
	{"nodaemon", no_argument, NULL, 'n'},
	{"silent", no_argument, NULL, 's'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'v'},
	{"user", required_argument, NULL, 'u'},
	{"umask", required_argument, NULL, 'm'},
	{"directory", required_argument, NULL, 'd'},
	{"logfile", required_argument, NULL, 'l'},
	{"logfile_maxbytes", required_argument, NULL, 'y'},
	{"logfile_backups", required_argument, NULL, 'z'},
	{"loglevel", required_argument, NULL, 'e'},
	{"pidfile", required_argument, NULL, 'j'},
	{"identifier", required_argument, NULL, 'i'},
	{"childlogdir", required_argument, NULL, 'q'},
	{"nocleanup", no_argument, NULL, 'k'},
	{"minfds", required_argument, NULL, 'a'},
	{"strip_ansi", no_argument, NULL, 't'},
	{"minprocs", required_argument, NULL, OPT_MINPROCS},
	{"profile_options", required_argument, NULL, OPT_PROFILE},
	{"check", no_argument, NULL, OPT_CHECK},
	{"print-config", no_argument, NULL, OPT_PRINT},
	{"json", no_argument, NULL, OPT_JSON},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"upgrade-probe", no_argument, NULL, OPT_UPGRADE_PROBE},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "Error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nFor help, use supd -h\n");
	return 2;
}

/* The [supervisord] option a short flag overrides; NULL for the others. */
static const char *override_key(int c)
{
	switch (c) {
	case 'n': return "nodaemon";
	case 's': return "silent";
	case 'u': return "user";
	case 'm': return "umask";
	case 'd': return "directory";
	case 'l': return "logfile";
	case 'y': return "logfile_maxbytes";
	case 'z': return "logfile_backups";
	case 'e': return "loglevel";
	case 'j': return "pidfile";
	case 'i': return "identifier";
	case 'q': return "childlogdir";
	case 'k': return "nocleanup";
	case 'a': return "minfds";
	case 't': return "strip_ansi";
	case OPT_MINPROCS: return "minprocs";
	default: return NULL;
	}
}

int main(int argc, char **argv)
{
	const char *overrides[2 * MAX_OVERRIDES + 1];
	size_t nov = 0;
	const char *path = NULL;
	enum conf_format format = CONF_FMT_AUTO;
	bool check = false, print = false, json = false, probe = false;
	int c;
	/* Upgrade in place: the state document from the image before
	 * (doc/upgrade.md); never for the programs' environment. */
	int upgrade_fd = -1;
	int64_t upg_main_us = 0, upg_conf_us = 0;
	daemon_heap_mark_base();
	const char *ue = getenv(UPG_ENV);
	if (ue) {
		char *end;
		long v = strtol(ue, &end, 10);
		if (*ue && !*end && v > 2 && v < INT_MAX)
			upgrade_fd = (int)v;
		upg_main_us = loop_now_us();
		unsetenv(UPG_ENV);
		daemon_upgrade_prefault();
	}

	opterr = 0; /* our own message names the option */
	while ((c = getopt_long(argc, argv, "c:nsh?vu:m:d:l:y:z:e:j:i:q:ka:t", long_opts, NULL)) !=
	       -1) {
		const char *key = override_key(c);
		if (key) {
			if (nov >= 2 * MAX_OVERRIDES)
				return usage_error("%s", "too many options");
			overrides[nov++] = key;
			overrides[nov++] = optarg ? optarg : "true";
			continue;
		}
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case '?':
			/* getopt answers '?' both for -? (help, as supervisord) and
			 * for an option it does not know or that lacks its value. */
			if (strcmp(argv[optind - 1], "-?") != 0)
				return usage_error("bad option or missing value: %s", argv[optind - 1]);
			/* fall through */
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			printf("%s\n", PACKAGE_VERSION);
			return 0;
		case OPT_PROFILE:
			fprintf(stderr, "supd: --profile_options ignored: supd has no profiler\n");
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_PRINT:
			print = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_UPGRADE_PROBE:
			probe = true;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "ini"))
				format = CONF_FMT_INI;
			else if (!strcmp(optarg, "yaml"))
				format = CONF_FMT_YAML;
			else if (!strcmp(optarg, "cfg") || !strcmp(optarg, "libconfig"))
				format = CONF_FMT_CFG;
			else
				return usage_error("unknown format '%s' (ini, yaml or cfg)", optarg);
			break;
		default:
			return usage_error("%s", "unknown option");
		}
	}
	if (optind < argc)
		return usage_error("positional arguments are not supported: %s", argv[optind]);
	if (json && !print)
		return usage_error("%s", "--json goes with --print-config");
	overrides[nov] = NULL;

	char *found = NULL;
	if (!path) {
		found = conf_search_default();
		if (!found)
			return usage_error("%s",
					   "No config file found at default paths ($SUPD_CONFIG, "
					   "./supd.conf, ./etc/supd.conf, /etc/supd.conf, "
					   "/etc/supervisor/supervisord.conf, /etc/supervisord.conf); "
					   "use the -c option to specify a config file at a different path");
		path = found;
	}

	struct conf_load_opts lo = {
		.path = path,
		.format = format,
		.overrides = overrides,
		.environ = NULL,
	};
	struct diags d;
	struct conf *conf = NULL;
	diags_init(&d);
	int r = conf_load(&lo, &conf, &d);
	if (upgrade_fd >= 0)
		upg_conf_us = loop_now_us();
	diags_print(&d, stderr);
	diags_free(&d);
	if (r < 0) {
		if (r != -EINVAL)
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
		if (!check)
			fprintf(stderr, "supd: %s has errors, not starting\n", path);
		free(found);
		return 2;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		conf_free(conf);
		free(found);
		return 0;
	}
	if (probe) {
		/* The image before reads "ok VERSION" from this (daemon_upgrade.c). */
		r = daemon_upgrade_probe(conf, upgrade_fd);
		conf_free(conf);
		free(found);
		fflush(stdout);
		return r;
	}
	if (print) {
		r = json ? conf_print_json(conf, stdout) : conf_print_ini(conf, stdout);
		conf_free(conf);
		free(found);
		if (fflush(stdout) != 0 || r < 0)
			return 1;
		return 0;
	}

	struct supd_opts so = {
		.config_path = path,
		.format = format,
		.overrides = overrides,
		.foreground = conf->supd.nodaemon,
		.argv = argv,
		.upgrade_fd = upgrade_fd,
		.upg_main_us = upg_main_us,
		.upg_conf_us = upg_conf_us,
	};
	r = daemon_run(&so, conf);
	free(found);
	return r;
}
