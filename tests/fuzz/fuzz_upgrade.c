/* libFuzzer target: the state document of an upgrade in place
 * (upgrade.c), as a new image reads what the old one handed it.  A new
 * image must never crash on a damaged document.  Checks, besides the
 * sanitizers:
 *  - a document that parses is written again (upg_format) and that text
 *    parses to a document that is written the same way (the writer and
 *    the reader agree);
 *  - upg_fds counts every fd the records name, and each is one a record
 *    holds (not a value made up by the reader); renumbered
 *    (upg_fds_renumber, as fds taken from the socket are), they read
 *    back in the same order;
 *  - a refusal says why, with the line. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upgrade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upg_state s = {0};
	char err[256];
	int r = upg_parse((const char *)data, size, &s, err, sizeof(err));
	if (r < 0) {
		if (r != -ENOMEM && strncmp(err, "line ", 5) != 0)
			abort();
		upg_state_free(&s);
		return 0;
	}
	size_t n = upg_fds(&s, NULL, 0);
	int *v = calloc(n + 1, sizeof(int));
	if (!v)
		abort();
	if (upg_fds(&s, v, n) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0)
			abort();
	struct upg_state sr = {0};
	if (upg_parse((const char *)data, size, &sr, err, sizeof(err)) < 0)
		abort();
	for (size_t i = 0; i < n; i++)
		v[i] = (int)i + 3;
	upg_fds_renumber(&sr, v, n);
	if (upg_fds(&sr, v, n) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (v[i] != (int)i + 3)
			abort();
	upg_state_free(&sr);
	free(v);
	char *t1, *t2;
	size_t l1, l2;
	if (upg_format(&s, s.version, &t1, &l1) < 0)
		abort();
	struct upg_state s2 = {0};
	if (upg_parse(t1, l1, &s2, err, sizeof(err)) < 0)
		abort();
	if (upg_format(&s2, s2.version, &t2, &l2) < 0)
		abort();
	if (l1 != l2 || memcmp(t1, t2, l1) != 0)
		abort();
	free(t1);
	free(t2);
	upg_state_free(&s2);
	upg_state_free(&s);
	return 0;
}
