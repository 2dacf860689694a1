/* supctl's commands on the configuration: avail, reread, update, add and
 * remove.  These are the ones supervisorctl runs without checking the
 * server first (struct ctl's no_upcheck), and update is built from the
 * others' requests: reread for the diff, then a stop, remove and add per
 * group, with supervisorctl's lines for each step. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supctl_int.h"

struct by_name {
	const char *name;
	size_t i;
};

static int cmp_by_name(const void *a, const void *b)
{
	const struct by_name *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* avail lists by process name, as supervisord's getAllConfigInfo sorts
 * them; equal names (one program in two groups) keep the config's order.
 * --json gives the API's list (the config's order). */
int cmd_avail(struct ctl *x, int argc, char **argv)
{
	if (!ctl_no_args(x, argc, "avail"))
		return 0;
	struct reply rep;
	if (ctl_call(x, "GET", "/v1/config", &rep) < 0)
		return 0;
	json_t *all = json_object_get(rep.j, "programs");
	if (x->json) {
		ctl_jset(x, json_incref(all));
	} else {
		char ns[600], prio[64];
		size_t n = json_array_size(all);
		struct by_name *v = calloc(n ? n : 1, sizeof(*v));
		if (!v) {
			ctl_reply_free(&rep);
			ctl_out("error: out of memory");
			x->exitstatus = EX_GENERIC;
			return 0;
		}
		for (size_t i = 0; i < n; i++)
			v[i] = (struct by_name){ctl_jstr(json_array_get(all, i), "name"), i};
		qsort(v, n, sizeof(*v), cmp_by_name);
		for (size_t k = 0; k < n; k++) {
			json_t *p = json_array_get(all, v[k].i);
			ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns,
					  sizeof(ns));
			snprintf(prio, sizeof(prio), "%lld:%lld", ctl_jint(p, "group_prio"),
				 ctl_jint(p, "process_prio"));
			ctl_out("%-32s %-9s %-9s %s", ns,
				json_is_true(json_object_get(p, "inuse")) ? "in use" : "avail",
				json_is_true(json_object_get(p, "autostart")) ? "auto" : "manual",
				prio);
		}
		free(v);
	}
	ctl_reply_free(&rep);
	return 0;
}

/* POST /v1/reread.  Returns 0 with rep holding the diff, or -1 (printed). */
static int reread(struct ctl *x, struct reply *rep)
{
	if (ctl_call(x, "POST", "/v1/reread", rep) < 0)
		return -1;
	if (rep->code) {
		if (!strcmp(rep->code, "CANT_REREAD"))
			ctl_err(x, rep->code, "ERROR: CANT_REREAD: %s", rep->msg ? rep->msg : "");
		else
			ctl_err(x, rep->code, "ERROR: %s: %s", rep->code, rep->msg ? rep->msg : "");
		x->exitstatus = EX_GENERIC;
		ctl_reply_free(rep);
		return -1;
	}
	return 0;
}

struct change {
	const char *name;
	const char *what;
};

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->name, ((const struct change *)b)->name);
}

int cmd_reread(struct ctl *x, int argc, char **argv)
{
	if (!ctl_no_args(x, argc, "reread"))
		return 0;
	struct reply rep;
	if (reread(x, &rep) < 0)
		return 0;
	static const char *const keys[] = {"added", "changed", "removed"};
	static const char *const words[] = {"available", "changed", "disappeared"};
	size_t n = 0;
	for (int k = 0; k < 3; k++)
		n += json_array_size(json_object_get(rep.j, keys[k]));
	struct change *v = calloc(n + 1, sizeof(*v));
	size_t m = 0;
	for (int k = 0; k < 3; k++) {
		json_t *a = json_object_get(rep.j, keys[k]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			v[m].name = json_string_value(json_array_get(a, i));
			v[m].what = words[k];
			if (v[m].name)
				m++;
		}
	}
	qsort(v, m, sizeof(*v), cmp_change);
	for (size_t i = 0; i < m; i++)
		ctl_result(x, v[i].name, v[i].what, "%s: %s", v[i].name, v[i].what);
	if (m == 0 && x->json)
		ctl_jset(x, json_array());
	else if (m == 0)
		ctl_out("No config updates to processes");
	free(v);
	ctl_reply_free(&rep);
	return 0;
}

/* Add (POST) or remove (DELETE) a group.  Returns the error code or NULL;
 * *conn_failed when there was no answer. */
static char *group_call(struct ctl *x, const char *method, const char *g, bool *conn_failed)
{
	char e[1200], path[1300];
	ctl_enc(g, e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/groups/%s", e);
	struct reply rep;
	*conn_failed = false;
	if (ctl_call(x, method, path, &rep) < 0) {
		*conn_failed = true;
		return NULL;
	}
	char *code = rep.code ? strdup(rep.code) : NULL;
	ctl_reply_free(&rep);
	return code;
}

/* Stops g:* and says whether any process failed to stop. */
static bool stop_group(struct ctl *x, const char *g)
{
	char e[1200], path[1300];
	ctl_enc(g, e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/processes/%s:*/stop", e);
	struct reply rep;
	if (ctl_call(x, "POST", path, &rep) < 0)
		return true;
	bool fails = false;
	json_t *res = json_object_get(rep.j, "results");
	for (size_t i = 0; i < json_array_size(res); i++)
		if (!strcmp(ctl_jstr(json_array_get(res, i), "status"), "FAILED"))
			fails = true;
	ctl_reply_free(&rep);
	return fails;
}

static bool wanted(int argc, char **argv, const char *g)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], g) || !strcmp(argv[i], "all"))
			return true;
	return false;
}

int cmd_update(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (reread(x, &rep) < 0)
		return 0;
	json_t *added = json_object_get(rep.j, "added"),
	       *changed = json_object_get(rep.j, "changed"),
	       *removed = json_object_get(rep.j, "removed");
	/* Names that are neither changing nor active are errors. */
	if (argc && !(argc == 1 && !strcmp(argv[0], "all"))) {
		struct reply cur;
		if (ctl_call(x, "GET", "/v1/processes?fields=group", &cur) < 0) {
			ctl_reply_free(&rep);
			return 0;
		}
		for (int i = 0; i < argc; i++) {
			bool known = false;
			json_t *lists[] = {added, changed, removed};
			for (int k = 0; k < 3 && !known; k++)
				for (size_t j = 0; j < json_array_size(lists[k]); j++)
					if (!strcmp(json_string_value(json_array_get(lists[k], j)),
						    argv[i]))
						known = true;
			json_t *ps = json_object_get(cur.j, "processes");
			for (size_t j = 0; j < json_array_size(ps) && !known; j++)
				if (!strcmp(ctl_jstr(json_array_get(ps, j), "group"), argv[i]))
					known = true;
			if (!known) {
				ctl_err(x, "BAD_NAME", "ERROR: no such group: %s", argv[i]);
				x->exitstatus = EX_GENERIC;
			}
		}
		ctl_reply_free(&cur);
	}
	bool cf;
	for (size_t i = 0; i < json_array_size(removed); i++) {
		const char *g = json_string_value(json_array_get(removed, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		bool fails = stop_group(x, g);
		ctl_result(x, g, "stopped", "%s: stopped", g);
		if (fails) {
			ctl_result(x, g, "has_problems", "%s: has problems; not removing", g);
			continue;
		}
		free(group_call(x, "DELETE", g, &cf));
		if (!cf)
			ctl_result(x, g, "removed", "%s: removed process group", g);
	}
	for (size_t i = 0; i < json_array_size(changed); i++) {
		const char *g = json_string_value(json_array_get(changed, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		stop_group(x, g);
		ctl_result(x, g, "stopped", "%s: stopped", g);
		free(group_call(x, "DELETE", g, &cf));
		free(group_call(x, "POST", g, &cf));
		if (!cf)
			ctl_result(x, g, "updated", "%s: updated process group", g);
	}
	for (size_t i = 0; i < json_array_size(added); i++) {
		const char *g = json_string_value(json_array_get(added, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		free(group_call(x, "POST", g, &cf));
		if (!cf)
			ctl_result(x, g, "added", "%s: added process group", g);
	}
	if (x->json && !x->jdoc)
		ctl_jset(x, json_array());
	ctl_reply_free(&rep);
	return 0;
}

/* add (POST) or remove (DELETE) each named group, with supervisorctl's
 * lines; a fault only add can meet is looked up for add alone. */
static void add_remove(struct ctl *x, int argc, char **argv, bool add)
{
	for (int i = 0; i < argc; i++) {
		bool cf;
		char *code = group_call(x, add ? "POST" : "DELETE", argv[i], &cf);
		if (cf)
			continue;
		if (!code) {
			ctl_result(x, argv[i], add ? "added" : "removed", "%s: %s process group",
				   argv[i], add ? "added" : "removed");
		} else if (add && !strcmp(code, "ALREADY_ADDED")) {
			ctl_result(x, argv[i], code, "ERROR: process group already active");
		} else {
			if (!add && !strcmp(code, "STILL_RUNNING"))
				ctl_result(x, argv[i], code,
					   "ERROR: process/group still running: %s", argv[i]);
			else if (!strcmp(code, "BAD_NAME"))
				ctl_result(x, argv[i], code, "ERROR: no such process/group: %s",
					   argv[i]);
			else
				ctl_result(x, argv[i], code, "ERROR: %s: %s", argv[i], code);
			x->exitstatus = EX_GENERIC;
		}
		free(code);
	}
}

int cmd_add(struct ctl *x, int argc, char **argv)
{
	add_remove(x, argc, argv, true);
	return 0;
}

int cmd_remove(struct ctl *x, int argc, char **argv)
{
	add_remove(x, argc, argv, false);
	return 0;
}
