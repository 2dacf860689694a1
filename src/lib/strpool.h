/* An arena of strings that lives as long as the model it belongs to: no
 * malloc, header and free each (a 6-byte name costs a 32-byte chunk), and
 * equal strings interned once (10,000 programs named p1..p10000 held each
 * name four times, and the config file's path twice). */
#ifndef SUPD_STRPOOL_H
#define SUPD_STRPOOL_H

#include <stddef.h>

#include "strmap.h"

struct strpool_block;

struct strpool {
	struct strpool_block *block; /* the current block (a list) */
	size_t next_cap;	     /* the next block's size: small models stay small */
	struct strmap seen;	     /* interned strings, until strpool_seal */
};

/* A copy of n bytes and a NUL, or NULL (out of memory). */
char *strpool_copy(struct strpool *p, const char *s, size_t n);
/* n bytes aligned for pointers (an argv array), uninitialised, or NULL. */
void *strpool_alloc(struct strpool *p, size_t n);
/* The pool's copy of s, the same pointer for equal strings until
 * strpool_seal; NULL for NULL s or out of memory. */
const char *strpool_intern(struct strpool *p, const char *s);
/* Forgets which strings were interned (the map's memory goes); the
 * strings stay. */
void strpool_seal(struct strpool *p);
void strpool_free(struct strpool *p);

#endif
