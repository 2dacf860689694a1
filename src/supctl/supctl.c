/* supctl: supd's control client, command- and output-compatible with
 * supervisorctl 4.2 (doc/supctl.1), speaking supd's /v1 JSON API
 * (doc/api.md) over its HTTP client (http_client.c).
 *
 * Exit codes are supervisorctl's: the code of the last failing action
 * (LSB init codes: 1 generic, 2 invalid arguments, 7 not running; status
 * uses the LSB status codes 3 and 4).  Messages go to stdout, as
 * supervisorctl prints them.
 *
 * This file: options, the command table and its help, and the commands on
 * supd itself (open, reload, shutdown, version).  The rest of supctl is
 * laid out in supctl_int.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "supctl_int.h"

/* ---------------------------------------------------------------- daemon */

static bool confirm(struct ctl *x, const char *question)
{
	if (!x->interactive)
		return true;
	printf("%s y/N? ", question);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int cmd_daemon(struct ctl *x, const char *what)
{
	bool sd = !strcmp(what, "shutdown");
	if (!confirm(x, sd ? "Really shut the remote supervisord process down"
			   : "Really restart the remote supervisord process"))
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/v1/%s", sd ? "shutdown" : "reload");
	struct reply rep;
	memset(&rep, 0, sizeof(rep));
	int r = ctl_request(&x->c, "POST", path, NULL, 0, &rep.resp, NULL, NULL);
	if (r < 0) {
		if (!sd) {
			ctl_conn_error(x, r, false);
			return 0;
		}
		if (r == -ENOENT)
			ctl_err(x, "NO_FILE", "ERROR: %s no such file (already shut down?)",
				x->url);
		else if (r == -ECONNREFUSED)
			ctl_err(x, "REFUSED", "ERROR: %s refused connection (already shut down?)",
				x->url);
		else {
			char why[160];
			ctl_err(x, "NO_CONNECTION", "ERROR: %s: %s", x->url,
				ctl_strerror(&x->c, r, why, sizeof(why)));
		}
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	if (rep.resp.status == 401) {
		ctl_err(x, "UNAUTHORIZED", "Server requires authentication");
		x->exitstatus = EX_GENERIC;
	} else if (rep.resp.status >= 400) {
		json_t *j = json_loadb(rep.resp.body ? rep.resp.body : "", rep.resp.len, 0, NULL);
		const char *code =
		    json_string_value(json_object_get(json_object_get(j, "error"), "code"));
		const char *msg =
		    json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		if (code && !strcmp(code, "SHUTDOWN_STATE"))
			ctl_err(x, code, "ERROR: already shutting down");
		else if (code && !strcmp(code, "PERMISSION_DENIED"))
			ctl_err(x, code, "ERROR (%s)", msg ? msg : "permission denied");
		else if (msg) /* why a reload was refused */
			ctl_err(x, code ? code : "FAILED", "ERROR: %s", msg);
		else
			ctl_err(x, code ? code : "BAD_ANSWER", "ERROR: %s",
				code ? code : "unexpected answer");
		x->exitstatus = EX_GENERIC;
		json_decref(j);
	} else {
		ctl_result(x, "supd", sd ? "shut down" : "restarted", "%s",
			   sd ? "Shut down" : "Restarted supervisord");
	}
	ctl_resp_free(&rep.resp);
	return 0;
}

/* supd's own: what SIGUSR2 does, for those who cannot signal supd
 * (supervisord #273). */
static int cmd_reopen(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (ctl_call(x, "POST", "/v1/reopen", &rep) < 0)
		return 0;
	if (rep.code) {
		ctl_err(x, rep.code, "ERROR: %s", rep.msg ? rep.msg : rep.code);
		x->exitstatus = EX_GENERIC;
	} else {
		ctl_result(x, "supd", "reopened", "Reopened the log files");
	}
	ctl_reply_free(&rep);
	return 0;
}

static int cmd_version(struct ctl *x, int argc, char **argv)
{
	if (!ctl_no_args(x, argc, "version"))
		return 0;
	struct reply rep;
	if (ctl_call(x, "GET", "/v1/version", &rep) < 0)
		return 0;
	if (x->json)
		ctl_jset(x, json_incref(rep.j));
	else
		ctl_out("%s", ctl_jstr(rep.j, "version"));
	ctl_reply_free(&rep);
	return 0;
}

/* A reload of a config with errors changes nothing (supd logs why and
 * keeps running), yet its request is answered before the config is read.
 * The config is read first by a reread, whose answer carries the errors:
 * supctl says it did not reload, and why.  (supervisord exits on such a
 * config, and supervisorctl has already printed "Restarted supervisord".) */
static bool reload_conf_ok(struct ctl *x)
{
	struct reply rep;
	if (ctl_call(x, "POST", "/v1/reread", &rep) < 0)
		return false;
	bool ok = !rep.code || strcmp(rep.code, "CANT_REREAD") != 0;
	if (!ok) {
		ctl_err(x, rep.code, "ERROR: not reloading, the configuration has errors:\n%s",
			rep.msg ? rep.msg : "");
		x->exitstatus = EX_GENERIC;
	}
	ctl_reply_free(&rep);
	return ok;
}

static int cmd_reload(struct ctl *x, int argc, char **argv)
{
	if (ctl_no_args(x, argc, "reload") && reload_conf_ok(x))
		cmd_daemon(x, "reload");
	return 0;
}

static int cmd_shutdown(struct ctl *x, int argc, char **argv)
{
	return ctl_no_args(x, argc, "shutdown") ? cmd_daemon(x, "shutdown") : 0;
}

static int cmd_open(struct ctl *x, int argc, char **argv)
{
	if (argc != 1 || (strncmp(argv[0], "unix:", 5) && strncmp(argv[0], "http://", 7))) {
		ctl_err(x, "BAD_ARGUMENTS", "ERROR: url must be http:// or unix://");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	struct ctl_client c;
	if (ctl_client_init(&c, argv[0], x->user, x->pass) < 0) {
		ctl_err(x, "BAD_ARGUMENTS", "ERROR: bad url %s", argv[0]);
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	c.lim = x->c.lim;
	ctl_client_free(&x->c);
	x->c = c;
	free(x->url);
	x->url = strdup(argv[0]);
	/* as supervisorctl: the status shown does not set the exit status */
	int status = x->exitstatus;
	cmd_status(x, 0, NULL);
	x->exitstatus = status;
	return 0;
}

/* ---------------------------------------------------------------- help */

static const struct {
	const char *cmd;
	const char *help;
} helps[] = {
    {"add", "add <name> [...]\tActivates any updates in config for process/group"},
    {"avail", "avail\t\t\tDisplay all configured processes"},
    {"clear", "clear <name>\t\tClear a process' log files.\n"
	      "clear <name> <name>\tClear multiple process' log files\n"
	      "clear all\t\tClear all process' log files"},
    {"events", "events [--json]\tPrint supd's events as they happen (Ctrl-C to exit)"},
    {"exit", "exit\tExit the supervisor shell."},
    {"fg", "fg <process>\tConnect to a process in foreground mode\n"
	   "\t\tCtrl-C to exit"},
    {"help", "help\t\tPrint a list of available actions\n"
	     "help <action>\tPrint help for <action>"},
    {"maintail", "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
		 "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
		 "maintail\tlast 1600 *bytes* of supervisor main log file\n"},
    {"open", "open <url>\tConnect to a remote supervisord process.\n"
	     "\t\t(for UNIX domain socket, use unix:///socket/path)"},
    {"pid", "pid\t\t\tGet the PID of supervisord.\n"
	    "pid <name>\t\tGet the PID of a single child process by name.\n"
	    "pid all\t\t\tGet the PID of every child process, one per line."},
    {"quit", "quit\tExit the supervisor shell."},
    {"reload", "reload \t\tRestart the remote supervisord."},
    {"remove", "remove <name> [...]\tRemoves process/group from active config"},
    {"reopen", "reopen \t\tReopen every log file of supd and its programs (as SIGUSR2)."},
    {"reread", "reread \t\t\tReload the daemon's configuration files without add/remove"},
    {"restart", "restart <name>\t\tRestart a process\n"
		"restart <gname>:*\tRestart all processes in a group\n"
		"restart <name> <name>\tRestart multiple processes or groups\n"
		"restart all\t\tRestart all processes\n"
		"Note: restart does not reread config files. For that, see reread and update."},
    {"shutdown", "shutdown \tShut the remote supervisord down."},
    {"signal", "signal <signal name> <name>\t\tSignal a process\n"
	       "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
	       "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
	       "signal <signal name> all\t\tSignal all processes"},
    {"start", "start <name>\t\tStart a process\n"
	      "start <gname>:*\t\tStart all processes in a group\n"
	      "start <name> <name>\tStart multiple processes or groups\n"
	      "start all\t\tStart all processes"},
    {"status", "status <name>\t\tGet status for a single process\n"
	       "status <gname>:*\tGet status for all processes in a group\n"
	       "status <name> <name>\tGet status for multiple named processes\n"
	       "status\t\t\tGet all process status info"},
    {"stop", "stop <name>\t\tStop a process\n"
	     "stop <gname>:*\t\tStop all processes in a group\n"
	     "stop <name> <name>\tStop multiple processes or groups\n"
	     "stop all\t\tStop all processes"},
    {"tail", "tail [-f] <name> [stdout|stderr] (default stdout)\n"
	     "Ex:\n"
	     "tail -f <name>\t\tContinuous tail of named process stdout\n"
	     "\t\t\tCtrl-C to exit.\n"
	     "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
	     "tail <name> stderr\tlast 1600 *bytes* of process stderr"},
    {"update",
     "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update <gname> [...]\tUpdate specific groups"},
    {"upgrade", "upgrade\t\t\tRe-execute supd in place: every program keeps running\n"
		"upgrade <path>\t\tthe same with the supd binary at <path>"},
    {"version", "version\t\t\tShow the version of the remote supervisord process"},
    {"wait", "wait [--ready|--healthy|--completed] [<name> ...] [--timeout S]\n"
	     "\t\t\tWait until the processes are ready (running, or a one-shot\n"
	     "\t\t\tcompleted), healthy or completed; no name: until\n"
	     "\t\t\t/v1/health is 200.  Exit 1 when not in time or FATAL"},
};

void ctl_help_line(const char *cmd)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].cmd, cmd))
			ctl_out("%s", helps[i].help);
}

/* supervisorctl's answer to words given to a command that takes none. */
bool ctl_no_args(struct ctl *x, int argc, const char *cmd)
{
	if (argc == 0)
		return true;
	ctl_err(x, "BAD_ARGUMENTS", "Error: %s accepts no arguments", cmd);
	if (!x->json)
		ctl_help_line(cmd);
	x->exitstatus = EX_GENERIC;
	return false;
}

/* Python cmd's columnize, which supervisorctl's help uses: the fewest rows
 * whose columns (two spaces apart) fit the width, filled column by column,
 * every cell padded to its column's width but the empty ones at a row's
 * end.  names are sorted. */
static void columnize(const char *const *names, size_t n, size_t width)
{
	size_t rows, cols, w[64];
	for (rows = 1; rows < n; rows++) {
		cols = (n + rows - 1) / rows;
		size_t total = 0;
		for (size_t c = 0; c < cols && c < 64; c++) {
			w[c] = 0;
			for (size_t r = 0; r < rows && c * rows + r < n; r++)
				if (strlen(names[c * rows + r]) > w[c])
					w[c] = strlen(names[c * rows + r]);
			total += w[c] + (c ? 2 : 0);
		}
		if (total <= width && cols <= 64)
			break;
	}
	if (rows >= n) {
		rows = n;
		cols = 1;
		w[0] = 0;
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols && c * rows + r < n; c++)
			printf("%s%-*s", c ? "  " : "", (int)w[c], names[c * rows + r]);
		putchar('\n');
	}
}

static int cmd_help(struct ctl *x, int argc, char **argv)
{
	if (argc > 1) {
		/* supervisorctl looks the whole rest up as one topic */
		printf("*** No help on");
		for (int i = 0; i < argc; i++)
			printf(" %s", argv[i]);
		putchar('\n');
		return 0;
	}
	if (argc) {
		for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
			if (!strcmp(helps[i].cmd, argv[0])) {
				ctl_out("%s", helps[i].help);
				return 0;
			}
		ctl_out("*** No help on %s", argv[0]);
		return 0;
	}
	putchar('\n');
	ctl_out("default commands (type help <topic>):");
	ctl_out("=====================================");
	const char *names[sizeof(helps) / sizeof(helps[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].cmd, "help") != 0)
			names[n++] = helps[i].cmd;
	columnize(names, n, 79);
	putchar('\n');
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

static const struct {
	const char *name;
	int (*fn)(struct ctl *x, int argc, char **argv);
} cmds[] = {
    {"add", cmd_add},		{"events", cmd_events},	  {"avail", cmd_avail},
    {"clear", cmd_clear},	{"fg", cmd_fg},		  {"help", cmd_help},
    {"maintail", cmd_maintail}, {"open", cmd_open},	  {"pid", cmd_pid},
    {"reload", cmd_reload},	{"remove", cmd_remove},	  {"reopen", cmd_reopen},
    {"reread", cmd_reread},	{"restart", cmd_restart}, {"shutdown", cmd_shutdown},
    {"signal", cmd_signal},	{"start", cmd_start},	  {"status", cmd_status},
    {"stop", cmd_stop},		{"tail", cmd_tail},	  {"update", cmd_update},
    {"upgrade", cmd_upgrade},	{"version", cmd_version},
    {"wait", cmd_wait},
};

const char *const *ctl_command_names(void)
{
	static const char *names[sizeof(cmds) / sizeof(cmds[0]) + 3];
	if (!names[0]) {
		size_t i = 0;
		for (; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			names[i] = cmds[i].name;
		names[i++] = "exit";
		names[i++] = "quit";
	}
	return names;
}

/* Runs one command, split into words; line is the whole of it, for the
 * message on an unknown command.  Returns 1 when the shell should end. */
static int supctl_dispatch(struct ctl *x, int argc, char **argv, const char *line)
{
	if (!strcmp(argv[0], "exit") || !strcmp(argv[0], "quit")) {
		putchar('\n'); /* supervisorctl's do_quit is its do_EOF */
		return 1;
	}
	/* --json anywhere after the command */
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			x->json = true;
		else
			argv[n++] = argv[i];
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, argv[0])) {
			x->no_upcheck = cmds[i].fn == cmd_avail || cmds[i].fn == cmd_reread ||
					cmds[i].fn == cmd_update || cmds[i].fn == cmd_add ||
					cmds[i].fn == cmd_remove;
			cmds[i].fn(x, n - 1, argv + 1);
			ctl_jflush(x);
			fflush(stdout);
			return 0;
		}
	ctl_err(x, "UNKNOWN_COMMAND", "*** Unknown syntax: %s", line);
	x->exitstatus = EX_GENERIC;
	return 0;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* One command line, read as supervisorctl reads it (Python's cmd module,
 * then str.split() in each command): the command is the leading run of
 * letters, digits and '_' ("tail-100" is tail with "-100"), a leading '?'
 * is help, and the rest is split at blanks.  supctl's command-line words
 * are joined by spaces into one such line, as supervisorctl joins them, so
 * `supctl 'tail -100 web'` and `supctl tail -100 web` are the same.
 * Returns 1 when the shell should end. */
int supctl_line(struct ctl *x, const char *text)
{
	while (blank(*text))
		text++;
	size_t len = strlen(text);
	while (len && blank(text[len - 1]))
		len--;
	if (!len)
		return 0; /* supervisorctl: a blank line does not repeat the last */
	char *line = malloc(len + sizeof("help "));
	if (!line) {
		ctl_out("ERROR: out of memory");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	if (text[0] == '?')
		snprintf(line, len + sizeof("help "), "help %.*s", (int)len - 1, text + 1);
	else
		snprintf(line, len + 1, "%.*s", (int)len, text);
	size_t cl = 0;
	while (ident_char(line[cl]))
		cl++;
	int r = 0;
	if (cl == 0) {
		ctl_err(x, "UNKNOWN_COMMAND", "*** Unknown syntax: %s", line);
		x->exitstatus = EX_GENERIC;
	} else if (cl == 3 && !strncmp(line, "EOF", 3)) {
		putchar('\n'); /* supervisorctl's do_EOF */
		r = 1;
	} else {
		char *words = malloc(strlen(line) + 2);
		char **argv = calloc(strlen(line) + 2, sizeof(*argv));
		if (!words || !argv) {
			ctl_out("ERROR: out of memory");
			x->exitstatus = EX_GENERIC;
		} else {
			/* the command, then the rest split at blanks */
			int argc = 0;
			memcpy(words, line, cl);
			words[cl] = '\0';
			argv[argc++] = words;
			char *w = strcpy(words + cl + 1, line + cl);
			for (;;) {
				while (blank(*w))
					*w++ = '\0';
				if (!*w)
					break;
				argv[argc++] = w;
				while (*w && !blank(*w))
					w++;
			}
			r = supctl_dispatch(x, argc, argv, line);
		}
		free(words);
		free(argv);
	}
	free(line);
	fflush(stdout);
	return r;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "supctl -- control applications run by supd from the cmd line.\n"
	    "\n"
	    "Usage: supctl [options] [action [arguments]]\n"
	    "\n"
	    "Options:\n"
	    "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
	    "-h/--help -- print usage message and exit\n"
	    "-i/--interactive -- start an interactive shell after executing commands\n"
	    "-s/--serverurl URL -- URL on which supd server is listening\n"
	    "     (default \"http://localhost:9001\").\n"
	    "-u/--username USERNAME -- username to use for authentication with server\n"
	    "-p/--password PASSWORD -- password to use for authentication with server\n"
	    "-r/--history-file -- keep a readline history (if readline is available)\n"
	    "--json -- machine-readable output (JSON; errors as JSON on stderr)\n"
	    "--connect-timeout SECS -- the longest wait to connect (default 10; 0: none)\n"
	    "--timeout SECS -- the longest wait for an answer's next bytes (default 600)\n"
	    "--follow-timeout SECS -- the same for tail -f, maintail -f, fg (default 86400)\n"
	    "--max-response BYTES -- the largest answer kept in memory (default 16MB)\n"
	    "-v/--version -- print supctl's version and exit\n"
	    "\n"
	    "action [arguments] -- see below\n"
	    "\n"
	    "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
	    "specified on the command line, a \"shell\" interpreting actions typed\n"
	    "interactively is started.  Use the action \"help\" to find out about available\n"
	    "actions.\n");
}

/* supervisorctl's (Python getopt's) words for a bad option: the short
 * option's letter, or the long option's name without its value. */
static int option_error(const char *word, int opt, const char *what)
{
	if (opt && opt != '?')
		fprintf(stderr, "Error: option -%c %s\n", opt, what);
	else
		fprintf(stderr, "Error: option %.*s %s\n", (int)strcspn(word, "="), word, what);
	fprintf(stderr, "For help, use supctl -h\n");
	return EX_INVALID_ARGS;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"configuration", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"serverurl", required_argument, NULL, 's'},
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"history-file", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'J'},
	    {"version", no_argument, NULL, 'v'},
	    {"connect-timeout", required_argument, NULL, 256 + CTL_LIM_CONNECT},
	    {"timeout", required_argument, NULL, 256 + CTL_LIM_TIMEOUT},
	    {"follow-timeout", required_argument, NULL, 256 + CTL_LIM_FOLLOW},
	    {"max-response", required_argument, NULL, 256 + CTL_LIM_MAX_RESPONSE},
	    {NULL, 0, NULL, 0},
	};
	struct ctl x = {0};
	const char *cpath = NULL;
	bool interactive = false;
	int c;
	opterr = 0; /* supervisorctl's own wording, below */
	while ((c = getopt_long(argc, argv, "+:c:h?is:u:p:r:v", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpath = optarg;
			break;
		case '?':
			/* getopt answers '?' both for -? (help, as supervisorctl)
			 * and for an option it does not know. */
			if (strcmp(argv[optind - 1], "-?") != 0)
				return option_error(argv[optind - 1], optopt, "not recognized");
			/* fall through */
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return option_error(argv[optind - 1], optopt, "requires argument");
		case 'i':
			interactive = true;
			break;
		case 's':
			x.url = strdup(optarg);
			break;
		case 'u':
			x.user = strdup(optarg);
			break;
		case 'p':
			x.pass = strdup(optarg);
			break;
		case 'r':
			x.history = strdup(optarg);
			break;
		case 'J':
			x.json = true;
			break;
		case 'v':
			printf("%s\n", PACKAGE_VERSION);
			return 0;
		case 256 + CTL_LIM_CONNECT:
		case 256 + CTL_LIM_TIMEOUT:
		case 256 + CTL_LIM_FOLLOW:
		case 256 + CTL_LIM_MAX_RESPONSE: {
			int i = c - 256;
			char opt[64];
			snprintf(opt, sizeof(opt), "--%s", ctl_lim_names[i]);
			for (char *u = opt; *u; u++)
				if (*u == '_')
					*u = '-';
			free(x.lim_val[i]);
			free(x.lim_where[i]);
			x.lim_val[i] = strdup(optarg);
			x.lim_where[i] = strdup(opt);
			break;
		}
		default:
			return option_error(argv[optind - 1], optopt, "not recognized");
		}
	}
	char *found = NULL;
	if (!cpath)
		cpath = found = conf_search_default();
	if (cpath && ctl_load_conf(&x, cpath, found == NULL) < 0) {
		free(found);
		return EX_INVALID_ARGS;
	}
	free(found);
	if (!x.url)
		x.url = strdup("http://localhost:9001");
	if (ctl_client_init(&x.c, x.url, x.user, x.pass) < 0) {
		fprintf(stderr, "Error: bad server URL %s\n", x.url);
		return EX_INVALID_ARGS;
	}
	if (ctl_set_limits(&x) < 0) {
		x.exitstatus = EX_INVALID_ARGS;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	int rest = argc - optind;
	if (rest > 0) {
		size_t len = 1;
		for (int i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		char *line = calloc(1, len);
		if (!line) {
			fprintf(stderr, "Error: out of memory\n");
			return EX_GENERIC;
		}
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(line, " ");
			strcat(line, argv[i]);
		}
		supctl_line(&x, line);
		free(line);
	}
	if (rest == 0 || interactive) {
		x.interactive = true;
		if (rest == 0)
			cmd_status(&x, 0, NULL);
		ctl_shell(&x);
		x.exitstatus = 0; /* interactive mode always exits 0 */
	}
out:;
	int status = x.exitstatus;
	ctl_client_free(&x.c);
	free(x.url);
	free(x.user);
	free(x.pass);
	free(x.prompt);
	free(x.history);
	for (int i = 0; i < CTL_LIM_N; i++) {
		free(x.lim_val[i]);
		free(x.lim_where[i]);
	}
	return status;
}
