/* supctl's commands on processes: status, start, stop, restart, signal
 * and pid, and on their logs (and supd's own): tail, maintail, clear.
 * What they share is supervisorctl's way with names ("g:*", "g:name",
 * "all") and its wording of per-process results and faults. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "supctl_int.h"

/* supervisorctl's set_exitstatus_from_xmlrpc_fault. */
static void fault_exit(struct ctl *x, const char *code, const char *ignored)
{
	if (!code || !strcmp(code, "SUCCESS") || (ignored && !strcmp(code, ignored)))
		return;
	if (!strcmp(code, "SPAWN_ERROR") || !strcmp(code, "ABNORMAL_TERMINATION") ||
	    !strcmp(code, "NOT_RUNNING"))
		x->exitstatus = EX_NOT_RUNNING;
	else
		x->exitstatus = EX_GENERIC;
}

/* split_namespec: "g:*" and "g:" name a group (*name NULL), "x" is x:x. */
static void split_namespec(const char *s, char *group, size_t glen, const char **name)
{
	const char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(group, glen, "%s", s);
		*name = s;
		return;
	}
	size_t n = (size_t)(colon - s) < glen - 1 ? (size_t)(colon - s) : glen - 1;
	memcpy(group, s, n);
	group[n] = '\0';
	*name = colon[1] && strcmp(colon + 1, "*") ? colon + 1 : NULL;
}

/* ---------------------------------------------------------------- status */

static bool stopped_state(long long st)
{
	return st == 0 || st == 100 || st == 200 || st == 1000;
}

/* --resources: "12.3M", "-" when unknown. */
static const char *human_bytes(json_t *res, const char *k, char *buf, size_t len)
{
	json_t *v = res ? json_object_get(res, k) : NULL;
	if (!json_is_integer(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	double b = (double)json_integer_value(v);
	const char *u = "B";
	if (b >= 1024.0 * 1024 * 1024) {
		b /= 1024.0 * 1024 * 1024;
		u = "G";
	} else if (b >= 1024.0 * 1024) {
		b /= 1024.0 * 1024;
		u = "M";
	} else if (b >= 1024.0) {
		b /= 1024.0;
		u = "K";
	}
	snprintf(buf, len, u[0] == 'B' ? "%.0f%s" : "%.1f%s", b, u);
	return buf;
}

/* --resources: the columns between the state and the description. */
static void show_resources(json_t *p)
{
	json_t *res = json_object_get(p, "resources");
	char cpu[32], mem[32], peak[32], procs[32];
	json_t *c = res ? json_object_get(res, "cpu_usec") : NULL;
	if (json_is_integer(c) && json_integer_value(c) >= 0)
		snprintf(cpu, sizeof(cpu), "%.2fs", (double)json_integer_value(c) / 1e6);
	else
		snprintf(cpu, sizeof(cpu), "-");
	json_t *np = res ? json_object_get(res, "processes") : NULL;
	if (json_is_integer(np))
		snprintf(procs, sizeof(procs), "%lld", (long long)json_integer_value(np));
	else
		snprintf(procs, sizeof(procs), "-");
	printf("%-10s%-9s%-9s%-7s", cpu, human_bytes(res, "memory_current", mem, sizeof(mem)),
	       human_bytes(res, "memory_peak", peak, sizeof(peak)), procs);
}

/* A status line's columns, from a JSON object or a TSV line. */
struct st_row {
	const char *group, *name, *statename, *description;
	long long state;
	bool completed; /* a one-shot that completed successfully */
	json_t *obj;	/* the JSON object, when the answer was JSON (--resources) */
};

static struct st_row row_of(json_t *o)
{
	return (struct st_row){ctl_jstr(o, "group"),
			       ctl_jstr(o, "name"),
			       ctl_jstr(o, "statename"),
			       ctl_jstr(o, "description"),
			       ctl_jint(o, "state"),
			       json_is_true(json_object_get(o, "completed")),
			       o};
}

/* namespec's length as ctl_make_namespec writes it (at most 599). */
static size_t ns_len(const struct st_row *r)
{
	size_t n =
	    strcmp(r->group, r->name) ? strlen(r->group) + 1 + strlen(r->name) : strlen(r->name);
	return n < 599 ? n : 599;
}

static void pad(struct buf *b, size_t n)
{
	static const char sp[] = "                                ";
	for (; n > 0; n -= n < 32 ? n : 32)
		buf_put(b, sp, n < 32 ? n : 32);
}

/* printf("%-*s%-10s%s\n") of every row, built in one buffer and written
 * at once: with 10,000 rows, printf's own work was most of supctl's. */
static void show_statuses(const struct st_row *v, size_t n, bool resources)
{
	size_t maxlen = 30;
	for (size_t i = 0; i < n; i++) {
		size_t l = ns_len(&v[i]);
		if (l > maxlen)
			maxlen = l;
	}
	char ns[600];
	if (resources) {
		/* a few lines at most: printf as they come */
		if (n)
			printf("%-*s%-10s%-10s%-9s%-9s%-7s%s\n", (int)maxlen + 3, "NAME", "STATE",
			       "CPU", "MEM", "PEAK", "PROCS", "DESCRIPTION");
		for (size_t i = 0; i < n; i++) {
			ctl_make_namespec(v[i].group, v[i].name, ns, sizeof(ns));
			printf("%-*s%-10s", (int)maxlen + 3, ns, v[i].statename);
			show_resources(v[i].obj);
			printf("%s\n", v[i].description);
		}
		return;
	}
	struct buf b = {0};
	for (size_t i = 0; i < n; i++) {
		size_t l = ns_len(&v[i]), sl = strlen(v[i].statename);
		if (!strcmp(v[i].group, v[i].name))
			buf_put(&b, v[i].name, l);
		else
			buf_put(&b, ctl_make_namespec(v[i].group, v[i].name, ns, sizeof(ns)), l);
		pad(&b, maxlen + 3 - l);
		buf_put(&b, v[i].statename, sl);
		pad(&b, sl < 10 ? 10 - sl : 0);
		buf_put(&b, v[i].description, strlen(v[i].description));
		buf_put(&b, "\n", 1);
	}
	if (b.len)
		fwrite(b.p, 1, b.len, stdout);
	free(b.p);
}

/* Undoes the server's TSV escapes (\t \n \r \\) in place. */
static void tsv_unescape(char *s)
{
	s = strchr(s, '\\');
	if (!s)
		return;
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The rows of GET /v1/processes?fields=group,name,state,statename,
 * description,completed&format=tsv: one line a process, its fields in the
 * API's order (name, group, state, statename, description, completed),
 * parsed in place in the body.  Returns how many, or -1 (a malformed
 * answer). */
static ssize_t tsv_rows(char *body, size_t len, struct st_row **out)
{
	size_t n = 0;
	for (const char *p = body, *e = body + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		n++;
	struct st_row *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -1;
	size_t k = 0;
	char *line = body, *end = body + len;
	while (line < end && k < n) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		*nl = '\0';
		char *f[6];
		int nf = 0;
		for (char *c = line; nf < 6;) {
			f[nf++] = c;
			c = strchr(c, '\t');
			if (!c)
				break;
			*c++ = '\0';
		}
		if (nf != 6) {
			free(v);
			return -1;
		}
		for (int i = 0; i < 6; i++)
			tsv_unescape(f[i]);
		v[k++] = (struct st_row){
		    f[1], f[0], f[3], f[4], strtoll(f[2], NULL, 10), !strcmp(f[5], "true"), NULL};
		line = nl + 1;
	}
	*out = v;
	return (ssize_t)k;
}

/* status of names that each name one process (no "all", no group spec):
 * one GET /v1/processes/{namespec} each, on the same connection, so that
 * the cost does not grow with the number of processes supd has (#18: with
 * 10,000 the whole list is 2 MB to send and parse for one line).  Fills
 * match[] as the list path does; returns -1 when the server could not be
 * asked (the error said), else how many matched. */
#define STATUS_ONE_MAX 16

static bool one_process_spec(const char *s)
{
	const char *colon = strchr(s, ':');
	return *s && strcmp(s, "all") && !strchr(s, '*') &&
	       (!colon || (colon[1] && !strchr(colon + 1, ':')));
}

static ssize_t status_each(struct ctl *x, int argc, char **argv, json_t **match)
{
	ssize_t k = 0;
	for (int a = 0; a < argc; a++) {
		char enc[1600], path[1700];
		ctl_enc(argv[a], enc, sizeof(enc));
		snprintf(path, sizeof(path), "/v1/processes/%s", enc);
		struct reply rep;
		if (ctl_call_ex(x, "GET", path, &rep, true, NULL, NULL) < 0)
			return -1;
		if (rep.code && !strcmp(rep.code, "BAD_NAME")) {
			ctl_err(x, "BAD_NAME", "%s: ERROR (no such process)", argv[a]);
			x->exitstatus = EX_STATUS_UNKNOWN;
		} else if (rep.code || !json_is_object(rep.j)) {
			ctl_err(x, rep.code ? rep.code : "BAD_ANSWER", "error: GET %s: %s", path,
				rep.msg ? rep.msg : "unexpected answer");
			x->exitstatus = EX_STATUS_UNKNOWN;
		} else {
			match[k++] = json_incref(rep.j);
		}
		ctl_reply_free(&rep);
	}
	return k;
}

int cmd_status(struct ctl *x, int argc, char **argv)
{
	/* --resources (cgroups): CPU time, memory, peak, processes */
	bool resources = false;
	int na = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--resources"))
			resources = true;
		else
			argv[na++] = argv[i];
	}
	argc = na;
	bool every = argc == 0, each = argc > 0 && argc <= STATUS_ONE_MAX && !resources;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "all"))
			every = true;
		if (!one_process_spec(argv[i]))
			each = false;
	}
	struct reply rep = {0};
	json_t **objs = NULL; /* the JSON objects (one request each, or a JSON list) */
	struct st_row *all = NULL, *rows = NULL;
	size_t n = 0, k = 0;
	if (each) {
		objs = calloc((size_t)argc + 1, sizeof(*objs));
		ssize_t r = objs ? status_each(x, argc, argv, objs) : -1;
		if (r < 0) {
			for (size_t i = 0; objs && objs[i]; i++)
				json_decref(objs[i]);
			free(objs);
			return 0;
		}
		n = (size_t)r;
		all = calloc(n + 1, sizeof(*all));
		for (size_t i = 0; all && i < n; i++)
			all[i] = row_of(objs[i]);
		every = true; /* each one asked for is shown */
	} else {
		/* Only the columns shown, as tab-separated lines: less to send
		 * and nothing to build or parse per process (--json: all, as
		 * JSON).  A server without format=tsv answers JSON. */
		const char *path =
		    resources ? (x->json ? "/v1/processes?resources=true"
					 : "/v1/processes?fields=group,name,state,statename,"
					   "description,completed,resources")
		    : x->json ? "/v1/processes"
			      : "/v1/processes?fields=group,name,state,statename,description,"
				"completed&format=tsv";
		if (ctl_call_ex(x, "GET", path, &rep, true, NULL, NULL) < 0)
			return 0;
		json_t *list = json_object_get(rep.j, "processes");
		if (rep.j) {
			n = json_array_size(list);
			objs = calloc(n + 1, sizeof(*objs));
			all = calloc(n + 1, sizeof(*all));
			for (size_t i = 0; objs && all && i < n; i++) {
				objs[i] = json_incref(json_array_get(list, i));
				all[i] = row_of(objs[i]);
			}
		} else {
			ssize_t r = tsv_rows(rep.resp.body, rep.resp.len, &all);
			if (r < 0) {
				ctl_err(x, "BAD_ANSWER", "error: GET %s: unexpected answer", path);
				x->exitstatus = EX_GENERIC;
				ctl_reply_free(&rep);
				return 0;
			}
			n = (size_t)r;
		}
	}
	/* Which rows, in the order asked for; with --json the objects. */
	size_t *pick = all ? calloc(n * (size_t)(argc ? argc : 1) + 1, sizeof(*pick)) : NULL;
	if (!pick) {
		ctl_err(x, "NO_MEMORY", "error: out of memory");
		x->exitstatus = EX_GENERIC;
		n = 0;
	}
	if (every) {
		for (size_t i = 0; i < n; i++)
			pick[k++] = i;
	} else {
		for (int a = 0; pick && a < argc; a++) {
			char group[512];
			const char *name;
			split_namespec(argv[a], group, sizeof(group), &name);
			bool found = false;
			for (size_t i = 0; i < n; i++) {
				if (strcmp(all[i].group, group) ||
				    (name && strcmp(all[i].name, name)))
					continue;
				found = true;
				pick[k++] = i;
			}
			if (!found) {
				if (!name)
					ctl_err(x, "BAD_NAME", "%s: ERROR (no such group)", group);
				else
					ctl_err(x, "BAD_NAME", "%s: ERROR (no such process)",
						argv[a]);
				x->exitstatus = EX_STATUS_UNKNOWN;
			}
		}
	}
	if (x->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < k; i++)
			json_array_append(arr, objs[pick[i]]);
		ctl_jset(x, arr);
	} else if (k) {
		rows = malloc(k * sizeof(*rows));
		for (size_t i = 0; rows && i < k; i++)
			rows[i] = all[pick[i]];
		if (rows)
			show_statuses(rows, k, resources);
	}
	/* a one-shot that completed successfully is where it should be */
	for (size_t i = 0; i < k; i++)
		if (stopped_state(all[pick[i]].state) && !all[pick[i]].completed)
			x->exitstatus = EX_STATUS_NOT_RUNNING;
	for (size_t i = 0; objs && i < n; i++)
		json_decref(objs[i]);
	free(objs);
	free(rows);
	free(pick);
	free(all);
	ctl_reply_free(&rep);
	return 0;
}

/* ---------------------------------------------------------------- start/stop */

enum action { ACT_START, ACT_STOP };

/* supervisorctl's words for a fault in a start or stop result (a fault
 * that one of the two cannot give is simply never looked up there). */
static const char *fault_text(const char *code)
{
	static const char *const texts[][2] = {
	    {"BAD_NAME", "no such process"},
	    {"NO_FILE", "no such file"},
	    {"NOT_EXECUTABLE", "file is not executable"},
	    {"ALREADY_STARTED", "already started"},
	    {"NOT_RUNNING", "not running"},
	    {"SPAWN_ERROR", "spawn error"},
	    {"ABNORMAL_TERMINATION", "abnormal termination"},
	    {"SHUTDOWN_STATE", "supd is shutting down"},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(code, texts[i][0]))
			return texts[i][1];
	return NULL;
}

static void print_result(struct ctl *x, enum action act, const char *group, const char *name,
			 const char *code, const char *desc, json_t *shown)
{
	char ns[600];
	ctl_make_namespec(group, name, ns, sizeof(ns));
	if (!strcmp(code, "SUCCESS") && json_object_get(shown, ns))
		return; /* the progress printed it as it happened */
	if (!strcmp(code, "SUCCESS")) {
		ctl_result(x, ns, code, "%s: %s", ns, act == ACT_START ? "started" : "stopped");
		return;
	}
	/* The API tells a quick exit (ABNORMAL_TERMINATION, its description
	 * the process's spawn error, "Exited too quickly ...") apart from a
	 * spawn error; supervisord's wait checks the spawn error first and
	 * says "spawn error" for both, as XML-RPC does. */
	if (!strcmp(code, "ABNORMAL_TERMINATION") && desc && *desc && strcmp(desc, ns) &&
	    strcmp(desc, name))
		code = "SPAWN_ERROR";
	const char *e = fault_text(code);
	if (e)
		ctl_result(x, ns, code, "%s: ERROR (%s)", ns, e);
	else
		ctl_result(x, ns, code, "%s: ERROR (%s)", ns, desc && *desc ? desc : code);
	fault_exit(x, code, act == ACT_START ? "ALREADY_STARTED" : "NOT_RUNNING");
}

static void print_results(struct ctl *x, enum action act, json_t *j, json_t *shown)
{
	json_t *res = json_object_get(j, "results");
	for (size_t i = 0; i < json_array_size(res); i++) {
		json_t *o = json_array_get(res, i);
		print_result(x, act, ctl_jstr(o, "group"), ctl_jstr(o, "name"),
			     ctl_jstr(o, "status"), ctl_jstr(o, "description"), shown);
	}
}

/* ---------------------------------------------------------------- progress
 *
 * On a terminal, a start or stop that takes time shows what it waits for:
 * a line, rewritten in place, naming the processes still STARTING or
 * STOPPING and, for a stop, the seconds left before supd sends SIGKILL
 * (stopwaitsecs, counted from the request); and each process's
 * "started"/"stopped" line as soon as it is so, not when the whole answer
 * comes.  A thread follows supd's event stream (GET /v1/events) on a
 * connection of its own while the request waits, and redraws the line
 * when an event comes and once a second for the countdown; it asks supd
 * nothing more.  The answer then prints what the thread has not (every
 * failure among them, in supervisorctl's words).  Not on a terminal, none
 * of this runs: scripts see supervisorctl's output exactly. */

struct progress {
	struct ctl *x;
	enum action act;
	char group[512];
	const char *name; /* NULL: the group (or all) */
	bool all;
	json_t *watch;	/* namespec -> wait (stopwaitsecs or startsecs) */
	json_t *shown;	/* namespec -> true: its line is out */
	json_t *states; /* namespec -> its state now, for those watched */
	struct timespec t0;
	struct ctl_client ev; /* the event stream's connection */
	struct ctl_stream stream;
	struct ctl_sse sse;
	int wake[2]; /* the main thread's word that the answer came */
	pthread_t th;
	bool status_line; /* a progress line is on the screen */
};

static bool spec_matches(const struct progress *p, json_t *proc)
{
	if (p->all)
		return true;
	if (strcmp(ctl_jstr(proc, "group"), p->group))
		return false;
	return !p->name || !strcmp(ctl_jstr(proc, "name"), p->name);
}

static void clear_status(struct progress *p)
{
	if (p->status_line)
		fputs("\r\033[K", stdout);
	p->status_line = false;
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool is_stopped_state(long long st)
{
	return st == 0 || st == 100 || st == 200;
}

/* A watched process is now in state st: its line when it got where the
 * request takes it. */
static void progress_state(struct progress *p, const char *ns, long long st)
{
	if (!json_object_get(p->watch, ns) || json_object_get(p->shown, ns))
		return;
	json_object_set_new(p->states, ns, json_integer(st));
	if ((p->act == ACT_STOP && is_stopped_state(st)) || (p->act == ACT_START && st == 20)) {
		clear_status(p);
		printf("%s: %s\n", ns, p->act == ACT_START ? "started" : "stopped");
		fflush(stdout);
		json_object_set_new(p->shown, ns, json_true());
	}
}

/* The status line: who is still under way, and the nearest SIGKILL. */
static void progress_draw(struct progress *p)
{
	if (ctl_interrupted())
		return; /* the shell's Ctrl-C: the command says nothing more */
	char line[1024] = "";
	size_t waiting = 0, off = 0;
	double left = -1;
	const char *ns;
	json_t *v;
	json_object_foreach(p->states, ns, v)
	{
		long long st = json_integer_value(v);
		if (json_object_get(p->shown, ns) || (st != 10 && st != 40))
			continue; /* done, or not under way (yet): nothing to say */
		waiting++;
		if (off < sizeof(line) - 1)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
						waiting > 1 ? ", " : "", ns);
		json_t *w = json_object_get(p->watch, ns);
		if (st == 40 && json_integer_value(w) >= 0) {
			double l = (double)json_integer_value(w) - since(&p->t0);
			if (left < 0 || l < left)
				left = l < 0 ? 0 : l;
		}
	}
	clear_status(p);
	if (waiting) {
		if (off >= 40) /* the line fits in 80 columns */
			snprintf(line, sizeof(line), "%zu processes", waiting);
		if (left >= 0)
			printf("waiting for %s to stop (SIGKILL in %.0fs)", line, left + 0.49);
		else
			printf("waiting for %s to %s", line,
			       p->act == ACT_START ? "start" : "stop");
		p->status_line = true;
	}
	fflush(stdout);
}

/* A frame of the event stream. */
static int progress_frame(void *arg, const char *event, const char *data)
{
	struct progress *p = arg;
	if (!data || strcmp(event, "process") || ctl_interrupted())
		return 0;
	json_t *j = json_loads(data, 0, NULL);
	json_t *o = json_object_get(j, "process");
	if (o) {
		char ns[600];
		ctl_make_namespec(ctl_jstr(o, "group"), ctl_jstr(o, "name"), ns, sizeof(ns));
		progress_state(p, ns, ctl_jint(o, "state"));
	}
	json_decref(j);
	return 0;
}

/* A quick answer needs no status line: it waits this long first. */
#define PROGRESS_DELAY 0.25

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	struct pollfd fds[2] = {{.fd = p->ev.fd, .events = POLLIN},
				{.fd = p->wake[0], .events = POLLIN}};
	for (;;) {
		/* until the next whole second of the countdown (or the delay) */
		double t = since(&p->t0);
		double next = t < PROGRESS_DELAY ? PROGRESS_DELAY : (double)((long)t + 1);
		int ms = (int)((next - t) * 1000) + 1;
		int n = poll(fds, 2, ms);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (fds[0].revents && ctl_stream_step(&p->stream) != 0)
			fds[0].fd = -1; /* the stream ended: the countdown goes on */
		if (since(&p->t0) >= PROGRESS_DELAY)
			progress_draw(p);
	}
	return NULL;
}

/* Opens the event stream and waits until supd has it (its first bytes),
 * so that no transition after the snapshot that follows is missed. */
static int progress_listen(struct progress *p)
{
	int r = ctl_client_init(&p->ev, p->x->url, p->x->user, p->x->pass);
	if (r < 0)
		return r;
	p->sse.frame = progress_frame;
	p->sse.arg = p;
	r = ctl_stream_begin(&p->stream, &p->ev, "/v1/events", ctl_sse_body, &p->sse);
	while (r == 0 && !p->sse.any) {
		struct pollfd pfd = {.fd = p->ev.fd, .events = POLLIN};
		r = poll(&pfd, 1, 2000);
		if (r == 0)
			r = -ETIMEDOUT;
		else if (r > 0)
			r = ctl_stream_step(&p->stream);
		if (r > 0) /* the answer ended: no stream (an old supd) */
			r = -EPROTO;
	}
	if (r == 0 && p->stream.resp.status != 200)
		r = -EPROTO;
	return r;
}

static void progress_free(struct progress *p)
{
	ctl_stream_end(&p->stream);
	ctl_client_free(&p->ev);
	free(p->sse.buf);
	json_decref(p->watch);
	json_decref(p->states);
	if (p->wake[0] >= 0) {
		close(p->wake[0]);
		close(p->wake[1]);
	}
}

/* Starts the progress of a start or stop of spec, when stdout is a
 * terminal; false when there is none. */
static bool progress_start(struct progress *p, struct ctl *x, enum action act, bool all,
			   const char *group, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->wake[0] = p->wake[1] = -1;
	if (x->json || !isatty(STDOUT_FILENO))
		return false;
	p->x = x;
	p->act = act;
	p->all = all;
	snprintf(p->group, sizeof(p->group), "%s", group);
	p->name = name;
	/* what to watch: the processes the request may change, with their wait */
	struct reply rep;
	memset(&rep, 0, sizeof(rep));
	if (ctl_request(&x->c, "GET", "/v1/config", NULL, 0, &rep.resp, NULL, NULL) < 0 ||
	    rep.resp.status != 200) {
		ctl_resp_free(&rep.resp);
		return false;
	}
	rep.j = json_loadb(rep.resp.body ? rep.resp.body : "", rep.resp.len, 0, NULL);
	p->watch = json_object();
	p->shown = json_object();
	p->states = json_object();
	json_t *progs = json_object_get(rep.j, "programs");
	char ns[600];
	for (size_t i = 0; i < json_array_size(progs); i++) {
		json_t *o = json_array_get(progs, i);
		if (!json_is_true(json_object_get(o, "inuse")) || !spec_matches(p, o))
			continue;
		ctl_make_namespec(ctl_jstr(o, "group"), ctl_jstr(o, "name"), ns, sizeof(ns));
		/* -1: a supd that does not say (no countdown then) */
		json_t *w = json_object_get(o, act == ACT_STOP ? "stopwaitsecs" : "startsecs");
		json_object_set_new(p->watch, ns,
				    json_integer(json_is_integer(w) ? json_integer_value(w) : -1));
	}
	ctl_reply_free(&rep);
	if (progress_listen(p) < 0 || pipe2(p->wake, O_CLOEXEC) < 0)
		goto none;
	/* where they are now; those already where the request takes them get
	 * no line */
	if (ctl_request(&x->c, "GET", "/v1/processes?fields=group,name,state", NULL, 0, &rep.resp,
			NULL, NULL) < 0)
		goto none;
	rep.j = json_loadb(rep.resp.body ? rep.resp.body : "", rep.resp.len, 0, NULL);
	json_t *all_p = json_object_get(rep.j, "processes");
	for (size_t i = 0; i < json_array_size(all_p); i++) {
		json_t *o = json_array_get(all_p, i);
		long long st = ctl_jint(o, "state");
		bool there = act == ACT_STOP ? is_stopped_state(st) : (st == 20 || st == 10);
		ctl_make_namespec(ctl_jstr(o, "group"), ctl_jstr(o, "name"), ns, sizeof(ns));
		if (there)
			json_object_del(p->watch, ns);
		else if (json_object_get(p->watch, ns))
			json_object_set_new(p->states, ns, json_integer(st));
	}
	ctl_reply_free(&rep);
	if (!json_object_size(p->watch))
		goto none;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	/* signals (the shell's Ctrl-C) stay the main thread's */
	sigset_t all_sigs, old;
	sigfillset(&all_sigs);
	pthread_sigmask(SIG_BLOCK, &all_sigs, &old);
	int r = pthread_create(&p->th, NULL, progress_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		return true;
none:
	progress_free(p);
	json_decref(p->shown);
	return false;
}

static void progress_end(struct progress *p)
{
	(void)!write(p->wake[1], "", 1);
	pthread_join(p->th, NULL);
	clear_status(p);
	fflush(stdout);
	progress_free(p);
}

static void act_one(struct ctl *x, enum action act, const char *spec)
{
	char group[512], path[1600], e[1200];
	const char *name;
	bool all = !strcmp(spec, "all");
	if (all)
		snprintf(path, sizeof(path), "/v1/processes/*/%s",
			 act == ACT_START ? "start" : "stop");
	split_namespec(spec, group, sizeof(group), &name);
	if (!all) {
		ctl_enc(name ? spec : group, e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s%s/%s", e, name ? "" : ":*",
			 act == ACT_START ? "start" : "stop");
	}
	struct reply rep;
	struct progress prog;
	bool shows = progress_start(&prog, x, act, all, group, name);
	int r = ctl_call(x, "POST", path, &rep);
	json_t *shown = NULL;
	if (shows) {
		progress_end(&prog);
		shown = prog.shown;
	}
	if (r < 0) {
		json_decref(shown);
		return;
	}
	if (all || !name) {
		if (rep.code && !strcmp(rep.code, "BAD_NAME")) {
			ctl_err(x, rep.code, "%s: ERROR (no such group)", group);
			x->exitstatus = act == ACT_START ? EX_INVALID_ARGS : EX_GENERIC;
		} else if (rep.code) {
			ctl_err(x, rep.code, "%s: ERROR (%s)", all ? "all" : group,
				rep.msg ? rep.msg : rep.code);
			fault_exit(x, rep.code, NULL);
		} else {
			print_results(x, act, rep.j, shown);
		}
	} else if (rep.code) {
		print_result(x, act, group, name, rep.code, rep.msg, shown);
	} else {
		print_result(x, act, group, name, "SUCCESS", NULL, shown);
	}
	json_decref(shown);
	ctl_reply_free(&rep);
}

/* supervisorctl's answer to a command given no name; false then.  (The exit
 * status differs by command: start's is 2, the others' 1, as in
 * supervisorctl 4.2.5.) */
static bool need_names(struct ctl *x, int argc, const char *cmd, int status)
{
	if (argc > 0)
		return true;
	ctl_err(x, "BAD_ARGUMENTS", "Error: %s requires a process name", cmd);
	if (!x->json)
		ctl_help_line(cmd);
	x->exitstatus = status;
	return false;
}

int cmd_start(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "start", EX_INVALID_ARGS))
		for (int i = 0; i < argc; i++)
			act_one(x, ACT_START, argv[i]);
	return 0;
}

int cmd_stop(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "stop", EX_GENERIC))
		for (int i = 0; i < argc; i++)
			act_one(x, ACT_STOP, argv[i]);
	return 0;
}

int cmd_restart(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "restart", EX_GENERIC)) {
		cmd_stop(x, argc, argv);
		cmd_start(x, argc, argv);
	}
	return 0;
}

/* ---------------------------------------------------------------- signal, pid */

static void signal_result(struct ctl *x, const char *group, const char *name, const char *code,
			  const char *desc)
{
	char ns[600];
	ctl_make_namespec(group, name, ns, sizeof(ns));
	if (!strcmp(code, "SUCCESS"))
		ctl_result(x, ns, code, "%s: signalled", ns);
	else if (!strcmp(code, "BAD_NAME"))
		ctl_result(x, ns, code, "%s: ERROR (no such process)", ns);
	else if (!strcmp(code, "BAD_SIGNAL"))
		ctl_result(x, ns, code, "%s: ERROR (bad signal name)", ns);
	else if (!strcmp(code, "NOT_RUNNING"))
		ctl_result(x, ns, code, "%s: ERROR (not running)", ns);
	else
		ctl_result(x, ns, code, "%s: ERROR (%s)", ns, desc && *desc ? desc : code);
	fault_exit(x, code, NULL);
}

int cmd_signal(struct ctl *x, int argc, char **argv)
{
	if (argc < 2) {
		ctl_err(x, "BAD_ARGUMENTS",
			"Error: signal requires a signal name and a process name");
		if (!x->json)
			ctl_help_line("signal");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	char sig[64];
	ctl_enc(argv[0], sig, sizeof(sig));
	for (int i = 1; i < argc; i++) {
		char group[512], path[1700], e[1200];
		const char *name;
		bool all = !strcmp(argv[i], "all");
		split_namespec(argv[i], group, sizeof(group), &name);
		ctl_enc(name ? argv[i] : group, e, sizeof(e));
		if (all)
			snprintf(path, sizeof(path), "/v1/processes/*/signal?signal=%s", sig);
		else
			snprintf(path, sizeof(path), "/v1/processes/%s%s/signal?signal=%s", e,
				 name ? "" : ":*", sig);
		struct reply rep;
		if (ctl_call(x, "POST", path, &rep) < 0)
			continue;
		if (all || !name) {
			if (rep.code && !strcmp(rep.code, "BAD_NAME")) {
				ctl_err(x, rep.code, "%s: ERROR (no such group)", group);
				x->exitstatus = EX_GENERIC;
			} else if (rep.code && !strcmp(rep.code, "BAD_SIGNAL")) {
				ctl_err(x, rep.code, "%s: ERROR (bad signal name)",
					all ? "all" : group);
				x->exitstatus = EX_GENERIC;
			} else if (rep.code) {
				ctl_err(x, rep.code, "%s: ERROR (%s)", all ? "all" : group,
					rep.msg ? rep.msg : rep.code);
				fault_exit(x, rep.code, NULL);
			} else {
				json_t *res = json_object_get(rep.j, "results");
				for (size_t k = 0; k < json_array_size(res); k++) {
					json_t *o = json_array_get(res, k);
					signal_result(x, ctl_jstr(o, "group"), ctl_jstr(o, "name"),
						      ctl_jstr(o, "status"),
						      ctl_jstr(o, "description"));
				}
			}
		} else {
			signal_result(x, group, name, rep.code ? rep.code : "SUCCESS", rep.msg);
		}
		ctl_reply_free(&rep);
	}
	return 0;
}

/* A process's pid: the line, or {"name", "pid"} in --json's array. */
static void pid_line(struct ctl *x, json_t *p)
{
	long long pid = ctl_jint(p, "pid");
	if (!x->json) {
		ctl_out("%lld", pid);
		return;
	}
	char ns[600];
	ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns, sizeof(ns));
	if (!x->jdoc)
		x->jdoc = json_array();
	json_array_append_new(x->jdoc, json_pack("{s:s,s:I}", "name", ns, "pid", (json_int_t)pid));
}

int cmd_pid(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (argc == 0) {
		if (ctl_call(x, "GET", "/v1/version", &rep) == 0) {
			if (x->json)
				ctl_jset(x, json_pack("{s:I}", "pid",
						      (json_int_t)ctl_jint(rep.j, "pid")));
			else
				ctl_out("%lld", ctl_jint(rep.j, "pid"));
			ctl_reply_free(&rep);
		}
		return 0;
	}
	/* as supervisorctl: "all" among the names is every pid, alone */
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "all")) {
			argv += i;
			argc = 1;
			break;
		}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			if (ctl_call(x, "GET", "/v1/processes?fields=group,name,pid", &rep) < 0)
				continue;
			json_t *all = json_object_get(rep.j, "processes");
			for (size_t k = 0; k < json_array_size(all); k++)
				pid_line(x, json_array_get(all, k));
			ctl_reply_free(&rep);
			continue;
		}
		char e[1200], path[1300];
		ctl_enc(argv[i], e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s", e);
		if (ctl_call(x, "GET", path, &rep) < 0)
			continue;
		if (rep.code) {
			ctl_err(x, rep.code, "No such process %s", argv[i]);
			x->exitstatus = EX_GENERIC;
		} else {
			long long pid = ctl_jint(rep.j, "pid");
			pid_line(x, rep.j);
			if (pid == 0)
				x->exitstatus = EX_NOT_RUNNING;
		}
		ctl_reply_free(&rep);
	}
	return 0;
}

/* ---------------------------------------------------------------- logs */

/* A -f or -N modifier, read as supervisorctl reads it: -f follows, -N asks
 * for the last N bytes.  Returns 0, or -1 after its error line. */
static int tail_modifier(struct ctl *x, const char *mod, bool *follow, long *bytes)
{
	*follow = false;
	*bytes = 1600;
	if (!mod)
		return 0;
	const char *o = mod + 1;
	if (!strcmp(o, "f")) {
		*follow = true;
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(o, &end, 10);
	if (!*o || *end || n < 0 || errno) {
		ctl_err(x, "BAD_ARGUMENTS", "Error: bad argument %s", mod);
		x->exitstatus = EX_GENERIC;
		return -1;
	}
	*bytes = n;
	return 0;
}

static void log_error_line(struct ctl *x, const char *who, const char *code)
{
	if (!strcmp(code, "BAD_NAME"))
		ctl_err(x, code, "%s: ERROR (no such process name)", who);
	else if (!strcmp(code, "NO_FILE"))
		ctl_err(x, code, "%s: ERROR (no log file)", who);
	else
		ctl_err(x, code, "%s: ERROR (unknown error reading log)", who);
	x->exitstatus = EX_GENERIC;
}

/* tail -f's stream, with supd's marker for bytes rotated out before they
 * were read (a line of its own, doc/api.md) turned into a notice on
 * stderr.  A line that may be a marker cut between two reads is held until
 * its end arrives. */
/* bytes of the end of what tail -f printed, to find it again after a
 * reconnect */
#define RESUME_KEY 128
#define SKIP_HEAD  "==> "
#define SKIP_TAIL  " bytes skipped: rotated out before they were read <==\n"

struct skip_filter {
	const char *who;
	char *held;
	size_t nheld;
	bool mid_line; /* the last byte out was not a newline */
	/* reconnecting after a cut stream (an upgrade in place): the bytes
	 * last passed on, to find where the new stream's history ends */
	char last[RESUME_KEY];
	size_t nlast;
	uint64_t passed; /* bytes passed on since the stream began */
	bool resync;
};

/* The marker's length at s, 0 when s does not start one, -1 when s[0..n)
 * could still become one. */
static long skip_marker(const char *s, size_t n, long long *bytes)
{
	static const char head[] = SKIP_HEAD, tail[] = SKIP_TAIL;
	size_t i = 0, hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
	for (; i < hl; i++)
		if (i == n)
			return -1;
		else if (s[i] != head[i])
			return 0;
	long long v = 0;
	size_t d = i;
	for (; i < n && s[i] >= '0' && s[i] <= '9' && i - d < 18; i++)
		v = v * 10 + (s[i] - '0');
	if (i == n)
		return -1;
	if (i == d)
		return 0;
	for (size_t k = 0; k < tl; k++, i++)
		if (i == n)
			return -1;
		else if (s[i] != tail[k])
			return 0;
	*bytes = v;
	return (long)i;
}

static int skip_out(void *arg, const char *buf, size_t len)
{
	struct skip_filter *f = arg;
	char *s = malloc(f->nheld + len + 1);
	if (!s)
		return -ENOMEM;
	if (f->nheld)
		memcpy(s, f->held, f->nheld);
	if (len)
		memcpy(s + f->nheld, buf, len);
	size_t n = f->nheld + len, from = 0;
	bool bol = !f->mid_line || f->nheld;
	free(f->held);
	f->held = NULL;
	f->nheld = 0;
	int e = 0;
	/* each line start: p == s when the stream is at one, else after '\n' */
	for (size_t p = 0; e == 0 && p < n;) {
		long long bytes;
		long m = p == 0 && !bol ? 0 : skip_marker(s + p, n - p, &bytes);
		if (m == 0) {
			char *nl = memchr(s + p, '\n', n - p);
			p = nl ? (size_t)(nl - s) + 1 : n;
			continue;
		}
		e = ctl_write_out(NULL, s + from, p - from);
		from = p;
		if (m < 0) { /* the rest next time */
			f->held = malloc(n - p);
			if (!f->held) {
				e = -ENOMEM;
				break;
			}
			memcpy(f->held, s + p, n - p);
			f->nheld = n - p;
			from = n;
			break;
		}
		fflush(stdout);
		fprintf(stderr,
			"supctl: %s: %lld bytes of the log were lost (rotated out before tail -f "
			"read them)\n",
			f->who, bytes);
		p += (size_t)m;
		from = p;
	}
	if (!e && from < n)
		e = ctl_write_out(NULL, s + from, n - from);
	if (n && !f->nheld)
		f->mid_line = s[n - 1] != '\n';
	free(s);
	return e;
}

/* Whether a process of that name exists; false after its error line (and
 * after a failed call's).  tail -f asks first, so that a wrong name gets a
 * line naming it rather than supervisorctl's "Cannot read, status code
 * 404" after the banner. */
static bool tail_name_known(struct ctl *x, const char *enc, const char *name)
{
	char path[1300];
	struct reply rep;
	snprintf(path, sizeof(path), "/v1/processes/%s", enc);
	if (ctl_call(x, "GET", path, &rep) < 0)
		return false;
	bool known = !rep.code;
	if (rep.code && !strcmp(rep.code, "BAD_NAME"))
		ctl_err(x, rep.code, "%s: ERROR (no such process)", name);
	else if (rep.code)
		log_error_line(x, name, rep.code);
	ctl_reply_free(&rep);
	return known;
}

/* tail -f --json: one JSON object a line, {"name", "line"}, for each line
 * of the log as it arrives (a line not in UTF-8 comes as "line": null). */
static int json_lines_out(void *arg, const char *buf, size_t len)
{
	struct skip_filter *f = arg;
	char *s = realloc(f->held, f->nheld + len);
	if (!s)
		return -ENOMEM;
	memcpy(s + f->nheld, buf, len);
	f->held = s;
	f->nheld += len;
	size_t from = 0;
	for (size_t i = 0; i < f->nheld; i++) {
		if (s[i] != '\n')
			continue;
		json_t *t = json_stringn(s + from, i - from);
		json_t *j = json_pack("{s:s,s:o}", "name", f->who, "line", t ? t : json_null());
		char *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (out)
			puts(out);
		free(out);
		json_decref(j);
		from = i + 1;
	}
	fflush(stdout);
	memmove(s, s + from, f->nheld - from);
	f->nheld -= from;
	return 0;
}

/* In front of the stream's own filter: remembers the last bytes passed
 * on and, after a reconnect, skips the history the new stream repeats
 * (its first bytes, up to the server's 1024, that end with those). */
struct resume {
	struct skip_filter *sf;
	ctl_body_cb next;
};

static int resume_cb(void *arg, const char *buf, size_t len)
{
	struct resume *rs = arg;
	struct skip_filter *f = rs->sf;
	if (f->resync && f->nlast) {
		size_t scope = len < 1024 + f->nlast ? len : 1024 + f->nlast;
		const char *hit = NULL;
		for (const char *p = buf; p + f->nlast <= buf + scope; p++) {
			p = memmem(p, (size_t)(buf + scope - p), f->last, f->nlast);
			if (!p)
				break;
			hit = p;
		}
		if (hit) {
			size_t skip = (size_t)(hit - buf) + f->nlast;
			buf += skip;
			len -= skip;
		} else {
			fflush(stdout);
			fprintf(stderr,
				"supctl: %s: the stream was cut (supd upgraded in place?) and "
				"more was written meanwhile than it sends again: bytes may be "
				"missing here (not in the log file)\n",
				f->who);
		}
	}
	f->resync = false;
	if (len >= RESUME_KEY) {
		memcpy(f->last, buf + len - RESUME_KEY, RESUME_KEY);
		f->nlast = RESUME_KEY;
	} else if (len) {
		size_t keep = f->nlast + len > RESUME_KEY ? RESUME_KEY - len : f->nlast;
		memmove(f->last, f->last + f->nlast - keep, keep);
		memcpy(f->last + keep, buf, len);
		f->nlast = keep + len;
	}
	f->passed += len;
	return len ? rs->next(f, buf, len) : 0;
}

/* After a cut, the new stream starts with history already printed. */
static void resume_again(void *arg)
{
	struct resume *rs = arg;
	rs->sf->resync = true;
}

/* tail -f: the stream, and after a cut (an upgrade in place) the stream
 * again, without the bytes already printed. */
static int follow_stream(struct ctl *x, const char *path, struct reply *rep, ctl_body_cb cb,
			 struct skip_filter *sf)
{
	struct resume rs = {.sf = sf, .next = cb};
	return ctl_follow(x, path, rep, resume_cb, &rs, resume_again);
}

static void read_log(struct ctl *x, const char *who, const char *base, bool follow, long bytes)
{
	char path[1600];
	struct reply rep;
	if (follow) {
		snprintf(path, sizeof(path), "%s%cfollow=true", base,
			 strchr(base, '?') ? '&' : '?');
		struct skip_filter sf = {.who = who};
		int e;
		if (x->json) {
			e = follow_stream(x, path, &rep, json_lines_out, &sf);
		} else {
			ctl_out("==> Press Ctrl-C to exit <==");
			fflush(stdout);
			e = follow_stream(x, path, &rep, skip_out, &sf);
		}
		if (sf.nheld && !x->json) /* a line that only looked like a marker's start */
			ctl_write_out(NULL, sf.held, sf.nheld);
		free(sf.held);
		if (e < 0)
			return;
	} else {
		snprintf(path, sizeof(path), "%s%ctail=%ld", base, strchr(base, '?') ? '&' : '?',
			 bytes);
		if (ctl_call(x, "GET", path, &rep) < 0)
			return;
		/* supervisorctl prints the bytes as a line: a newline after */
		if (!rep.code && x->json) {
			json_t *t = json_stringn(rep.resp.body ? rep.resp.body : "", rep.resp.len);
			if (!t) /* not UTF-8: the bytes as Latin-1 would lie; say so */
				t = json_null();
			ctl_jset(x, json_pack("{s:s,s:o}", "name", who, "text", t));
		} else if (!rep.code) {
			if (rep.resp.body)
				fwrite(rep.resp.body, 1, rep.resp.len, stdout);
			putchar('\n');
		}
	}
	if (rep.code)
		log_error_line(x, who, rep.code);
	ctl_reply_free(&rep);
}

/* supervisorctl's reading of tail's words: at most three, a leading -f or
 * -N, then the name and, when two or more are left, the channel last (any
 * case). */
int cmd_tail(struct ctl *x, int argc, char **argv)
{
	if (argc < 1 || argc > 3) {
		ctl_err(x, "BAD_ARGUMENTS", "Error: too %s arguments", argc < 1 ? "few" : "many");
		if (!x->json)
			ctl_help_line("tail");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	const char *mod = NULL;
	if (argv[0][0] == '-') {
		mod = argv[0];
		argc--;
		argv++;
	}
	if (argc == 0) {
		ctl_err(x, "BAD_ARGUMENTS", "Error: tail requires process name");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	char ch[16] = "stdout";
	if (argc > 1) {
		const char *w = argv[argc - 1];
		size_t i = 0;
		for (; w[i] && i < sizeof(ch) - 1; i++)
			ch[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] - 'A' + 'a' : w[i]);
		ch[i] = '\0';
		if (w[i] || (strcmp(ch, "stdout") && strcmp(ch, "stderr"))) {
			ctl_err(x, "BAD_ARGUMENTS", "Error: bad channel '%s'", w);
			x->exitstatus = EX_GENERIC;
			return 0;
		}
	}
	bool follow;
	long bytes;
	if (tail_modifier(x, mod, &follow, &bytes) < 0)
		return 0;
	char e[1200], base[1300];
	ctl_enc(argv[0], e, sizeof(e));
	if (follow && !tail_name_known(x, e, argv[0]))
		return 0;
	snprintf(base, sizeof(base), "/v1/processes/%s/log/%s", e, ch);
	read_log(x, argv[0], base, follow, bytes);
	return 0;
}

int cmd_maintail(struct ctl *x, int argc, char **argv)
{
	if (argc > 1) {
		ctl_err(x, "BAD_ARGUMENTS", "Error: too many arguments");
		if (!x->json)
			ctl_help_line("maintail");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	if (argc == 1 && argv[0][0] != '-') {
		ctl_err(x, "BAD_ARGUMENTS", "Error: bad argument %s", argv[0]);
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	bool follow;
	long bytes;
	if (tail_modifier(x, argc ? argv[0] : NULL, &follow, &bytes) < 0)
		return 0;
	read_log(x, "supervisord", "/v1/log", follow, bytes);
	return 0;
}

int cmd_clear(struct ctl *x, int argc, char **argv)
{
	if (!need_names(x, argc, "clear", EX_GENERIC))
		return 0;
	for (int i = 0; i < argc; i++) {
		bool all = !strcmp(argv[i], "all");
		char e[1200], path[1300];
		ctl_enc(all ? "*" : argv[i], e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s/log", e);
		struct reply rep;
		if (ctl_call(x, "DELETE", path, &rep) < 0)
			continue;
		json_t *res = json_object_get(rep.j, "results");
		if (rep.code) {
			ctl_err(x, rep.code, "%s: ERROR (%s)", argv[i],
				!strcmp(rep.code, "BAD_NAME") ? "no such process" : "failed");
			x->exitstatus = EX_GENERIC;
		} else if (res) {
			char ns[600];
			for (size_t k = 0; k < json_array_size(res); k++) {
				json_t *o = json_array_get(res, k);
				ctl_make_namespec(ctl_jstr(o, "group"), ctl_jstr(o, "name"), ns,
						  sizeof(ns));
				if (!strcmp(ctl_jstr(o, "status"), "SUCCESS")) {
					ctl_result(x, ns, "SUCCESS", "%s: cleared", ns);
				} else {
					ctl_result(x, ns, ctl_jstr(o, "status"),
						   "%s: ERROR (failed)", ns);
					x->exitstatus = EX_GENERIC;
				}
			}
		} else {
			ctl_result(x, argv[i], "SUCCESS", "%s: cleared", argv[i]);
		}
		ctl_reply_free(&rep);
	}
	return 0;
}
