/* XML-RPC values, the methodCall parser (expat) and the methodResponse
 * writer, byte for byte as Python's xmlrpclib.dumps writes them (which is
 * what supervisord sends).
 *
 * Values are built without checking each allocation: a constructor that
 * fails returns NULL, and adding NULL to an array or struct marks it
 * failed (xv_failed); the writer then refuses with -ENOMEM. */
#ifndef SUPD_XMLRPC_VAL_H
#define SUPD_XMLRPC_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xv_type {
	XV_INT,
	XV_BOOL,
	XV_STRING,
	XV_DOUBLE,
	XV_DATETIME, /* the text, as sent (supervisord never sends one) */
	XV_ARRAY,
	XV_STRUCT,
	XV_NIL,
	XV_FILE, /* a string read from a file when the answer is sent (a log) */
};

struct xv {
	enum xv_type type;
	bool failed; /* an element could not be added */
	int64_t i;   /* XV_INT, XV_BOOL (0/1) */
	double d;
	char *s; /* XV_STRING, XV_DATETIME: NUL-terminated, len bytes */
	size_t len;
	struct xv **v; /* XV_ARRAY elements, XV_STRUCT member values */
	char **keys;   /* XV_STRUCT member names */
	size_t n, cap;
	int fd; /* XV_FILE: owned, bytes [start, end) */
	int64_t start, end;
};

struct xv *xv_int(int64_t i);
struct xv *xv_bool(bool b);
struct xv *xv_double(double d);
struct xv *xv_str(const char *s); /* NULL gives "" */
struct xv *xv_strn(const char *s, size_t len);
struct xv *xv_array(void);
struct xv *xv_struct(void);
struct xv *xv_nil(void);
/* A string value that is the bytes [start, end) of fd (taken: closed by
 * xv_free, also on failure), written as the answer goes out so that a
 * 200 MB log costs no memory (xmlrpc_write_parts). */
struct xv *xv_file(int fd, int64_t start, int64_t end);
bool xv_has_file(const struct xv *v);
/* Take ownership of v (freed on failure).  Return 0 or -ENOMEM. */
int xv_push(struct xv *arr, struct xv *v);
int xv_set(struct xv *st, const char *key, struct xv *v);
const struct xv *xv_get(const struct xv *st, const char *key);
bool xv_failed(const struct xv *v); /* anywhere inside */
void xv_free(struct xv *v);

/* Deepest nesting of arrays and structs a request may have. */
#define XMLRPC_MAX_DEPTH 32

/* Parses a methodCall.  Entities are not expanded: a document with a
 * DOCTYPE is refused.  *params is an XV_ARRAY (empty without <params>).
 * Base64 values are decoded and given as strings (supervisord's
 * unmarshaller does the same).  Returns 0, -EINVAL (malformed, a DOCTYPE,
 * an unknown element, a bad number or base64), -ENOMSG (no or an empty
 * methodName), -ELOOP (nested deeper than XMLRPC_MAX_DEPTH) or -ENOMEM. */
int xmlrpc_parse_call(const char *buf, size_t len, char **method, struct xv **params);

/* A methodResponse holding v / a fault, as xmlrpclib.dumps writes it.
 * Strings are escaped (&, <, >); bytes that are not UTF-8 become U+FFFD.
 * *out is malloc'd and NUL-terminated.  Return 0 or -ENOMEM. */
int xmlrpc_write_response(const struct xv *v, char **out, size_t *len);
/* The same methodResponse as parts to send in order: text (malloc'd) or a
 * file range to send escaped (xmlrpc_escape_stream).  File parts hold a
 * duplicate of the XV_FILE's fd.  Free with xmlrpc_parts_free.  Return 0
 * or -ENOMEM / -EMFILE. */
struct xr_part {
	char *text; /* NULL: a file part */
	size_t len;
	int fd;
	int64_t start, end;
};
int xmlrpc_write_parts(const struct xv *v, struct xr_part **parts, size_t *n);
void xmlrpc_parts_free(struct xr_part *parts, size_t n);
/* Escapes in[0..n) as a <string> holds it (as xmlrpc_write_response
 * does) into out, which has room for XMLRPC_ESCAPED_MAX(n) bytes; *outlen
 * is what was written.  Unless final, a UTF-8 sequence cut at the end is
 * left for the next call: returns the bytes consumed (the rest, at most 3,
 * go first next time). */
#define XMLRPC_ESCAPED_MAX(n) (5 * (n) + 8)
size_t xmlrpc_escape_stream(const char *in, size_t n, bool final, char *out, size_t *outlen);
int xmlrpc_write_fault(int code, const char *msg, char **out, size_t *len);

#endif
