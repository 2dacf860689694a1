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
#include "strpool.h"

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

/* supd: kill_mode, what a stop kills (doc/cgroups.md). */
enum conf_kill_mode {
	CONF_KM_CGROUP,	 /* stopsignal to every process of the cgroup, then SIGKILL to all */
	CONF_KM_GROUP,	 /* stopsignal as supervisord (stopasgroup), then SIGKILL to all */
	CONF_KM_PROCESS, /* the main process only; what it leaves runs on */
};

/* supd: a process's cgroup settings, separately allocated (most programs
 * set none).  A limit counts when its CONF_CG_* bit is in set; a value of
 * UINT64_MAX (or a cpu quota of -1) is "max". */
enum {
	CONF_CG_MEMORY_MAX = 1,
	CONF_CG_MEMORY_HIGH = 2,
	CONF_CG_MEMORY_SWAP_MAX = 4,
	CONF_CG_CPU_MAX = 8,
	CONF_CG_CPU_WEIGHT = 16,
	CONF_CG_PIDS_MAX = 32,
	CONF_CG_IO_WEIGHT = 64,
	CONF_CG_KILL_MODE = 128,
};
struct conf_cgroup {
	uint64_t memory_max, memory_high, memory_swap_max, pids_max;
	int64_t cpu_quota_us; /* -1: max */
	int64_t cpu_period_us;
	int cpu_weight, io_weight; /* 1..10000 */
	enum conf_kill_mode kill_mode;
	unsigned set;
};

enum conf_cgroups {
	CONF_CGROUPS_AUTO, /* a cgroup per process when supd can have a subtree */
	CONF_CGROUPS_OFF,
};

enum conf_kind {
	CONF_PROGRAM,
	CONF_EVENTLISTENER,
	CONF_FCGI,
};

/* supd extension (doc/compat.md, issue #15): the rlimits a child gets
 * before exec, in the kernel's units (bytes, seconds for cpu, microseconds
 * for rttime, counts).  Indices of conf_limits.cur/max; conf_rl_name()
 * gives the option's name. */
enum conf_rl {
	CONF_RL_AS,
	CONF_RL_CORE,
	CONF_RL_CPU,
	CONF_RL_DATA,
	CONF_RL_FSIZE,
	CONF_RL_MEMLOCK,
	CONF_RL_MSGQUEUE,
	CONF_RL_NICE,
	CONF_RL_NOFILE,
	CONF_RL_NPROC,
	CONF_RL_RTPRIO,
	CONF_RL_RTTIME,
	CONF_RL_SIGPENDING,
	CONF_RL_STACK,
	CONF_RL_N
};

#define CONF_RLIM_INFINITY UINT64_MAX
#define CONF_CPUS_MAX	   1024 /* cpu_affinity: CPUs 0 .. 1023 */

/* rlimit_*, nice, oom_score_adj, cpu_affinity (supd extension, issue #15):
 * what needs no cgroup, set in the child before exec.  Allocated only for a
 * process that sets one of them (conf_process.limits), zeroed first, so
 * two compare with memcmp. */
struct conf_limits {
	uint64_t cur[CONF_RL_N], max[CONF_RL_N]; /* soft and hard limits */
	uint64_t cpus[CONF_CPUS_MAX / 64];	 /* bit per CPU */
	uint32_t rl_set;			 /* bit per enum conf_rl given */
	int nice;
	int oom_score_adj;
	bool has_nice, has_oom_score_adj, has_cpus;
};

/* "nofile" for CONF_RL_NOFILE: the option is "rlimit_" and this name. */
const char *conf_rl_name(enum conf_rl r);
/* The RLIMIT_* resource of r. */
int conf_rl_resource(enum conf_rl r);
/* The rlimit_* option named key (case-insensitive), or -1. */
int conf_rl_by_key(const char *key);
/* Parses "soft:hard", one value meaning both, "infinity"/"unlimited" in
 * either place; sizes take K, M, G, T (1024-based, optional B), cpu and
 * rttime are durations (cv_duration).  Returns 0 or -EINVAL/-ERANGE with a
 * short reason in *why. */
int conf_rl_parse(enum conf_rl r, const char *s, uint64_t *cur, uint64_t *max, const char **why);
/* The value as conf_rl_parse reads it again. */
const char *conf_rl_format(enum conf_rl r, uint64_t cur, uint64_t max, char *buf, size_t len);
/* "0,2-3": a bitmap of CPUs below CONF_CPUS_MAX, at least one.  Returns 0
 * or -EINVAL/-ERANGE. */
int conf_cpus_parse(const char *s, uint64_t cpus[CONF_CPUS_MAX / 64]);
const char *conf_cpus_format(const uint64_t cpus[CONF_CPUS_MAX / 64], char *buf, size_t len);

/* supd (doc/supd.conf.5): backoff= */
enum conf_backoff {
	CONF_BACKOFF_LINEAR, /* supervisord's: the n-th failed start waits n s */
	CONF_BACKOFF_EXPONENTIAL,
};

/* supd extensions for kinds of services (issue #14: env_file, backoff,
 * fatal_retry_after, ...).  Allocated only for a program that sets one of
 * them (conf_process.kinds), so 10,000 plain programs pay a pointer each;
 * a NULL kinds reads as these defaults. */
struct conf_kinds {
	/* env_file=, as given but absolute; a leading '-': may be missing.
	 * Their contents are already merged into conf_process.env. */
	char **env_files;
	size_t nenv_files;
	int64_t backoff_max_ms;	      /* exponential: the longest delay */
	int64_t backoff_reset_ms;     /* 0: the count resets on RUNNING */
	int64_t fatal_retry_after_ms; /* 0: FATAL is final */
	/* schedule= (cron.h), trimmed; NULL: not scheduled.  A scheduled
	 * program runs when due, never autostarts or autorestarts. */
	char *schedule;
	/* pidfile= (absolute): the command is a launcher that exits 0 once
	 * the daemon whose pid this file names runs; NULL: none */
	char *pidfile;
	enum conf_backoff backoff;
};

/* supd extension (depends_on, kind; doc/dependencies.md): what a
 * dependency must have reached before its dependent starts. */
enum conf_dep_cond {
	CONF_DEP_STARTED,      /* STARTING or later */
	CONF_DEP_RUNNING,      /* RUNNING (a one-shot: or completed successfully) */
	CONF_DEP_HEALTHY,      /* as running until health checks exist */
	CONF_DEP_COMPLETED,    /* exited (a one-shot), whatever its code */
	CONF_DEP_COMPLETED_OK, /* exited with an expected code */
};

struct conf_dep {
	char *name; /* a program or a group */
	enum conf_dep_cond cond;
};

/* The dependency settings of one process, allocated only when it sets
 * depends_on or kind (10,000 programs without them pay one pointer). */
struct conf_deps {
	struct conf_dep *v;
	size_t n;
	bool oneshot; /* kind=oneshot */
	char *file;   /* where depends_on was set, for the checks across */
	int line;     /* programs (cycles, missing names) */
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

/* A process's settings: everything of conf_process but which process it
 * is.  Processes whose settings are equal share one (the conf's
 * settings, conf_prog.c), so that 10,000 programs written alike, or a
 * numprocs pool, pay for their settings once (#18).  Read-only once the
 * conf is built.  Here the fields go by size, not by topic. */
struct conf_settings {
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
	int numprocs;
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
	/* supd extension (issue #15): rlimit_*, nice, oom_score_adj,
	 * cpu_affinity; NULL: none of them set */
	struct conf_limits *limits;
	/* svc-kinds: env_file, backoff, fatal_retry_after...; NULL: none set */
	struct conf_kinds *kinds;
	/* svc-deps: depends_on and kind=oneshot; NULL: neither */
	struct conf_deps *deps;
	/* supd: cgroup settings (kill_mode and the limits, doc/cgroups.md);
	 * NULL when the program sets none of them */
	struct conf_cgroup *cgroup;
	/* supd extension, readiness and health checks (ready_check=,
	 * health_check=...): NULL when the program has none */
	struct conf_checks *checks;
};

/* One process, after numprocs expansion: what the engine runs. */
/* name, group, program, file, command and argv are in the conf's pool
 * (struct conf's strs): shared by every process and group that has the
 * same. */
struct conf_process {
	const char *name;    /* process name (process_name after expansion) */
	const char *group;   /* group name */
	const char *program; /* the [program:x] section's x */
	const char *file;    /* where the section was defined */
	/* after %(...)s expansion, before splitting; command and argv are in
	 * the pool too, one argv for every process with the same command */
	const char *command;
	char **argv; /* shlex-split command, NULL-terminated */
	/* CONF_LOG_FILE: the stdout and stderr log files' expanded paths;
	 * here rather than in the settings' streams, which a numprocs pool's
	 * processes then share */
	char *out_path, *err_path;
	int line;
	int process_num;
	int argc;
	struct conf_settings *s; /* perhaps shared: never written once built */
};

/* A process group: a [program:x] with its numprocs processes (homogeneous),
 * or a [group:x] naming several programs (heterogeneous). */
struct conf_group {
	const char *name; /* name and file: in the conf's pool */
	int priority;
	bool heterogeneous;
	const char *file;
	int line;
	size_t *procs; /* indices into conf.procs: a slice of conf.group_procs */
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
	/* access by role (doc/security.md): NULL when the server sets none
	 * of its options, and whoever is let in is admin */
	struct conf_access *access;
};

/* The roles of the control plane, each allowing what the one before it
 * does (doc/security.md). */
enum conf_role { CONF_ROLE_NONE, CONF_ROLE_READ, CONF_ROLE_OPERATE, CONF_ROLE_ADMIN };
#define CONF_ROLES 3 /* read, operate, admin: index role - 1 */

/* [inet_http_server] users=: one "name:role:password" entry. */
struct conf_account {
	char *name;
	enum conf_role role;
	char *password; /* plain, {SHA}hex, or a crypt(3) hash */
};

/* [unix_http_server] read_users=... (peer credentials) and
 * [inet_http_server] users= (Basic authentication). */
struct conf_access {
	/* [role - 1]: comma-separated user (group) names or numeric ids,
	 * "*" for everyone; NULL unset */
	char *users[CONF_ROLES];
	char *groups[CONF_ROLES];
	struct conf_account *accounts;
	size_t naccounts;
};

/* "read", "operate", "admin" ("none" for CONF_ROLE_NONE). */
const char *conf_role_name(enum conf_role r);
/* The role named s; CONF_ROLE_NONE when s is none of them. */
enum conf_role conf_role_parse(const char *s);

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
	/* supd (issue #15): where the running processes' pids are kept for
	 * a supd started after this one died.  NULL: the pidfile's path with
	 * .state for .pid (or added); "": none (statefile=NONE) */
	char *statefile;
	/* svc-kinds: env_file=, as conf_kinds.env_files (already in env) */
	char **env_files;
	size_t nenv_files;
	/* supd: cgroups=auto|off (doc/cgroups.md) */
	enum conf_cgroups cgroups;
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
	/* the processes' settings, each once (cb_settings_intern): every
	 * process's s points into it */
	struct conf_settings **settings;
	size_t nsettings;
	struct conf_group *groups; /* sorted by name */
	size_t ngroups;
	size_t *group_procs; /* every group's procs, one slice each */
	struct strpool strs; /* the processes' and groups' names and files */
	char **files;	     /* every file read, main first */
	size_t nfiles;
	/* scale (#18): what the model was read from, for a reread that finds
	 * nothing changed (conf_inputs_same): a hash of the main file's path,
	 * format and bytes, the overrides, the environment, the host name and
	 * the working directory.  Not known (false) when the load read other
	 * files too ([include], env_file=) or was given its text. */
	uint64_t inputs;
	bool inputs_known;
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

/* Whether loading with o now would read what c was read from (c's inputs
 * known, and the main file's bytes and the rest the same): then the load
 * would give c again, and a reread can take c instead (10,000 programs:
 * update's reread after a reread costs one file read, not a parse). */
bool conf_inputs_same(const struct conf *c, const struct conf_load_opts *o);

enum conf_format conf_format_for_path(const char *path);

/* Same options, same values: the engine keeps such a process running across a
 * reload.  Compares everything but the process's position in the arrays. */
bool conf_process_equal(const struct conf_process *a, const struct conf_process *b);
/* cgroups: the same settings (NULL is none).  conf_process_equal leaves
 * them out: a reload applies them to the running process (proc.h). */
bool conf_cgroup_equal(const struct conf_cgroup *a, const struct conf_cgroup *b);

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

/* depends_on: "started", "running"... */
const char *conf_dep_cond_name(enum conf_dep_cond c);
/* kind=oneshot: its successful exit is its completion, never restarted. */
bool conf_is_oneshot(const struct conf_process *p);

const char *conf_loglevel_name(int level); /* "INFO" ... */

#endif
