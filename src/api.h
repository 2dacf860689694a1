/* The /v1 JSON API (doc/api.md) over the process table: the handlers the
 * HTTP server (http.h) calls.
 *
 * Wiring in daemon.c, after the process table exists:
 *
 *	struct api *api;
 *	struct api_ops ops = {.arg = d, .procs = ..., .conf = ..., ...};
 *	api_new(&api, loop, &ops);
 *	http_new(&http, loop, conf, &api_http_handlers, api, err, sizeof(err));
 *	...
 *	http_free(http);   // first: aborts the requests the API still holds
 *	api_free(api);
 *
 * The API subscribes to the table's transitions (procs_add_hook) to answer
 * waiting requests; the table must outlive the api.
 */
#ifndef SUPD_API_H
#define SUPD_API_H

#include <stddef.h>

#include "conf.h"
#include "http.h"
#include "loop.h"
#include "proc.h"

/* What a reread found: group names, each list sorted. */
struct api_diff {
	char **added, **changed, **removed;
	size_t nadded, nchanged, nremoved;
};
void api_diff_free(struct api_diff *d);

/* What the daemon provides.  procs and conf are required; an operation
 * left NULL is answered 501 NOT_IMPLEMENTED. */
struct api_ops {
	void *arg;
	struct procs *(*procs)(void *arg);
	/* The config currently applied (group priorities, avail). */
	const struct conf *(*conf)(void *arg);
	/* supervisord's daemon state: 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN. */
	int (*state)(void *arg);
	/* Begin a shutdown / a reload; they proceed in the loop.  Return 0 or
	 * a negative errno (-ESHUTDOWN: already shutting down). */
	int (*shutdown)(void *arg);
	int (*reload)(void *arg);
	/* Read the config again without applying it.  On a config error
	 * return -EINVAL with the errors in err (CANT_REREAD). */
	int (*reread)(void *arg, struct api_diff *out, char *err, size_t errlen);
	/* Add a group from the last reread (-EEXIST: ALREADY_ADDED, -ENOENT:
	 * BAD_NAME) / remove a fully stopped group (-EBUSY: STILL_RUNNING,
	 * -ENOENT: BAD_NAME). */
	int (*add_group)(void *arg, const char *name);
	int (*remove_group)(void *arg, const char *name);
};

struct api;

int api_new(struct api **out, struct loop *l, const struct api_ops *ops);
/* Call after http_free: requests still held are dropped silently. */
void api_free(struct api *a);

/* The handlers to give http_new, with the api as ctx. */
extern const struct http_handlers api_http_handlers;

/* supervisord's fault for a negative errno of proc_start/stop/signal
 * ("ALREADY_STARTED"...), and the HTTP status that goes with a fault. */
const char *api_fault_name(int err);
unsigned api_fault_status(const char *fault);

#endif
