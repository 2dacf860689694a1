/* UTF-8 validation, the one copy: what the JSON, XML-RPC and --print-config
 * writers use to pass valid text through and replace the rest (a program's
 * name, output or environment is any bytes). */
#ifndef SUPD_UTF8_H
#define SUPD_UTF8_H

#include <stddef.h>

/* The length (1-4) of the valid UTF-8 sequence at s, which has avail >= 1
 * bytes, or 0 when it is not one: a stray continuation byte, an overlong
 * form, a surrogate, a code point past U+10FFFF, or a sequence cut short
 * by the end of the buffer or by a NUL. */
size_t utf8_len(const unsigned char *s, size_t avail);

#endif
