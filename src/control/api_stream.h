/* Answers streamed from files: a log range sent as the client reads it, so
 * that a 200 MB read costs supd a few tens of KiB whatever the client does
 * (a client that never reads its answer holds STREAM_WINDOW bytes, not the
 * file).  Used by /v1's log reads and by XML-RPC answers holding XV_FILE
 * values (readLog and friends), escaped as XML on the way. */
#ifndef SUPD_API_STREAM_H
#define SUPD_API_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "xmlrpc_val.h"

/* Answers r with a 200 (chunked on HTTP/1.1) of content type ctype made of
 * parts, sent in order: text parts as they are, file parts XML-escaped
 * when xml (xmlrpc_escape_stream), else raw.  Takes parts (and their fds)
 * in every case.  Returns 0 or a negative errno (r is then answered 500 or
 * dead). */
int api_stream_reply(struct http_req *r, const char *ctype, struct xr_part *parts, size_t n,
		     bool xml);

#endif
