/* The running daemon: takes a loaded config and supervises it until a
 * shutdown.  Owns the loop, the process table, signals, reload, pidfile,
 * daemonizing and PID 1 duties. */
#ifndef SUPD_DAEMON_H
#define SUPD_DAEMON_H

#include <stdint.h>

#include "conf.h"

struct supd_opts {
	const char *config_path;            /* as given or found */
	enum conf_format format;
	const char *const *overrides;       /* [supervisord] values from the command line */
	bool foreground;                    /* -n, or nodaemon=true */
	/* upgrade in place: supd's argv (to exec again), and the state
	 * document's fd when this image is the new one (-1: a fresh start) */
	char *const *argv;
	int upgrade_fd;
	/* the new image's steps (CLOCK_MONOTONIC, microseconds), for the
	 * upgrade's timing at debug level: main entered, config loaded */
	int64_t upg_main_us, upg_conf_us;
};

/* Runs until shutdown.  Takes ownership of c.  Returns the process exit
 * code (0 after a clean shutdown). */
int daemon_run(const struct supd_opts *o, struct conf *c);

/* supd --upgrade-probe (daemon_upgrade.c): reads the state document at
 * fd ($SUPD_UPGRADE_STATE; -1: none) and checks it against c; prints "ok
 * VERSION" when this binary can take over.  Returns the exit status. */
int daemon_upgrade_probe(const struct conf *c, int fd);
/* First thing in main: where the heap begins (daemon_reserve_heap makes it
 * resident before a config load). */
void daemon_heap_mark_base(void);
/* The new image of an upgrade, before it loads the config: makes as much
 * heap resident as the old image held ($SUPD_UPGRADE_HEAP), in one call
 * instead of a page fault per page.  Nothing when the variable is unset. */
void daemon_upgrade_prefault(void);

#endif
