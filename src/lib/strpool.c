#include "config.h"

#include "strpool.h"

#include <stdlib.h>
#include <string.h>

struct strpool_block {
	struct strpool_block *next;
	size_t used, cap;
	char data[];
};

#define BLOCK_MIN 1024
#define BLOCK_MAX 65536

/* n bytes at b->used (after align - 1 bytes of padding at most). */
static char *take(struct strpool *p, size_t n, size_t align)
{
	struct strpool_block *b = p->block;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || at > b->cap || b->cap - at < n) {
		size_t cap = p->next_cap < BLOCK_MIN ? BLOCK_MIN : p->next_cap;
		if (cap < BLOCK_MAX)
			p->next_cap = 2 * cap;
		cap -= sizeof(*b);
		if (cap < n)
			cap = n;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = p->block;
		b->used = 0;
		b->cap = cap;
		p->block = b;
		at = 0;
	}
	b->used = at + n;
	return b->data + at;
}

char *strpool_copy(struct strpool *p, const char *s, size_t n)
{
	char *d = take(p, n + 1, 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

void *strpool_alloc(struct strpool *p, size_t n)
{
	return take(p, n, sizeof(void *));
}

const char *strpool_intern(struct strpool *p, const char *s)
{
	if (!s)
		return NULL;
	const char *k = strmap_key(&p->seen, s);
	if (k)
		return k;
	char *d = strpool_copy(p, s, strlen(s));
	if (d && strmap_put(&p->seen, d, 0) < 0)
		return NULL;
	return d;
}

void strpool_seal(struct strpool *p)
{
	strmap_free(&p->seen);
}

void strpool_free(struct strpool *p)
{
	strmap_free(&p->seen);
	while (p->block) {
		struct strpool_block *b = p->block;
		p->block = b->next;
		free(b);
	}
	p->next_cap = 0;
}
