/* A map from strings to indices, for the config model's name lookups
 * (sections, groups) that would otherwise be linear scans: quadratic with
 * 10,000 programs.  Open addressing; the keys are borrowed and must outlive
 * the map (they are the model's own strings).  A zeroed struct is an empty
 * map. */
#ifndef SUPD_STRMAP_H
#define SUPD_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap {
	size_t cap; /* slots, a power of two (0 before the first put) */
	size_t n;
	const char **keys;
	size_t *vals;
};

/* Sets key's value (replacing an earlier one).  Returns 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t val);
/* Whether key is there; its value in *val when val is not NULL. */
bool strmap_get(const struct strmap *m, const char *key, size_t *val);
/* The key stored for an equal key (the map's own pointer), or NULL. */
const char *strmap_key(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m);

#endif
