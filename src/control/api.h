/* The /v1 JSON API (doc/api.md) over the process table: the handlers the
 * HTTP server (http.h) calls.
 *
 * Wiring in daemon.c, after the process table exists:
 *
 *	struct api *api;
 *	struct ops_daemon ops = {.arg = d, .procs = ..., .conf = ..., ...};
 *	api_new(&api, loop, &ops);
 *	http_new(&http, loop, conf, &api_http_handlers, api, err, sizeof(err));
 *	...
 *	http_free(http);   // first: aborts the requests the API still holds
 *	api_free(api);
 *
 * The API subscribes to the table's transitions (procs_add_hook, in ops.c)
 * to answer waiting requests; the table must outlive the api.  POST /RPC2
 * (any path starting so) is supervisord's XML-RPC (xmlrpc.h).
 */
#ifndef SUPD_API_H
#define SUPD_API_H

#include <stddef.h>

#include "conf.h"
#include "http.h"
#include "loop.h"
#include "ops.h"
#include "proc.h"

struct api;

int api_new(struct api **out, struct loop *l, const struct ops_daemon *ops);
/* Call after http_free: requests still held are dropped silently. */
void api_free(struct api *a);

/* The handlers to give http_new, with the api as ctx. */
extern const struct http_handlers api_http_handlers;

/* A config notice for the event stream (GET /v1/events): what is
 * "reload", "added" or "removed" (then group names the group). */
void api_events_config(struct api *a, const char *what, const char *group);

/* The HTTP status that goes with a fault (ops_fault_name, ops.h). */
unsigned api_fault_status(const char *fault);

#endif
