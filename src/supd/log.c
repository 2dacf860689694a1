/* log: supd's own log.  Each message is formatted into one buffer and
 * handed to write(2) once, so a crash right after log_msg loses nothing and
 * concurrent writers of the same file never split a line. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "logfile.h"

/* A message longer than this is cut (with "...") rather than allocated:
 * logging must work when memory does not. */
#define LOG_LINE_MAX 8192

static struct {
	int level;
	bool echo;
	bool opened; /* log_open was called: stderr only when echo */
	bool have_file;
	bool in_log; /* guards the drop report against recursion */
	bool in_notify;
	int rotate_reported; /* the rotate_error last logged */
	void (*notify)(void *arg);
	void *notify_arg;
	log_syslog_fn syslog;
	struct logfile lf;
	/* localtime_r once per second, not once per message */
	time_t cached_sec;
	char cached_stamp[24];
} g = {
    .level = LL_INFO,
};

static const char *level_name(int level)
{
	if (level >= LL_CRIT)
		return "CRIT";
	if (level >= LL_ERRO)
		return "ERRO";
	if (level >= LL_WARN)
		return "WARN";
	if (level >= LL_INFO)
		return "INFO";
	if (level >= LL_DEBG)
		return "DEBG";
	if (level >= LL_TRAC)
		return "TRAC";
	return "BLAT";
}

/* "YYYY-MM-DD HH:MM:SS,mmm" in local time; returns its length (23). */
static size_t format_stamp(char *buf)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	if (tv.tv_sec != g.cached_sec || g.cached_stamp[0] == '\0') {
		struct tm tm;
		localtime_r(&tv.tv_sec, &tm);
		strftime(g.cached_stamp, sizeof(g.cached_stamp), "%Y-%m-%d %H:%M:%S", &tm);
		g.cached_sec = tv.tv_sec;
	}
	memcpy(buf, g.cached_stamp, 19);
	snprintf(buf + 19, 5, ",%03d", (int)(tv.tv_usec / 1000));
	return 23;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void emit(const char *line, size_t n);

static void report_recovery(void)
{
	char msg[160];
	int len =
	    snprintf(msg, sizeof(msg), "supd's log: writing works again, %llu bytes were lost",
		     (unsigned long long)g.lf.dropped);
	g.lf.dropped = 0;
	char line[256];
	size_t s = format_stamp(line);
	int m = snprintf(line + s, sizeof(line) - s, " WARN %.*s\n", len, msg);
	if (m > 0)
		emit(line, s + (size_t)m);
}

static void emit(const char *line, size_t n)
{
	if (!g.opened || g.echo)
		write_all(2, line, n);
	if (!g.have_file)
		return;
	int was = g.lf.last_error;
	int r = logfile_write(&g.lf, line, n);
	if (r < 0 && !was && !g.echo && g.opened) {
		/* The log cannot take it; stderr is the only place left. */
		char e[200];
		int m =
		    snprintf(e, sizeof(e), "supd: cannot write %s: %s (dropping log messages)\n",
			     g.lf.path, strerror(-r));
		if (m > 0)
			write_all(2, e, (size_t)m);
	}
	if (r == 0 && was && g.lf.dropped && !g.in_log) {
		g.in_log = true;
		report_recovery();
		g.in_log = false;
	}
	if (r == 0 && g.lf.rotate_error != g.rotate_reported && !g.in_log) {
		g.rotate_reported = g.lf.rotate_error;
		g.in_log = true;
		if (g.rotate_reported)
			log_warn("cannot rotate %s: %s; the file keeps growing", g.lf.path,
				 strerror(g.rotate_reported));
		else
			log_info("rotating %s works again", g.lf.path);
		g.in_log = false;
	}
	if (r == 0 && g.notify && !g.in_notify) {
		g.in_notify = true;
		g.notify(g.notify_arg);
		g.in_notify = false;
	}
}

void log_set_notify(void (*cb)(void *arg), void *arg)
{
	g.notify = cb;
	g.notify_arg = arg;
}

void log_set_syslog(log_syslog_fn fn)
{
	g.syslog = fn;
}

void log_syslog_default(int prio, const char *line, size_t len)
{
	static bool opened;
	if (!opened) {
		openlog("supd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		opened = true;
	}
	syslog(prio, "%.*s", (int)len, line);
}

static void journal_sink(int prio, const char *line, size_t len)
{
	/* errors are not logged: that would come back here */
	(void)journal_line("supd", NULL, NULL, 0, prio, line, len);
}

int log_set_journal(void)
{
	int r = journal_open();
	if (r < 0)
		return r;
	g.syslog = journal_sink;
	return 0;
}

static int syslog_prio(int level)
{
	if (level >= LL_CRIT)
		return LOG_CRIT;
	if (level >= LL_ERRO)
		return LOG_ERR;
	if (level >= LL_WARN)
		return LOG_WARNING;
	if (level >= LL_INFO)
		return LOG_INFO;
	return LOG_DEBUG;
}

/* One syslog message per line, as supervisord sends them.  Not inlined:
 * its buffer would double log_msg's frame, and the deepest frames a
 * logging call reaches stay resident in supd's stack. */
static __attribute__((noinline)) void to_syslog(int level, const char *msg, size_t n)
{
	const char *name = level_name(level);
	char buf[LOG_LINE_MAX];
	while (n > 0) {
		const char *nl = memchr(msg, '\n', n);
		size_t k = nl ? (size_t)(nl - msg) : n;
		int m = snprintf(buf, sizeof(buf), "%s %.*s", name, (int)k, msg);
		if (m > 0)
			g.syslog(syslog_prio(level), buf,
				 (size_t)m < sizeof(buf) ? (size_t)m : sizeof(buf) - 1);
		k += nl ? 1 : 0;
		msg += k;
		n -= k;
	}
}

void log_msg(int level, const char *fmt, ...)
{
	if (level < g.level)
		return;
	int saved = errno; /* callers may log and then look at errno */
	char line[LOG_LINE_MAX];
	size_t n = format_stamp(line);
	line[n++] = ' ';
	memcpy(line + n, level_name(level), 4);
	n += 4;
	line[n++] = ' ';
	va_list ap;
	va_start(ap, fmt);
	errno = saved; /* for %m */
	int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	size_t start = n; /* the message, after stamp and level */
	if ((size_t)m >= sizeof(line) - n - 1) {
		n = sizeof(line) - 1;
		memcpy(line + n - 3, "...", 3);
	} else {
		n += (size_t)m;
	}
	if (g.syslog)
		to_syslog(level, line + start, n - start);
	line[n++] = '\n';
	emit(line, n);
	errno = saved;
}

int log_open(const char *path, uint64_t maxbytes, int backups)
{
	int saved = errno;
	if (g.have_file)
		logfile_close(&g.lf);
	g.have_file = false;
	g.opened = true;
	if (!path)
		return 0;
	int r = logfile_open(&g.lf, path, maxbytes, backups);
	if (r < 0 && !g.lf.path)
		return r;
	/* Even when the first open failed, later writes retry it. */
	g.have_file = true;
	if (r == 0 && !g.lf.seekable && maxbytes > 0)
		log_warn("%s is not a regular file: logfile_maxbytes ignored, not rotating", path);
	errno = saved;
	return r;
}

void log_close(void)
{
	if (g.have_file)
		logfile_close(&g.lf);
	g.have_file = false;
	g.opened = false;
}

int log_reopen(void)
{
	if (!g.have_file)
		return 0;
	return logfile_reopen(&g.lf);
}

void log_set_level(int level)
{
	g.level = level;
}

int log_get_level(void)
{
	return g.level;
}

void log_set_echo(bool echo)
{
	g.echo = echo;
}

const char *log_path(void)
{
	return g.have_file ? g.lf.path : NULL;
}

int log_clear(void)
{
	if (!g.have_file)
		return -ENOENT;
	return logfile_clear(&g.lf);
}
