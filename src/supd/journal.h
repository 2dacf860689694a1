/* journal.h - structured entries to the systemd journal (journal sinks).
 *
 * stdout_logfile=journal, stderr_logfile=journal and logfile=journal send
 * lines through libsystemd's sd_journal_sendv.  supd does not link
 * libsystemd: journal_open() dlopens libsystemd.so.0 the first time a
 * journal sink is configured, so a config without one pays nothing. */
#ifndef SUPD_JOURNAL_H
#define SUPD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether this build can log to the journal (configure found libsystemd). */
bool journal_available(void);

/* Loads libsystemd.so.0 and finds sd_journal_sendv, once; later calls
 * return the first answer.  0, -ENOSYS (built without libsystemd) or
 * -ELIBACC (the library or the symbol is missing). */
int journal_open(void);

/* One line of a program's output (stream "stdout" or "stderr", pid 0 when
 * unknown) or of supd's own log (group and stream NULL).  prio is the
 * syslog priority used unless the line starts with "<N>" (N 0..7), which
 * sets it and is taken off, as systemd does for a service's output.
 * 0 or a negative errno (-ENOSYS when not open). */
int journal_line(const char *ident, const char *group, const char *stream, pid_t pid, int prio,
		 const char *line, size_t len);

#endif
