/* supctl upgrade [PATH]: supd execs itself (or PATH) in place, keeping
 * every program running (doc/upgrade.md); supctl waits until the new
 * image answers and says which version it runs. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supctl_int.h"

/* How long the new image may take to answer (it reads the config and
 * takes over every process). */
#define UPGRADE_WAIT_MS 30000

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET /v1/version until it reports generation gen (the new image), or
 * the old image reports that the exec failed.  Returns 0 with the
 * answer in *out, 1 for a failure said in *out, -1 on a timeout. */
static int wait_new_image(struct ctl *x, long long gen, json_t **out)
{
	int64_t until = mono_ms() + UPGRADE_WAIT_MS;
	while (mono_ms() < until) {
		struct ctl_resp resp;
		memset(&resp, 0, sizeof(resp));
		/* A refused or cut connection is the exec under way: retry. */
		int r = ctl_request(&x->c, "GET", "/v1/version", NULL, 0, &resp, NULL, NULL);
		if (r == 0 && resp.status == 200 && resp.body) {
			json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
			ctl_resp_free(&resp);
			if (j && ctl_jint(j, "upgrades") >= gen) {
				*out = j;
				return 0;
			}
			if (j && json_object_get(j, "upgrade_error")) {
				*out = j;
				return 1;
			}
			json_decref(j);
		} else if (r == 0) {
			ctl_resp_free(&resp);
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

int cmd_upgrade(struct ctl *x, int argc, char **argv)
{
	if (argc > 1) {
		ctl_err(x, "BAD_ARGUMENTS", "Error: upgrade takes at most one argument (PATH)");
		ctl_help_line("upgrade");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	char path[PATH_MAX * 3 + 32] = "/v1/upgrade";
	if (argc == 1) {
		/* supd runs elsewhere: a relative path is the caller's. */
		char abs[PATH_MAX], enc[PATH_MAX * 3];
		if (!realpath(argv[0], abs)) {
			ctl_err(x, "NO_FILE", "ERROR: %s: %s", argv[0], strerror(errno));
			x->exitstatus = EX_GENERIC;
			return 0;
		}
		ctl_enc(abs, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/v1/upgrade?path=%s", enc);
	}
	struct reply rep;
	if (ctl_call(x, "POST", path, &rep) < 0)
		return 0;
	if (rep.code) {
		ctl_err(x, rep.code, "ERROR: %s", rep.msg ? rep.msg : rep.code);
		x->exitstatus = EX_GENERIC;
		ctl_reply_free(&rep);
		return 0;
	}
	long long gen = ctl_jint(rep.j, "generation");
	char old[64];
	snprintf(old, sizeof(old), "%s", ctl_jstr(rep.j, "version"));
	ctl_reply_free(&rep);
	json_t *j = NULL;
	int r = wait_new_image(x, gen, &j);
	if (r < 0) {
		ctl_err(x, "TIMEOUT", "ERROR: supd did not answer within %d s of the upgrade",
			UPGRADE_WAIT_MS / 1000);
		x->exitstatus = EX_GENERIC;
	} else if (r == 1) {
		ctl_err(x, "FAILED", "ERROR: upgrade failed: %s; supd %s carries on",
			ctl_jstr(j, "upgrade_error"), old);
		x->exitstatus = EX_GENERIC;
	} else if (x->json) {
		ctl_jset(x, json_incref(j));
	} else {
		ctl_out("Upgraded supd %s -> %s in place (pid %lld, upgrade %lld)", old,
			ctl_jstr(j, "version"), ctl_jint(j, "pid"), ctl_jint(j, "upgrades"));
	}
	json_decref(j);
	return 0;
}
