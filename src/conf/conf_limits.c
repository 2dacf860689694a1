/* conf_limits: the values of rlimit_*, nice, oom_score_adj and
 * cpu_affinity (supd extension, issue #15): reading and printing them.
 * The options themselves are rows of conf_prog.c's table. */
#include "config.h"

#include "conf.h"
#include "conf_value.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

enum rl_unit {
	U_COUNT,
	U_BYTES,
	U_SECONDS, /* a duration, kept in seconds (RLIMIT_CPU) */
	U_USEC,	   /* a duration, kept in microseconds (RLIMIT_RTTIME) */
};

/* RLIMIT_RSS and RLIMIT_LOCKS are left out: Linux enforces neither. */
static const struct {
	const char *name;
	int resource;
	enum rl_unit unit;
	uint64_t top; /* the largest finite value */
} rls[CONF_RL_N] = {
    [CONF_RL_AS] = {"as", RLIMIT_AS, U_BYTES, UINT64_MAX - 1},
    [CONF_RL_CORE] = {"core", RLIMIT_CORE, U_BYTES, UINT64_MAX - 1},
    [CONF_RL_CPU] = {"cpu", RLIMIT_CPU, U_SECONDS, UINT64_MAX - 1},
    [CONF_RL_DATA] = {"data", RLIMIT_DATA, U_BYTES, UINT64_MAX - 1},
    [CONF_RL_FSIZE] = {"fsize", RLIMIT_FSIZE, U_BYTES, UINT64_MAX - 1},
    [CONF_RL_MEMLOCK] = {"memlock", RLIMIT_MEMLOCK, U_BYTES, UINT64_MAX - 1},
    [CONF_RL_MSGQUEUE] = {"msgqueue", RLIMIT_MSGQUEUE, U_BYTES, UINT64_MAX - 1},
    /* the ceiling is 20 - RLIMIT_NICE: 40 lets a program reach -20 */
    [CONF_RL_NICE] = {"nice", RLIMIT_NICE, U_COUNT, 40},
    [CONF_RL_NOFILE] = {"nofile", RLIMIT_NOFILE, U_COUNT, UINT64_MAX - 1},
    [CONF_RL_NPROC] = {"nproc", RLIMIT_NPROC, U_COUNT, UINT64_MAX - 1},
    [CONF_RL_RTPRIO] = {"rtprio", RLIMIT_RTPRIO, U_COUNT, 99},
    [CONF_RL_RTTIME] = {"rttime", RLIMIT_RTTIME, U_USEC, UINT64_MAX - 1},
    [CONF_RL_SIGPENDING] = {"sigpending", RLIMIT_SIGPENDING, U_COUNT, UINT64_MAX - 1},
    [CONF_RL_STACK] = {"stack", RLIMIT_STACK, U_BYTES, UINT64_MAX - 1},
};

const char *conf_rl_name(enum conf_rl r)
{
	return rls[r].name;
}

int conf_rl_resource(enum conf_rl r)
{
	return rls[r].resource;
}

int conf_rl_by_key(const char *key)
{
	if (strncasecmp(key, "rlimit_", 7) != 0)
		return -1;
	for (int i = 0; i < CONF_RL_N; i++)
		if (!strcasecmp(key + 7, rls[i].name))
			return i;
	return -1;
}

static bool is_infinity(const char *b, size_t n)
{
	return (n == 8 && !strncasecmp(b, "infinity", 8)) ||
	       (n == 9 && !strncasecmp(b, "unlimited", 9));
}

/* A decimal number with an optional K, M, G or T (1024-based, B
 * optional) when bytes. */
static int parse_amount(const char *b, size_t n, bool sized, uint64_t *out, const char **why)
{
	size_t digits = 0;
	while (digits < n && isdigit((unsigned char)b[digits]))
		digits++;
	if (!digits) {
		*why = sized ? "a number with an optional K, M, G or T, or infinity"
			     : "a number, or infinity";
		return -EINVAL;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < digits; i++) {
		unsigned d = (unsigned)(b[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			*why = "too large";
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	const char *suf = b + digits;
	size_t sl = n - digits;
	int shift = 0;
	if (sl && sized) {
		static const char units[] = "KMGT";
		const char *u = strchr(units, toupper((unsigned char)suf[0]));
		if (!u || (sl == 2 && toupper((unsigned char)suf[1]) != 'B') || sl > 2) {
			*why = "a number with an optional K, M, G or T, or infinity";
			return -EINVAL;
		}
		shift = 10 * (int)(u - units + 1);
	} else if (sl) {
		*why = "a number, or infinity";
		return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		*why = "too large";
		return -ERANGE;
	}
	*out = v << shift;
	return 0;
}

static int parse_one(enum conf_rl r, const char *b, size_t n, uint64_t *out, const char **why)
{
	while (n && isspace((unsigned char)*b))
		b++, n--;
	while (n && isspace((unsigned char)b[n - 1]))
		n--;
	if (is_infinity(b, n)) {
		*out = CONF_RLIM_INFINITY;
		return 0;
	}
	uint64_t v;
	int e;
	if (rls[r].unit == U_SECONDS || rls[r].unit == U_USEC) {
		char tmp[64];
		int64_t ms;
		if (n >= sizeof(tmp) ||
		    (snprintf(tmp, sizeof(tmp), "%.*s", (int)n, b), cv_duration(tmp, &ms) < 0) ||
		    ms < 0) {
			*why = "a duration like 90, 30s, 5m or 1h, or infinity";
			return -EINVAL;
		}
		/* RLIMIT_CPU counts whole seconds: a part of one is one */
		v = rls[r].unit == U_SECONDS ? ((uint64_t)ms + 999) / 1000 : (uint64_t)ms * 1000;
	} else if ((e = parse_amount(b, n, rls[r].unit == U_BYTES, &v, why)) < 0) {
		return e;
	}
	if (v > rls[r].top) {
		*why = r == CONF_RL_NICE     ? "0 to 40 (20 - the lowest nice value allowed)"
		       : r == CONF_RL_RTPRIO ? "0 to 99"
					     : "too large";
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int conf_rl_parse(enum conf_rl r, const char *s, uint64_t *cur, uint64_t *max, const char **why)
{
	const char *colon = strchr(s, ':');
	int e;
	if (!colon) {
		e = parse_one(r, s, strlen(s), cur, why);
		if (e == 0)
			*max = *cur;
		return e;
	}
	if (strchr(colon + 1, ':')) {
		*why = "soft:hard, one value for both, or infinity";
		return -EINVAL;
	}
	e = parse_one(r, s, (size_t)(colon - s), cur, why);
	if (e == 0)
		e = parse_one(r, colon + 1, strlen(colon + 1), max, why);
	if (e == 0 && *cur > *max) {
		*why = "the soft limit is above the hard limit";
		return -ERANGE;
	}
	return e;
}

static void format_one(enum conf_rl r, uint64_t v, char *buf, size_t len)
{
	if (v == CONF_RLIM_INFINITY)
		snprintf(buf, len, "infinity");
	else if (rls[r].unit == U_USEC)
		snprintf(buf, len, "%" PRIu64 "ms", v / 1000);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

const char *conf_rl_format(enum conf_rl r, uint64_t cur, uint64_t max, char *buf, size_t len)
{
	char a[32], b[32];
	format_one(r, cur, a, sizeof(a));
	format_one(r, max, b, sizeof(b));
	if (cur == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s:%s", a, b);
	return buf;
}

static int cpu_number(const char **p, unsigned *out)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	unsigned long v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v >= CONF_CPUS_MAX)
			return -ERANGE;
	}
	*out = (unsigned)v;
	*p = s;
	return 0;
}

int conf_cpus_parse(const char *s, uint64_t cpus[CONF_CPUS_MAX / 64])
{
	memset(cpus, 0, CONF_CPUS_MAX / 8);
	bool any = false;
	for (const char *p = s;;) {
		while (isspace((unsigned char)*p))
			p++;
		unsigned lo, hi;
		int e = cpu_number(&p, &lo);
		if (e < 0)
			return e;
		hi = lo;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '-') {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			if ((e = cpu_number(&p, &hi)) < 0)
				return e;
			if (hi < lo)
				return -EINVAL;
			while (isspace((unsigned char)*p))
				p++;
		}
		for (unsigned c = lo; c <= hi; c++)
			cpus[c / 64] |= 1ULL << (c % 64);
		any = true;
		if (!*p)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	return any ? 0 : -EINVAL;
}

const char *conf_cpus_format(const uint64_t cpus[CONF_CPUS_MAX / 64], char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned c = 0; c < CONF_CPUS_MAX; c++) {
		if (!(cpus[c / 64] >> (c % 64) & 1))
			continue;
		unsigned e = c;
		while (e + 1 < CONF_CPUS_MAX && (cpus[(e + 1) / 64] >> ((e + 1) % 64) & 1))
			e++;
		int w = e == c ? snprintf(buf + n, len - n, "%s%u", n ? "," : "", c)
			       : snprintf(buf + n, len - n, "%s%u-%u", n ? "," : "", c, e);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
		c = e;
	}
	return buf;
}
