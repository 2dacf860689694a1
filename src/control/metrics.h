/* GET /metrics: supd and its processes in Prometheus' text exposition
 * format (doc/metrics.md).  Every value is read when scraped, from the
 * process table, the outputs, /proc of each main pid and supd's own
 * counters; nothing is sampled between scrapes.
 *
 * The only state kept is a counter of control requests by route and
 * status code, fed by api.c for every answer (metrics_count). */
#ifndef SUPD_METRICS_H
#define SUPD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct api;
struct http_req;
struct metrics;
struct buf;

int metrics_new(struct metrics **out);
void metrics_free(struct metrics *m);

/* One answer with this status to a request for path. */
void metrics_count(struct metrics *m, const char *path, unsigned status);

/* The route label of a path: the path with names replaced by
 * placeholders ("/v1/processes/{name}/start"), so that a label's values
 * stay few. */
const char *metrics_route(const char *path, char *buf, size_t len);

/* What /proc/<pid>/stat says about a process. */
struct metrics_pstat {
	double cpu_s;	    /* user + system */
	uint64_t cpu_ticks; /* the same in clock ticks */
	uint64_t rss;	    /* bytes */
	long threads;
	double start_s; /* since boot */
};
/* Parses a /proc/<pid>/stat line.  Returns 0 or -EINVAL. */
int metrics_parse_stat(const char *line, long ticks, long pagesize, struct metrics_pstat *out);

/* Writes the whole exposition to b; with_stat: with the resource
 * families, read from each running program's cgroup, else from
 * /proc/<pid>/stat of its main pid, through descriptors kept open on the
 * process (GET /metrics?proc=false leaves them out: they are most of a
 * scrape's cost). */
void metrics_render(struct api *a, struct buf *b, bool with_stat);

/* GET /metrics. */
void metrics_request(struct api *a, struct http_req *r);

#endif
