/* supervisord's web UI over the operations of ops.h (webui.h,
 * doc/webui.md).  Pages are built whole in a growing text (struct buf,
 * buf.h) and sent with one http_reply; nothing is kept between
 * requests but the held start/stop/restart waiting for its processes. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "http_parse.h"
#include "log.h"
#include "output.h"
#include "utf8.h"
#include "webui.h"

/* tail.html's limit: supervisord's default, and a bound so that one
 * request cannot make us read and escape a huge file. */
#define TAIL_DEFAULT 1024
#define TAIL_MAX     (1024 * 1024)
/* A message travels in the Location URL: keep it short. */
#define MSG_MAX 1024

enum action { A_NONE, A_START, A_STOP, A_RESTART, A_CLEARLOG, A_STOPALL, A_RESTARTALL, A_REFRESH };

static const char *const action_names[] = {
    [A_START] = "start",       [A_STOP] = "stop",	[A_RESTART] = "restart",
    [A_CLEARLOG] = "clearlog", [A_STOPALL] = "stopall", [A_RESTARTALL] = "restartall",
    [A_REFRESH] = "refresh",
};

/* A start/stop/restart (or stopall/restartall) waiting for its processes. */
struct held {
	struct ops *core;
	struct http_req *req;
	struct ops_act *act;
	enum action action;
	char name[512];
	char failed[MSG_MAX]; /* restartall: what its stop phase reported */
};

/* ---------------------------------------------------------------- text */

static void put(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* The characters HTML gives a meaning, and what stands for them. */
static const char *const entities[] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};
#define NENTITIES (sizeof(entities) / sizeof(entities[0]))

void webui_html(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && !(*p < NENTITIES && entities[*p]))
			p++;
		buf_put(b, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		size_t n = 1;
		if (*p < NENTITIES && entities[*p]) {
			put(b, entities[*p]);
		} else if (*p == '\t' || *p == '\n' || *p == '\r') {
			buf_put(b, (const char *)p, 1);
		} else if (*p >= 0x80 && (n = utf8_len(p, (size_t)(end - p))) != 0) {
			buf_put(b, (const char *)p, n);
		} else {
			buf_put(b, "\xef\xbf\xbd", 3); /* NUL, controls, not UTF-8 */
			n = 1;
		}
		p += n;
	}
}

static void html(struct buf *b, const char *s)
{
	webui_html(b, s, strlen(s));
}

void webui_url(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			buf_put(b, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_put(b, e, 3);
		}
	}
}

int webui_form_parse(char *body, struct webui_form *f)
{
	f->processname = f->action = NULL;
	for (char *next, *q = body; q && *q; q = next) {
		next = strchr(q, '&');
		if (next)
			*next++ = '\0';
		char *eq = strchr(q, '=');
		if (eq)
			*eq++ = '\0';
		if (http_pct_decode(q, true) < 0 || (eq && http_pct_decode(eq, true) < 0))
			return -EBADMSG;
		if (!strcmp(q, "processname"))
			f->processname = eq ? eq : "";
		else if (!strcmp(q, "action"))
			f->action = eq ? eq : "";
	}
	return 0;
}

/* ---------------------------------------------------------------- pages */

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;"
    "vertical-align:middle}"
    "form{display:inline;margin:0}"
    "button,.link{font-size:.9em;margin-right:.3em}"
    ".bar{margin:1em 0}"
    ".msg{background:#ffd;border:1px solid #cc9;padding:.5em}"
    ".state{font-weight:bold;padding:.1em .4em;border-radius:3px}"
    ".running{background:#cfc}"
    ".starting,.backoff,.stopping{background:#ffc}"
    ".exited,.fatal,.unknown{background:#fcc}"
    ".stopped{background:#eee}"
    "tr.group th{background:#f3f3f3;font-size:.95em}"
    ".filters{margin:1em 0}.filters[hidden]{display:none}"
    "tr.hide{display:none}"
    "td.res{font-size:.9em;white-space:nowrap;color:#444}"
    "pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;word-break:break-all}"
    "footer{margin-top:2em;font-size:.8em;color:#777}";

static void page_begin(struct buf *b, const char *title)
{
	put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	html(b, title);
	put(b, "</title><style>");
	put(b, style);
	put(b, "</style></head>\n<body>\n<h1>");
	html(b, title);
	put(b, "</h1>\n");
}

static void message(struct buf *b, const char *msg)
{
	if (!msg || !*msg)
		return;
	put(b, "<p class=\"msg\">");
	html(b, msg);
	put(b, "</p>\n");
}

/* Sends the page in b (freeing it) with headers that keep it out of
 * caches and frames, and let it load nothing from elsewhere. */
static void page_send(struct http_req *r, unsigned status, struct buf *b)
{
	put(b, "<footer>supd " PACKAGE_VERSION "</footer>\n</body></html>\n");
	if (b->oom) {
		static const char oom[] = "out of memory\n";
		http_reply(r, 500, "text/plain; charset=utf-8", oom, sizeof(oom) - 1);
	} else {
		http_add_header(r, "Cache-Control", "no-store");
		http_add_header(r, "X-Frame-Options", "DENY");
		/* The status page's script (webui.js) is supd's own, and
		 * it connects to supd's own event stream and API only. */
		http_add_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'; "
				"script-src 'self'; connect-src 'self'; "
				"form-action 'self'; frame-ancestors 'none'");
		http_reply(r, status, "text/html; charset=utf-8", b->p, b->len);
	}
	free(b->p);
}

/* A page that only says something (errors). */
__attribute__((format(printf, 4, 5))) static void
reply_note(struct http_req *r, unsigned status, const char *title, const char *fmt, ...)
{
	char msg[MSG_MAX + 512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct buf b = {0};
	page_begin(&b, title);
	message(&b, msg);
	put(&b, "<p><a href=\"index.html\">Back to the status page</a></p>\n");
	page_send(r, status, &b);
}

static void button(struct buf *b, const char *ns, const char *action, const char *label)
{
	put(b, "<form method=\"post\" action=\"index.html\">");
	if (ns) {
		put(b, "<input type=\"hidden\" name=\"processname\" value=\"");
		html(b, ns);
		put(b, "\">");
	}
	buf_putf(b,
		 "<input type=\"hidden\" name=\"action\" value=\"%s\">"
		 "<button type=\"submit\">%s</button></form>",
		 action, label);
}

/* "12.3M" (as supctl status --resources). */
static void human_bytes(struct buf *b, int64_t v)
{
	double x = (double)v;
	const char *u = "";
	if (x >= 1024.0 * 1024 * 1024)
		x /= 1024.0 * 1024 * 1024, u = "G";
	else if (x >= 1024.0 * 1024)
		x /= 1024.0 * 1024, u = "M";
	else if (x >= 1024.0)
		x /= 1024.0, u = "K";
	buf_putf(b, *u ? "%.1f%s" : "%.0f%s", x, u);
}

/* The resources cell's text, as webui.js writes it from /v1's resources
 * object: "CPU 0.52s, mem 12.3M, peak 20.1M, 3 procs", the unknown
 * figures left out; nothing for a process with neither a pid nor
 * anything left in its cgroup. */
static void resources_text(struct buf *b, const struct proc *p)
{
	struct proc_resources r;
	if (proc_resources(p, &r) < 0 || (!p->pid && r.nprocs <= 0))
		return;
	const char *sep = "";
	if (r.cpu_usec >= 0) {
		buf_putf(b, "CPU %.2fs", (double)r.cpu_usec / 1e6);
		sep = ", ";
	}
	if (r.mem_current >= 0) {
		buf_putf(b, "%smem ", sep);
		human_bytes(b, r.mem_current);
		sep = ", ";
	}
	if (r.mem_peak >= 0) {
		buf_putf(b, "%speak ", sep);
		human_bytes(b, r.mem_peak);
		sep = ", ";
	}
	if (r.nprocs >= 0)
		buf_putf(b, "%s%lld proc%s", sep, (long long)r.nprocs, r.nprocs == 1 ? "" : "s");
}

static void status_row(struct buf *b, const struct proc *p, time_t now)
{
	char ns[512], desc[512], cls[16];
	const char *state = proc_state_name(p->state);
	size_t i;
	for (i = 0; state[i] && i < sizeof(cls) - 1; i++)
		cls[i] = (char)(state[i] | 0x20); /* the names are upper-case ASCII */
	cls[i] = '\0';
	namespec(p, ns, sizeof(ns));
	/* data-*: what webui.js needs to keep the row current. */
	put(b, "<tr data-ns=\"");
	html(b, ns);
	buf_putf(b,
		 "\" data-state=\"%s\"><td><span class=\"state %s\">%s</span></td>"
		 "<td class=\"desc\">",
		 state, cls, state);
	html(b, proc_description(p, now, desc, sizeof(desc)));
	put(b, "</td><td><a href=\"tail.html?processname=");
	webui_url(b, ns);
	put(b, "\">");
	html(b, ns);
	put(b, "</a></td><td class=\"act\">");
	if (proc_is_running(p)) {
		button(b, ns, "restart", "Restart");
		button(b, ns, "stop", "Stop");
	} else if (p->state != PROC_STOPPING) {
		button(b, ns, "start", "Start");
	}
	put(b, "</td><td>");
	button(b, ns, "clearlog", "Clear log");
	put(b, "<a class=\"link\" href=\"logtail/");
	webui_url(b, ns);
	put(b, "\">Tail -f</a></td><td class=\"res\">");
	resources_text(b, p);
	put(b, "</td></tr>\n");
}

/* Is v[i] a program alone in a group of its own name (a [program:x]
 * without [group:] or numprocs)?  Such rows come first, without a
 * heading; the others follow under their group's. */
static bool alone(struct proc *const *v, size_t n, size_t i)
{
	const struct conf_process *c = v[i]->conf;
	return !strcmp(c->group, c->name) && (i == 0 || strcmp(v[i - 1]->conf->group, c->group)) &&
	       (i + 1 >= n || strcmp(v[i + 1]->conf->group, c->group));
}

static void group_row(struct buf *b, struct proc *const *v, size_t i)
{
	const struct conf_process *c = v[i]->conf;
	if (i > 0 && !strcmp(v[i - 1]->conf->group, c->group))
		return;
	put(b, "<tr class=\"group\" data-group=\"");
	html(b, c->group);
	put(b, "\"><th colspan=\"6\">");
	html(b, c->group);
	put(b, "</th></tr>\n");
}

/* The filters work with webui.js only: hidden until it shows them. */
static const char filters[] =
    "<div class=\"filters\" id=\"filters\" hidden>"
    "<label>Name <input id=\"f-name\" type=\"search\" autocomplete=\"off\"></label> "
    "<label>State <select id=\"f-state\"><option value=\"\">any</option>"
    "<option>RUNNING</option><option>STARTING</option><option>BACKOFF</option>"
    "<option>STOPPING</option><option>STOPPED</option><option>EXITED</option>"
    "<option>FATAL</option><option>UNKNOWN</option>"
    "<option value=\"!RUNNING\">not RUNNING</option></select></label> "
    "<span id=\"live\"></span></div>\n";

static void reply_status(struct ops *core, struct http_req *r, const char *msg)
{
	size_t n;
	struct proc **v = ops_all(core, true, &n);
	if (!v && n) {
		reply_note(r, 500, "supd", "out of memory");
		return;
	}
	struct buf b = {0};
	page_begin(&b, "supd status");
	message(&b, msg);
	put(&b, "<div class=\"bar\"><a class=\"link\" href=\"index.html\">Refresh</a>");
	button(&b, NULL, "restartall", "Restart All");
	button(&b, NULL, "stopall", "Stop All");
	put(&b, "</div>\n");
	put(&b, filters);
	put(&b, "<table id=\"procs\">\n<thead><tr><th>State</th><th>Description</th>"
		"<th>Name</th><th>Action</th><th>Logs</th><th>Resources "
		"<button type=\"button\" id=\"res-refresh\" hidden>Refresh</button></th></tr>"
		"</thead>\n<tbody>\n");
	time_t now = time(NULL);
	for (size_t i = 0; i < n; i++)
		if (alone(v, n, i))
			status_row(&b, v[i], now);
	for (size_t i = 0; i < n; i++)
		if (!alone(v, n, i)) {
			group_row(&b, v, i);
			status_row(&b, v[i], now);
		}
	put(&b, "</tbody>\n</table>\n<script src=\"webui.js\"></script>\n");
	free(v);
	page_send(r, 200, &b);
}

/* The one process a namespec names ("g:p", or "p" for p:p), in *v.
 * Returns 1, 0 when there is none (or the name is a group's), or
 * -ENOMEM. */
static ssize_t resolve_one(struct ops *core, const char *name, struct proc ***v)
{
	struct ops_spec sp;
	*v = NULL;
	if (!name || ops_spec_parse(name, &sp) < 0 || sp.kind != OPS_ONE)
		return 0;
	return ops_resolve(core, &sp, v);
}

/* GET ?processname=X&limit=N: the log's last N bytes. */
static void reply_tail(struct ops *core, struct http_req *r)
{
	const char *name = http_req_arg(r, "processname");
	const char *lim = http_req_arg(r, "limit");
	long limit = TAIL_DEFAULT;
	if (lim) {
		char *end;
		errno = 0;
		limit = strtol(lim, &end, 10);
		if (errno || end == lim || *end || limit < 0) {
			reply_note(r, 400, "Bad request", "limit must be a number of bytes");
			return;
		}
		if (limit > TAIL_MAX)
			limit = TAIL_MAX;
	}
	struct proc **v;
	ssize_t k = resolve_one(core, name, &v);
	if (k <= 0) {
		free(v);
		if (k < 0)
			reply_note(r, 500, "supd", "out of memory");
		else
			reply_note(r, 404, "Not found", "No such process: %s", name ? name : "");
		return;
	}
	char ns[512];
	namespec(v[0], ns, sizeof(ns));
	char *buf = NULL;
	size_t len = 0;
	int e = limit == 0  ? 0
		: v[0]->out ? output_read(v[0]->out, OUTPUT_STDOUT, -(int64_t)limit, 0, &buf, &len)
			    : -ENOENT;
	free(v);
	struct buf b = {0};
	page_begin(&b, ns);
	put(&b, "<div class=\"bar\"><a class=\"link\" href=\"tail.html?processname=");
	webui_url(&b, ns);
	buf_putf(&b, "&amp;limit=%ld\">Refresh</a><a class=\"link\" href=\"logtail/", limit);
	webui_url(&b, ns);
	put(&b, "\">Tail -f</a><a class=\"link\" href=\"index.html\">Status</a></div>\n");
	if (e == -ENOENT)
		message(&b, "This process has no stdout log.");
	else if (e < 0)
		message(&b, strerror(-e));
	else {
		/* data-follow: webui.js follows the log live from there */
		put(&b, "<p><span id=\"live\"></span></p><pre id=\"log\" data-follow=\"logtail/");
		webui_url(&b, ns);
		put(&b, "\">");
		webui_html(&b, buf ? buf : "", len);
		put(&b, "</pre>\n<script src=\"webui.js\"></script>\n");
	}
	free(buf);
	page_send(r, 200, &b);
}

/* ---------------------------------------------------------------- actions */

/* "no such process", "spawn error": a fault as supervisorctl words it. */
static void fault_words(const char *fault, char *out, size_t len)
{
	static const char *const special[][2] = {
	    {"BAD_NAME", "no such process"},
	    {"NO_FILE", "no such file"},
	    {"NOT_EXECUTABLE", "file is not executable"},
	};
	for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++)
		if (!strcmp(fault, special[k][0])) {
			snprintf(out, len, "%s", special[k][1]);
			return;
		}
	size_t i;
	for (i = 0; fault[i] && i + 1 < len; i++)
		out[i] = fault[i] == '_' ? ' ' : (char)(fault[i] | 0x20);
	out[i] = '\0';
}

/* Appends text to msg, after "; " unless msg is empty; cut at len. */
static void append(char *msg, size_t len, const char *text)
{
	size_t n = strlen(msg);
	if (n && n + 2 < len) {
		memcpy(msg + n, "; ", 2);
		n += 2;
	}
	size_t t = strlen(text);
	if (t > len - 1 - n)
		t = len - 1 - n;
	memcpy(msg + n, text, t);
	msg[n + t] = '\0';
}

/* Appends "name: ERROR (words[: detail])". */
static void add_failure(char *msg, size_t len, const struct ops_item *it)
{
	char ns[512], words[64], text[MSG_MAX];
	/* The item's own names: its process may be gone (a reload). */
	const struct conf_process named = {.name = it->name, .group = it->group};
	conf_process_namespec(&named, ns, sizeof(ns));
	fault_words(it->fault, words, sizeof(words));
	/* The message names the process unless it says more.  A command
	 * that cannot be found fails in proc_start, before the act could
	 * take the cause from the process: take it here. */
	const char *why = it->msg;
	if (it->p && it->p->spawnerr &&
	    (!strcmp(it->fault, "NO_FILE") || !strcmp(it->fault, "NOT_EXECUTABLE")))
		why = it->p->spawnerr;
	bool detail = why && strcmp(why, ns) && strcmp(why, it->name);
	snprintf(text, sizeof(text), "%.512s: ERROR (%s%s%.400s)", ns, words, detail ? ": " : "",
		 detail ? why : "");
	append(msg, len, text);
}

/* The outcome of h's action, with the failures of its acts. */
static void act_message(const struct held *h, char *msg, size_t len)
{
	*msg = '\0';
	if (h->action == A_STOPALL || h->action == A_RESTARTALL)
		snprintf(msg, len, "All %s", h->action == A_STOPALL ? "stopped" : "restarted");
	if (*h->failed)
		append(msg, len, h->failed);
	if (!*msg)
		snprintf(msg, len, "Process %s %s", h->name,
			 h->action == A_START  ? "started"
			 : h->action == A_STOP ? "stopped"
					       : "restarted");
}

/* 303 to the status page showing msg (supervisord's redirect after an
 * action, so that a reload of the page repeats nothing). */
static void reply_done(struct http_req *r, const char *msg)
{
	struct buf loc = {0};
	put(&loc, "index.html?message=");
	webui_url(&loc, msg);
	buf_put(&loc, "", 1);
	if (loc.oom) {
		reply_note(r, 500, "supd", "out of memory");
		return;
	}
	http_add_header(r, "Location", loc.p);
	struct buf b = {0};
	page_begin(&b, "supd");
	message(&b, msg);
	put(&b, "<p><a href=\"");
	html(&b, loc.p);
	put(&b, "\">Back to the status page</a></p>\n");
	free(loc.p);
	page_send(r, 303, &b);
}

/* Begins kind over h's processes (all of them for stopall and
 * restartall).  Returns ops_act_begin's 0 (finished: *act) or 1 (h->act
 * pending), or -ENOMEM. */
static int act_begin(struct held *h, enum ops_kind kind, struct ops_act **act);

/* Takes in a finished act: notes its failures and frees it.  True when
 * restartall's stop phase ended and everything is to be started. */
static bool act_finish(struct held *h, struct ops_act *act)
{
	for (size_t i = 0; i < act->n; i++)
		if (act->items[i].fault)
			add_failure(h->failed, sizeof(h->failed), &act->items[i]);
	bool more = h->action == A_RESTARTALL && act->kind == OPS_STOP;
	ops_act_free(act);
	return more;
}

/* Runs h's acts from kind on, as far as they finish at once.  Returns 1
 * while one waits for its processes (act_done goes on), 0 when all are
 * done, or -ENOMEM. */
static int act_run(struct held *h, enum ops_kind kind)
{
	for (;;) {
		struct ops_act *act;
		int e = act_begin(h, kind, &act);
		if (e != 0)
			return e;
		if (!act_finish(h, act))
			return 0;
		kind = OPS_START;
	}
}

/* Answers h's request with its outcome (303), and frees h. */
static void held_answer(struct held *h, int e)
{
	char msg[MSG_MAX];
	struct http_req *r = h->req;
	http_req_set_data(r, NULL);
	if (e < 0) {
		reply_note(r, 500, "supd", "out of memory");
	} else {
		act_message(h, msg, sizeof(msg));
		reply_done(r, msg);
	}
	free(h);
}

/* ops' callback: an act waited for its processes. */
static void act_done(struct ops_act *act, void *arg)
{
	struct held *h = arg;
	h->act = NULL;
	int e = act_finish(h, act) ? act_run(h, OPS_START) : 0;
	if (e != 1)
		held_answer(h, e);
}

static int act_begin(struct held *h, enum ops_kind kind, struct ops_act **act)
{
	struct proc **v;
	ssize_t n;
	bool all = h->action == A_STOPALL || h->action == A_RESTARTALL;
	if (all) {
		size_t m;
		v = ops_all(h->core, false, &m);
		n = !v && m ? -ENOMEM : (ssize_t)m;
	} else {
		n = resolve_one(h->core, h->name, &v);
	}
	if (n < 0)
		return -ENOMEM;
	int e = ops_act_begin(h->core, v, (size_t)n, kind, all, true, act_done, h, act);
	free(v);
	if (e == 1)
		h->act = *act;
	return e;
}

/* The client of a held action left (http_hold's gone). */
static void held_gone(void *held)
{
	struct held *h = held;
	ops_act_free(h->act);
	free(h);
}

static enum action action_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (action_names[i] && !strcmp(action_names[i], s))
			return (enum action)i;
	return A_NONE;
}

static void clear_log(struct http_req *r, struct proc *p, const char *name)
{
	struct ops_item *items;
	char msg[MSG_MAX] = "";
	if (ops_clear_logs(&p, 1, &items) < 0) {
		reply_note(r, 500, "supd", "out of memory");
		return;
	}
	if (items[0].fault)
		add_failure(msg, sizeof(msg), &items[0]);
	else
		snprintf(msg, sizeof(msg), "Log for %s cleared", name);
	ops_items_free(items, 1);
	reply_done(r, msg);
}

/* A start, stop or restart of name, or a stopall or restartall (name
 * NULL): answered when the processes are there, or at once. */
static void held_begin(struct ops *core, struct http_req *r, enum action a, const char *name)
{
	struct held *h = calloc(1, sizeof(*h));
	if (!h) {
		reply_note(r, 500, "supd", "out of memory");
		return;
	}
	h->core = core;
	h->req = r;
	h->action = a;
	snprintf(h->name, sizeof(h->name), "%s", name ? name : "");
	/* restartall stops everything first, then starts everything
	 * (act_finish), as supervisord does. */
	enum ops_kind kind = a == A_START ? OPS_START : a == A_RESTART ? OPS_RESTART : OPS_STOP;
	int e = act_run(h, kind);
	if (e == 1) {
		http_hold(r, held_gone, NULL, h);
		http_defer(r);
	} else {
		held_answer(h, e);
	}
}

/* name: the process of a one-process action, else NULL. */
static void act(struct ops *core, struct http_req *r, enum action a, const char *name)
{
	struct proc **v = NULL;
	ssize_t n = name ? resolve_one(core, name, &v) : 1;
	char msg[MSG_MAX];
	if (n < 0) {
		reply_note(r, 500, "supd", "out of memory");
	} else if (n == 0) {
		snprintf(msg, sizeof(msg), "%s: ERROR (no such process)", name);
		reply_done(r, msg);
	} else if (a == A_REFRESH) {
		reply_done(r, "");
	} else if (a == A_CLEARLOG) {
		clear_log(r, v[0], name);
	} else {
		held_begin(core, r, a, name);
	}
	free(v);
}

static void handle_post(struct ops *core, struct http_req *r)
{
	/* The form's own type, x-www-form-urlencoded, is one any page can
	 * send: only the origin tells. */
	if (http_req_guard(r, NULL) == 403) {
		reply_note(r, 403, "Forbidden",
			   "This action came from another site's page and was refused.");
		return;
	}
	size_t len;
	char *body = strdup(http_req_body(r, &len));
	struct webui_form f;
	if (!body) {
		reply_note(r, 500, "supd", "out of memory");
		return;
	}
	enum action a = A_NONE;
	if (webui_form_parse(body, &f) == 0)
		a = action_parse(f.action);
	bool one = a == A_START || a == A_STOP || a == A_RESTART || a == A_CLEARLOG;
	if (a == A_NONE || (one && (!f.processname || !*f.processname))) {
		reply_note(r, 400, "Bad request", "Unknown action, or no process named.");
	} else if (ops_state(core) != 1 && a != A_REFRESH) {
		reply_note(r, 503, "Shutting down", "supd is shutting down.");
	} else {
		/* every button but refresh operates (http_req_allow logs it) */
		char what[256], msg[512];
		snprintf(what, sizeof(what), "web UI: %s%s%s", action_names[a], one ? " " : "",
			 one ? f.processname : "");
		if (http_req_allow(r, a == A_REFRESH ? CONF_ROLE_READ : CONF_ROLE_OPERATE, what,
				   msg, sizeof(msg)))
			reply_note(r, 403, "Permission denied", "%s", msg);
		else
			act(core, r, a, one ? f.processname : NULL);
	}
	free(body);
}

/* GET /webui.js: the status page's script (webui_js.c). */
static void webui_script(struct http_req *r)
{
	const char *m = http_req_method(r);
	if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
		http_add_header(r, "Allow", "GET, HEAD");
		reply_note(r, 405, "Method not allowed", "%s is not allowed here.", m);
		return;
	}
	http_add_header(r, "Cache-Control", "no-cache");
	http_reply(r, 200, "text/javascript; charset=utf-8", webui_js, strlen(webui_js));
}

/* supervisord acted on GET index.html?action=...; a link or an <img> on
 * any page could then act.  Here a GET only shows what would be done. */
static void handle_get(struct ops *core, struct http_req *r)
{
	const char *act = http_req_arg(r, "action");
	if (act && *act && strcmp(act, "refresh")) {
		reply_status(core, r,
			     "Nothing was done: actions are taken with the page's buttons "
			     "(a POST), not with a link.");
		return;
	}
	reply_status(core, r, http_req_arg(r, "message"));
}

bool webui_request(struct ops *core, struct http_req *r, const char *path)
{
	if (!strcmp(path, "/webui.js")) {
		webui_script(r);
		return true;
	}
	bool index = !strcmp(path, "/") || !strcmp(path, "/index.html");
	bool tail = !strcmp(path, "/tail.html");
	if (!index && !tail)
		return false;
	const char *m = http_req_method(r);
	bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
	if (get && tail) {
		reply_tail(core, r);
	} else if (get) {
		handle_get(core, r);
	} else if (index && !strcmp(m, "POST")) {
		handle_post(core, r);
	} else {
		http_add_header(r, "Allow", tail ? "GET, HEAD" : "GET, HEAD, POST");
		reply_note(r, 405, "Method not allowed", "%s is not allowed here.", m);
	}
	return true;
}
