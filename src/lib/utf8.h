/* UTF-8 validation, the one copy: what the JSON, XML-RPC and --print-config
 * writers use to pass valid text through and replace the rest (a program's
 * name, output or environment is any bytes). */
#ifndef SUPD_UTF8_H
#define SUPD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length (1-4) of the valid UTF-8 sequence at s, which has avail >= 1
 * bytes, or 0 when it is not one: a stray continuation byte, an overlong
 * form, a surrogate, a code point past U+10FFFF, or a sequence cut short
 * by the end of the buffer or by a NUL. */
size_t utf8_len(const unsigned char *s, size_t avail);

/* Whether all n bytes at s are valid UTF-8 (NULs count as valid). */
bool utf8_valid(const unsigned char *s, size_t n);

struct buf;
/* Appends to b (buf_put: b->oom says if it ran out) what Python's repr() makes of the bytes: b'...'
 * (or b"..." when they hold a ' and no "), printable ASCII as itself, \\ and the quote escaped, \t
 * \n \r, every other byte \xNN.  supervisord writes undecodable child output to its log that way;
 * the result is ASCII. */
void utf8_pyrepr(struct buf *b, const unsigned char *s, size_t n);

#endif
