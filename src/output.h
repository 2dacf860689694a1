/* A process's output: its stdout/stderr pipes read from the loop and
 * written to where the config sends them (log files, rotated), every byte in
 * order and exactly once.
 *
 * One struct output per configured process; it outlives each run of the
 * process, so the log files stay open across restarts. */
#ifndef SUPD_OUTPUT_H
#define SUPD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "loop.h"

struct output;

enum output_channel {
	OUTPUT_STDOUT = 0,
	OUTPUT_STDERR = 1,
};

/* Opens the log files named by p (AUTO files in s->childlogdir, named with
 * s->identifier).  Returns 0 or a negative errno (the caller logs it with
 * the process's name; the process still runs, its output drained). */
int output_new(struct output **out, struct loop *l, const struct conf_process *p,
	       const struct conf_supd *s);

/* Takes ownership of the read ends of a freshly spawned child's pipes
 * (non-blocking, close-on-exec; fd_err is -1 with redirect_stderr).  Pipes
 * of an earlier run that a descendant still holds open keep being read
 * until their EOF. */
int output_attach(struct output *o, int fd_out, int fd_err);

/* Reads whatever is readable now without blocking (used before the engine
 * reports an exit, so the log holds the child's last words). */
void output_drain(struct output *o);

int output_reopen(struct output *o); /* SIGUSR2 */

/* The log file path of a channel, or NULL when it has none. */
const char *output_path(const struct output *o, enum output_channel ch);

/* Drains, closes the pipes and files, frees. */
void output_free(struct output *o);

#endif
