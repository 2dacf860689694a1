/* supervisord's web UI (doc/webui.md), served by the control plane's own
 * HTTP server: the status page (GET / and /index.html), its actions
 * (POST to the same paths) and a log's last bytes (GET /tail.html).  The
 * router (api.c) hands every request here first; the "Tail -f" links go
 * to /logtail, which api_follow.c serves.
 *
 * Unlike supervisord, an action is never a GET: the page's buttons are
 * POST forms, and a POST whose Origin or Referer names another host than
 * its Host header is refused with 403 (http_req_guard, as on every
 * front-end), so that another site cannot make a browser that remembers
 * the credentials stop everything.
 *
 * A start/stop/restart holds its request (http_defer) until the processes
 * are in their state (http_hold: its gone callback frees the action when
 * the client leaves). */
#ifndef SUPD_WEBUI_H
#define SUPD_WEBUI_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "ops.h"

/* Answers r when path is the web UI's and returns true; false leaves r
 * to the caller. */
bool webui_request(struct ops *core, struct http_req *r, const char *path);

/* The status page's script (webui_js.c): served as /webui.js. */
extern const char webui_js[];

/* ---- pure helpers (unit-tested) */

struct buf;
/* s[0..len) as HTML text or attribute value: & < > " ' become
 * references, and bytes that are not UTF-8 (NUL and other controls but
 * tab, CR and LF too) become U+FFFD.  s[len] must be a NUL: a UTF-8
 * sequence is read up to its first byte that does not belong. */
void webui_html(struct buf *b, const char *s, size_t len);
/* s as a URL component: every byte but A-Z a-z 0-9 - . _ ~ as %XX. */
void webui_url(struct buf *b, const char *s);

/* An application/x-www-form-urlencoded body's two fields, decoded in
 * place in body (NULL when absent; later duplicates win).  Returns 0, or
 * -EBADMSG for a bad percent escape. */
struct webui_form {
	const char *processname, *action;
};
int webui_form_parse(char *body, struct webui_form *f);

#endif
