/* supd's own log: "YYYY-MM-DD HH:MM:SS,mmm LEVL message" like supervisord,
 * to the [supervisord] logfile (rotated by logfile_maxbytes/backups) and,
 * in the foreground and not silent, echoed to stderr.
 *
 * The one process-wide logger is the only global state in supd: every
 * module may log, and passing it around would buy nothing. */
#ifndef SUPD_LOG_H
#define SUPD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h" /* enum conf_loglevel */

/* Before log_open (and after log_close), messages go to stderr only.
 * After it, to the file (path NULL: none) and to stderr when echo is set.
 * A non-seekable path (/dev/stdout...) is written with rotation off, and
 * log_open says so once in the log when maxbytes asked for rotation.  A
 * failed open returns a negative errno and is retried at each message.
 * When writing the file fails, that is said once on stderr; when it works
 * again, the log says how many bytes were lost. */
int log_open(const char *path, uint64_t maxbytes, int backups);
void log_close(void);
int log_reopen(void); /* SIGUSR2 */
int log_clear(void);  /* truncate + remove backups (clearLog); -ENOENT: no file */
void log_set_level(int level);
int log_get_level(void);
void log_set_echo(bool echo); /* copy to stderr */
const char *log_path(void);
/* cb runs after each message written to the file (maintail -f without
 * polling); messages it logs itself do not call it again.  NULL removes. */
void log_set_notify(void (*cb)(void *arg), void *arg);

/* logfile=syslog: each line of each message also goes to fn as "LEVL
 * message" (no timestamp: syslog adds its own) with the syslog priority of
 * its level.  NULL: off.  log_syslog_default is syslog(3), ident "supd",
 * facility daemon; tests pass their own. */
typedef void (*log_syslog_fn)(int prio, const char *line, size_t len);
void log_set_syslog(log_syslog_fn fn);
void log_syslog_default(int prio, const char *line, size_t len);
/* logfile=journal: the same lines, instead, as journal entries with
 * SYSLOG_IDENTIFIER=supd and the level's PRIORITY (journal.h).  Loads
 * libsystemd: 0 or a negative errno (-ELIBACC: it cannot be loaded). */
int log_set_journal(void);

__attribute__((format(printf, 2, 3))) void log_msg(int level, const char *fmt, ...);

#define log_crit(...)  log_msg(LL_CRIT, __VA_ARGS__)
#define log_error(...) log_msg(LL_ERRO, __VA_ARGS__)
#define log_warn(...)  log_msg(LL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LL_DEBG, __VA_ARGS__)
#define log_trace(...) log_msg(LL_TRAC, __VA_ARGS__)

#endif
