/* conf_prog: [program:x], [eventlistener:x], [fcgi-program:x] expanded into
 * processes (numprocs), and the groups they form ([group:x] or one group per
 * program). */
#include "config.h"

#include "conf_int.h"
#include "conf_value.h"
#include "cron.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <regex.h>
#include <sys/socket.h>

/* ---------------------------------------------------------------- programs */

enum {
	P_COMMAND,
	P_PROCESS_NAME,
	P_NUMPROCS,
	P_NUMPROCS_START,
	P_PRIORITY,
	P_AUTOSTART,
	P_STARTSECS,
	P_STARTRETRIES,
	P_AUTORESTART,
	P_EXITCODES,
	P_STOPSIGNAL,
	P_STOPWAITSECS,
	P_STOPASGROUP,
	P_KILLASGROUP,
	P_USER,
	P_REDIRECT_STDERR,
	P_STDOUT_LOGFILE,
	P_STDOUT_LOGFILE_MAXBYTES,
	P_STDOUT_LOGFILE_BACKUPS,
	P_STDOUT_CAPTURE_MAXBYTES,
	P_STDOUT_EVENTS_ENABLED,
	P_STDOUT_SYSLOG,
	P_STDOUT_LOGFILE_TIMESTAMPS,
	P_STDERR_LOGFILE,
	P_STDERR_LOGFILE_MAXBYTES,
	P_STDERR_LOGFILE_BACKUPS,
	P_STDERR_CAPTURE_MAXBYTES,
	P_STDERR_EVENTS_ENABLED,
	P_STDERR_SYSLOG,
	P_STDERR_LOGFILE_TIMESTAMPS,
	P_ENVIRONMENT,
	P_DIRECTORY,
	P_UMASK,
	P_SERVERURL,
	P_FORWARD_OUTPUT,
	P_TAIL_BUFFER,
	P_SHUTDOWN_ON,
	/* [eventlistener:x] */
	P_EVENTS,
	P_BUFFER_SIZE,
	P_RESULT_HANDLER,
	/* [fcgi-program:x] */
	P_SOCKET,
	P_SOCKET_BACKLOG,
	P_SOCKET_OWNER,
	P_SOCKET_MODE,
	/* supd: limits that need no cgroup (issue #15, conf_limits.c) */
	P_RLIMIT_AS,
	P_RLIMIT_CORE,
	P_RLIMIT_CPU,
	P_RLIMIT_DATA,
	P_RLIMIT_FSIZE,
	P_RLIMIT_MEMLOCK,
	P_RLIMIT_MSGQUEUE,
	P_RLIMIT_NICE,
	P_RLIMIT_NOFILE,
	P_RLIMIT_NPROC,
	P_RLIMIT_RTPRIO,
	P_RLIMIT_RTTIME,
	P_RLIMIT_SIGPENDING,
	P_RLIMIT_STACK,
	P_NICE,
	P_OOM_SCORE_ADJ,
	P_CPU_AFFINITY,
	/* svc-kinds (issue #14) */
	P_ENV_FILE,
	P_BACKOFF,
	P_BACKOFF_MAX,
	P_BACKOFF_RESET,
	P_FATAL_RETRY_AFTER,
	P_SCHEDULE,
	P_PIDFILE,
	/* svc-deps (doc/dependencies.md) */
	P_DEPENDS_ON,
	P_KIND,
	/* cgroups (doc/cgroups.md) */
	P_KILL_MODE,
	P_MEMORY_MAX,
	P_MEMORY_HIGH,
	P_MEMORY_SWAP_MAX,
	P_CPU_MAX,
	P_CPU_WEIGHT,
	P_PIDS_MAX,
	P_IO_WEIGHT,
	/* readiness and health checks (doc/readiness.md) */
	P_READY_CHECK,
	P_READY_INTERVAL,
	P_READY_PROBE_TIMEOUT,
	P_READY_TIMEOUT,
	P_HEALTH_CHECK,
	P_HEALTH_INTERVAL,
	P_HEALTH_TIMEOUT,
	P_HEALTH_RETRIES,
	P_HEALTH_ACTION,
	P_WATCHDOG_SEC,
	P_N
};

static const char *const prog_opts[P_N] = {
    "command",
    "process_name",
    "numprocs",
    "numprocs_start",
    "priority",
    "autostart",
    "startsecs",
    "startretries",
    "autorestart",
    "exitcodes",
    "stopsignal",
    "stopwaitsecs",
    "stopasgroup",
    "killasgroup",
    "user",
    "redirect_stderr",
    "stdout_logfile",
    "stdout_logfile_maxbytes",
    "stdout_logfile_backups",
    "stdout_capture_maxbytes",
    "stdout_events_enabled",
    "stdout_syslog",
    "stdout_logfile_timestamps",
    "stderr_logfile",
    "stderr_logfile_maxbytes",
    "stderr_logfile_backups",
    "stderr_capture_maxbytes",
    "stderr_events_enabled",
    "stderr_syslog",
    "stderr_logfile_timestamps",
    "environment",
    "directory",
    "umask",
    "serverurl",
    "forward_output",
    "tail_buffer",
    "shutdown_on",
    "events",
    "buffer_size",
    "result_handler",
    "socket",
    "socket_backlog",
    "socket_owner",
    "socket_mode",
    "rlimit_as",
    "rlimit_core",
    "rlimit_cpu",
    "rlimit_data",
    "rlimit_fsize",
    "rlimit_memlock",
    "rlimit_msgqueue",
    "rlimit_nice",
    "rlimit_nofile",
    "rlimit_nproc",
    "rlimit_rtprio",
    "rlimit_rttime",
    "rlimit_sigpending",
    "rlimit_stack",
    "nice",
    "oom_score_adj",
    "cpu_affinity",
    "env_file",
    "backoff",
    "backoff_max",
    "backoff_reset",
    "fatal_retry_after",
    "schedule",
    "pidfile",
    "depends_on",
    "kind",
    "kill_mode",
    "memory_max",
    "memory_high",
    "memory_swap_max",
    "cpu_max",
    "cpu_weight",
    "pids_max",
    "io_weight",
    "ready_check",
    "ready_interval",
    "ready_probe_timeout",
    "ready_timeout",
    "health_check",
    "health_interval",
    "health_timeout",
    "health_retries",
    "health_action",
    "watchdog_sec",
};

/* A [program:x], [eventlistener:x] or [fcgi-program:x] section. */
struct prog {
	const struct raw_section *sec;
	enum conf_kind kind;
	char *name;
	int ngroups; /* [group:x] sections naming it */
	bool bad;    /* its own errors were reported */
	/* each option's pair: 1 + its index in sec->kv, 0 when not given.
	 * Indices, not pointers: one prog a section, 10,000 sections, and
	 * the array is zeroed (7.4 MB of pointers was a tenth of a reload) */
	uint16_t vi[P_N];
};

/* Option o's pair in pg's section, NULL when not given. */
static const struct raw_kv *pv(const struct prog *pg, size_t o)
{
	return pg->vi[o] ? &pg->sec->kv[pg->vi[o] - 1] : NULL;
}

/* The pairs of every option, by option: once per program, for the
 * typing of each of its processes. */
static void prog_pairs(const struct prog *pg, const struct raw_kv *v[P_N])
{
	for (size_t o = 0; o < P_N; o++)
		v[o] = pv(pg, o);
}

static void stream_defaults(struct conf_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = CONF_LOG_AUTO;
	s->maxbytes = DEFAULT_LOG_MAXBYTES;
	s->backups = 10;
}

static void stream_logfile(struct opt *o, struct conf_stream *s, char **path, bool *syslog_set)
{
	enum cv_logfile k;
	char *p = NULL;
	if (cv_logfile(o->v, o->x->home, &k, &p) < 0) {
		if (p)
			free(p);
		cb_bad_value(o, "AUTO, NONE, journal or a path");
		return;
	}
	if (k == CV_LOG_JOURNAL && cv_journal_missing()) {
		diag_error(o->x->d, o->kv->file, o->kv->line, 0, "%s=journal: %s", o->kv->key,
			   cv_journal_missing());
		o->bad = true;
		return;
	}
	free(*path);
	*path = NULL;
	s->journal = false;
	switch (k) {
	case CV_LOG_AUTO:
		s->kind = CONF_LOG_AUTO;
		break;
	case CV_LOG_JOURNAL:
		s->kind = CONF_LOG_NONE;
		s->journal = true;
		break;
	case CV_LOG_NONE:
		s->kind = CONF_LOG_NONE;
		break;
	case CV_LOG_SYSLOG:
		s->kind = CONF_LOG_NONE;
		s->syslog = true;
		*syslog_set = true;
		diag_warn(o->x->d, o->kv->file, o->kv->line, 0,
			  "%s=syslog is deprecated: read as %.6s_syslog=true and %s=NONE",
			  o->kv->key, o->kv->key, o->kv->key);
		break;
	case CV_LOG_PATH:
		s->kind = CONF_LOG_FILE;
		*path = p;
		cb_check_dir_of(o->x, o->kv, p);
		break;
	}
}

static void type_events(struct ctx *x, struct opt *o, struct conf_process *p)
{
	char *copy = cb_xstrdup(x, o->v);
	if (!copy)
		return;
	char *save = NULL;
	for (char *t = strtok_r(copy, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save)) {
		/* supervisord upper-cases the names and keeps each once */
		for (char *c = t; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		bool dup = false;
		for (size_t i = 0; i < p->s->nevents; i++)
			dup |= !strcmp(p->s->events[i], t);
		if (dup)
			continue;
		if (!cv_event_known(t)) {
			diag_error(x->d, o->kv->file, o->kv->line, 0,
				   "unknown event type '%s' in events (PROCESS_STATE, "
				   "PROCESS_STATE_RUNNING, TICK_5, ... see supd.conf(5))",
				   t);
			o->bad = true;
			continue;
		}
		char **ev = realloc(p->s->events, (p->s->nevents + 1) * sizeof(*ev));
		if (!ev) {
			x->oom = true;
			break;
		}
		p->s->events = ev;
		p->s->events[p->s->nevents] = cb_xstrdup(x, t);
		if (p->s->events[p->s->nevents])
			p->s->nevents++;
	}
	free(copy);
	if (!p->s->nevents && !o->bad) {
		diag_error(x->d, o->kv->file, o->kv->line, 0,
			   "events is empty: name at least one "
			   "event type");
	}
}

static void type_socket(struct ctx *x, struct opt *o, struct conf_process *p)
{
	const char *s = o->v;
	if (!strncmp(s, "unix://", 7)) {
		if (s[7] != '/') {
			cb_bad_value(o, "unix:///absolute/path or tcp://host:port");
			return;
		}
	} else if (!strncmp(s, "tcp://", 6)) {
		char *h = NULL;
		int port;
		const char *hp = s + 6;
		if (!strchr(hp, ':') || cv_inet_port(hp, &h, &port) < 0 || !*h) {
			free(h);
			cb_bad_value(o, "unix:///absolute/path or tcp://host:port");
			return;
		}
		free(h);
	} else {
		cb_bad_value(o, "unix:///absolute/path or tcp://host:port");
		return;
	}
	cb_t_str(o, &p->s->socket);
}

/* Types one process of a program section; process_num is num. */
/* ---------------------------------------------------------------- the option table */

/* One process being typed, for the options whose handler needs more than
 * their own field. */
struct pbuild {
	struct ctx *x;
	struct conf_process *p;
	bool out_syslog, err_syslog; /* *_logfile=syslog said it already */
	bool have_kill;		     /* killasgroup given: not stopasgroup's */
};

enum popt_type {
	T_ELSEWHERE, /* numprocs, numprocs_start, environment: typed before */
	T_STR,
	T_BOOL,
	T_INT,
	T_BYTES,
	T_OCTAL,
	T_FN,
};

#define KIND(k)	  (1u << (k))
#define FIELD(f)  offsetof(struct conf_settings, f)
#define PFIELD(f) offsetof(struct conf_process, f)

/* How each option of prog_opts is typed: into which field, within which
 * bounds, for which section kinds (0: every kind).  A new option is a row
 * here and a name in prog_opts. */
struct popt {
	enum popt_type type;
	unsigned kinds;
	size_t off;
	int min, max;
	bool nonempty; /* an empty value keeps the default */
	bool whole;    /* the value is not a list: no separator */
	bool shared;   /* the section's, not a process's: no process names */
	bool in_proc;  /* off is in conf_process, not in its settings */
	void (*fn)(struct pbuild *b, struct opt *o);
};

static void popt_autorestart(struct pbuild *b, struct opt *o)
{
	if (cv_autorestart(o->v, &b->p->s->autorestart) < 0)
		cb_bad_value(o, "true, false or unexpected");
}

static void popt_exitcodes(struct pbuild *b, struct opt *o)
{
	if (cv_exitcodes(o->v, b->p->s->exitcodes) < 0)
		cb_bad_value(o, "a comma list of exit codes from 0 to 255");
}

static void popt_stopsignal(struct pbuild *b, struct opt *o)
{
	if (cv_signal(o->v, &b->p->s->stopsignal) < 0)
		cb_bad_value(o, "a signal name like TERM, SIGINT or a number");
}

static void popt_killasgroup(struct pbuild *b, struct opt *o)
{
	cb_t_bool(o, &b->p->s->killasgroup);
	b->have_kill = !o->bad;
}

static void popt_user(struct pbuild *b, struct opt *o)
{
	if (*o->v) {
		cb_t_str(o, &b->p->s->user);
		cb_check_user(o);
	}
}

static void popt_stdout_logfile(struct pbuild *b, struct opt *o)
{
	stream_logfile(o, &b->p->s->out, &b->p->out_path, &b->out_syslog);
}

static void popt_stderr_logfile(struct pbuild *b, struct opt *o)
{
	stream_logfile(o, &b->p->s->err, &b->p->err_path, &b->err_syslog);
}

static void popt_stdout_syslog(struct pbuild *b, struct opt *o)
{
	if (!b->out_syslog)
		cb_t_bool(o, &b->p->s->out.syslog);
}

static void popt_stderr_syslog(struct pbuild *b, struct opt *o)
{
	if (!b->err_syslog)
		cb_t_bool(o, &b->p->s->err.syslog);
}

/* AUTO (supervisord's default) leaves it unset: the process is given
 * supd's own URL. */
static void popt_serverurl(struct pbuild *b, struct opt *o)
{
	const char *s = o->v + strspn(o->v, " \t");
	size_t wl = strcspn(s, " \t");
	if (*s && !(wl == 4 && !strncasecmp(s, "AUTO", 4) && !s[wl + strspn(s + wl, " \t")]))
		cb_t_str(o, &b->p->s->serverurl);
}

static void popt_shutdown_on(struct pbuild *b, struct opt *o)
{
	if (cv_shutdown_on(o->v, &b->p->s->shutdown_on) < 0)
		cb_bad_value(o, "never, fatal, unexpected or exit");
}

static void popt_events(struct pbuild *b, struct opt *o)
{
	type_events(b->x, o, b->p);
}

static void popt_result_handler(struct pbuild *b, struct opt *o)
{
	cb_t_str(o, &b->p->s->result_handler);
	/* supervisor_stdout's handler is built in (events.c). */
	if (strcmp(o->v, DEFAULT_RESULT_HANDLER) != 0 &&
	    strcmp(o->v, "supervisor_stdout:event_handler") != 0)
		diag_warn(b->x->d, o->kv->file, o->kv->line, 0,
			  "supd cannot load Python plugin '%s' (result_handler): "
			  "ignored, supd's handler accepts 'OK' like supervisord's "
			  "default",
			  o->v);
}

static void popt_socket(struct pbuild *b, struct opt *o)
{
	type_socket(b->x, o, b->p);
}

static void popt_socket_owner(struct pbuild *b, struct opt *o)
{
	if (cv_owner(o->v) < 0)
		cb_bad_value(o, "user or user:group");
	else
		cb_t_str(o, &b->p->s->socket_owner);
}

/* The process's conf_limits, made on first use. */
static struct conf_limits *limits_of(struct pbuild *b)
{
	if (!b->p->s->limits) {
		b->p->s->limits = calloc(1, sizeof(*b->p->s->limits));
		if (!b->p->s->limits)
			b->x->oom = true;
	}
	return b->p->s->limits;
}

static void popt_rlimit(struct pbuild *b, struct opt *o)
{
	int r = conf_rl_by_key(o->kv->key);
	uint64_t cur, max;
	const char *why = "";
	if (r < 0)
		return;
	if (conf_rl_parse((enum conf_rl)r, o->v, &cur, &max, &why) < 0) {
		cb_bad_value(o, why);
		return;
	}
	struct conf_limits *l = limits_of(b);
	if (!l)
		return;
	l->cur[r] = cur;
	l->max[r] = max;
	l->rl_set |= 1u << r;
}

/* An integer within [min, max] in *v; the limits to keep it in, or NULL
 * (a bad value, said). */
static struct conf_limits *limit_int(struct pbuild *b, struct opt *o, int min, int max, int *v)
{
	*v = 0;
	cb_t_int(o, min, max, v);
	return o->bad ? NULL : limits_of(b);
}

static void popt_nice(struct pbuild *b, struct opt *o)
{
	int v;
	struct conf_limits *l = limit_int(b, o, -20, 19, &v);
	if (l)
		l->nice = v, l->has_nice = true;
}

static void popt_oom_score_adj(struct pbuild *b, struct opt *o)
{
	int v;
	struct conf_limits *l = limit_int(b, o, -1000, 1000, &v);
	if (l)
		l->oom_score_adj = v, l->has_oom_score_adj = true;
}

static void popt_cpu_affinity(struct pbuild *b, struct opt *o)
{
	uint64_t cpus[CONF_CPUS_MAX / 64];
	if (conf_cpus_parse(o->v, cpus) < 0) {
		cb_bad_value(o, "a list of CPU numbers and ranges below 1024, like 0,2-3");
		return;
	}
	struct conf_limits *l = limits_of(b);
	if (l) {
		memcpy(l->cpus, cpus, sizeof(cpus));
		l->has_cpus = true;
	}
}

/* svc-kinds: the options that live in p->kinds, made on first use. */
static struct conf_kinds *kinds_of(struct pbuild *b)
{
	if (!b->p->s->kinds) {
		b->p->s->kinds = calloc(1, sizeof(*b->p->s->kinds));
		if (!b->p->s->kinds) {
			b->x->oom = true;
			return NULL;
		}
		b->p->s->kinds->backoff_max_ms = CONF_BACKOFF_MAX_MS;
	}
	return b->p->s->kinds;
}

static void t_duration(struct opt *o, int64_t min_ms, int64_t *out)
{
	int64_t v;
	if (cv_duration(o->v, &v) < 0 || v < min_ms)
		cb_bad_value(o, min_ms ? "a duration of at least 1s, like 30s, 5m or 1h30m"
				       : "a duration like 30s, 5m, 1h30m or 500ms; 0: never");
	else
		*out = v;
}

static void popt_backoff(struct pbuild *b, struct opt *o)
{
	const char *v = o->v + strspn(o->v, " \t");
	size_t l = strcspn(v, " \t");
	bool lin = l == 6 && !strncasecmp(v, "linear", 6);
	bool exp = l == 11 && !strncasecmp(v, "exponential", 11);
	if (v[l + strspn(v + l, " \t")] || (!lin && !exp)) {
		cb_bad_value(o, "linear or exponential");
		return;
	}
	struct conf_kinds *k = kinds_of(b);
	if (k)
		k->backoff = exp ? CONF_BACKOFF_EXPONENTIAL : CONF_BACKOFF_LINEAR;
}

static void popt_backoff_max(struct pbuild *b, struct opt *o)
{
	struct conf_kinds *k = kinds_of(b);
	if (k)
		t_duration(o, 1000, &k->backoff_max_ms);
}

static void popt_backoff_reset(struct pbuild *b, struct opt *o)
{
	struct conf_kinds *k = kinds_of(b);
	if (k)
		t_duration(o, 0, &k->backoff_reset_ms);
}

static void popt_fatal_retry_after(struct pbuild *b, struct opt *o)
{
	struct conf_kinds *k = kinds_of(b);
	if (k)
		t_duration(o, 0, &k->fatal_retry_after_ms);
}

static void popt_schedule(struct pbuild *b, struct opt *o)
{
	struct cron c;
	const char *why = NULL;
	if (cron_parse(o->v, &c, &why) < 0) {
		diag_error(b->x->d, o->kv->file, o->kv->line, 0,
			   "schedule: %s in '%s' (write 'MINUTE HOUR DAY MONTH WEEKDAY' as "
			   "crontab does, or an @name)",
			   why, o->v);
		o->bad = true;
		return;
	}
	struct conf_kinds *k = kinds_of(b);
	if (!k)
		return;
	size_t lead = strspn(o->v, " \t"), n = strlen(o->v + lead);
	while (n && strchr(" \t", o->v[lead + n - 1]))
		n--;
	free(k->schedule);
	k->schedule = strndup(o->v + lead, n);
	if (!k->schedule)
		b->x->oom = true;
}

static void popt_pidfile(struct pbuild *b, struct opt *o)
{
	if (o->v[0] != '/') {
		cb_bad_value(o, "an absolute path, like %(here)s/app.pid");
		return;
	}
	struct conf_kinds *k = kinds_of(b);
	if (k)
		cb_t_str(o, &k->pidfile);
	cb_check_dir_of(b->x, o->kv, o->v);
}

static void popt_depends_on(struct pbuild *b, struct opt *o)
{
	cb_t_depends_on(o, b->p);
}

static void popt_kind(struct pbuild *b, struct opt *o)
{
	cb_t_kind(o, b->p);
}

/* cgroups: the settings struct, made on the first such option. */
static struct conf_cgroup *cgroup_of(struct pbuild *b)
{
	if (!b->p->s->cgroup) {
		b->p->s->cgroup = calloc(1, sizeof(*b->p->s->cgroup));
		if (!b->p->s->cgroup)
			b->x->oom = true;
	}
	return b->p->s->cgroup;
}

static void popt_kill_mode(struct pbuild *b, struct opt *o)
{
	enum conf_kill_mode m;
	struct conf_cgroup *g;
	if (cv_kill_mode(o->v, &m) < 0)
		cb_bad_value(o, "cgroup, group or process");
	else if ((g = cgroup_of(b))) {
		g->kill_mode = m;
		g->set |= CONF_CG_KILL_MODE;
	}
}

static void cg_limit(struct pbuild *b, struct opt *o, unsigned bit,
		     uint64_t *(*field)(struct conf_cgroup *))
{
	uint64_t v;
	struct conf_cgroup *g;
	if (cv_limit(o->v, &v) < 0)
		cb_bad_value(o, "a size (256M, 1GB, bytes) or max");
	else if ((g = cgroup_of(b))) {
		*field(g) = v;
		g->set |= bit;
	}
}

static uint64_t *f_memory_max(struct conf_cgroup *g)
{
	return &g->memory_max;
}

static uint64_t *f_memory_high(struct conf_cgroup *g)
{
	return &g->memory_high;
}

static uint64_t *f_memory_swap_max(struct conf_cgroup *g)
{
	return &g->memory_swap_max;
}

static void popt_memory_max(struct pbuild *b, struct opt *o)
{
	cg_limit(b, o, CONF_CG_MEMORY_MAX, f_memory_max);
}

static void popt_memory_high(struct pbuild *b, struct opt *o)
{
	cg_limit(b, o, CONF_CG_MEMORY_HIGH, f_memory_high);
}

static void popt_memory_swap_max(struct pbuild *b, struct opt *o)
{
	cg_limit(b, o, CONF_CG_MEMORY_SWAP_MAX, f_memory_swap_max);
}

static void popt_pids_max(struct pbuild *b, struct opt *o)
{
	long v;
	struct conf_cgroup *g;
	const char *s = o->v + strspn(o->v, " \t");
	bool max = !strncmp(s, "max", 3) && !s[3 + strspn(s + 3, " \t")];
	if (!max && cv_int(o->v, 1, INT_MAX, &v) < 0)
		cb_bad_value(o, "a number of processes (1 or more) or max");
	else if ((g = cgroup_of(b))) {
		g->pids_max = max ? UINT64_MAX : (uint64_t)v;
		g->set |= CONF_CG_PIDS_MAX;
	}
}

static void popt_cpu_max(struct pbuild *b, struct opt *o)
{
	int64_t q, per;
	struct conf_cgroup *g;
	if (cv_cpu_max(o->v, &q, &per) < 0)
		cb_bad_value(o, "max, a percentage of one CPU (50%, 200%) or 'QUOTA PERIOD' in "
				"microseconds");
	else if ((g = cgroup_of(b))) {
		g->cpu_quota_us = q;
		g->cpu_period_us = per;
		g->set |= CONF_CG_CPU_MAX;
	}
}

static void cg_weight(struct pbuild *b, struct opt *o, unsigned bit, bool io)
{
	long v;
	struct conf_cgroup *g;
	if (cv_int(o->v, 1, 10000, &v) < 0)
		cb_bad_value(o, "a weight from 1 to 10000");
	else if ((g = cgroup_of(b))) {
		*(io ? &g->io_weight : &g->cpu_weight) = (int)v;
		g->set |= bit;
	}
}

static void popt_cpu_weight(struct pbuild *b, struct opt *o)
{
	cg_weight(b, o, CONF_CG_CPU_WEIGHT, false);
}

static void popt_io_weight(struct pbuild *b, struct opt *o)
{
	cg_weight(b, o, CONF_CG_IO_WEIGHT, true);
}

/* ---------------------------------------------------------------- checks */

/* The checks' defaults (doc/readiness.md), set when the first of their
 * options is read. */
static struct conf_checks *checks_of(struct pbuild *b)
{
	struct conf_process *p = b->p;
	if (p->s->checks)
		return p->s->checks;
	p->s->checks = calloc(1, sizeof(*p->s->checks));
	if (!p->s->checks) {
		b->x->oom = true;
		return NULL;
	}
	p->s->checks->ready.interval_ms = 1000;
	p->s->checks->ready.timeout_ms = 5000;
	p->s->checks->ready_timeout_ms = 60000;
	p->s->checks->health.interval_ms = 10000;
	p->s->checks->health.timeout_ms = 5000;
	p->s->checks->health_retries = 3;
	p->s->checks->health_action = CONF_HA_RESTART;
	return p->s->checks;
}

/* http://host[:port]/path or http://unix:/path/to.sock:/path (the form
 * curl users know from --unix-socket, written into the URL). */
static int check_http_url(const char *u, struct conf_check *k)
{
	if (strncasecmp(u, "http://", 7))
		return -EINVAL;
	u += 7;
	if (!strncmp(u, "unix:", 5)) {
		const char *sock = u + 5, *colon = strchr(sock, ':');
		if (*sock != '/' || !colon || colon[1] != '/')
			return -EINVAL;
		k->host = strndup(sock, (size_t)(colon - sock));
		k->path = strdup(colon + 1);
		k->port = 0;
	} else {
		size_t hl = strcspn(u, "/");
		char *hp = strndup(u, hl);
		if (!hp)
			return -ENOMEM;
		int r = 0;
		if (!hl) {
			r = -EINVAL;
		} else if (!strchr(hp, ':') || (hp[0] == '[' && hp[hl - 1] == ']')) {
			const char *h = hp;
			size_t n = hl;
			if (h[0] == '[') {
				h++;
				n -= 2;
			}
			k->host = strndup(h, n);
			k->port = 80;
		} else {
			r = cv_inet_port(hp, &k->host, &k->port);
			if (r == 0 && !*k->host)
				r = -EINVAL;
		}
		free(hp);
		if (r < 0)
			return r;
		k->path = strdup(u[hl] ? u + hl : "/");
	}
	return k->host && k->path ? 0 : -ENOMEM;
}

/* Back to no check, keeping the timings. */
static void check_clear(struct conf_check *k)
{
	int64_t iv = k->interval_ms, to = k->timeout_ms;
	cb_check_free(k);
	memset(k, 0, sizeof(*k));
	k->interval_ms = iv;
	k->timeout_ms = to;
}

/* ready_check= / health_check=: KIND:ARG, the kind named in errors. */
static void type_check(struct pbuild *b, struct opt *o, struct conf_check *k, bool health)
{
	static const char what[] = "exec:COMMAND, tcp:HOST:PORT, http:URL, log:REGEX, notify or "
				   "fd:N";
	const char *v = o->v + strspn(o->v, " \t");
	const char *arg = strchr(v, ':');
	size_t kl = arg ? (size_t)(arg - v) : strlen(v);
	arg = arg ? arg + 1 : "";
	check_clear(k);
	int r = 0;
	char why[256] = "";
	if (kl == 4 && !strncasecmp(v, "exec", 4)) {
		const char *shl = NULL;
		int argc = 0;
		k->kind = CONF_CHECK_EXEC;
		r = cv_shlex(arg, &k->argv, &argc, &shl);
		if (r == -ENOMEM) {
			b->x->oom = true;
			return;
		}
		if (r < 0 || argc == 0) {
			snprintf(why, sizeof(why), "exec: %s",
				 r < 0 ? shl : "the command is empty");
			r = -EINVAL;
		}
	} else if (kl == 3 && !strncasecmp(v, "tcp", 3)) {
		k->kind = CONF_CHECK_TCP;
		r = strchr(arg, ':') ? cv_inet_port(arg, &k->host, &k->port) : -EINVAL;
		if (r == 0 && !*k->host)
			r = -EINVAL;
		if (r < 0)
			snprintf(why, sizeof(why), "tcp: HOST:PORT with a port from 1 to 65535");
	} else if (kl == 4 && !strncasecmp(v, "http", 4)) {
		k->kind = CONF_CHECK_HTTP;
		/* http://... alone is taken as http:http://... */
		r = check_http_url(!strncmp(arg, "//", 2) ? v : arg, k);
		if (r < 0)
			snprintf(why, sizeof(why),
				 "http: http://HOST[:PORT]/PATH or http://unix:/SOCKET:/PATH");
	} else if (kl == 3 && !strncasecmp(v, "log", 3) && !health) {
		k->kind = CONF_CHECK_LOG;
		k->regex = malloc(sizeof(regex_t));
		if (!k->regex) {
			b->x->oom = true;
			return;
		}
		int rc = regcomp(k->regex, arg, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[160];
			regerror(rc, k->regex, msg, sizeof(msg));
			free(k->regex);
			k->regex = NULL;
			snprintf(why, sizeof(why), "log: bad regular expression: %s", msg);
			r = -EINVAL;
		} else if (!*arg) {
			snprintf(why, sizeof(why), "log: the regular expression is empty");
			r = -EINVAL;
		}
	} else if (kl == 6 && !strncasecmp(v, "notify", 6) && !arg[0]) {
		k->kind = CONF_CHECK_NOTIFY;
	} else if (kl == 2 && !strncasecmp(v, "fd", 2) && !health) {
		char *end;
		long n = strtol(arg, &end, 10);
		k->kind = CONF_CHECK_FD;
		k->fd = (int)n;
		if (!*arg || *end || n < 3 || n > 1023) {
			snprintf(why, sizeof(why), "fd: a descriptor number from 3 to 1023");
			r = -EINVAL;
		}
	} else {
		diag_error(b->x->d, o->kv->file, o->kv->line, 0, "unknown value '%s' for %s (%s%s)",
			   o->v, o->kv->key,
			   health ? "exec:COMMAND, tcp:HOST:PORT, http:URL or notify" : what,
			   health ? "; log: and fd: are for ready_check" : "");
		o->bad = true;
		check_clear(k);
		return;
	}
	if (r == -ENOMEM) {
		b->x->oom = true;
		return;
	}
	if (r < 0) {
		diag_error(b->x->d, o->kv->file, o->kv->line, 0, "bad value '%s' for %s (%s)", o->v,
			   o->kv->key, why);
		o->bad = true;
		check_clear(k);
		return;
	}
	k->spec = cb_xstrdup(b->x, v);
}

static void type_duration(struct opt *o, int64_t min_ms, int64_t *out)
{
	int64_t v;
	if (cv_duration(o->v, &v) < 0 || v < min_ms)
		cb_bad_value(o, min_ms ? "a duration above 0 like 500ms, 30s, 5m, 1h30m; a plain "
					 "number is seconds"
				       : "a duration like 500ms, 30s, 5m, 1h30m; a plain number "
					 "is seconds");
	else
		*out = v;
}

static void popt_ready_check(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_check(b, o, &b->p->s->checks->ready, false);
}

static void popt_ready_interval(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->ready.interval_ms);
}

static void popt_ready_probe_timeout(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->ready.timeout_ms);
}

static void popt_ready_timeout(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->ready_timeout_ms);
}

static void popt_health_check(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_check(b, o, &b->p->s->checks->health, true);
}

static void popt_health_interval(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->health.interval_ms);
}

static void popt_health_timeout(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->health.timeout_ms);
}

static void popt_health_retries(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		cb_t_int(o, 1, INT_MAX, &b->p->s->checks->health_retries);
}

static void popt_health_action(struct pbuild *b, struct opt *o)
{
	if (!checks_of(b))
		return;
	if (cv_health_action(o->v, &b->p->s->checks->health_action) < 0)
		cb_bad_value(o, "restart, stop or none");
}

static void popt_watchdog_sec(struct pbuild *b, struct opt *o)
{
	if (checks_of(b))
		type_duration(o, 1, &b->p->s->checks->watchdog_ms);
}

/* The checks' options that need one another. */
static void check_checks(struct ctx *x, struct prog *pg, const struct raw_kv *const *v,
			 struct conf_process *p)
{
	const struct conf_checks *k = p->s->checks;
	if (!k)
		return;
	static const int ready_opts[] = {P_READY_INTERVAL, P_READY_PROBE_TIMEOUT, P_READY_TIMEOUT};
	static const int health_opts[] = {P_HEALTH_INTERVAL, P_HEALTH_TIMEOUT, P_HEALTH_RETRIES,
					  P_HEALTH_ACTION};
	for (size_t i = 0; i < 3 && k->ready.kind == CONF_CHECK_NONE && !v[P_READY_CHECK]; i++)
		if (v[ready_opts[i]])
			diag_error(x->d, v[ready_opts[i]]->file, v[ready_opts[i]]->line, 0,
				   "%s needs a ready_check in [%s]", prog_opts[ready_opts[i]],
				   pg->sec->name);
	for (size_t i = 0; i < 4 && k->health.kind == CONF_CHECK_NONE && !v[P_HEALTH_CHECK]; i++)
		if (v[health_opts[i]])
			diag_error(x->d, v[health_opts[i]]->file, v[health_opts[i]]->line, 0,
				   "%s needs a health_check in [%s]", prog_opts[health_opts[i]],
				   pg->sec->name);
	if (k->health.kind == CONF_CHECK_NOTIFY && !k->watchdog_ms && v[P_HEALTH_CHECK])
		diag_error(x->d, v[P_HEALTH_CHECK]->file, v[P_HEALTH_CHECK]->line, 0,
			   "health_check=notify needs watchdog_sec (how often the program sends "
			   "WATCHDOG=1) in [%s]",
			   pg->sec->name);
	if (v[P_WATCHDOG_SEC] && k->health.kind != CONF_CHECK_NOTIFY)
		diag_error(x->d, v[P_WATCHDOG_SEC]->file, v[P_WATCHDOG_SEC]->line, 0,
			   "watchdog_sec needs health_check=notify in [%s]", pg->sec->name);
}

#define LISTENER KIND(CONF_EVENTLISTENER)
#define FCGI	 KIND(CONF_FCGI)

/* A row names only the fields its type uses; the rest are zero on purpose
 * (clang warns of every positional initializer that stops short). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct popt popts[P_N] = {
    [P_COMMAND] = {T_STR, 0, PFIELD(command), .whole = true, .in_proc = true},
    [P_PROCESS_NAME] = {T_STR, 0, PFIELD(name), .in_proc = true},
    [P_NUMPROCS] = {T_ELSEWHERE},
    [P_NUMPROCS_START] = {T_ELSEWHERE},
    [P_PRIORITY] = {T_INT, 0, FIELD(priority), INT_MIN, INT_MAX},
    [P_AUTOSTART] = {T_BOOL, 0, FIELD(autostart)},
    [P_STARTSECS] = {T_INT, 0, FIELD(startsecs), 0, INT_MAX},
    [P_STARTRETRIES] = {T_INT, 0, FIELD(startretries), 0, INT_MAX},
    [P_AUTORESTART] = {T_FN, .fn = popt_autorestart},
    [P_EXITCODES] = {T_FN, .fn = popt_exitcodes},
    [P_STOPSIGNAL] = {T_FN, .fn = popt_stopsignal},
    [P_STOPWAITSECS] = {T_INT, 0, FIELD(stopwaitsecs), 0, INT_MAX},
    [P_STOPASGROUP] = {T_BOOL, 0, FIELD(stopasgroup)},
    [P_KILLASGROUP] = {T_FN, .fn = popt_killasgroup},
    [P_USER] = {T_FN, .fn = popt_user},
    [P_REDIRECT_STDERR] = {T_BOOL, 0, FIELD(redirect_stderr)},
    [P_STDOUT_LOGFILE] = {T_FN, .fn = popt_stdout_logfile},
    [P_STDOUT_LOGFILE_MAXBYTES] = {T_BYTES, 0, FIELD(out.maxbytes)},
    [P_STDOUT_LOGFILE_BACKUPS] = {T_INT, 0, FIELD(out.backups), 0, INT_MAX},
    [P_STDOUT_CAPTURE_MAXBYTES] = {T_BYTES, 0, FIELD(out.capture_maxbytes)},
    [P_STDOUT_EVENTS_ENABLED] = {T_BOOL, 0, FIELD(out.events_enabled)},
    [P_STDOUT_SYSLOG] = {T_FN, .fn = popt_stdout_syslog},
    [P_STDOUT_LOGFILE_TIMESTAMPS] = {T_BOOL, 0, FIELD(out.timestamps)},
    [P_STDERR_LOGFILE] = {T_FN, .fn = popt_stderr_logfile},
    [P_STDERR_LOGFILE_MAXBYTES] = {T_BYTES, 0, FIELD(err.maxbytes)},
    [P_STDERR_LOGFILE_BACKUPS] = {T_INT, 0, FIELD(err.backups), 0, INT_MAX},
    [P_STDERR_CAPTURE_MAXBYTES] = {T_BYTES, 0, FIELD(err.capture_maxbytes)},
    [P_STDERR_EVENTS_ENABLED] = {T_BOOL, 0, FIELD(err.events_enabled)},
    [P_STDERR_SYSLOG] = {T_FN, .fn = popt_stderr_syslog},
    [P_STDERR_LOGFILE_TIMESTAMPS] = {T_BOOL, 0, FIELD(err.timestamps)},
    [P_ENVIRONMENT] = {T_ELSEWHERE},
    /* supervisord expands ~ in its own paths only */
    [P_DIRECTORY] = {T_STR, 0, FIELD(directory), .nonempty = true},
    [P_UMASK] = {T_OCTAL, 0, FIELD(umask), .nonempty = true},
    [P_SERVERURL] = {T_FN, .fn = popt_serverurl},
    [P_FORWARD_OUTPUT] = {T_BOOL, 0, FIELD(forward_output)},
    [P_TAIL_BUFFER] = {T_BYTES, 0, FIELD(tail_buffer)},
    [P_SHUTDOWN_ON] = {T_FN, .fn = popt_shutdown_on},
    [P_EVENTS] = {T_FN, LISTENER, .fn = popt_events},
    [P_BUFFER_SIZE] = {T_INT, LISTENER, FIELD(buffer_size), 1, INT_MAX},
    [P_RESULT_HANDLER] = {T_FN, LISTENER, .fn = popt_result_handler},
    [P_SOCKET] = {T_FN, FCGI, .shared = true, .fn = popt_socket},
    [P_SOCKET_BACKLOG] = {T_INT, FCGI, FIELD(socket_backlog), 1, 65535},
    [P_SOCKET_OWNER] = {T_FN, FCGI, .fn = popt_socket_owner},
    [P_SOCKET_MODE] = {T_OCTAL, FCGI, FIELD(socket_mode)},
    /* supd: limits that need no cgroup (issue #15) */
    [P_RLIMIT_AS] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_CORE] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_CPU] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_DATA] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_FSIZE] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_MEMLOCK] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_MSGQUEUE] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_NICE] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_NOFILE] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_NPROC] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_RTPRIO] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_RTTIME] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_SIGPENDING] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_RLIMIT_STACK] = {T_FN, .whole = true, .fn = popt_rlimit},
    [P_NICE] = {T_FN, .fn = popt_nice},
    [P_OOM_SCORE_ADJ] = {T_FN, .fn = popt_oom_score_adj},
    [P_CPU_AFFINITY] = {T_FN, .fn = popt_cpu_affinity},
    /* svc-kinds */
    [P_ENV_FILE] = {T_ELSEWHERE},
    [P_BACKOFF] = {T_FN, .fn = popt_backoff},
    [P_BACKOFF_MAX] = {T_FN, .fn = popt_backoff_max},
    [P_BACKOFF_RESET] = {T_FN, .fn = popt_backoff_reset},
    [P_FATAL_RETRY_AFTER] = {T_FN, .fn = popt_fatal_retry_after},
    [P_SCHEDULE] = {T_FN, KIND(CONF_PROGRAM), .whole = true, .fn = popt_schedule},
    [P_PIDFILE] = {T_FN, KIND(CONF_PROGRAM), .whole = true, .fn = popt_pidfile},
    /* svc-deps */
    [P_DEPENDS_ON] = {T_FN, .fn = popt_depends_on},
    [P_KIND] = {T_FN, .fn = popt_kind},
    /* cgroups */
    [P_KILL_MODE] = {T_FN, .fn = popt_kill_mode},
    [P_MEMORY_MAX] = {T_FN, .fn = popt_memory_max},
    [P_MEMORY_HIGH] = {T_FN, .fn = popt_memory_high},
    [P_MEMORY_SWAP_MAX] = {T_FN, .fn = popt_memory_swap_max},
    [P_CPU_MAX] = {T_FN, .fn = popt_cpu_max},
    [P_CPU_WEIGHT] = {T_FN, .fn = popt_cpu_weight},
    [P_PIDS_MAX] = {T_FN, .fn = popt_pids_max},
    [P_IO_WEIGHT] = {T_FN, .fn = popt_io_weight},
    /* readiness and health checks: into p->checks (doc/readiness.md) */
    [P_READY_CHECK] = {T_FN, .whole = true, .fn = popt_ready_check},
    [P_READY_INTERVAL] = {T_FN, .fn = popt_ready_interval},
    [P_READY_PROBE_TIMEOUT] = {T_FN, .fn = popt_ready_probe_timeout},
    [P_READY_TIMEOUT] = {T_FN, .fn = popt_ready_timeout},
    [P_HEALTH_CHECK] = {T_FN, .whole = true, .fn = popt_health_check},
    [P_HEALTH_INTERVAL] = {T_FN, .fn = popt_health_interval},
    [P_HEALTH_TIMEOUT] = {T_FN, .fn = popt_health_timeout},
    [P_HEALTH_RETRIES] = {T_FN, .fn = popt_health_retries},
    [P_HEALTH_ACTION] = {T_FN, .fn = popt_health_action},
    [P_WATCHDOG_SEC] = {T_FN, .fn = popt_watchdog_sec},
};
#pragma GCC diagnostic pop

static void popt_apply(struct pbuild *b, const struct popt *d, struct opt *o)
{
	void *f = (d->in_proc ? (char *)b->p : (char *)b->p->s) + d->off;
	if (d->nonempty && !*o->v)
		return;
	switch (d->type) {
	case T_ELSEWHERE:
		break;
	case T_STR:
		cb_t_str(o, f);
		break;
	case T_BOOL:
		cb_t_bool(o, f);
		break;
	case T_INT:
		cb_t_int(o, d->min, d->max, f);
		break;
	case T_BYTES:
		cb_t_bytes(o, f);
		break;
	case T_OCTAL:
		cb_t_octal(o, f);
		break;
	case T_FN:
		d->fn(b, o);
		break;
	}
}

/* supervisord's defaults, before any option is read. */
static void proc_defaults(struct ctx *x, struct prog *pg, const char *group, long num,
			  long numprocs, struct conf_process *p)
{
	struct conf_supd *sd = &x->c->supd;
	struct conf_settings *st = p->s; /* the caller's, zeroed */
	memset(p, 0, sizeof(*p));
	p->s = st;
	p->s->kind = pg->kind;
	p->program = cb_intern(x, pg->name);
	p->group = cb_intern(x, group);
	p->file = cb_intern(x, pg->sec->file);
	p->line = pg->sec->line;
	p->process_num = (int)num;
	p->s->numprocs = (int)numprocs;
	p->s->priority = pg->kind == CONF_EVENTLISTENER ? -1 : 999;
	p->s->autostart = true;
	p->s->startsecs = 1;
	p->s->startretries = 3;
	p->s->autorestart = CONF_AR_UNEXPECTED;
	p->s->exitcodes[0] = 1;
	p->s->stopsignal = SIGTERM;
	p->s->stopwaitsecs = 10;
	stream_defaults(&p->s->out);
	stream_defaults(&p->s->err);
	p->s->umask = -1;
	p->s->forward_output = sd->forward_output;
	p->s->tail_buffer = DEFAULT_TAIL_BUFFER;
	p->s->buffer_size = 10;
	if (pg->kind == CONF_EVENTLISTENER)
		p->s->result_handler = cb_xstrdup(x, DEFAULT_RESULT_HANDLER);
	p->s->socket_backlog = SOMAXCONN;
	p->s->socket_mode = 0700;
}

static void build_proc(struct ctx *x, struct prog *pg, const struct raw_kv *const *v,
		       const char *group, long num, long numprocs, struct conf_process *p)
{
	struct conf_supd *sd = &x->c->supd;
	struct names n = {
	    .x = x,
	    .host = true,
	    .program = pg->name,
	    .group = group,
	    .num = true,
	    .process_num = num,
	    .numprocs = numprocs,
	};
	struct opt o;

	proc_defaults(x, pg, group, num, numprocs, p);

	/* the program's environment line sees supd's environment and
	 * [supervisord]'s keys, not its own; those are ENV_ names for every
	 * other option */
	n.env1 = &sd->env;
	/* svc-kinds: [supervisord]'s environment, the program's env_file, its
	 * environment: the later wins (doc/supd.conf.5) */
	for (size_t i = 0; i < sd->env.n; i++)
		if (conf_env_set(&p->s->env, sd->env.keys[i], sd->env.vals[i]) < 0)
			x->oom = true;
	if (v[P_ENV_FILE]) {
		const char *here = cb_here(x, v[P_ENV_FILE]->file);
		n.here = here;
		char *t = NULL;
		struct pbuild b = {.x = x, .p = p};
		if (here && cb_opt_get(x, &n, v[P_ENV_FILE], &o, &t, ",") && kinds_of(&b)) {
			cb_t_env_files(x, &o, here, &p->s->kinds->env_files,
				       &p->s->kinds->nenv_files, &p->s->env);
			if (o.bad)
				pg->bad = true;
		}
		free(t);
	}
	if (v[P_ENVIRONMENT]) {
		n.here = cb_here(x, v[P_ENVIRONMENT]->file);
		struct conf_env own = {0};
		cb_t_env(x, &n, v[P_ENVIRONMENT], &own);
		for (size_t i = 0; i < own.n; i++)
			if (conf_env_set(&p->s->env, own.keys[i], own.vals[i]) < 0)
				x->oom = true;
		conf_env_free(&own);
	}
	n.env2 = &p->s->env;

	struct pbuild b = {.x = x, .p = p};
	for (int i = 0; i < P_N; i++) {
		const struct popt *d = &popts[i];
		if (!v[i] || d->type == T_ELSEWHERE || (d->kinds && !(d->kinds & KIND(pg->kind))))
			continue;
		const char *here = cb_here(x, v[i]->file);
		n.here = here;
		char *t = NULL;
		/* the socket is shared by the processes: no per-process names */
		struct names sock = {.x = x, .here = here, .program = pg->name, .env1 = &sd->env};
		/* depends_on's mapping form reads as its INI list */
		struct raw_kv flat;
		const struct raw_kv *kv = v[i];
		if (i == P_DEPENDS_ON && kv->kind == RAW_MAP) {
			flat = *kv;
			flat.kind = RAW_SCALAR;
			flat.value = cb_deps_map_text(x, kv);
			kv = flat.value ? &flat : NULL;
		}
		bool got =
		    kv && cb_opt_get(x, d->shared ? &sock : &n, kv, &o, &t, d->whole ? NULL : ",");
		if (got)
			popt_apply(&b, d, &o);
		if (kv == &flat)
			free(flat.value);
		free(t);
	}
	if (!b.have_kill)
		p->s->killasgroup = p->s->stopasgroup;
	/* (process_name= and command= gave strings of their own) */
	char *own = (char *)p->name;
	p->name = cb_intern(x, own ? own : pg->name);
	free(own);
	own = (char *)p->command;
	p->command = cb_intern(x, own);
	free(own);
}

/* p's command split into p->argv, in the pool: shared by every process
 * with the same command (numprocs=500 workers, or 10,000 programs running
 * one script, had 4 allocations each for it).  Returns cv_shlex's. */
static int split_command(struct ctx *x, struct conf_process *p, const char **why)
{
	size_t v;
	if (strmap_get(&x->argvs, p->command, &v)) {
		/* (a strmap's value is an index; here, a pointer) */
		p->argv = (char **)(uintptr_t)v;
		for (p->argc = 0; p->argv[p->argc]; p->argc++)
			;
		return 0;
	}
	char **argv = NULL;
	int argc = 0;
	int r = cv_shlex(p->command, &argv, &argc, why);
	if (r < 0)
		return r;
	char **pv = strpool_alloc(&x->c->strs, ((size_t)argc + 1) * sizeof(*pv));
	for (int i = 0; pv && i < argc; i++)
		if (!(pv[i] = (char *)strpool_intern(&x->c->strs, argv[i])))
			pv = NULL;
	cv_strv_free(argv);
	if (!pv || strmap_put(&x->argvs, p->command, (uintptr_t)pv) < 0)
		return -ENOMEM;
	pv[argc] = NULL;
	p->argv = pv;
	p->argc = argc;
	return 0;
}

/* The checks that need the whole process; reported once per program. */
static void check_proc(struct ctx *x, struct prog *pg, const struct raw_kv *const *v,
		       struct conf_process *p)
{
	const struct raw_section *s = pg->sec;
	int c;
	if (!v[P_COMMAND]) {
		diag_error(x->d, s->file, s->line, 0, "[%s] needs a 'command'", s->name);
	} else if (p->command) {
		const char *why = NULL;
		int r = split_command(x, p, &why);
		if (r == -ENOMEM)
			x->oom = true;
		else if (r < 0)
			diag_error(x->d, v[P_COMMAND]->file, v[P_COMMAND]->line, 0,
				   "command: can't parse '%s': %s", p->command, why);
		else if (p->argc == 0)
			diag_error(x->d, v[P_COMMAND]->file, v[P_COMMAND]->line, 0,
				   "command is empty");
	}
	if (p->name && (c = cv_name_check(p->name)) != 0) {
		const struct raw_kv *kv = v[P_PROCESS_NAME];
		char shown[CV_NAME_MAX * 2], why[128];
		if (c == -1)
			diag_error(x->d, kv ? kv->file : s->file, kv ? kv->line : s->line, 0,
				   "process name is empty");
		else
			diag_error(x->d, kv ? kv->file : s->file, kv ? kv->line : s->line, 0,
				   "invalid process name '%s': %s",
				   cv_name_shown(p->name, shown, sizeof(shown)),
				   cv_name_why(c, why, sizeof(why)));
	}
	if (p->s->stopasgroup && !p->s->killasgroup)
		diag_error(x->d, v[P_KILLASGROUP]->file, v[P_KILLASGROUP]->line, 0,
			   "killasgroup=false contradicts stopasgroup=true (stopasgroup implies "
			   "killasgroup)");
	if (p->s->redirect_stderr && pg->kind == CONF_EVENTLISTENER) {
		diag_error(x->d, v[P_REDIRECT_STDERR]->file, v[P_REDIRECT_STDERR]->line, 0,
			   "redirect_stderr=true is not allowed in [%s]: it would interfere with "
			   "the event listener protocol",
			   s->name);
	} else if (p->s->redirect_stderr) {
		if (p->s->err.kind == CONF_LOG_FILE)
			diag_warn(x->d, v[P_STDERR_LOGFILE]->file, v[P_STDERR_LOGFILE]->line, 0,
				  "stderr_logfile is ignored with redirect_stderr=true");
		/* never a stderr log file when stderr goes to stdout */
		free(p->err_path);
		p->err_path = NULL;
		p->s->err.kind = CONF_LOG_NONE;
	}
	if (pg->kind == CONF_EVENTLISTENER && !v[P_EVENTS])
		diag_error(x->d, s->file, s->line, 0,
			   "[%s] needs 'events' (the event types it "
			   "listens to)",
			   s->name);
	if (pg->kind == CONF_FCGI) {
		if (!v[P_SOCKET])
			diag_error(x->d, s->file, s->line, 0,
				   "[%s] needs a 'socket' (unix:///path or tcp://host:port)",
				   s->name);
		else if (p->s->socket && !strncmp(p->s->socket, "tcp://", 6) &&
			 (v[P_SOCKET_OWNER] || v[P_SOCKET_MODE]))
			diag_error(x->d, v[P_SOCKET]->file, v[P_SOCKET]->line, 0,
				   "socket_owner and socket_mode only apply to a unix:// socket");
	}
	for (int i = 0; i < 2; i++) {
		const struct conf_stream *st = i ? &p->s->err : &p->s->out;
		const struct raw_kv *kv =
		    v[i ? P_STDERR_LOGFILE_MAXBYTES : P_STDOUT_LOGFILE_MAXBYTES];
		if (st->kind == CONF_LOG_AUTO && st->maxbytes == 0 && kv &&
		    !(i && p->s->redirect_stderr))
			diag_warn(x->d, kv->file, kv->line, 0,
				  "%s=0 with an AUTO log file: the file grows without bound",
				  kv->key);
	}
	check_checks(x, pg, v, p);
}

/* Numbers read before the per-process loop: no process_num there. */
static long prog_number(struct ctx *x, struct prog *pg, const char *group, int opt, long def,
			long min)
{
	const struct raw_kv *kv = pv(pg, opt);
	if (!kv)
		return def;
	struct names n = {
	    .x = x, .host = true, .program = pg->name, .group = group, .env1 = &x->c->supd.env};
	n.here = cb_here(x, kv->file);
	char *t = NULL;
	struct opt o;
	long v = def;
	/* At most 100,000 (numprocs_start as well): ten times the most
	 * processes supd is measured with (doc/performance.md); an extra digit
	 * in a config is an error, not a load of a million processes. */
	if (cb_opt_get(x, &n, kv, &o, &t, ","))
		cb_t_long(&o, min, 100000, &v);
	if (!o.v || o.bad)
		pg->bad = true;
	free(t);
	return v;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct conf_process *p = a, *q = b;
	int r = strcmp(p->group, q->group);
	return r ? r : strcmp(p->name, q->name);
}

static int group_cmp(const void *a, const void *b)
{
	const struct conf_group *g = a, *h = b;
	return strcmp(g->name, h->name);
}

/* Room for one more element in an array that doubles (link_groups cuts
 * it to size): NULL when out of memory (x->oom set). */
static void *grow(struct ctx *x, void **v, size_t n, size_t *cap, size_t size)
{
	if (n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, c * size);
		if (!nv) {
			x->oom = true;
			return NULL;
		}
		*v = nv;
		*cap = c;
	}
	return (char *)*v + n * size;
}

static struct conf_process *new_proc(struct ctx *x)
{
	struct conf *c = x->c;
	return grow(x, (void **)&c->procs, c->nprocs, &x->procs_cap, sizeof(*c->procs));
}

static void drop_warnings(struct diags *d, size_t from)
{
	size_t k = from;
	for (size_t i = from; i < d->n; i++) {
		if (d->v[i].warning) {
			free(d->v[i].file);
			free(d->v[i].msg);
		} else {
			d->v[k++] = d->v[i];
		}
	}
	if (k != d->n)
		diags_changed(d);
	d->n = k;
}

/* Every process of pg in the group; false when the program has errors. */
static void expand_prog(struct ctx *x, struct prog *pg, const char *group)
{
	size_t before = x->d->nerrors;
	long numprocs = prog_number(x, pg, group, P_NUMPROCS, 1, 1);
	long start = prog_number(x, pg, group, P_NUMPROCS_START, 0, 0);
	if (pg->bad)
		return;
	if (numprocs > 1) {
		const struct raw_kv *kv = pv(pg, P_PROCESS_NAME);
		char *tmpl = kv ? cb_kv_text(x, kv, ",") : NULL;
		if (!tmpl || !strstr(tmpl, "%(process_num)")) {
			const struct raw_kv *at = kv ? kv : pv(pg, P_NUMPROCS);
			diag_error(x->d, at->file, at->line, 0,
				   "[%s] has numprocs=%ld, so process_name must contain "
				   "%%(process_num)d to tell its processes apart",
				   pg->sec->name, numprocs);
			free(tmpl);
			pg->bad = true;
			return;
		}
		free(tmpl);
	}
	const struct raw_kv *v[P_N];
	prog_pairs(pg, v);
	for (long i = start; i < start + numprocs; i++) {
		struct conf_process *p = new_proc(x);
		if (!p)
			return;
		/* its own while typed, then shared with the equal ones */
		p->s = calloc(1, sizeof(*p->s));
		if (!p->s) {
			x->oom = true;
			return;
		}
		size_t mark = x->d->n;
		build_proc(x, pg, v, group, i, numprocs, p);
		check_proc(x, pg, v, p);
		cb_settings_intern(x, p);
		x->c->nprocs++;
		/* the first process said it: no warning per process */
		if (i > start)
			drop_warnings(x->d, mark);
		/* one report per program, not one per process */
		if (x->d->nerrors > before || x->oom) {
			pg->bad = true;
			return;
		}
	}
}

/* ---------------------------------------------------------------- groups */

static int name_from_section(struct ctx *x, const struct raw_section *s, const char *prefix,
			     char **out)
{
	const char *n = s->name + strlen(prefix);
	while (isspace((unsigned char)*n))
		n++;
	size_t len = strlen(n);
	while (len && isspace((unsigned char)n[len - 1]))
		len--;
	*out = strndup(n, len);
	if (!*out) {
		x->oom = true;
		return -ENOMEM;
	}
	int c = cv_name_check(*out);
	char shown[CV_NAME_MAX * 2], why[128];
	if (c == -1) {
		diag_error(x->d, s->file, s->line, 0, "[%s]: the name is empty",
			   cv_name_shown(s->name, shown, sizeof(shown)));
		return -EINVAL;
	}
	if (c != 0) {
		char sec[CV_NAME_MAX * 2];
		diag_error(x->d, s->file, s->line, 0, "[%s]: invalid name '%s': %s",
			   cv_name_shown(s->name, sec, sizeof(sec)),
			   cv_name_shown(*out, shown, sizeof(shown)),
			   cv_name_why(c, why, sizeof(why)));
		return -EINVAL;
	}
	return 0;
}

struct hgroup {
	const struct raw_section *sec;
	char *name;
	int priority;
	struct prog **progs;
	size_t nprogs;
};

static struct prog *find_prog(struct prog *ps, size_t n, const char *name, bool *ambiguous)
{
	struct prog *found = NULL;
	*ambiguous = false;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ps[i].name, name)) {
			if (found)
				*ambiguous = true;
			found = &ps[i];
		}
	}
	return found;
}

static void build_hgroup(struct ctx *x, struct hgroup *g, struct prog *ps, size_t nps)
{
	const struct raw_kv *v[2] = {0};
	static const char *const gopts[2] = {"programs", "priority"};
	cb_gather(x, g->sec, gopts, 2, v, true);
	g->priority = 999;
	struct names n = {.x = x, .env1 = &x->c->supd.env};
	struct opt o;
	char *t = NULL;
	if (v[1]) {
		char *here = cb_dir_of(v[1]->file);
		n.here = here;
		if (cb_opt_get(x, &n, v[1], &o, &t, ","))
			cb_t_int(&o, INT_MIN, INT_MAX, &g->priority);
		free(here);
		free(t);
		t = NULL;
	}
	if (!v[0]) {
		diag_error(x->d, g->sec->file, g->sec->line, 0,
			   "[%s] needs 'programs' (a comma list of program names)", g->sec->name);
		return;
	}
	char *here = cb_dir_of(v[0]->file);
	n.here = here;
	bool got = cb_opt_get(x, &n, v[0], &o, &t, ",");
	free(here);
	if (!got) {
		free(t);
		return;
	}
	char *save = NULL;
	for (char *w = strtok_r(t, ", \t\n", &save); w; w = strtok_r(NULL, ", \t\n", &save)) {
		bool amb;
		struct prog *pg = find_prog(ps, nps, w, &amb);
		if (!pg) {
			diag_error(x->d, v[0]->file, v[0]->line, 0,
				   "[%s] names program '%s', which is not defined", g->sec->name,
				   w);
			continue;
		}
		if (amb) {
			diag_error(
			    x->d, v[0]->file, v[0]->line, 0,
			    "[%s]: '%s' is ambiguous (defined by more than one section kind)",
			    g->sec->name, w);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < g->nprogs; i++)
			dup |= g->progs[i] == pg;
		if (dup)
			continue;
		struct prog **np = realloc(g->progs, (g->nprogs + 1) * sizeof(*np));
		if (!np) {
			x->oom = true;
			break;
		}
		g->progs = np;
		g->progs[g->nprogs++] = pg;
		pg->ngroups++;
	}
	free(t);
	bool listener = false, other = false;
	for (size_t i = 0; i < g->nprogs; i++) {
		if (g->progs[i]->kind == CONF_EVENTLISTENER)
			listener = true;
		else
			other = true;
	}
	if (listener && other)
		diag_error(x->d, v[0]->file, v[0]->line, 0,
			   "[%s] mixes event listeners with programs", g->sec->name);
}

static struct conf_group *new_group(struct ctx *x, const char *name, int priority, bool het,
				    const struct raw_section *s)
{
	struct conf *c = x->c;
	size_t i;
	if (strmap_get(&x->groups, name, &i)) {
		diag_error(x->d, s->file, s->line, 0,
			   "group name '%s' is used twice (also at %s:%d)", name, c->groups[i].file,
			   c->groups[i].line);
		return NULL;
	}
	struct conf_group *g =
	    grow(x, (void **)&c->groups, c->ngroups, &x->groups_cap, sizeof(*c->groups));
	if (!g)
		return NULL;
	c->ngroups++;
	memset(g, 0, sizeof(*g));
	g->name = cb_intern(x, name);
	g->priority = priority;
	g->heterogeneous = het;
	g->file = cb_intern(x, s->file);
	g->line = s->line;
	if (g->name && strmap_put(&x->groups, g->name, c->ngroups - 1) < 0)
		x->oom = true;
	return g;
}

/* proc_cmp through pointers, equal names in their order of definition (as
 * the stable sort of the structures themselves had them). */
static int proc_ptr_cmp(const void *a, const void *b)
{
	const struct conf_process *p = *(const struct conf_process *const *)a,
				  *q = *(const struct conf_process *const *)b;
	int r = proc_cmp(p, q);
	return r ? r : (p > q) - (p < q);
}

/* The processes sorted by group and name, in an array of their exact
 * size: pointers sorted, then each structure moved once (qsort of the
 * structures themselves copied each one log n times). */
static void sort_procs(struct ctx *x)
{
	struct conf *c = x->c;
	if (!c->nprocs)
		return;
	const struct conf_process **ord = malloc(c->nprocs * sizeof(*ord));
	struct conf_process *v = malloc(c->nprocs * sizeof(*v));
	if (!ord || !v) {
		free(ord);
		free(v);
		x->oom = true;
		return;
	}
	for (size_t i = 0; i < c->nprocs; i++)
		ord[i] = &c->procs[i];
	qsort(ord, c->nprocs, sizeof(*ord), proc_ptr_cmp);
	for (size_t i = 0; i < c->nprocs; i++)
		v[i] = *ord[i];
	free(ord);
	free(c->procs);
	c->procs = v;
	x->procs_cap = c->nprocs;
}

/* After sorting the processes: each group's indices, duplicate names. */
static void link_groups(struct ctx *x)
{
	struct conf *c = x->c;
	sort_procs(x);
	if (x->oom || !c->nprocs)
		return;
	/* one array for every group (a group of one process had an 8-byte
	 * block of its own) */
	c->group_procs = malloc(c->nprocs * sizeof(*c->group_procs));
	if (!c->group_procs) {
		x->oom = true;
		return;
	}
	struct conf_group *g = NULL;
	size_t k = 0;
	for (size_t i = 0; i < c->nprocs; i++) {
		struct conf_process *p = &c->procs[i];
		if (i && !proc_cmp(&c->procs[i - 1], p)) {
			diag_error(x->d, p->file, p->line, 0,
				   "process name '%s' is used twice in group '%s' (also at %s:%d)",
				   p->name, p->group, c->procs[i - 1].file, c->procs[i - 1].line);
			continue;
		}
		/* the processes are sorted by group: a group's are one run,
		 * and its indices one slice of c->group_procs */
		if (!g || strcmp(g->name, p->group)) {
			g = conf_find_group(c, p->group);
			if (g)
				g->procs = c->group_procs + k;
		}
		if (g) {
			c->group_procs[k++] = i;
			g->nprocs++;
		}
	}
}

void cb_build_programs(struct ctx *x, struct raw_conf *r)
{
	struct prog *ps = calloc(r->nsecs ? r->nsecs : 1, sizeof(*ps));
	struct hgroup *hs = calloc(r->nsecs ? r->nsecs : 1, sizeof(*hs));
	size_t nps = 0, nhs = 0;
	struct strmap names = {0}; /* prog_opts[i] -> i */
	if (!ps || !hs) {
		x->oom = true;
		goto out;
	}
	for (size_t i = 0; i < P_N; i++) {
		size_t o;
		if (prog_opts[i] && !strmap_get(&names, prog_opts[i], &o) &&
		    strmap_put(&names, prog_opts[i], i) < 0) {
			x->oom = true;
			goto out;
		}
	}
	for (size_t i = 0; i < r->nsecs; i++) {
		const struct raw_section *s = &r->secs[i];
		static const struct {
			const char *prefix;
			enum conf_kind kind;
		} kinds[] = {
		    {"program:", CONF_PROGRAM},
		    {"eventlistener:", CONF_EVENTLISTENER},
		    {"fcgi-program:", CONF_FCGI},
		};
		for (size_t k = 0; k < 3; k++) {
			if (strncmp(s->name, kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
				continue;
			struct prog *pg = &ps[nps];
			pg->sec = s;
			pg->kind = kinds[k].kind;
			if (name_from_section(x, s, kinds[k].prefix, &pg->name) < 0) {
				free(pg->name);
				pg->name = NULL;
				break;
			}
			/* cb_gather's work, with the names looked up in a map:
			 * 10,000 sections times the table's length was a fifth
			 * of a reload */
			for (size_t j = 0; j < s->nkv; j++) {
				const struct raw_kv *kv = &s->kv[j];
				size_t o;
				if (!strmap_get(&names, kv->key, &o))
					o = P_N;
				else if (j < UINT16_MAX)
					pg->vi[o] = (uint16_t)(j + 1);
				else
					diag_error(x->d, kv->file, kv->line, 0,
						   "'%s' in [%s]: a section holds at most %u "
						   "options",
						   kv->key, s->name, UINT16_MAX - 1);
				bool ok =
				    o < P_N && (!popts[o].kinds || popts[o].kinds & KIND(pg->kind));
				if (!ok)
					diag_warn(x->d, kv->file, kv->line, 0,
						  "unknown option '%s' in [%s] (ignored)", kv->key,
						  s->name);
			}
			nps++;
			break;
		}
		if (!strncmp(s->name, "group:", 6)) {
			struct hgroup *g = &hs[nhs];
			g->sec = s;
			if (name_from_section(x, s, "group:", &g->name) < 0) {
				free(g->name);
				g->name = NULL;
				continue;
			}
			nhs++;
		}
	}
	for (size_t i = 0; i < nhs; i++)
		build_hgroup(x, &hs[i], ps, nps);
	if (x->oom)
		goto out;
	for (size_t i = 0; i < nhs; i++) {
		struct hgroup *g = &hs[i];
		new_group(x, g->name, g->priority, true, g->sec);
		for (size_t j = 0; j < g->nprogs; j++)
			if (!g->progs[j]->bad)
				expand_prog(x, g->progs[j], g->name);
	}
	for (size_t i = 0; i < nps; i++) {
		struct prog *pg = &ps[i];
		if (pg->ngroups)
			continue;
		size_t first = x->c->nprocs;
		expand_prog(x, pg, pg->name);
		if (pg->bad || x->c->nprocs == first)
			continue;
		new_group(x, pg->name, x->c->procs[first].s->priority, false, pg->sec);
	}
	if (x->oom || x->d->nerrors > x->errors0)
		goto out;
	if (x->c->ngroups) {
		qsort(x->c->groups, x->c->ngroups, sizeof(*x->c->groups), group_cmp);
		/* the doubling's slack back (it lives as long as the config) */
		struct conf_group *fit =
		    realloc(x->c->groups, x->c->ngroups * sizeof(*x->c->groups));
		if (fit)
			x->c->groups = fit;
	}
	link_groups(x);
	if (!x->oom && x->d->nerrors == x->errors0)
		cb_check_deps(x);
out:
	for (size_t i = 0; ps && i < nps; i++)
		free(ps[i].name);
	for (size_t i = 0; hs && i < nhs; i++) {
		free(hs[i].name);
		free(hs[i].progs);
	}
	free(ps);
	free(hs);
	strmap_free(&names);
	strmap_free(&x->groups);
	strmap_free(&x->argvs);
}
