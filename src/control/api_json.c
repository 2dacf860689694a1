/* The /v1 process list as JSON text, written directly: the list is the
 * hot path (supctl status with 1000 programs), without a jansson object
 * per process. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"
#include "output.h"
#include "utf8.h"

/* The process list is the hot path (supctl status with 1000 programs):
 * written as JSON text directly, without a jansson object per process. */

/* The character at s (not ASCII): as it is when it is UTF-8, else bad (the
 * form of U+FFFD) for its first byte.  Returns the bytes consumed. */
static size_t put_utf8(struct buf *b, const unsigned char *s, const char *bad)
{
	size_t n = utf8_len(s, SIZE_MAX);
	if (n) {
		buf_put(b, (const char *)s, n);
		return n;
	}
	buf_put(b, bad, strlen(bad));
	return 1;
}

/* A JSON string; bytes that are not UTF-8 (a name is any bytes) become
 * U+FFFD, so that the answer always parses. */
void api_json_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	buf_put(b, "\"", 1);
	while (*s) {
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		buf_put(b, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		if (*s == '"' || *s == '\\') {
			char esc[2] = {'\\', (char)*s++};
			buf_put(b, esc, 2);
		} else if (*s < 0x20) {
			buf_putf(b, "\\u%04x", *s++);
		} else {
			s += put_utf8(b, s, "\\ufffd");
		}
	}
	buf_put(b, "\"", 1);
}

/* The fields of a process, in their order; ?fields= selects some. */
static const char *const proc_fields[] = {
    "name",	   "group",	     "namespec",
    "state",	   "statename",	     "pid",
    "start",	   "stop",	     "now",
    "uptime",	   "exitstatus",     "spawnerr",
    "description", "stdout_logfile", "stderr_logfile",
    "next_run",	 /* svc-kinds */
    "completed", /* svc-deps: a one-shot that completed successfully */
    "ready",	   "health",	     "status_text",
    "check_error",
};
#define NFIELDS (sizeof(proc_fields) / sizeof(proc_fields[0]))
_Static_assert(API_ALL_FIELDS == (1u << NFIELDS) - 1, "API_ALL_FIELDS names every field");

/* "name,state" -> a mask; unknown names are an error (-EINVAL). */
int api_parse_fields(const char *spec, unsigned *mask)
{
	*mask = API_ALL_FIELDS;
	if (!spec)
		return 0;
	*mask = 0;
	while (*spec) {
		size_t n = strcspn(spec, ",");
		size_t i;
		if (n == 9 && !strncmp(spec, "resources", 9)) {
			*mask |= API_F_RESOURCES;
			spec += n + (spec[n] == ',');
			continue;
		}
		for (i = 0; i < NFIELDS; i++)
			if (strlen(proc_fields[i]) == n && !strncmp(proc_fields[i], spec, n))
				break;
		if (n && i == NFIELDS)
			return -EINVAL;
		if (n)
			*mask |= 1u << i;
		spec += n;
		if (*spec == ',')
			spec++;
	}
	return 0;
}

static void sb_key(struct buf *b, bool *first, size_t i)
{
	buf_put(b, *first ? "{\"" : ",\"", 2);
	*first = false;
	buf_put(b, proc_fields[i], strlen(proc_fields[i]));
	buf_put(b, "\":", 2);
}

/* A TSV field: the bytes as they are but for the separators, escaped as
 * \t \n \r \\, and bytes that are not UTF-8, which become U+FFFD as in
 * the JSON form (supctl prints either the same way). */
static void tsv_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	while (*s) {
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '\\')
			s++;
		buf_put(b, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
			char esc[2] = {'\\', *s == '\t'	  ? 't'
					     : *s == '\n' ? 'n'
					     : *s == '\r' ? 'r'
							  : '\\'};
			buf_put(b, esc, 2);
			s++;
		} else if (*s < 0x20) {
			buf_put(b, (const char *)s++, 1);
		} else {
			s += put_utf8(b, s, "\xef\xbf\xbd");
		}
	}
}

/* One process's fields in the JSON object form or as a TSV line. */
static void proc_fields_put(struct buf *b, const struct proc *p, time_t now, unsigned mask,
			    bool tsv)
{
	char buf[512];
	bool first = true;
	void (*str)(struct buf *, const char *) = tsv ? tsv_str : api_json_str;
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (!tsv)
			sb_key(b, &first, i);
		else if (!first)
			buf_put(b, "\t", 1);
		first = false;
		switch (i) {
		case 0:
			str(b, p->conf->name);
			break;
		case 1:
			str(b, p->conf->group);
			break;
		case 2:
			str(b, namespec(p, buf, sizeof(buf)));
			break;
		case 3:
			buf_putf(b, "%d", (int)p->state);
			break;
		case 4:
			str(b, proc_state_name(p->state));
			break;
		case 5:
			buf_putf(b, "%d", (int)p->pid);
			break;
		case 6:
			buf_putf(b, "%lld", (long long)p->laststart);
			break;
		case 7:
			buf_putf(b, "%lld", (long long)p->laststop);
			break;
		case 8:
			buf_putf(b, "%lld", (long long)now);
			break;
		case 9:
			buf_putf(b, "%lld",
				 p->state == PROC_RUNNING && p->laststart && now > p->laststart
				     ? (long long)(now - p->laststart)
				     : 0LL);
			break;
		case 10:
			buf_putf(b, "%d", p->exitstatus);
			break;
		case 11:
			str(b, p->spawnerr);
			break;
		case 12:
			str(b, proc_description(p, now, buf, sizeof(buf)));
			break;
		case 13:
			str(b, p->out ? output_path(p->out, OUTPUT_STDOUT) : NULL);
			break;
		case 14:
			str(b, p->out ? output_path(p->out, OUTPUT_STDERR) : NULL);
			break;
		case 15:
			/* a scheduled program's next run (unix seconds), else null */
			if (proc_next_run(p))
				buf_putf(b, "%lld", (long long)proc_next_run(p));
			else
				buf_put(b, "null", 4);
			break;
		case 16:
			buf_put(b, proc_completed_ok(p) ? "true" : "false",
				proc_completed_ok(p) ? 4 : 5);
			break;
		case 17:
			buf_putf(b, "%s", proc_is_ready(p) ? "true" : "false");
			break;
		case 18:
			str(b, proc_health_name(proc_health(p)));
			break;
		case 19:
			str(b, proc_status_text(p));
			break;
		case 20:
			str(b, proc_check_error(p));
			break;
		}
	}
	/* cgroups: only when the last exit was an OOM kill (JSON only, as
	 * resources: a TSV line has the fields asked for, in their order) */
	if (!tsv && p->cg && p->cg->oom) {
		buf_put(b, first ? "{" : ",", 1);
		buf_put(b, "\"oom_killed\":true", 17);
		first = false;
	}
	if (!tsv && (mask & API_F_RESOURCES)) {
		struct proc_resources res;
		buf_put(b, first ? "{" : ",", 1);
		first = false;
		if (proc_resources(p, &res) < 0) {
			buf_put(b, "\"resources\":null", 16);
		} else {
			buf_putf(b, "\"resources\":{\"source\":\"%s\",\"cpu_usec\":%lld",
				 res.cgroup ? "cgroup" : "proc", (long long)res.cpu_usec);
			/* unknown is null */
			const char *k[] = {"memory_current", "memory_peak", "processes"};
			int64_t v[] = {res.mem_current, res.mem_peak, res.nprocs};
			for (int j = 0; j < 3; j++) {
				if (v[j] < 0)
					buf_putf(b, ",\"%s\":null", k[j]);
				else
					buf_putf(b, ",\"%s\":%lld", k[j], (long long)v[j]);
			}
			buf_put(b, "}", 1);
		}
	}
	if (tsv)
		buf_put(b, "\n", 1);
	else
		buf_put(b, first ? "{}" : "}", first ? 2 : 1);
}

void api_json_proc(struct buf *b, const struct proc *p, time_t now, unsigned mask)
{
	proc_fields_put(b, p, now, mask, false);
}

void api_tsv_proc(struct buf *b, const struct proc *p, time_t now, unsigned mask)
{
	proc_fields_put(b, p, now, mask, true);
}
