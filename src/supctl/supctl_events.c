/* supctl events [--json]: GET /v1/events (doc/api.md, "Events") printed
 * as it happens, one line per event, like `docker events`; --json prints
 * each event's JSON object as supd sent it.  The stream's frames are cut
 * here for the progress of start/stop too (ctl_sse_body). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supctl_int.h"

/* "2026-12-06T07:20:00.123" in local time, from the event's "time". */
static void stamp(json_t *j, char *out, size_t len)
{
	double t = json_number_value(json_object_get(j, "time"));
	time_t s = (time_t)t;
	struct tm tm;
	localtime_r(&s, &tm);
	size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%03d", (int)((t - (double)s) * 1000) % 1000);
}

static void print_event(void *arg, const char *event, const char *data)
{
	struct ctl *x = arg;
	if (x->json) {
		ctl_out("%s", data);
		fflush(stdout);
		return;
	}
	json_t *j = json_loads(data, 0, NULL);
	if (!j)
		return;
	char when[64], ns[600];
	if (!strcmp(event, "lost")) {
		ctl_out("supctl: %lld events lost (this client read too slowly)",
			ctl_jint(j, "lost"));
	} else if (!strcmp(event, "process")) {
		json_t *p = json_object_get(j, "process");
		stamp(j, when, sizeof(when));
		ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns, sizeof(ns));
		const char *d = ctl_jstr(p, "description");
		ctl_out("%s process %s %s -> %s%s%s%s", when, ns, ctl_jstr(j, "from"),
			ctl_jstr(j, "to"), *d ? " (" : "", d, *d ? ")" : "");
	} else if (!strcmp(event, "log")) {
		/* "... log web stdout dropping (/var/log/web.log: No space left on
		 * device)", "... log web stdout resumed (4096 bytes dropped)" */
		json_t *p = json_object_get(j, "process");
		stamp(j, when, sizeof(when));
		ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns, sizeof(ns));
		const char *act = ctl_jstr(j, "action");
		if (!strcmp(act, "dropping"))
			ctl_out("%s log %s %s dropping (%s: %s)", when, ns, ctl_jstr(j, "stream"),
				ctl_jstr(j, "path"), ctl_jstr(j, "error"));
		else
			ctl_out("%s log %s %s %s (%lld bytes dropped)", when, ns,
				ctl_jstr(j, "stream"), act, ctl_jint(j, "dropped_bytes"));
	} else {
		stamp(j, when, sizeof(when));
		const char *g = ctl_jstr(j, "group");
		ctl_out("%s %s %s%s%s", when, event, ctl_jstr(j, "action"), *g ? " " : "", g);
	}
	fflush(stdout);
	json_decref(j);
}

/* One frame: its "event:" and "data:" lines (comments, id and retry are
 * for reconnecting clients); a frame without data (supd's hello) is
 * given with data NULL. */
static int frame(struct ctl_sse *s, char *f)
{
	const char *event = "message", *data = NULL;
	char *save = NULL;
	for (char *line = strtok_r(f, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "event: ", 7))
			event = line + 7;
		else if (!strncmp(line, "data: ", 6))
			data = line + 6;
	}
	return s->frame(s->arg, event, data);
}

int ctl_sse_body(void *arg, const char *buf, size_t len)
{
	struct ctl_sse *s = arg;
	s->any = true;
	if (s->len + len + 1 > s->cap) {
		size_t nc = (s->len + len + 1) * 2;
		char *nb = realloc(s->buf, nc);
		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = nc;
	}
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	s->buf[s->len] = '\0';
	char *start = s->buf, *end;
	int r = 0;
	while (r == 0 && (end = strstr(start, "\n\n"))) {
		*end = '\0';
		r = frame(s, start);
		start = end + 2;
	}
	s->len -= (size_t)(start - s->buf);
	memmove(s->buf, start, s->len);
	if (r == 0 && s->read_end)
		r = s->read_end(s->arg);
	return r;
}

static void sse_again(void *arg)
{
	struct ctl_sse *s = arg;
	s->len = 0;
}

static int print_frame(void *arg, const char *event, const char *data)
{
	if (data)
		print_event(arg, event, data);
	return 0;
}

int cmd_events(struct ctl *x, int argc, char **argv)
{
	(void)argv;
	if (argc) {
		ctl_out("Error: events takes no arguments");
		ctl_help_line("events");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	struct ctl_sse s = {.frame = print_frame, .arg = x};
	struct reply rep;
	/* after a cut (an upgrade in place) the events go on from the new
	 * image's first; a frame cut in half is dropped */
	int e = ctl_follow(x, "/v1/events", &rep, ctl_sse_body, &s, sse_again);
	if (e == 0) {
		if (rep.code) {
			ctl_out("error: %s", rep.msg ? rep.msg : rep.code);
			x->exitstatus = EX_GENERIC;
		}
		ctl_reply_free(&rep);
	}
	free(s.buf);
	return 0;
}
