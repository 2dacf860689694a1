/* What api.c (the /v1 router and its handlers), api_json.c (the process
 * list's JSON) and api_follow.c (tail -f streams) share, and webui.c (the
 * HTML pages the router hands it) uses.  Private to the control plane. */
#ifndef SUPD_API_INT_H
#define SUPD_API_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "api.h"
#include "buf.h"
#include "ops.h"
#include "xmlrpc.h"

struct follow;
struct follow_hub;
struct api_events;
struct metrics;

struct api {
	struct loop *loop;
	struct ops *core;
	const struct ops_daemon *d; /* the daemon's, as core holds them */
	struct xmlrpc *xr;
	struct held_act *acts;
	struct follow *follows;
	struct follow_hub *hub;	   /* api_follow.c's inotify instance; NULL when none follows */
	struct api_events *events; /* api_events.c */
	struct metrics *metrics;   /* metrics.c */
};

static inline const char *namespec(const struct proc *p, char *buf, size_t len)
{
	return conf_process_namespec(p->conf, buf, len);
}

/* api.c: a JSON error {"error": {"code", "message"}} with the code's
 * HTTP status (api_fault_status). */
__attribute__((format(printf, 3, 4))) void api_reply_error(struct http_req *r, const char *code,
							   const char *fmt, ...);

/* api_json.c: JSON text appended to a struct buf (buf_put: out of memory
 * is sticky, checked once at the end). */
/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
void api_json_str(struct buf *b, const char *str);
/* A process's fields, all or those of ?fields= ("name,state" -> a mask;
 * an unknown name is -EINVAL). */
#define API_ALL_FIELDS 0x1fffffu
/* cgroups: "resources" in ?fields= (or ?resources=true): an object with
 * the process's resource use (proc_resources), only when asked: it reads
 * files per process. */
#define API_F_RESOURCES (1u << 31)
int api_parse_fields(const char *spec, unsigned *mask);
void api_json_proc(struct buf *b, const struct proc *p, time_t now, unsigned mask);
/* The same fields as one line of tab-separated values (GET
 * /v1/processes?format=tsv): \t \n \r \\ escaped. */
void api_tsv_proc(struct buf *b, const struct proc *p, time_t now, unsigned mask);

/* api_health.c: GET /v1/health, 200 or 503 with who is not there. */
void api_health(struct api *a, struct http_req *r);

/* api_follow.c: streams a log to r (chunked) from its last 1024 bytes on,
 * or answers NO_FILE/FAILED. */
void api_follow(struct api *a, struct http_req *r, const char *path);
/* supervisord's GET /logtail/<namespec>[/stdout|stderr] and GET
 * /mainlogtail; false when path is neither. */
bool api_route_logtail(struct api *a, struct http_req *r, const char *path);
/* Ends the stream and frees f. */
void api_follow_free(struct follow *f);

/* api_events.c: GET /v1/events (a stream held with http_hold). */
int api_events_new(struct api *a);
void api_events_free(struct api *a);
void api_events_request(struct api *a, struct http_req *r);
struct api_events_stats {
	uint64_t emitted, lost; /* since supd started */
	size_t clients;
	uint64_t held;	   /* events the replay ring holds now */
	size_t held_bytes; /* and their frames' size */
};
void api_events_stats(const struct api *a, struct api_events_stats *s);

#endif
