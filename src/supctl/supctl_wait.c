/* supctl wait [--ready|--healthy|--completed] [NAME...] [--timeout S]
 * (doc/dependencies.md): returns 0 once the named processes meet the
 * condition, 1 when they do not within S seconds (or one went FATAL),
 * naming those that are not there.
 *
 * Nothing polls: the event stream (GET /v1/events) is opened first, and
 * when supd's hello frame says it is open, the processes are read once
 * on a second connection; from then on each event updates its process
 * and the condition is evaluated again after each piece read.  Without names, the condition is
 * supd's own GET /v1/health, asked again at each event. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supctl_int.h"

enum wait_cond { W_READY, W_HEALTHY, W_COMPLETED };

#define W_MET  1000 /* the callbacks' codes that end the stream on purpose */
#define W_FAIL 1001
#define W_LATE 1002

struct waiter {
	struct ctl *x;
	enum wait_cond cond;
	char **names;
	int nnames;
	json_t *procs; /* namespec -> the process's last JSON */
	json_t *health;
	bool have_snapshot;
	bool changed;	 /* since the last evaluation */
	double deadline; /* 0: none */
	char err[512];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One GET on a connection of its own (the first holds the stream). */
static json_t *get_json(struct waiter *w, const char *path, int *status)
{
	struct ctl_client c;
	struct ctl_resp resp;
	json_t *j = NULL;
	if (ctl_client_init(&c, w->x->url, w->x->user, w->x->pass) < 0) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		return NULL;
	}
	c.lim = w->x->c.lim;
	int r = ctl_request(&c, "GET", path, NULL, 0, &resp, NULL, NULL);
	if (r < 0) {
		char buf[256];
		snprintf(w->err, sizeof(w->err), "GET %s: %s", path,
			 ctl_strerror(&c, r, buf, sizeof(buf)));
	} else {
		*status = resp.status;
		if (resp.body)
			j = json_loadb(resp.body, resp.len, 0, NULL);
		if (!j)
			snprintf(w->err, sizeof(w->err), "GET %s: HTTP %d, not JSON", path,
				 resp.status);
		ctl_resp_free(&resp);
	}
	ctl_client_free(&c);
	return j;
}

static bool named(const struct waiter *w, json_t *p)
{
	const char *g = ctl_jstr(p, "group"), *n = ctl_jstr(p, "name");
	char ns[600], star[600];
	ctl_make_namespec(g, n, ns, sizeof(ns));
	snprintf(star, sizeof(star), "%s:*", g);
	for (int i = 0; i < w->nnames; i++) {
		const char *a = w->names[i];
		char full[600];
		snprintf(full, sizeof(full), "%s:%s", g, n);
		if (!strcmp(a, ns) || !strcmp(a, g) || !strcmp(a, star) || !strcmp(a, full))
			return true;
	}
	return false;
}

/* The condition for one process, as supd's proc_dep_holds says it:
 * RUNNING comes after the ready check; healthy is RUNNING with a health
 * check that passes (or none). */
static bool holds(const struct waiter *w, json_t *p)
{
	const char *st = ctl_jstr(p, "statename");
	if (w->cond == W_COMPLETED)
		return !strcmp(st, "EXITED");
	if (json_is_true(json_object_get(p, "completed")))
		return true;
	if (strcmp(st, "RUNNING"))
		return false;
	if (w->cond == W_HEALTHY) {
		const char *h = ctl_jstr(p, "health");
		return !*h || !strcmp(h, "none") || !strcmp(h, "healthy");
	}
	return true;
}

/* W_MET, W_FAIL (a process can no longer get there by itself) or 0;
 * the frame callback returns them negated, which stops the stream. */
static int evaluate(struct waiter *w)
{
	if (!w->nnames) {
		int status = 0;
		json_decref(w->health);
		w->health = get_json(w, "/v1/health", &status);
		if (!w->health)
			return W_FAIL;
		return status == 200 ? W_MET : 0;
	}
	const char *k;
	json_t *p;
	bool all = true;
	json_object_foreach(w->procs, k, p)
	{
		if (holds(w, p))
			continue;
		all = false;
		if (!strcmp(ctl_jstr(p, "statename"), "FATAL"))
			return W_FAIL;
	}
	return all ? W_MET : 0;
}

static void put_proc(struct waiter *w, json_t *p)
{
	char ns[600];
	ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns, sizeof(ns));
	json_object_set(w->procs, ns, p);
}

static int snapshot(struct waiter *w)
{
	int status = 0;
	json_t *j = get_json(w, "/v1/processes", &status);
	if (!j)
		return W_FAIL;
	json_t *all = json_object_get(j, "processes");
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p) if (named(w, p)) put_proc(w, p);
	json_decref(j);
	for (int a = 0; a < w->nnames; a++) {
		bool found = false;
		const char *k;
		json_object_foreach(
		    w->procs, k, p) if (named(&(struct waiter){.names = &w->names[a], .nnames = 1},
					      p)) found = true;
		if (!found) {
			snprintf(w->err, sizeof(w->err), "%s: ERROR (no such process)",
				 w->names[a]);
			return W_FAIL;
		}
	}
	w->have_snapshot = true;
	return evaluate(w);
}

static int on_frame(void *arg, const char *event, const char *data)
{
	struct waiter *w = arg;
	if (w->deadline && now_s() >= w->deadline)
		return -W_LATE;
	if (!w->have_snapshot)
		return -snapshot(w); /* the stream is open: nothing is missed */
	if (!data || strcmp(event, "process"))
		return 0;
	json_t *j = json_loads(data, 0, NULL);
	json_t *p = json_object_get(j, "process");
	if (p && (!w->nnames || named(w, p))) {
		put_proc(w, p);
		w->changed = true;
	}
	json_decref(j);
	return 0;
}

/* Once per piece read, not per event: 1000 programs starting are 2000
 * events, and without names each evaluation is a request. */
static int on_read_end(void *arg)
{
	struct waiter *w = arg;
	if (!w->changed)
		return 0;
	w->changed = false;
	return -evaluate(w);
}

/* Who is not there, and why: a line (or --json entries) per process. */
static void report(struct waiter *w, bool met)
{
	json_t *doc = json_pack("{s:b,s:[]}", "ok", met, "waiting");
	json_t *list = json_object_get(doc, "waiting"), *src = w->procs;
	if (!w->nnames && w->health)
		src = json_object_get(w->health, "unhealthy");
	size_t i = 0;
	const char *k;
	json_t *p;
	if (!met && json_is_array(src)) {
		json_array_foreach(src, i, p) json_array_append(list, p);
	} else if (!met) {
		json_object_foreach(src, k, p)
		{
			if (holds(w, p))
				continue;
			json_t *e = json_pack("{s:s,s:s,s:s}", "namespec", k, "statename",
					      ctl_jstr(p, "statename"), "description",
					      ctl_jstr(p, "description"));
			json_array_append_new(list, e);
		}
	}
	if (w->x->json) {
		ctl_jset(w->x, doc);
		return;
	}
	json_array_foreach(list, i, p)
	    ctl_out("%s: not %s: %s (%s)", ctl_jstr(p, "namespec"),
		    w->cond == W_COMPLETED ? "completed"
		    : w->cond == W_HEALTHY ? "healthy"
					   : "ready",
		    ctl_jstr(p, "statename"), ctl_jstr(p, "description"));
	json_decref(doc);
}

static int usage(struct ctl *x, const char *why)
{
	ctl_err(x, "BAD_ARGUMENTS", "Error: %s", why);
	ctl_help_line("wait");
	x->exitstatus = EX_INVALID_ARGS;
	return 0;
}

int cmd_wait(struct ctl *x, int argc, char **argv)
{
	struct waiter w = {.x = x, .cond = W_READY};
	double timeout = 0;
	w.names = calloc((size_t)argc + 1, sizeof(*w.names));
	if (!w.names)
		return usage(x, "out of memory");
	for (int i = 0; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--ready")) {
			w.cond = W_READY;
		} else if (!strcmp(argv[i], "--healthy")) {
			w.cond = W_HEALTHY;
		} else if (!strcmp(argv[i], "--completed")) {
			w.cond = W_COMPLETED;
		} else if (!strcmp(argv[i], "--timeout") || !strncmp(argv[i], "--timeout=", 10)) {
			const char *v = argv[i][9] ? argv[i] + 10 : i + 1 < argc ? argv[++i] : "";
			timeout = strtod(v, &end);
			if (!*v || *end || timeout < 0 || timeout > 1e7) {
				free(w.names);
				return usage(x, "--timeout takes seconds");
			}
		} else if (argv[i][0] == '-') {
			free(w.names);
			return usage(x, "unknown option");
		} else {
			w.names[w.nnames++] = argv[i];
		}
	}
	if (w.cond == W_COMPLETED && !w.nnames) {
		free(w.names);
		return usage(x, "wait --completed needs the names of the programs");
	}
	w.procs = json_object();
	struct ctl_sse s = {.frame = on_frame, .read_end = on_read_end, .arg = &w};
	struct ctl_resp resp;
	unsigned follow = x->c.lim.follow_timeout;
	if (timeout > 0) {
		w.deadline = now_s() + timeout;
		/* no frame at all for that long is the end too */
		x->c.lim.follow_timeout = (unsigned)timeout + 1;
	}
	int r = ctl_request(&x->c, "GET", "/v1/events", NULL, 0, &resp, ctl_sse_body, &s);
	x->c.lim.follow_timeout = follow;
	if (r >= 0)
		ctl_resp_free(&resp);
	/* the stream was cut: the connection cannot be used again */
	if (x->c.fd >= 0) {
		close(x->c.fd);
		x->c.fd = -1;
		x->c.nbuf = 0;
	}
	if (r == -W_MET) {
		report(&w, true);
	} else if (r == -W_LATE || r == -ETIME) {
		if (!x->json)
			ctl_out("timed out after %g s", timeout);
		report(&w, false);
		x->exitstatus = EX_GENERIC;
	} else if (r == -W_FAIL && !w.err[0]) {
		report(&w, false);
		x->exitstatus = EX_GENERIC;
	} else if (r == -W_FAIL) {
		ctl_err(x, "FAILED", "%s", w.err);
		x->exitstatus = EX_GENERIC;
	} else if (r < 0) {
		ctl_conn_error(x, r, false);
	} else {
		ctl_err(x, "FAILED", "error: the event stream ended (HTTP %d)", resp.status);
		x->exitstatus = EX_GENERIC;
	}
	json_decref(w.procs);
	json_decref(w.health);
	free(w.names);
	free(s.buf);
	return 0;
}
