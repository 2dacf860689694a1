/* GET /v1/health (doc/dependencies.md, doc/containers.md): one answer for
 * orchestrators' probes.  200 when every autostart process is where it
 * should be: running (the dependency condition `healthy`, so ready and
 * healthy once those checks exist), or a one-shot that completed
 * successfully.  Otherwise 503 with the list of those that are not and
 * why.  Processes without autostart are nobody's business here. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "http.h"

void api_health(struct api *a, struct http_req *r)
{
	size_t n;
	struct proc **v = ops_all(a->core, true, &n);
	struct buf b = {0};
	time_t now = time(NULL);
	char ns[512], desc[512];
	size_t bad = 0;
	bool down = ops_state(a->core) != 1;
	buf_put(&b, "{\"unhealthy\":[", 14);
	for (size_t i = 0; i < n; i++) {
		const struct proc *p = v[i];
		if (!p->conf->s->autostart || proc_dep_holds(p, CONF_DEP_HEALTHY))
			continue;
		buf_put(&b, bad ? ",{" : "{", bad ? 2 : 1);
		bad++;
		buf_put(&b, "\"namespec\":", 11);
		api_json_str(&b, namespec(p, ns, sizeof(ns)));
		buf_put(&b, ",\"statename\":", 13);
		api_json_str(&b, proc_state_name(p->state));
		buf_put(&b, ",\"description\":", 15);
		api_json_str(&b, proc_description(p, now, desc, sizeof(desc)));
		buf_put(&b, "}", 1);
	}
	free(v);
	bool ok = !bad && !down;
	buf_putf(&b, "],\"status\":\"%s\"}\n", ok ? "ok" : down ? "shutting down" : "unhealthy");
	if (b.oom)
		api_reply_error(r, "FAILED", "out of memory");
	else
		http_reply(r, ok ? 200 : 503, NULL, b.p, b.len);
	free(b.p);
}
