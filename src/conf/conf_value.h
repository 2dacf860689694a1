/* Typed config values: the parsers behind every option of conf.c, each
 * following supervisord's datatypes.py.  They never write diagnostics: each
 * returns 0 or a negative errno (-EINVAL: not a valid value, -ERANGE: out of
 * range, -ENOMEM) and conf.c words the message with file:line and option. */
#ifndef SUPD_CONF_VALUE_H
#define SUPD_CONF_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "conf_raw.h"

/* yes/true/on/1, no/false/off/0, any case. */
int cv_bool(const char *s, bool *out);

/* A decimal integer (optional sign, surrounding blanks allowed) in [min, max]. */
int cv_int(const char *s, long min, long max, long *out);

/* An integer with an optional KB/MB/GB suffix (any case, powers of 1024). */
int cv_bytes(const char *s, uint64_t *out);

/* A duration in milliseconds: a plain number is seconds ("30"), or one
 * or more number-unit pairs in decreasing units with no spaces between
 * them: "500ms", "30s", "5m", "1h30m", "2d".  Units: ms s m h d.  At
 * most *out <= INT64_MAX / 2; -EINVAL for anything else (a unit repeated
 * or out of order, a sign, a fraction). */
int cv_duration(const char *s, int64_t *out);

/* An octal number 0..0777 (umask, chmod, socket_mode). */
int cv_octal(const char *s, int *out);

/* HUP, SIGHUP, sighup or 1.  cv_signal_name(SIGHUP) is "HUP" (NULL if
 * unknown). */
int cv_signal(const char *s, int *out);
const char *cv_signal_name(int sig);

/* "0,2" into the 256-bit bitmap (cleared first); each code 0..255. */
int cv_exitcodes(const char *s, uint8_t bits[32]);

int cv_autorestart(const char *s, enum conf_autorestart *out);
const char *cv_autorestart_name(enum conf_autorestart a);

/* never, fatal, unexpected or exit (any case). */
int cv_shutdown_on(const char *s, enum conf_shutdown_on *out);
const char *cv_shutdown_on_name(enum conf_shutdown_on v);
/* cgroups: "auto" / "off" */
int cv_cgroups(const char *s, enum conf_cgroups *out);
const char *cv_cgroups_name(enum conf_cgroups v);
/* cgroups: "cgroup" / "group" / "process" */
int cv_kill_mode(const char *s, enum conf_kill_mode *out);
const char *cv_kill_mode_name(enum conf_kill_mode v);
/* cgroups: a byte limit ("256M", "256MB", "1G", a number) or "max" /
 * "infinity" (UINT64_MAX); cv_limit_name prints it so that it reads back. */
int cv_limit(const char *s, uint64_t *out);
const char *cv_limit_name(uint64_t v, char *buf, size_t len);
/* cgroups: cpu_max: "max", "50%" (of one CPU, period 100 ms), or the
 * kernel's "QUOTA PERIOD" / "QUOTA/PERIOD" in microseconds.  A quota of
 * -1 is max. */
int cv_cpu_max(const char *s, int64_t *quota_us, int64_t *period_us);

/* health_action=: restart, stop or none (any case). */
int cv_health_action(const char *s, enum conf_health_action *out);
const char *cv_health_action_name(enum conf_health_action v);

/* critical/error/warn/info/debug/trace/blather (any case; also the 4-letter
 * names and supervisord's aliases). */
int cv_loglevel(const char *s, int *out);
/* The name to write back: "info", ... */
const char *cv_loglevel_word(int level);

/* ~ and ~user at the start of a path, like os.path.expanduser.  home is the
 * value of $HOME for a bare ~ (NULL: from the password database). */
int cv_expand_user(const char *path, const char *home, char **out);

enum cv_logfile {
	CV_LOG_AUTO,
	CV_LOG_NONE,
	CV_LOG_SYSLOG,
	CV_LOG_JOURNAL,
	CV_LOG_PATH,
};
/* A log file name: AUTO, NONE/OFF, syslog, journal (any case), else a path
 * (with ~ expanded into *path).  journal is accepted whether or not this
 * build can log there: the caller says so (cv_journal_missing). */
int cv_logfile(const char *s, const char *home, enum cv_logfile *kind, char **path);
/* Why logfile=journal cannot work in this build (built without
 * libsystemd), or NULL when it can. */
const char *cv_journal_missing(void);

/* environment=KEY=val,KEY2="v,2" with supervisord's tokenising: triples of
 * key '=' value, the token after each (meant to be a comma) skipped.  Pairs
 * are appended to env (a repeated key replaces its value in place).  On
 * -EINVAL *why says what is wrong (static string).  *skipped, when not NULL,
 * receives a malloc'd copy of the first skipped token that is not a comma
 * (`A=a b` drops the b, as supervisord does silently). */
int cv_environment(const char *s, struct conf_env *env, const char **why, char **skipped);
int conf_env_set(struct conf_env *env, const char *key, const char *val);
void conf_env_free(struct conf_env *env);

/* shlex.split in POSIX mode: quotes, backslash escapes, no comments.  On
 * -EINVAL *why is "No closing quotation" or "No escaped character". */
int cv_shlex(const char *s, char ***argv, int *argc, const char **why);
void cv_strv_free(char **v);

/* Python's %-formatting with a mapping: %(name)s, %(name)02d, %%.  lookup
 * answers 1 with *str set for a string, 2 with *num set for a number, 0 for
 * an unknown name.  Returns 0, -ENOENT (unknown name: *bad is the malloc'd
 * name), -EINVAL (bad format: *bad is a malloc'd description), -ENOMEM. */
typedef int (*cv_lookup_fn)(void *ctx, const char *name, const char **str, long *num);
int cv_expand(const char *s, cv_lookup_fn lookup, void *ctx, char **out, char **bad);

/* Process and group names must be addressable as supctl and the API spell
 * them ("group:name", "group:*", a URL path segment, a log file's name):
 * not empty, at most CV_NAME_MAX bytes, no space, ':', '/', '*' or control
 * character.  Returns 0 when the name is fine, -1 when empty, -2 when too
 * long, else the offending byte. */
#define CV_NAME_MAX 128
int cv_name_check(const char *s);
/* Why cv_name_check refused s (its result c): "it contains ':' (...)",
 * into buf; returns buf. */
const char *cv_name_why(int c, char *buf, size_t len);
/* s with control characters and backslashes as \xNN, for a message. */
const char *cv_name_shown(const char *s, char *buf, size_t len);

/* [inet_http_server] port=: host:port, :port, *:port or port.  *host is ""
 * for all interfaces. */
int cv_inet_port(const char *s, char **host, int *port);

/* user or user:group (chown=, socket_owner=): both parts non-empty. */
int cv_owner(const char *s);

/* An event type name of supervisord's (PROCESS_STATE_RUNNING, TICK_5, ...). */
bool cv_event_known(const char *s);

/* conf.c internals, exposed for its unit tests: build the model from an
 * already parsed raw form, as conf_load does after reading the files. */
int conf_from_raw(struct raw_conf *r, const char *path, const struct conf_load_opts *o,
		  struct conf **out, struct diags *d);

#endif
