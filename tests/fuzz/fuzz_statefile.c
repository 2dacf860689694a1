/* libFuzzer target: the state file's reader (statefile.c), which a
 * starting supd runs on whatever a crash, a full disk or a person left in
 * the file.  Checks, besides the sanitizers:
 *  - a file is taken whole or refused whole (no entries on a refusal);
 *  - what is taken holds only values a supd can have written: pids above
 *    0, signals 1 to 64, non-negative stopwaitsecs, a group:name without
 *    spaces;
 *  - what is taken, written again the writer's way, reads back the same. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *format(const struct statefile_data *d, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	if (!f)
		abort();
	fprintf(f, "supd-state 1\nboot %s\npidns %" PRIu64 "\nsupd %d %" PRIu64 "\n", d->boot,
		d->pidns, (int)d->supd_pid, d->supd_start);
	for (size_t i = 0; i < d->n; i++) {
		const struct statefile_entry *e = &d->v[i];
		fprintf(f, "proc %d %" PRIu64 " %d %d %d %d %s\n", (int)e->pid, e->start,
			e->stopsignal, e->stopwaitsecs, e->stopasgroup, e->killasgroup, e->spec);
	}
	fclose(f);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statefile_data d;
	const char *why = NULL;
	int r = statefile_parse((const char *)data, size, &d, &why);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			abort();
		if (d.n || d.v || (r == -EINVAL && !why))
			abort();
		return 0;
	}
	if (d.supd_pid <= 0 || !d.boot[0])
		abort();
	for (size_t i = 0; i < d.n; i++) {
		const struct statefile_entry *e = &d.v[i];
		if (e->pid <= 0 || e->stopsignal < 1 || e->stopsignal > 64 || e->stopwaitsecs < 0 ||
		    !strchr(e->spec, ':') || strchr(e->spec, ' ') || strchr(e->spec, '\n'))
			abort();
	}
	size_t len;
	char *again = format(&d, &len);
	struct statefile_data d2;
	if (statefile_parse(again, len, &d2, &why) != 0 || d2.n != d.n ||
	    d2.supd_pid != d.supd_pid || d2.supd_start != d.supd_start || d2.pidns != d.pidns ||
	    strcmp(d2.boot, d.boot) != 0)
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].pid != d2.v[i].pid || d.v[i].start != d2.v[i].start ||
		    d.v[i].stopsignal != d2.v[i].stopsignal ||
		    d.v[i].stopwaitsecs != d2.v[i].stopwaitsecs ||
		    d.v[i].stopasgroup != d2.v[i].stopasgroup ||
		    d.v[i].killasgroup != d2.v[i].killasgroup || strcmp(d.v[i].spec, d2.v[i].spec))
			abort();
	statefile_data_free(&d2);
	statefile_data_free(&d);
	free(again);
	return 0;
}
