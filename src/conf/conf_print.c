/* conf_print: --print-config.  The INI form is the model written back with
 * every option explicit, one [program:x] per process, so that reading it
 * again gives the same model and printing that gives the same bytes.  The
 * JSON form is for tools. */
#include "config.h"

#include "conf.h"
#include "conf_value.h"
#include "strmap.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------- INI */

/* Every value goes through %-expansion when read again: '%' is '%%'.  A
 * newline becomes a continuation line. */
static void ini_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%%", f);
		else if (*s == '\n')
			fputs("\n\t", f);
		else
			fputc(*s, f);
	}
}

static void ini_kv(FILE *f, const char *key, const char *val)
{
	fprintf(f, "%s=", key);
	ini_str(f, val);
	fputc('\n', f);
}

static void ini_bool(FILE *f, const char *key, bool v)
{
	fprintf(f, "%s=%s\n", key, v ? "true" : "false");
}

static void ini_int(FILE *f, const char *key, long v)
{
	fprintf(f, "%s=%ld\n", key, v);
}

static void ini_bytes(FILE *f, const char *key, uint64_t v)
{
	static const char *const units[] = {"GB", "MB", "KB"};
	static const uint64_t sizes[] = {1024ull * 1024 * 1024, 1024ull * 1024, 1024};
	for (int i = 0; i < 3; i++) {
		if (v && v % sizes[i] == 0) {
			fprintf(f, "%s=%llu%s\n", key, (unsigned long long)(v / sizes[i]),
				units[i]);
			return;
		}
	}
	fprintf(f, "%s=%llu\n", key, (unsigned long long)v);
}

static void ini_octal(FILE *f, const char *key, int v)
{
	fprintf(f, "%s=0%o\n", key, (unsigned)v);
}

static const char *const role_list_keys[CONF_ROLES][2] = {
    {"read_users", "read_groups"},
    {"operate_users", "operate_groups"},
    {"admin_users", "admin_groups"},
};

/* users= as "name:role:password" entries, one a line. */
static void ini_access(FILE *f, const struct conf_access *a)
{
	if (!a)
		return;
	for (int r = 0; r < CONF_ROLES; r++) {
		if (a->users[r])
			ini_kv(f, role_list_keys[r][0], a->users[r]);
		if (a->groups[r])
			ini_kv(f, role_list_keys[r][1], a->groups[r]);
	}
	if (!a->naccounts)
		return;
	fputs("users=", f);
	for (size_t i = 0; i < a->naccounts; i++)
		fprintf(f, "%s%s:%s:%s", i ? ",\n\t" : "", a->accounts[i].name,
			conf_role_name(a->accounts[i].role), a->accounts[i].password);
	fputc('\n', f);
}

/* KEY="value" pairs, quoted with whichever quote the value lacks. */
static void ini_env(FILE *f, const struct conf_env *e)
{
	if (!e->n)
		return;
	fputs("environment=", f);
	for (size_t i = 0; i < e->n; i++) {
		char q = strchr(e->vals[i], '"') ? '\'' : '"';
		fprintf(f, "%s%s=%c", i ? "," : "", e->keys[i], q);
		ini_str(f, e->vals[i]);
		fputc(q, f);
	}
	fputc('\n', f);
}

/* svc-kinds: a comma list of env files (a leading '-' kept). */
static void ini_env_files(FILE *f, char *const *files, size_t n)
{
	if (!n)
		return;
	fputs("env_file=", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		ini_str(f, files[i]);
	}
	fputc('\n', f);
}

/* A duration as cv_duration reads it: "1h30m", "500ms", "0". */
static void ini_duration(FILE *f, const char *key, int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	fprintf(f, "%s=", key);
	if (!ms)
		fputc('0', f);
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (ms >= units[i].ms) {
			fprintf(f, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
			ms %= units[i].ms;
		}
	}
	fputc('\n', f);
}

/* svc-kinds' options, only for a program that set one of them. */
static void ini_kinds(FILE *f, const struct conf_kinds *k)
{
	if (!k)
		return;
	ini_env_files(f, k->env_files, k->nenv_files);
	ini_kv(f, "backoff", k->backoff == CONF_BACKOFF_EXPONENTIAL ? "exponential" : "linear");
	ini_duration(f, "backoff_max", k->backoff_max_ms);
	ini_duration(f, "backoff_reset", k->backoff_reset_ms);
	ini_duration(f, "fatal_retry_after", k->fatal_retry_after_ms);
	if (k->schedule)
		ini_kv(f, "schedule", k->schedule);
	if (k->pidfile)
		ini_kv(f, "pidfile", k->pidfile);
}

static void ini_stream(FILE *f, const char *ch, const struct conf_stream *s, const char *path)
{
	char key[64];
	snprintf(key, sizeof(key), "%s_logfile", ch);
	ini_kv(f, key,
	       s->journal		  ? "journal"
	       : s->kind == CONF_LOG_AUTO ? "AUTO"
	       : s->kind == CONF_LOG_NONE ? "NONE"
					  : path);
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", ch);
	ini_bytes(f, key, s->maxbytes);
	snprintf(key, sizeof(key), "%s_logfile_backups", ch);
	ini_int(f, key, s->backups);
	snprintf(key, sizeof(key), "%s_capture_maxbytes", ch);
	ini_bytes(f, key, s->capture_maxbytes);
	snprintf(key, sizeof(key), "%s_events_enabled", ch);
	ini_bool(f, key, s->events_enabled);
	snprintf(key, sizeof(key), "%s_syslog", ch);
	ini_bool(f, key, s->syslog);
	snprintf(key, sizeof(key), "%s_logfile_timestamps", ch);
	ini_bool(f, key, s->timestamps);
}

static void exitcodes_str(const struct conf_process *p, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int c = 0; c < 256; c++)
		if (conf_exitcode_expected(p, c) && n + 5 < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", c);
}

static const char *signame(int sig, char *buf, size_t len)
{
	const char *n = cv_signal_name(sig);
	if (n)
		return n;
	snprintf(buf, len, "%d", sig);
	return buf;
}

/* Which processes share their name with another (in another group),
 * indexed like c->procs: found once per print, with a map (a scan per
 * process was quadratic: 5,866 processes took 58 s under the fuzzer's
 * ASan build).  NULL when out of memory (section_name then scans). */
static bool *shared_names(const struct conf *c)
{
	bool *dup = calloc(c->nprocs + 1, sizeof(*dup));
	struct strmap m = {0};
	for (size_t i = 0; dup && i < c->nprocs; i++) {
		size_t first;
		if (strmap_get(&m, c->procs[i].name, &first)) {
			dup[first] = dup[i] = true;
		} else if (strmap_put(&m, c->procs[i].name, i) < 0) {
			free(dup);
			dup = NULL;
		}
	}
	strmap_free(&m);
	return dup;
}

/* The section name a process is printed under: its name, unless another
 * process (in another group) has the same name. */
static void section_name(const struct conf *c, const bool *dup, const struct conf_process *p,
			 char *buf, size_t len)
{
	size_t same = 0;
	if (dup)
		same = dup[p - c->procs] ? 2 : 1;
	for (size_t i = 0; !dup && i < c->nprocs; i++)
		same += !strcmp(c->procs[i].name, p->name);
	if (same > 1)
		snprintf(buf, len, "%s@%s", p->name, p->group);
	else
		snprintf(buf, len, "%s", p->name);
}

static const char *kind_word(enum conf_kind k)
{
	return k == CONF_EVENTLISTENER ? "eventlistener"
	       : k == CONF_FCGI	       ? "fcgi-program"
				       : "program";
}

/* rlimit_*, nice, oom_score_adj, cpu_affinity: only those set, as text
 * (str) or numbers (num), for both printers. */
static void each_limit(const struct conf_limits *l, void (*str)(void *, const char *, const char *),
		       void (*num)(void *, const char *, long), void *arg)
{
	char key[32], buf[CONF_CPUS_MAX * 4];
	for (int r = 0; r < CONF_RL_N; r++) {
		if (!(l->rl_set >> r & 1))
			continue;
		snprintf(key, sizeof(key), "rlimit_%s", conf_rl_name((enum conf_rl)r));
		str(arg, key,
		    conf_rl_format((enum conf_rl)r, l->cur[r], l->max[r], buf, sizeof(buf)));
	}
	if (l->has_nice)
		num(arg, "nice", l->nice);
	if (l->has_oom_score_adj)
		num(arg, "oom_score_adj", l->oom_score_adj);
	if (l->has_cpus)
		str(arg, "cpu_affinity", conf_cpus_format(l->cpus, buf, sizeof(buf)));
}

static void ini_limit_str(void *f, const char *k, const char *v)
{
	ini_kv(f, k, v);
}

static void ini_limit_num(void *f, const char *k, long v)
{
	ini_int(f, k, v);
}

/* svc-deps: printed only when set, so configs without them print as before. */
static void ini_deps(FILE *f, const struct conf_deps *d)
{
	if (d->n) {
		fputs("depends_on=", f);
		for (size_t i = 0; i < d->n; i++)
			fprintf(f, "%s%s:%s", i ? "," : "", d->v[i].name,
				conf_dep_cond_name(d->v[i].cond));
		fputc('\n', f);
	}
	if (d->oneshot)
		ini_kv(f, "kind", "oneshot");
}

/* cgroups: each setting the process sets, as key and value text
 * (shared by both outputs). */
static void cgroup_settings(const struct conf_cgroup *g,
			    void (*put)(void *arg, const char *k, const char *v), void *arg)
{
	char b[64];
	if (!g)
		return;
	if (g->set & CONF_CG_KILL_MODE)
		put(arg, "kill_mode", cv_kill_mode_name(g->kill_mode));
	if (g->set & CONF_CG_MEMORY_MAX)
		put(arg, "memory_max", cv_limit_name(g->memory_max, b, sizeof(b)));
	if (g->set & CONF_CG_MEMORY_HIGH)
		put(arg, "memory_high", cv_limit_name(g->memory_high, b, sizeof(b)));
	if (g->set & CONF_CG_MEMORY_SWAP_MAX)
		put(arg, "memory_swap_max", cv_limit_name(g->memory_swap_max, b, sizeof(b)));
	if (g->set & CONF_CG_CPU_MAX) {
		if (g->cpu_quota_us < 0)
			snprintf(b, sizeof(b), "max");
		else
			snprintf(b, sizeof(b), "%lld %lld", (long long)g->cpu_quota_us,
				 (long long)g->cpu_period_us);
		put(arg, "cpu_max", b);
	}
	if (g->set & CONF_CG_CPU_WEIGHT) {
		snprintf(b, sizeof(b), "%d", g->cpu_weight);
		put(arg, "cpu_weight", b);
	}
	if (g->set & CONF_CG_PIDS_MAX) {
		if (g->pids_max == UINT64_MAX)
			snprintf(b, sizeof(b), "max");
		else
			snprintf(b, sizeof(b), "%llu", (unsigned long long)g->pids_max);
		put(arg, "pids_max", b);
	}
	if (g->set & CONF_CG_IO_WEIGHT) {
		snprintf(b, sizeof(b), "%d", g->io_weight);
		put(arg, "io_weight", b);
	}
}

static void ini_put(void *arg, const char *k, const char *v)
{
	ini_kv(arg, k, v);
}

/* A duration as cv_duration reads it back: whole seconds as "30s". */
static const char *check_duration(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000)
		snprintf(buf, len, "%lldms", (long long)ms);
	else
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	return buf;
}

/* readiness and health checks: printed only for a program that has some,
 * so configs without them print as before */
static void ini_checks(FILE *f, const struct conf_checks *k)
{
	char b[32];
	if (!k)
		return;
	if (k->ready.kind != CONF_CHECK_NONE) {
		ini_kv(f, "ready_check", k->ready.spec);
		ini_kv(f, "ready_interval", check_duration(k->ready.interval_ms, b, sizeof(b)));
		ini_kv(f, "ready_probe_timeout", check_duration(k->ready.timeout_ms, b, sizeof(b)));
		ini_kv(f, "ready_timeout", check_duration(k->ready_timeout_ms, b, sizeof(b)));
	}
	if (k->health.kind != CONF_CHECK_NONE) {
		ini_kv(f, "health_check", k->health.spec);
		ini_kv(f, "health_interval", check_duration(k->health.interval_ms, b, sizeof(b)));
		ini_kv(f, "health_timeout", check_duration(k->health.timeout_ms, b, sizeof(b)));
		ini_int(f, "health_retries", k->health_retries);
		ini_kv(f, "health_action", cv_health_action_name(k->health_action));
		if (k->watchdog_ms)
			ini_kv(f, "watchdog_sec", check_duration(k->watchdog_ms, b, sizeof(b)));
	}
}

static void ini_process(FILE *f, const struct conf *c, const bool *dup,
			const struct conf_process *p)
{
	char sec[512], buf[1100];
	section_name(c, dup, p, sec, sizeof(sec));
	fprintf(f, "\n[%s:", kind_word(p->s->kind));
	ini_str(f, sec);
	fputs("]\n", f);
	ini_kv(f, "command", p->command);
	ini_kv(f, "process_name", p->name);
	ini_int(f, "numprocs", 1);
	ini_int(f, "numprocs_start", p->process_num);
	ini_int(f, "priority", p->s->priority);
	ini_bool(f, "autostart", p->s->autostart);
	ini_int(f, "startsecs", p->s->startsecs);
	ini_int(f, "startretries", p->s->startretries);
	ini_kv(f, "autorestart", cv_autorestart_name(p->s->autorestart));
	exitcodes_str(p, buf, sizeof(buf));
	ini_kv(f, "exitcodes", buf);
	ini_kv(f, "stopsignal", signame(p->s->stopsignal, buf, sizeof(buf)));
	ini_int(f, "stopwaitsecs", p->s->stopwaitsecs);
	ini_bool(f, "stopasgroup", p->s->stopasgroup);
	ini_bool(f, "killasgroup", p->s->killasgroup);
	if (p->s->user)
		ini_kv(f, "user", p->s->user);
	ini_bool(f, "redirect_stderr", p->s->redirect_stderr);
	ini_stream(f, "stdout", &p->s->out, p->out_path);
	ini_stream(f, "stderr", &p->s->err, p->err_path);
	ini_kinds(f, p->s->kinds);
	ini_env(f, &p->s->env);
	if (p->s->directory)
		ini_kv(f, "directory", p->s->directory);
	if (p->s->umask >= 0)
		ini_octal(f, "umask", p->s->umask);
	ini_kv(f, "serverurl", p->s->serverurl ? p->s->serverurl : "AUTO");
	ini_bool(f, "forward_output", p->s->forward_output);
	ini_bytes(f, "tail_buffer", p->s->tail_buffer);
	ini_kv(f, "shutdown_on", cv_shutdown_on_name(p->s->shutdown_on));
	if (p->s->deps)
		ini_deps(f, p->s->deps);
	cgroup_settings(p->s->cgroup, ini_put, f);
	ini_checks(f, p->s->checks);
	if (p->s->kind == CONF_EVENTLISTENER) {
		fputs("events=", f);
		for (size_t i = 0; i < p->s->nevents; i++)
			fprintf(f, "%s%s", i ? "," : "", p->s->events[i]);
		fputc('\n', f);
		ini_int(f, "buffer_size", p->s->buffer_size);
		ini_kv(f, "result_handler", p->s->result_handler);
	}
	if (p->s->limits)
		each_limit(p->s->limits, ini_limit_str, ini_limit_num, f);
	if (p->s->kind == CONF_FCGI) {
		ini_kv(f, "socket", p->s->socket);
		ini_int(f, "socket_backlog", p->s->socket_backlog);
		if (!strncmp(p->s->socket, "unix://", 7)) {
			if (p->s->socket_owner)
				ini_kv(f, "socket_owner", p->s->socket_owner);
			ini_octal(f, "socket_mode", p->s->socket_mode);
		}
	}
}

/* A group needs its own [group:x] unless reading the single [program:x]
 * back gives the same group anyway. */
static bool group_needs_section(const struct conf *c, const bool *dup, const struct conf_group *g)
{
	if (g->nprocs != 1)
		return true;
	const struct conf_process *p = &c->procs[g->procs[0]];
	char sec[512];
	section_name(c, dup, p, sec, sizeof(sec));
	return strcmp(sec, g->name) != 0 || p->s->priority != g->priority;
}

int conf_print_ini(const struct conf *c, FILE *f)
{
	const struct conf_supd *s = &c->supd;
	fputs("[supervisord]\n", f);
	ini_kv(f, "logfile",
	       s->logfile_syslog    ? "syslog"
	       : s->logfile_journal ? "journal"
	       : s->logfile	    ? s->logfile
				    : "NONE");
	ini_bytes(f, "logfile_maxbytes", s->logfile_maxbytes);
	ini_int(f, "logfile_backups", s->logfile_backups);
	ini_kv(f, "loglevel", cv_loglevel_word(s->loglevel));
	ini_kv(f, "pidfile", s->pidfile);
	ini_octal(f, "umask", s->umask);
	ini_bool(f, "nodaemon", s->nodaemon);
	ini_bool(f, "silent", s->silent);
	ini_int(f, "minfds", s->minfds);
	ini_int(f, "minprocs", s->minprocs);
	ini_bool(f, "nocleanup", s->nocleanup);
	ini_kv(f, "childlogdir", s->childlogdir);
	if (s->user)
		ini_kv(f, "user", s->user);
	if (s->directory)
		ini_kv(f, "directory", s->directory);
	ini_bool(f, "strip_ansi", s->strip_ansi);
	ini_env_files(f, s->env_files, s->nenv_files);
	ini_env(f, &s->env);
	ini_kv(f, "identifier", s->identifier);
	ini_bool(f, "forward_output", s->forward_output);
	ini_bool(f, "forward_timestamps", s->forward_timestamps);
	if (s->statefile)
		ini_kv(f, "statefile", *s->statefile ? s->statefile : "NONE");
	if (s->cgroups != CONF_CGROUPS_AUTO)
		ini_kv(f, "cgroups", cv_cgroups_name(s->cgroups));

	for (size_t i = 0; i < c->nservers; i++) {
		const struct conf_server *v = &c->servers[i];
		fprintf(f, "\n[%s]\n", v->section);
		if (v->inet) {
			bool v6 = v->host && strchr(v->host, ':');
			fprintf(f, "port=%s%s%s:%d\n", v6 ? "[" : "",
				v->host && *v->host ? v->host : "*", v6 ? "]" : "", v->port);
		} else {
			ini_kv(f, "file", v->file);
			ini_octal(f, "chmod", v->chmod);
			if (v->chown)
				ini_kv(f, "chown", v->chown);
		}
		if (v->username)
			ini_kv(f, "username", v->username);
		if (v->password)
			ini_kv(f, "password", v->password);
		ini_access(f, v->access);
	}
	if (c->ctl.present) {
		fputs("\n[supervisorctl]\n", f);
		if (c->ctl.serverurl)
			ini_kv(f, "serverurl", c->ctl.serverurl);
		if (c->ctl.username)
			ini_kv(f, "username", c->ctl.username);
		if (c->ctl.password)
			ini_kv(f, "password", c->ctl.password);
		ini_kv(f, "prompt", c->ctl.prompt);
		if (c->ctl.history_file)
			ini_kv(f, "history_file", c->ctl.history_file);
	}
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct conf_plugin *p = &c->plugins[i];
		fprintf(f, "\n[%s]\n", p->section);
		ini_kv(f, p->is_ctl ? "supervisor.ctl_factory" : "supervisor.rpcinterface_factory",
		       p->factory);
	}
	bool *dup = shared_names(c);
	for (size_t i = 0; i < c->nprocs; i++)
		ini_process(f, c, dup, &c->procs[i]);
	for (size_t i = 0; i < c->ngroups; i++) {
		const struct conf_group *g = &c->groups[i];
		if (!group_needs_section(c, dup, g))
			continue;
		fprintf(f, "\n[group:%s]\nprograms=", g->name);
		for (size_t j = 0; j < g->nprocs; j++) {
			char sec[512];
			section_name(c, dup, &c->procs[g->procs[j]], sec, sizeof(sec));
			fputs(j ? "," : "", f);
			ini_str(f, sec);
		}
		fprintf(f, "\npriority=%d\n", g->priority);
	}
	free(dup);
	return ferror(f) ? -EIO : 0;
}

/* ---------------------------------------------------------------- JSON */

/* A JSON string; each byte that is not valid UTF-8 becomes U+FFFD. */
static void js_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char ch = *p;
		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
			p++;
		} else if (ch == '\n') {
			fputs("\\n", f);
			p++;
		} else if (ch == '\t') {
			fputs("\\t", f);
			p++;
		} else if (ch == '\r') {
			fputs("\\r", f);
			p++;
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
			p++;
		} else {
			size_t n = utf8_len(p, SIZE_MAX);
			if (n == 0) {
				fputs("\\ufffd", f);
				p++;
			} else {
				fwrite(p, 1, n, f);
				p += n;
			}
		}
	}
	fputc('"', f);
}

struct js {
	FILE *f;
	int depth;
	bool first;
};

static void js_key(struct js *j, const char *key)
{
	fprintf(j->f, "%s\n%*s", j->first ? "" : ",", j->depth * 2, "");
	j->first = false;
	js_str(j->f, key);
	fputs(": ", j->f);
}

static void js_open(struct js *j, char c)
{
	fputc(c, j->f);
	j->depth++;
	j->first = true;
}

static void js_close(struct js *j, char c)
{
	j->depth--;
	if (!j->first)
		fprintf(j->f, "\n%*s", j->depth * 2, "");
	fputc(c, j->f);
	j->first = false;
}

static void js_item(struct js *j)
{
	fprintf(j->f, "%s\n%*s", j->first ? "" : ",", j->depth * 2, "");
	j->first = false;
}

static void jk_str(struct js *j, const char *k, const char *v)
{
	js_key(j, k);
	js_str(j->f, v);
}

static void jk_int(struct js *j, const char *k, long long v)
{
	js_key(j, k);
	fprintf(j->f, "%lld", v);
}

static void jk_bool(struct js *j, const char *k, bool v)
{
	js_key(j, k);
	fputs(v ? "true" : "false", j->f);
}

static void jk_octal(struct js *j, const char *k, int v)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "0%o", (unsigned)v);
	jk_str(j, k, buf);
}

static void jk_access(struct js *j, const struct conf_access *a)
{
	if (!a)
		return;
	for (int r = 0; r < CONF_ROLES; r++) {
		if (a->users[r])
			jk_str(j, role_list_keys[r][0], a->users[r]);
		if (a->groups[r])
			jk_str(j, role_list_keys[r][1], a->groups[r]);
	}
	if (!a->naccounts)
		return;
	js_key(j, "users");
	js_open(j, '[');
	for (size_t i = 0; i < a->naccounts; i++) {
		js_item(j);
		js_open(j, '{');
		jk_str(j, "name", a->accounts[i].name);
		jk_str(j, "role", conf_role_name(a->accounts[i].role));
		jk_str(j, "password", a->accounts[i].password);
		js_close(j, '}');
	}
	js_close(j, ']');
}

static void jk_env(struct js *j, const char *k, const struct conf_env *e)
{
	js_key(j, k);
	js_open(j, '{');
	for (size_t i = 0; i < e->n; i++)
		jk_str(j, e->keys[i], e->vals[i]);
	js_close(j, '}');
}

static void jk_env_files(struct js *j, char *const *files, size_t n)
{
	if (!n)
		return;
	js_key(j, "env_file");
	js_open(j, '[');
	for (size_t i = 0; i < n; i++) {
		js_item(j);
		js_str(j->f, files[i]);
	}
	js_close(j, ']');
}

static void js_kinds(struct js *j, const struct conf_kinds *k)
{
	if (!k)
		return;
	jk_env_files(j, k->env_files, k->nenv_files);
	jk_str(j, "backoff", k->backoff == CONF_BACKOFF_EXPONENTIAL ? "exponential" : "linear");
	jk_int(j, "backoff_max_ms", k->backoff_max_ms);
	jk_int(j, "backoff_reset_ms", k->backoff_reset_ms);
	jk_int(j, "fatal_retry_after_ms", k->fatal_retry_after_ms);
	jk_str(j, "schedule", k->schedule);
	jk_str(j, "pidfile", k->pidfile);
}

static void js_stream(struct js *j, const char *ch, const struct conf_stream *s, const char *path)
{
	char key[64];
	snprintf(key, sizeof(key), "%s_logfile", ch);
	jk_str(j, key,
	       s->journal		  ? "journal"
	       : s->kind == CONF_LOG_AUTO ? "AUTO"
	       : s->kind == CONF_LOG_NONE ? "NONE"
					  : path);
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", ch);
	jk_int(j, key, (long long)s->maxbytes);
	snprintf(key, sizeof(key), "%s_logfile_backups", ch);
	jk_int(j, key, s->backups);
	snprintf(key, sizeof(key), "%s_capture_maxbytes", ch);
	jk_int(j, key, (long long)s->capture_maxbytes);
	snprintf(key, sizeof(key), "%s_events_enabled", ch);
	jk_bool(j, key, s->events_enabled);
	snprintf(key, sizeof(key), "%s_syslog", ch);
	jk_bool(j, key, s->syslog);
	snprintf(key, sizeof(key), "%s_logfile_timestamps", ch);
	jk_bool(j, key, s->timestamps);
}

static void js_limit_str(void *j, const char *k, const char *v)
{
	jk_str(j, k, v);
}

static void js_limit_num(void *j, const char *k, long v)
{
	jk_int(j, k, v);
}

static void jk_put(void *arg, const char *k, const char *v)
{
	jk_str(arg, k, v);
}

/* Durations in milliseconds, as numbers for tools. */
static void js_checks(struct js *j, const struct conf_checks *k)
{
	if (!k)
		return;
	if (k->ready.kind != CONF_CHECK_NONE) {
		jk_str(j, "ready_check", k->ready.spec);
		jk_int(j, "ready_interval_ms", k->ready.interval_ms);
		jk_int(j, "ready_probe_timeout_ms", k->ready.timeout_ms);
		jk_int(j, "ready_timeout_ms", k->ready_timeout_ms);
	}
	if (k->health.kind != CONF_CHECK_NONE) {
		jk_str(j, "health_check", k->health.spec);
		jk_int(j, "health_interval_ms", k->health.interval_ms);
		jk_int(j, "health_timeout_ms", k->health.timeout_ms);
		jk_int(j, "health_retries", k->health_retries);
		jk_str(j, "health_action", cv_health_action_name(k->health_action));
		if (k->watchdog_ms)
			jk_int(j, "watchdog_ms", k->watchdog_ms);
	}
}

static void js_process(struct js *j, const struct conf_process *p)
{
	char buf[32];
	js_item(j);
	js_open(j, '{');
	jk_str(j, "name", p->name);
	jk_str(j, "group", p->group);
	jk_str(j, "program", p->program);
	jk_str(j, "kind", kind_word(p->s->kind));
	jk_int(j, "process_num", p->process_num);
	jk_int(j, "numprocs", p->s->numprocs);
	jk_str(j, "command", p->command);
	js_key(j, "argv");
	js_open(j, '[');
	for (int i = 0; i < p->argc; i++) {
		js_item(j);
		js_str(j->f, p->argv[i]);
	}
	js_close(j, ']');
	jk_int(j, "priority", p->s->priority);
	jk_bool(j, "autostart", p->s->autostart);
	jk_int(j, "startsecs", p->s->startsecs);
	jk_int(j, "startretries", p->s->startretries);
	jk_str(j, "autorestart", cv_autorestart_name(p->s->autorestart));
	js_key(j, "exitcodes");
	js_open(j, '[');
	for (int c = 0; c < 256; c++) {
		if (conf_exitcode_expected(p, c)) {
			js_item(j);
			fprintf(j->f, "%d", c);
		}
	}
	js_close(j, ']');
	jk_str(j, "stopsignal", signame(p->s->stopsignal, buf, sizeof(buf)));
	jk_int(j, "stopwaitsecs", p->s->stopwaitsecs);
	jk_bool(j, "stopasgroup", p->s->stopasgroup);
	jk_bool(j, "killasgroup", p->s->killasgroup);
	jk_str(j, "user", p->s->user);
	jk_bool(j, "redirect_stderr", p->s->redirect_stderr);
	js_stream(j, "stdout", &p->s->out, p->out_path);
	js_stream(j, "stderr", &p->s->err, p->err_path);
	js_kinds(j, p->s->kinds);
	jk_env(j, "environment", &p->s->env);
	jk_str(j, "directory", p->s->directory);
	if (p->s->umask >= 0)
		jk_octal(j, "umask", p->s->umask);
	else
		jk_str(j, "umask", NULL);
	jk_str(j, "serverurl", p->s->serverurl ? p->s->serverurl : "AUTO");
	jk_bool(j, "forward_output", p->s->forward_output);
	jk_int(j, "tail_buffer", (long long)p->s->tail_buffer);
	jk_str(j, "shutdown_on", cv_shutdown_on_name(p->s->shutdown_on));
	if (p->s->deps) {
		js_key(j, "depends_on");
		js_open(j, '[');
		for (size_t i = 0; i < p->s->deps->n; i++) {
			js_item(j);
			js_open(j, '{');
			jk_str(j, "name", p->s->deps->v[i].name);
			jk_str(j, "condition", conf_dep_cond_name(p->s->deps->v[i].cond));
			js_close(j, '}');
		}
		js_close(j, ']');
		jk_str(j, "kind", p->s->deps->oneshot ? "oneshot" : "service");
	}
	cgroup_settings(p->s->cgroup, jk_put, j);
	js_checks(j, p->s->checks);
	if (p->s->kind == CONF_EVENTLISTENER) {
		js_key(j, "events");
		js_open(j, '[');
		for (size_t i = 0; i < p->s->nevents; i++) {
			js_item(j);
			js_str(j->f, p->s->events[i]);
		}
		js_close(j, ']');
		jk_int(j, "buffer_size", p->s->buffer_size);
		jk_str(j, "result_handler", p->s->result_handler);
	}
	if (p->s->limits)
		each_limit(p->s->limits, js_limit_str, js_limit_num, j);
	if (p->s->kind == CONF_FCGI) {
		jk_str(j, "socket", p->s->socket);
		jk_int(j, "socket_backlog", p->s->socket_backlog);
		jk_str(j, "socket_owner", p->s->socket_owner);
		jk_octal(j, "socket_mode", p->s->socket_mode);
	}
	js_close(j, '}');
}

int conf_print_json(const struct conf *c, FILE *f)
{
	const struct conf_supd *s = &c->supd;
	struct js j = {.f = f};
	js_open(&j, '{');
	js_key(&j, "supervisord");
	js_open(&j, '{');
	jk_str(&j, "logfile",
	       s->logfile_syslog    ? "syslog"
	       : s->logfile_journal ? "journal"
	       : s->logfile	    ? s->logfile
				    : "NONE");
	jk_int(&j, "logfile_maxbytes", (long long)s->logfile_maxbytes);
	jk_int(&j, "logfile_backups", s->logfile_backups);
	jk_str(&j, "loglevel", cv_loglevel_word(s->loglevel));
	jk_str(&j, "pidfile", s->pidfile);
	jk_octal(&j, "umask", s->umask);
	jk_bool(&j, "nodaemon", s->nodaemon);
	jk_bool(&j, "silent", s->silent);
	jk_int(&j, "minfds", s->minfds);
	jk_int(&j, "minprocs", s->minprocs);
	jk_bool(&j, "nocleanup", s->nocleanup);
	jk_str(&j, "childlogdir", s->childlogdir);
	jk_str(&j, "user", s->user);
	jk_str(&j, "directory", s->directory);
	jk_bool(&j, "strip_ansi", s->strip_ansi);
	jk_env_files(&j, s->env_files, s->nenv_files);
	jk_env(&j, "environment", &s->env);
	jk_str(&j, "identifier", s->identifier);
	jk_bool(&j, "forward_output", s->forward_output);
	jk_bool(&j, "forward_timestamps", s->forward_timestamps);
	if (s->statefile)
		jk_str(&j, "statefile", *s->statefile ? s->statefile : "NONE");
	if (s->cgroups != CONF_CGROUPS_AUTO)
		jk_str(&j, "cgroups", cv_cgroups_name(s->cgroups));
	js_close(&j, '}');

	js_key(&j, "servers");
	js_open(&j, '[');
	for (size_t i = 0; i < c->nservers; i++) {
		const struct conf_server *v = &c->servers[i];
		js_item(&j);
		js_open(&j, '{');
		jk_str(&j, "section", v->section);
		jk_str(&j, "type", v->inet ? "inet" : "unix");
		if (v->inet) {
			jk_str(&j, "host", v->host);
			jk_int(&j, "port", v->port);
		} else {
			jk_str(&j, "file", v->file);
			jk_octal(&j, "chmod", v->chmod);
			jk_str(&j, "chown", v->chown);
		}
		jk_str(&j, "username", v->username);
		jk_str(&j, "password", v->password);
		jk_access(&j, v->access);
		js_close(&j, '}');
	}
	js_close(&j, ']');

	js_key(&j, "supervisorctl");
	if (c->ctl.present) {
		js_open(&j, '{');
		jk_str(&j, "serverurl", c->ctl.serverurl);
		jk_str(&j, "username", c->ctl.username);
		jk_str(&j, "password", c->ctl.password);
		jk_str(&j, "prompt", c->ctl.prompt);
		jk_str(&j, "history_file", c->ctl.history_file);
		js_close(&j, '}');
	} else {
		fputs("null", f);
	}

	js_key(&j, "plugins");
	js_open(&j, '[');
	for (size_t i = 0; i < c->nplugins; i++) {
		js_item(&j);
		js_open(&j, '{');
		jk_str(&j, "section", c->plugins[i].section);
		jk_str(&j, "factory", c->plugins[i].factory);
		js_close(&j, '}');
	}
	js_close(&j, ']');

	js_key(&j, "groups");
	js_open(&j, '[');
	for (size_t i = 0; i < c->ngroups; i++) {
		const struct conf_group *g = &c->groups[i];
		js_item(&j);
		js_open(&j, '{');
		jk_str(&j, "name", g->name);
		jk_int(&j, "priority", g->priority);
		jk_bool(&j, "heterogeneous", g->heterogeneous);
		js_key(&j, "processes");
		js_open(&j, '[');
		for (size_t k = 0; k < g->nprocs; k++) {
			js_item(&j);
			js_str(f, c->procs[g->procs[k]].name);
		}
		js_close(&j, ']');
		js_close(&j, '}');
	}
	js_close(&j, ']');

	js_key(&j, "processes");
	js_open(&j, '[');
	for (size_t i = 0; i < c->nprocs; i++)
		js_process(&j, &c->procs[i]);
	js_close(&j, ']');
	js_close(&j, '}');
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}
