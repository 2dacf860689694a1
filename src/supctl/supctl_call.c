/* supctl's call layer: one request to supd's /v1 API, its answer parsed
 * into a struct reply, and supervisorctl's wording and exit status when
 * there is no usable answer (no server, refused, 401...).  Every command
 * goes through here, so that the failures read the same whichever one
 * met them.  Also the small helpers the commands share to build a request
 * and read its answer. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supctl_int.h"

void ctl_out(const char *fmt, ...)
{
	if (ctl_interrupted())
		return; /* the shell's Ctrl-C ended the command */
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* An error of the whole command (no server, no such group, a bad
 * argument): supervisorctl's line on stdout, or with --json one object a
 * line on stderr, {"error": {"code", "message"}}, the message the same
 * words. */
void ctl_err(struct ctl *x, const char *code, const char *fmt, ...)
{
	if (ctl_interrupted())
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = vfmt(fmt, ap);
	va_end(ap);
	if (!x->json) {
		puts(line ? line : "ERROR");
	} else {
		json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
				      line ? line : code);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		fflush(stdout);
		fprintf(stderr, "%s\n", s ? s : "{\"error\":{\"code\":\"NO_MEMORY\"}}");
		free(s);
		json_decref(j);
	}
	free(line);
}

/* One name's result (started, stopped, signalled, added...): the line, or
 * with --json {"name", "status", "message"} in the command's array. */
void ctl_result(struct ctl *x, const char *name, const char *status, const char *fmt, ...)
{
	if (ctl_interrupted())
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = vfmt(fmt, ap);
	va_end(ap);
	if (!x->json) {
		puts(line ? line : "");
		fflush(stdout);
	} else {
		if (!x->jdoc)
			x->jdoc = json_array();
		json_array_append_new(x->jdoc, json_pack("{s:s,s:s,s:s}", "name", name, "status",
							 status, "message", line ? line : ""));
	}
	free(line);
}

/* --json: the command's one document (replacing any). */
void ctl_jset(struct ctl *x, json_t *doc)
{
	json_decref(x->jdoc);
	x->jdoc = doc;
}

/* --json: the document out, once the command is done. */
void ctl_jflush(struct ctl *x)
{
	if (!x->jdoc)
		return;
	char *s = json_dumps(x->jdoc, JSON_INDENT(2) | JSON_ENCODE_ANY);
	if (s)
		puts(s);
	free(s);
	json_decref(x->jdoc);
	x->jdoc = NULL;
	fflush(stdout);
}

void ctl_reply_free(struct reply *r)
{
	json_decref(r->j);
	ctl_resp_free(&r->resp);
	memset(r, 0, sizeof(*r));
}

/* supervisorctl's wording when the server cannot be reached. */
void ctl_conn_error(struct ctl *x, int err, bool for_status)
{
	if (err == -ENOENT) {
		ctl_err(x, "NO_FILE", "%s no such file", x->url);
		x->exitstatus = for_status	? EX_STATUS_UNKNOWN
				: x->no_upcheck ? EX_GENERIC
						: EX_NOT_RUNNING;
	} else if (err == -ECONNREFUSED) {
		ctl_err(x, "REFUSED", "%s refused connection", x->url);
		x->exitstatus = x->no_upcheck && !for_status ? EX_GENERIC : EX_CONN_REFUSED;
	} else if (err == -EACCES) {
		ctl_err(x, "PERMISSION_DENIED", "%s permission denied", x->url);
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
	} else {
		char why[160];
		ctl_err(x, "NO_CONNECTION", "error: %s: %s", x->url,
			ctl_strerror(&x->c, err, why, sizeof(why)));
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
	}
}

/* In the shell, a 401 asks for credentials, as supervisorctl does.
 * Returns false when none were given. */
static bool ask_credentials(struct ctl *x)
{
	char user[256];
	printf("Server requires authentication\nUsername:");
	fflush(stdout);
	if (!fgets(user, sizeof(user), stdin))
		return false;
	user[strcspn(user, "\r\n")] = '\0';
	if (!*user)
		return false;
	char *pass = getpass("Password:");
	if (!pass)
		return false;
	struct ctl_client c;
	if (ctl_client_init(&c, x->url, user, pass) < 0)
		return false;
	c.lim = x->c.lim;
	ctl_client_free(&x->c);
	x->c = c;
	free(x->user);
	free(x->pass);
	x->user = strdup(user);
	x->pass = strdup(pass);
	explicit_bzero(pass, strlen(pass));
	return true;
}

/* One API call.  Returns 0 with rep filled (any HTTP status but 401), or
 * -1 after printing why there is no usable answer. */
int ctl_call_ex(struct ctl *x, const char *method, const char *path, struct reply *rep,
		bool for_status, ctl_body_cb cb, void *arg)
{
	memset(rep, 0, sizeof(*rep));
	int r = ctl_request(&x->c, method, path, NULL, 0, &rep->resp, cb, arg);
	if (r < 0 && x->conn_errors_returned)
		return r;
	if (r < 0) {
		ctl_conn_error(x, r, for_status);
		return -1;
	}
	rep->status = rep->resp.status;
	if (rep->status == 401 && x->interactive && isatty(STDIN_FILENO) && ask_credentials(x)) {
		ctl_resp_free(&rep->resp);
		return ctl_call_ex(x, method, path, rep, for_status, cb, arg);
	}
	if (rep->status == 401) {
		ctl_err(x, "UNAUTHORIZED", "Server requires authentication");
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
		ctl_reply_free(rep);
		return -1;
	}
	if (rep->resp.content_type && !strncmp(rep->resp.content_type, "application/json", 16) &&
	    rep->resp.body) {
		rep->j = json_loadb(rep->resp.body, rep->resp.len, 0, NULL);
		json_t *e = json_object_get(rep->j, "error");
		if (e) {
			rep->code = json_string_value(json_object_get(e, "code"));
			rep->msg = json_string_value(json_object_get(e, "message"));
		}
	}
	/* A role too small (doc/security.md): one line for any command, as a
	 * connection failure is. */
	if (rep->status == 403 && rep->code && !strcmp(rep->code, "PERMISSION_DENIED")) {
		ctl_err(x, rep->code, "ERROR (%s)", rep->msg ? rep->msg : "permission denied");
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
		ctl_reply_free(rep);
		return -1;
	}
	if (rep->status >= 400 && !rep->code) {
		ctl_err(x, "HTTP_ERROR", "error: %s %s: HTTP %d", method, path, rep->status);
		x->exitstatus = EX_GENERIC;
		ctl_reply_free(rep);
		return -1;
	}
	if (rep->status < 400 && !rep->j &&
	    (!rep->resp.content_type ||
	     (strncmp(rep->resp.content_type, "text/plain", 10) &&
	      strncmp(rep->resp.content_type, "text/tab-separated-values", 25) &&
	      strncmp(rep->resp.content_type, "text/event-stream", 17)))) {
		ctl_err(x, "BAD_ANSWER", "error: %s %s: unexpected answer", method, path);
		x->exitstatus = EX_GENERIC;
		ctl_reply_free(rep);
		return -1;
	}
	if (!rep->code)
		rep->code = NULL;
	return 0;
}

/* A stream cut by an upgrade in place: the connection reset, or ended in
 * the middle of the answer. */
static bool stream_cut(int e)
{
	return e == -EPROTO || e == -ECONNRESET || e == -EPIPE;
}

int ctl_follow(struct ctl *x, const char *path, struct reply *rep, ctl_body_cb cb, void *arg,
	       void (*again)(void *arg))
{
	x->conn_errors_returned = true;
	int e = ctl_call_ex(x, "GET", path, rep, false, cb, arg);
	/* (a cut by the shell's Ctrl-C is no cut: the command ends) */
	for (int tries = 0; stream_cut(e) && !ctl_interrupted() && tries < 300; tries++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (again)
			again(arg);
		e = ctl_call_ex(x, "GET", path, rep, false, cb, arg);
	}
	x->conn_errors_returned = false;
	if (e < -1) {
		ctl_conn_error(x, e, false);
		return -1;
	}
	return e;
}

int ctl_call(struct ctl *x, const char *method, const char *path, struct reply *rep)
{
	return ctl_call_ex(x, method, path, rep, false, NULL, NULL);
}

/* Percent-encodes a name for a path segment ('*' and ':' stay). */
void ctl_enc(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:*", c))
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", c);
	}
	buf[o] = '\0';
}

const char *ctl_jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

long long ctl_jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

const char *ctl_make_namespec(const char *group, const char *name, char *buf, size_t len)
{
	if (!strcmp(group, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s:%s", group, name);
	return buf;
}

/* A body callback: the answer goes to stdout as it arrives (tail -f, fg). */
int ctl_write_out(void *arg, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		return -EIO;
	fflush(stdout);
	return 0;
}
