/* The configuration model: everything a supd/supervisord config can say.
 *
 * Three front-ends (INI, YAML, libconfig) read text into the same raw form
 * (conf_raw.h: sections of key/value pairs, each with file:line).  conf.c
 * then types, defaults, expands and validates that raw form into a
 * struct conf, so every format has exactly the same semantics.
 *
 * A struct conf is immutable once built; reload builds a new one and the
 * engine diffs the two (conf_process_equal).
 */
#ifndef SUPD_CONF_H
#define SUPD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

/* supervisord's log levels, with its numeric values and 4-letter names. */
enum conf_loglevel {
	LL_BLAT = 3,
	LL_TRAC = 5,
	LL_DEBG = 10,
	LL_INFO = 20,
	LL_WARN = 30,
	LL_ERRO = 40,
	LL_CRIT = 50,
};

enum conf_autorestart {
	CONF_AR_FALSE,
	CONF_AR_UNEXPECTED,
	CONF_AR_TRUE,
};

/* supd extension (doc/compat.md): what of a program ends supd itself. */
enum conf_shutdown_on {
	CONF_SO_NEVER,
	CONF_SO_FATAL,	    /* it went FATAL */
	CONF_SO_UNEXPECTED, /* FATAL, or an exit not in exitcodes */
	CONF_SO_EXIT,	    /* FATAL, or any exit supd did not ask for */
};

/* An ordered KEY=value list (environment=). Keys are unique; a later
 * assignment of the same key replaces the value in place. */
struct conf_env {
	size_t n;
	char **keys;
	char **vals;
};

enum conf_logkind {
	CONF_LOG_AUTO, /* a file in childlogdir, named like supervisord's */
	CONF_LOG_NONE, /* NONE / OFF */
	CONF_LOG_FILE, /* path */
};

/* One output channel of a process (stdout or stderr).  Here and in
 * conf_process the fields go by size, not by topic: 10,000 programs. */
struct conf_stream {
	char *path; /* CONF_LOG_FILE: the expanded path */
	uint64_t maxbytes;
	uint64_t capture_maxbytes;
	enum conf_logkind kind;
	int backups;
	bool events_enabled;
	bool syslog;
	/* supd: stdout_logfile=journal: lines go to the systemd journal
	 * (kind is CONF_LOG_NONE: no file). */
	bool journal;
	/* supd: stdout_logfile_timestamps / stderr_logfile_timestamps (default
	 * false): each line written to the file starts with a timestamp. */
	bool timestamps;
};

enum conf_kind {
	CONF_PROGRAM,
	CONF_EVENTLISTENER,
	CONF_FCGI,
};

/* supd extension (readiness and health checks, doc/readiness.md): how supd
 * asks a program whether it is ready or healthy. */
enum conf_check_kind {
	CONF_CHECK_NONE,
	CONF_CHECK_EXEC,   /* exec:COMMAND exits 0 */
	CONF_CHECK_TCP,	   /* tcp:HOST:PORT accepts a connection */
	CONF_CHECK_HTTP,   /* http:URL answers 2xx */
	CONF_CHECK_LOG,	   /* log:REGEX matches a line of stdout or stderr */
	CONF_CHECK_NOTIFY, /* sd_notify READY=1 (ready) / WATCHDOG=1 (health) */
	CONF_CHECK_FD,	   /* fd:N: the program writes a newline on fd N */
};

enum conf_health_action {
	CONF_HA_RESTART,
	CONF_HA_STOP,
	CONF_HA_NONE,
};

struct conf_check {
	char *spec;  /* as written after expansion, printed back */
	char **argv; /* exec: the shlex-split command */
	char *host;  /* tcp, http: the host; http over a unix socket: its path */
	char *path;  /* http: the request target ("/healthz?x=1") */
	void *regex; /* log: the compiled regex_t */
	int64_t interval_ms;
	int64_t timeout_ms; /* one probe's */
	enum conf_check_kind kind;
	int port; /* tcp, http; 0: http over a unix socket */
	int fd;	  /* fd:N */
};

/* A program's checks, allocated only when one of their options is given. */
struct conf_checks {
	struct conf_check ready;
	struct conf_check health;
	int64_t ready_timeout_ms; /* how long STARTING waits for the ready check */
	int64_t watchdog_ms;	  /* notify health: WATCHDOG=1 at least this often */
	int health_retries;	  /* failed probes in a row that make it unhealthy */
	enum conf_health_action health_action;
};

/* One process, after numprocs expansion: what the engine runs. */
struct conf_process {
	char *name;	 /* process name (process_name after expansion) */
	char *group;	 /* group name */
	char *program;	 /* the [program:x] section's x */
	char *file;	 /* where the section was defined */
	char *command;	 /* after %(...)s expansion, before splitting */
	char **argv;	 /* shlex-split command, NULL-terminated */
	char *user;	 /* NULL: do not switch */
	char *directory; /* NULL: supd's cwd */
	char *serverurl; /* NULL: AUTO */
	struct conf_stream out;
	struct conf_stream err;
	struct conf_env env; /* [supervisord] environment merged with the program's */
	/* supd extension (doc/compat.md): tail_buffer (byte size, default
	 * 64KB), the in-memory tail kept per channel for supctl tail */
	uint64_t tail_buffer;

	/* [eventlistener:x] */
	char **events;
	size_t nevents;
	char *result_handler;

	/* [fcgi-program:x] */
	char *socket;
	char *socket_owner;

	uint8_t exitcodes[32]; /* bitmap of expected exit codes 0..255 */
	enum conf_kind kind;
	int line;
	int process_num;
	int numprocs;
	int argc;
	int priority;
	int startsecs;
	int startretries;
	enum conf_autorestart autorestart;
	enum conf_shutdown_on shutdown_on;
	int stopsignal;
	int stopwaitsecs;
	int umask;	    /* -1: inherit */
	int buffer_size;    /* [eventlistener:x] */
	int socket_backlog; /* [fcgi-program:x] */
	int socket_mode;    /* [fcgi-program:x] */
	bool autostart;
	bool stopasgroup;
	bool killasgroup;
	bool redirect_stderr;
	/* supd extension (doc/compat.md): forward_output, copy output, line by
	 * line and prefixed with the name, to supd's stdout/stderr; default:
	 * [supervisord] forward_output */
	bool forward_output;
	/* supd extension, readiness and health checks (ready_check=,
	 * health_check=...): NULL when the program has none */
	struct conf_checks *checks;
};

/* A process group: a [program:x] with its numprocs processes (homogeneous),
 * or a [group:x] naming several programs (heterogeneous). */
struct conf_group {
	char *name;
	int priority;
	bool heterogeneous;
	char *file;
	int line;
	size_t *procs; /* indices into conf.procs */
	size_t nprocs;
};

/* [unix_http_server] and [inet_http_server] (also with a :name suffix). */
struct conf_server {
	char *section;
	bool inet;
	char *file;  /* unix: socket path */
	int chmod;   /* unix: mode, default 0700 */
	char *chown; /* unix: user[:group], NULL: unchanged */
	char *host;  /* inet: NULL or "" for all interfaces */
	int port;    /* inet */
	char *username;
	char *password; /* plain, or {SHA}hex */
};

/* [supervisorctl] / [supctl]: read by supctl only. */
struct conf_ctl {
	bool present;
	char *serverurl; /* NULL: default */
	char *username;
	char *password;
	char *prompt;
	char *history_file;
};

/* [rpcinterface:x] and [ctlplugin:x]: Python plugin sections, kept so that
 * supd can say what it does with them. */
struct conf_plugin {
	char *section;
	char *factory;
	bool is_ctl;
	char *file;
	int line;
};

/* [supervisord] (also accepted as [supd]). */
struct conf_supd {
	char *logfile;	      /* NULL: none */
	bool logfile_syslog;  /* logfile=syslog: supd's log goes to syslog(3) */
	bool logfile_journal; /* logfile=journal: to the systemd journal */
	uint64_t logfile_maxbytes;
	int logfile_backups;
	int loglevel;
	char *pidfile;
	int umask;
	bool nodaemon;
	bool silent;
	long minfds;
	long minprocs;
	bool nocleanup;
	char *childlogdir;
	char *user;
	char *directory;
	bool strip_ansi;
	struct conf_env env;
	char *identifier;
	/* supd extensions */
	bool forward_output;	 /* default for every program's forward_output */
	bool forward_timestamps; /* forwarded lines start with a timestamp */
};

struct conf {
	char *path; /* the main file */
	char *here; /* its directory */
	struct conf_supd supd;
	struct conf_server *servers;
	size_t nservers;
	struct conf_ctl ctl;
	struct conf_plugin *plugins;
	size_t nplugins;
	struct conf_process *procs;
	size_t nprocs;
	struct conf_group *groups; /* sorted by name */
	size_t ngroups;
	char **files; /* every file read, main first */
	size_t nfiles;
};

enum conf_format {
	CONF_FMT_AUTO, /* by extension: .yaml/.yml, .cfg, else INI */
	CONF_FMT_INI,
	CONF_FMT_YAML,
	CONF_FMT_CFG,
};

/* How to load: the main file, its format, and [supervisord] values from the
 * command line, which override the file's. */
struct conf_load_opts {
	const char *path;
	enum conf_format format;
	/* option name -> value, as the INI would spell it ("logfile", "nodaemon"...) */
	const char *const *overrides; /* key, value, key, value, ..., NULL */
	/* The environment used for %(ENV_X)s; NULL: environ. */
	char *const *environ;
	/* The main file's bytes when already in memory (the fuzz targets):
	 * parsed as if read from path, which still names it in messages and
	 * anchors %(here)s and [include]s.  NULL: path is read. */
	const char *text;
	size_t len;
};

/* Reads, parses and validates a config.  On success *out is a new model and
 * warnings may have been added to d.  On any error nothing is returned: a
 * partially read config is never used.  Returns 0 or a negative errno
 * (-EINVAL for config errors, which are all in d). */
int conf_load(const struct conf_load_opts *o, struct conf **out, struct diags *d);

void conf_free(struct conf *c);

enum conf_format conf_format_for_path(const char *path);

/* Same options, same values: the engine keeps such a process running across a
 * reload.  Compares everything but the process's position in the arrays. */
bool conf_process_equal(const struct conf_process *a, const struct conf_process *b);

/* The process's "group:name" or "name" when both are equal. Returns a
 * static-lifetime-of-c string. */
const char *conf_process_namespec(const struct conf_process *p, char *buf, size_t len);

struct conf_process *conf_find_process(const struct conf *c, const char *group, const char *name);
struct conf_group *conf_find_group(const struct conf *c, const char *name);

/* --print-config: the normalised model as INI that parses again to the same
 * model, or as JSON for tools. */
int conf_print_ini(const struct conf *c, FILE *f);
int conf_print_json(const struct conf *c, FILE *f);

/* The default search when -c is absent: $SUPD_CONFIG, ./supd.conf,
 * ./etc/supd.conf, /etc/supd.conf, /etc/supervisor/supervisord.conf,
 * /etc/supervisord.conf.  Returns a malloc'd path or NULL. */
char *conf_search_default(void);

bool conf_exitcode_expected(const struct conf_process *p, int code);

const char *conf_loglevel_name(int level); /* "INFO" ... */

#endif
