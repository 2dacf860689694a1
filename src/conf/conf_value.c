/* conf_value: the value types of supervisord's datatypes.py, in C. */
#include "config.h"

#include "conf_value.h"

#include "buf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Python's int() and str.strip() accept surrounding whitespace. */
static void trim(const char *s, const char **b, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*b = s;
	*len = n;
}

static bool word_eq(const char *b, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(b, w, n);
}

int cv_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	const char *b;
	size_t n;
	trim(s, &b, &n);
	for (size_t i = 0; i < 4; i++) {
		if (word_eq(b, n, yes[i])) {
			*out = true;
			return 0;
		}
		if (word_eq(b, n, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Digits only, optional sign, within long; -ERANGE past it. */
static int parse_long(const char *b, size_t n, int base, long *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return n ? -ERANGE : -EINVAL;
	memcpy(buf, b, n);
	buf[n] = 0;
	const char *p = buf;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return -EINVAL;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q) || (base == 8 && *q > '7'))
			return -EINVAL;
	errno = 0;
	long v = strtol(buf, NULL, base);
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int cv_int(const char *s, long min, long max, long *out)
{
	const char *b;
	size_t n;
	long v;
	trim(s, &b, &n);
	int r = parse_long(b, n, 10, &v);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cv_bytes(const char *s, uint64_t *out)
{
	const char *b;
	size_t n;
	uint64_t mult = 1;
	trim(s, &b, &n);
	if (n >= 2) {
		const char *suf = b + n - 2;
		if (!strncasecmp(suf, "kb", 2))
			mult = 1024;
		else if (!strncasecmp(suf, "mb", 2))
			mult = 1024 * 1024;
		else if (!strncasecmp(suf, "gb", 2))
			mult = 1024 * 1024 * 1024;
		if (mult != 1)
			n -= 2;
		/* Python's int() takes "1500 " from "1500 KB" */
		while (n && isspace((unsigned char)b[n - 1]))
			n--;
	}
	long v;
	int r = parse_long(b, n, 10, &v);
	if (r < 0)
		return r;
	if (v < 0)
		return -ERANGE;
	if ((uint64_t)v > UINT64_MAX / mult)
		return -ERANGE;
	*out = (uint64_t)v * mult;
	return 0;
}

int cv_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	const char *b;
	size_t n;
	trim(s, &b, &n);
	if (!n)
		return -EINVAL;
	const char *end = b + n;
	int64_t total = 0;
	size_t next_unit = 0; /* units must come in decreasing order */
	bool any_unit = false;
	while (b < end) {
		if (!isdigit((unsigned char)*b))
			return -EINVAL;
		int64_t v = 0;
		while (b < end && isdigit((unsigned char)*b)) {
			if (v > (INT64_MAX / 2) / 10)
				return -ERANGE;
			v = v * 10 + (*b++ - '0');
		}
		size_t ul = 0;
		while (b + ul < end && isalpha((unsigned char)b[ul]))
			ul++;
		int64_t mult;
		if (!ul) {
			/* A bare number is seconds, and only on its own. */
			if (any_unit)
				return -EINVAL;
			mult = 1000;
			next_unit = sizeof(units) / sizeof(units[0]);
		} else {
			size_t u = next_unit;
			while (u < sizeof(units) / sizeof(units[0]) &&
			       (strlen(units[u].name) != ul || strncasecmp(units[u].name, b, ul)))
				u++;
			if (u == sizeof(units) / sizeof(units[0]))
				return -EINVAL;
			mult = units[u].ms;
			next_unit = u + 1;
			any_unit = true;
			b += ul;
		}
		if (v > (INT64_MAX / 2 - total) / mult)
			return -ERANGE;
		total += v * mult;
	}
	*out = total;
	return 0;
}

static const char *const health_action_names[] = {
    [CONF_HA_RESTART] = "restart",
    [CONF_HA_STOP] = "stop",
    [CONF_HA_NONE] = "none",
};

int cv_health_action(const char *s, enum conf_health_action *out)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	for (size_t i = 0; i < sizeof(health_action_names) / sizeof(health_action_names[0]); i++) {
		if (word_eq(b, n, health_action_names[i])) {
			*out = (enum conf_health_action)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cv_health_action_name(enum conf_health_action v)
{
	return health_action_names[v];
}

int cv_octal(const char *s, int *out)
{
	const char *b;
	size_t n;
	long v;
	trim(s, &b, &n);
	/* Python 3's int(x, 8) also takes the 0o prefix */
	if (n > 2 && b[0] == '0' && (b[1] == 'o' || b[1] == 'O')) {
		b += 2;
		n -= 2;
	}
	int r = parse_long(b, n, 8, &v);
	if (r < 0)
		return r;
	if (v < 0 || v > 0777)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

static const char *const shutdown_on_names[] = {
    [CONF_SO_NEVER] = "never",
    [CONF_SO_FATAL] = "fatal",
    [CONF_SO_UNEXPECTED] = "unexpected",
    [CONF_SO_EXIT] = "exit",
};

/* Which of names s is (surrounding blanks ignored), or -EINVAL. */
static int word_index(const char *s, const char *const *names, size_t count)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	for (size_t i = 0; i < count; i++)
		if (word_eq(b, n, names[i]))
			return (int)i;
	return -EINVAL;
}

int cv_shutdown_on(const char *s, enum conf_shutdown_on *out)
{
	int i = word_index(s, shutdown_on_names,
			   sizeof(shutdown_on_names) / sizeof(shutdown_on_names[0]));
	if (i < 0)
		return i;
	*out = (enum conf_shutdown_on)i;
	return 0;
}

const char *cv_shutdown_on_name(enum conf_shutdown_on v)
{
	return shutdown_on_names[v];
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},	{"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT},	{"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL},	{"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE},	{"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},	{"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},	   {"TSTP", SIGTSTP},	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},	   {"XCPU", SIGXCPU},	{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},	   {"WINCH", SIGWINCH}, {"IO", SIGIO},	   {"POLL", SIGPOLL},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};

int cv_signal(const char *s, int *out)
{
	const char *b;
	size_t n;
	long v;
	trim(s, &b, &n);
	if (n && (isdigit((unsigned char)*b))) {
		int r = parse_long(b, n, 10, &v);
		if (r < 0)
			return r;
		if (v < 1 || v > SIGRTMAX)
			return -ERANGE;
		*out = (int)v;
		return 0;
	}
	if (n > 3 && !strncasecmp(b, "SIG", 3)) {
		b += 3;
		n -= 3;
	}
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (word_eq(b, n, signals[i].name)) {
			*out = signals[i].sig;
			return 0;
		}
	}
	/* not constants in glibc */
	if (word_eq(b, n, "RTMIN")) {
		*out = SIGRTMIN;
		return 0;
	}
	if (word_eq(b, n, "RTMAX")) {
		*out = SIGRTMAX;
		return 0;
	}
	return -EINVAL;
}

const char *cv_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

int cv_exitcodes(const char *s, uint8_t bits[32])
{
	memset(bits, 0, 32);
	const char *p = s;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		const char *b;
		size_t n;
		char buf[32];
		if (len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, len);
		buf[len] = 0;
		trim(buf, &b, &n);
		long v;
		int r = parse_long(b, n, 10, &v);
		if (r < 0)
			return r;
		if (v < 0 || v > 255)
			return -ERANGE;
		bits[v / 8] |= (uint8_t)(1u << (v % 8));
		if (!c)
			return 0;
		p = c + 1;
	}
}

int cv_autorestart(const char *s, enum conf_autorestart *out)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	if (word_eq(b, n, "unexpected")) {
		*out = CONF_AR_UNEXPECTED;
		return 0;
	}
	bool v;
	/* supervisord checks 'unexpected' first, then takes any boolean */
	if (cv_bool(s, &v) < 0)
		return -EINVAL;
	*out = v ? CONF_AR_TRUE : CONF_AR_FALSE;
	return 0;
}

const char *cv_autorestart_name(enum conf_autorestart a)
{
	switch (a) {
	case CONF_AR_FALSE:
		return "false";
	case CONF_AR_TRUE:
		return "true";
	case CONF_AR_UNEXPECTED:
		break;
	}
	return "unexpected";
}

static const struct {
	const char *name;
	int level;
} levels[] = {
    {"critical", LL_CRIT},
    {"error", LL_ERRO},
    {"warn", LL_WARN},
    {"info", LL_INFO},
    {"debug", LL_DEBG},
    {"trace", LL_TRAC},
    {"blather", LL_BLAT},
    /* supervisord's LevelsByDescription also knows these */
    {"crit", LL_CRIT},
    {"erro", LL_ERRO},
    {"warning", LL_WARN},
    {"debg", LL_DEBG},
    {"trac", LL_TRAC},
    {"blat", LL_BLAT},
};

int cv_loglevel(const char *s, int *out)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (word_eq(b, n, levels[i].name)) {
			*out = levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cv_loglevel_word(int level)
{
	for (size_t i = 0; i < 7; i++)
		if (levels[i].level == level)
			return levels[i].name;
	return "info";
}

int cv_expand_user(const char *path, const char *home, char **out)
{
	if (path[0] != '~') {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	const char *slash = strchr(path, '/');
	size_t ulen = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
	const char *rest = path + 1 + ulen;
	char *user = strndup(path + 1, ulen);
	if (!user)
		return -ENOMEM;
	const char *dir = NULL;
	struct passwd *pw = NULL;
	if (ulen == 0 && home && *home) {
		dir = home;
	} else {
		pw = ulen ? getpwnam(user) : getpwuid(getuid());
		if (pw)
			dir = pw->pw_dir;
	}
	free(user);
	/* like os.path.expanduser: an unknown user leaves the path alone */
	if (!dir) {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	size_t dl = strlen(dir);
	if (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (asprintf(out, "%.*s%s", (int)dl, dir, rest) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int cv_logfile(const char *s, const char *home, enum cv_logfile *kind, char **path)
{
	*path = NULL;
	if (!strcasecmp(s, "AUTO")) {
		*kind = CV_LOG_AUTO;
		return 0;
	}
	if (!strcasecmp(s, "NONE") || !strcasecmp(s, "OFF")) {
		*kind = CV_LOG_NONE;
		return 0;
	}
	if (!strcasecmp(s, "syslog")) {
		*kind = CV_LOG_SYSLOG;
		return 0;
	}
	if (!strcasecmp(s, "journal")) {
		*kind = CV_LOG_JOURNAL;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	*kind = CV_LOG_PATH;
	return cv_expand_user(s, home, path);
}

const char *cv_journal_missing(void)
{
#ifdef HAVE_LIBSYSTEMD
	return NULL;
#else
	return "supd was built without libsystemd (configure --with-libsystemd)";
#endif
}

/* ---------------------------------------------------------------- environment */

void conf_env_free(struct conf_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->keys[i]);
		free(env->vals[i]);
	}
	free(env->keys);
	free(env->vals);
	memset(env, 0, sizeof(*env));
}

int conf_env_set(struct conf_env *env, const char *key, const char *val)
{
	char *v = strdup(val);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < env->n; i++) {
		if (!strcmp(env->keys[i], key)) {
			free(env->vals[i]);
			env->vals[i] = v;
			return 0;
		}
	}
	char *k = strdup(key);
	char **nk = realloc(env->keys, (env->n + 1) * sizeof(*nk));
	if (nk)
		env->keys = nk;
	char **nv = realloc(env->vals, (env->n + 1) * sizeof(*nv));
	if (nv)
		env->vals = nv;
	if (!k || !nk || !nv) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	env->keys[env->n] = k;
	env->vals[env->n] = v;
	env->n++;
	return 0;
}

/* Python's shlex.shlex in non-POSIX mode with wordchars += '/.+-():': a
 * token is a run of word characters, a quoted string (quotes included), or
 * any other single character.  '#' starts a comment to the end of the line.
 * Bytes >= 0x80 count as word characters so UTF-8 values work (Python's
 * non-POSIX shlex treats non-ASCII letters as punctuation). */
static bool env_wordchar(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80 || strchr("/.+-():", c);
}

static int env_token(const char **pp, char **tok, const char **why)
{
	const char *p = *pp;
	*tok = NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '#')
			break;
		while (*p && *p != '\n')
			p++;
	}
	if (!*p) {
		*pp = p;
		return 0;
	}
	const char *b = p;
	if (*p == '"' || *p == '\'') {
		const char *e = strchr(p + 1, *p);
		if (!e) {
			*why = "No closing quotation";
			return -EINVAL;
		}
		p = e + 1;
	} else if (env_wordchar((unsigned char)*p)) {
		/* in a word, quotes are ordinary characters (non-POSIX shlex) */
		while (*p && (env_wordchar((unsigned char)*p) || *p == '"' || *p == '\''))
			p++;
	} else {
		p++;
	}
	*tok = strndup(b, (size_t)(p - b));
	if (!*tok)
		return -ENOMEM;
	*pp = p;
	return 1;
}

int cv_environment(const char *s, struct conf_env *env, const char **why, char **skipped)
{
	const char *p = s;
	char *t[4] = {NULL, NULL, NULL, NULL};
	int r = 0;
	if (skipped)
		*skipped = NULL;
	for (;;) {
		int got = 0;
		for (int i = 0; i < 4; i++) {
			r = env_token(&p, &t[i], why);
			if (r < 0)
				goto out;
			if (r == 0)
				break;
			got++;
		}
		if (got == 0)
			break;
		if (got < 3 || strcmp(t[1], "=") != 0) {
			*why = "Unexpected end of key/value pairs";
			r = -EINVAL;
			goto out;
		}
		/* str.strip('\'"'): quotes of either kind at both ends */
		char *v = t[2];
		size_t n = strlen(v);
		while (n && (v[n - 1] == '"' || v[n - 1] == '\''))
			v[--n] = 0;
		while (*v == '"' || *v == '\'')
			v++;
		r = conf_env_set(env, t[0], v);
		if (r < 0)
			goto out;
		if (got == 4 && strcmp(t[3], ",") != 0 && skipped && !*skipped) {
			*skipped = t[3];
			t[3] = NULL;
		}
		for (int i = 0; i < 4; i++) {
			free(t[i]);
			t[i] = NULL;
		}
		if (got < 4)
			break;
	}
	r = 0;
out:
	for (int i = 0; i < 4; i++)
		free(t[i]);
	if (r < 0 && skipped) {
		free(*skipped);
		*skipped = NULL;
	}
	return r;
}

/* ---------------------------------------------------------------- shlex */

void cv_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int strv_push(char ***v, int *n, char *s)
{
	char **nv = realloc(*v, (size_t)(*n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[*n] = s;
	nv[*n + 1] = NULL;
	*v = nv;
	(*n)++;
	return 0;
}

static bool sh_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cv_shlex(const char *s, char ***argv, int *argc, const char **why)
{
	char **v = NULL;
	int n = 0;
	const char *p = s;
	int r = 0;
	*argv = NULL;
	*argc = 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (;;) {
		while (sh_space(*p))
			p++;
		if (!*p)
			break;
		struct buf b = {0};
		r = buf_add(&b, "", 0); /* an empty quoted word is still a word */
		while (r == 0 && *p && !sh_space(*p)) {
			if (*p == '\\') {
				if (!p[1]) {
					*why = "No escaped character";
					r = -EINVAL;
					break;
				}
				r = buf_addc(&b, p[1]);
				p += 2;
			} else if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e) {
					*why = "No closing quotation";
					r = -EINVAL;
					break;
				}
				r = buf_add(&b, p + 1, (size_t)(e - p - 1));
				p = e + 1;
			} else if (*p == '"') {
				p++;
				while (r == 0 && *p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					r = buf_addc(&b, *p++);
				}
				if (r == 0 && !*p) {
					*why = "No closing quotation";
					r = -EINVAL;
					break;
				}
				p++;
			} else {
				/* a run of plain characters in one append */
				size_t k = strcspn(p, " \t\r\n\\'\"");
				r = buf_add(&b, p, k);
				p += k;
			}
		}
		if (r == 0) {
			/* The word lives as long as the config: give back the
			 * buffer's slack (10,000 programs, 4 words each). */
			char *fit = realloc(b.p, b.len + 1);
			if (fit)
				b.p = fit;
			r = strv_push(&v, &n, b.p);
		}
		if (r < 0) {
			free(b.p);
			cv_strv_free(v);
			return r;
		}
	}
	*argv = v;
	*argc = n;
	return 0;
}

/* ---------------------------------------------------------------- expansion */

int cv_expand(const char *s, cv_lookup_fn lookup, void *ctx, char **out, char **bad)
{
	struct buf b = {0};
	int r = buf_add(&b, "", 0);
	*out = NULL;
	*bad = NULL;
	for (const char *p = s; r == 0 && *p; p++) {
		if (*p != '%') {
			/* up to the next '%' in one append */
			const char *e = strchrnul(p, '%');
			r = buf_add(&b, p, (size_t)(e - p));
			p = e - 1;
			continue;
		}
		if (p[1] == '%') {
			r = buf_addc(&b, '%');
			p++;
			continue;
		}
		if (p[1] != '(') {
			r = asprintf(bad, "'%%' not followed by '(name)' or '%%' at \"%.20s\"", p) <
				    0
				? -ENOMEM
				: -EINVAL;
			break;
		}
		/* Python allows nested parentheses in the key */
		const char *kb = p + 2, *q = kb;
		int depth = 1;
		while (*q && depth) {
			if (*q == '(')
				depth++;
			else if (*q == ')')
				depth--;
			if (depth)
				q++;
		}
		if (!*q) {
			r = asprintf(bad, "unclosed '%%(' at \"%.20s\"", p) < 0 ? -ENOMEM : -EINVAL;
			break;
		}
		char *name = strndup(kb, (size_t)(q - kb));
		if (!name) {
			r = -ENOMEM;
			break;
		}
		q++;
		char spec[48] = "%";
		size_t sl = 1;
		while (*q && strchr("#0- +", *q) && sl < 8)
			spec[sl++] = *q++;
		int digits = 0;
		while (isdigit((unsigned char)*q) && digits < 4) {
			spec[sl++] = *q++;
			digits++;
		}
		if (*q == '.') {
			spec[sl++] = *q++;
			digits = 0;
			while (isdigit((unsigned char)*q) && digits < 4) {
				spec[sl++] = *q++;
				digits++;
			}
		}
		char conv = *q;
		if (!conv || !strchr("sdiuxXo", conv) || isdigit((unsigned char)conv)) {
			r = asprintf(
				bad,
				"bad conversion in \"%%(%s)%.*s\" (use %%(name)s or %%(name)d)",
				name, conv ? 1 : 0, q) < 0
				? -ENOMEM
				: -EINVAL;
			free(name);
			break;
		}
		const char *str = NULL;
		long num = 0;
		int k = lookup(ctx, name, &str, &num);
		if (k == 0) {
			*bad = name;
			r = -ENOENT;
			break;
		}
		char tmp[64];
		char *val = NULL;
		if (conv == 's') {
			if (k == 2) {
				snprintf(tmp, sizeof(tmp), "%ld", num);
				str = tmp;
			}
			spec[sl++] = 's';
			spec[sl] = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			r = asprintf(&val, spec, str) < 0 ? -ENOMEM : 0;
		} else {
			if (k != 2) {
				r = asprintf(bad, "%%(%s)%c needs a number, but %s is a string",
					     name, conv, name) < 0
					? -ENOMEM
					: -EINVAL;
				free(name);
				break;
			}
			spec[sl++] = 'l';
			spec[sl++] = conv == 'i' || conv == 'u' ? 'd' : conv;
			spec[sl] = 0;
			r = asprintf(&val, spec, num) < 0 ? -ENOMEM : 0;
#pragma GCC diagnostic pop
		}
		free(name);
		if (r == 0)
			r = buf_add(&b, val, strlen(val));
		free(val);
		p = q;
	}
	if (r < 0) {
		free(b.p);
		return r;
	}
	*out = b.p;
	return 0;
}

/* ---------------------------------------------------------------- names */

int cv_name_check(const char *s)
{
	if (!*s)
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == ' ' || *p == ':' || *p == '/' || *p == '*' || *p < 0x20 || *p == 0x7f)
			return *p;
	if (strlen(s) > CV_NAME_MAX)
		return -2;
	return 0;
}

#define NAME_RULE "(no space, ':', '/', '*' or control character)"

const char *cv_name_why(int c, char *buf, size_t len)
{
	if (c == -1)
		snprintf(buf, len, "the name is empty");
	else if (c == -2)
		snprintf(buf, len, "it is longer than %d bytes", CV_NAME_MAX);
	else if (c < 0x20 || c == 0x7f)
		snprintf(buf, len, "it contains the control character 0x%02x " NAME_RULE, c);
	else
		snprintf(buf, len, "it contains '%c' " NAME_RULE, c);
	return buf;
}

const char *cv_name_shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 5 < len; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", *p);
		else
			buf[n++] = (char)*p;
	}
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return buf;
}

int cv_inet_port(const char *s, char **host, int *port)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (b[i] == ':')
			colon = b + i;
	const char *pb = colon ? colon + 1 : b;
	size_t pn = colon ? n - (size_t)(pb - b) : n;
	long v;
	int r = parse_long(pb, pn, 10, &v);
	if (r < 0)
		return r;
	if (v < 1 || v > 65535)
		return -ERANGE;
	size_t hn = colon ? (size_t)(colon - b) : 0;
	if (hn == 1 && b[0] == '*')
		hn = 0;
	/* [::1]:9001 */
	const char *hb = b;
	if (hn >= 2 && b[0] == '[' && b[hn - 1] == ']') {
		hb++;
		hn -= 2;
	}
	*host = strndup(hb, hn);
	if (!*host)
		return -ENOMEM;
	/* supervisord lower-cases the host */
	for (char *c = *host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	*port = (int)v;
	return 0;
}

int cv_owner(const char *s)
{
	const char *c = strchr(s, ':');
	if (!*s || c == s || (c && (!c[1] || strchr(c + 1, ':'))))
		return -EINVAL;
	return 0;
}

static const char *const event_names[] = {
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
    "PROCESS_HEALTH",
    "PROCESS_HEALTH_HEALTHY",
    "PROCESS_HEALTH_UNHEALTHY",
};

bool cv_event_known(const char *s)
{
	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (!strcmp(s, event_names[i]))
			return true;
	return false;
}

/* ---------------------------------------------------------------- cgroups */

static const char *const cgroups_names[] = {
    [CONF_CGROUPS_AUTO] = "auto",
    [CONF_CGROUPS_OFF] = "off",
};

int cv_cgroups(const char *s, enum conf_cgroups *out)
{
	int i = word_index(s, cgroups_names, sizeof(cgroups_names) / sizeof(cgroups_names[0]));
	if (i < 0)
		return i;
	*out = (enum conf_cgroups)i;
	return 0;
}

const char *cv_cgroups_name(enum conf_cgroups v)
{
	return cgroups_names[v];
}

static const char *const kill_mode_names[] = {
    [CONF_KM_CGROUP] = "cgroup",
    [CONF_KM_GROUP] = "group",
    [CONF_KM_PROCESS] = "process",
};

int cv_kill_mode(const char *s, enum conf_kill_mode *out)
{
	int i =
	    word_index(s, kill_mode_names, sizeof(kill_mode_names) / sizeof(kill_mode_names[0]));
	if (i < 0)
		return i;
	*out = (enum conf_kill_mode)i;
	return 0;
}

const char *cv_kill_mode_name(enum conf_kill_mode v)
{
	return kill_mode_names[v];
}

int cv_limit(const char *s, uint64_t *out)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	if (word_eq(b, n, "max") || word_eq(b, n, "infinity")) {
		*out = UINT64_MAX;
		return 0;
	}
	/* "256M" as well as supervisord's "256MB" */
	char tmp[64];
	if (!n || n >= sizeof(tmp) - 1)
		return -EINVAL;
	memcpy(tmp, b, n);
	tmp[n] = 0;
	char last = (char)tolower((unsigned char)tmp[n - 1]);
	if (last == 'k' || last == 'm' || last == 'g') {
		tmp[n] = 'b';
		tmp[n + 1] = 0;
	} else if (last == 't') {
		uint64_t v;
		tmp[n - 1] = 0;
		int r = cv_bytes(tmp, &v);
		if (r < 0)
			return r;
		if (v > UINT64_MAX / (1ULL << 40))
			return -ERANGE;
		*out = v << 40;
		return 0;
	}
	int r = cv_bytes(tmp, out);
	if (r == 0 && *out == UINT64_MAX)
		return -ERANGE;
	return r;
}

const char *cv_limit_name(uint64_t v, char *buf, size_t len)
{
	static const char *const suf[] = {"GB", "MB", "KB"};
	static const int shift[] = {30, 20, 10};
	if (v == UINT64_MAX) {
		snprintf(buf, len, "max");
		return buf;
	}
	for (int i = 0; i < 3; i++) {
		if (v && !(v & ((1ULL << shift[i]) - 1))) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v >> shift[i]), suf[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

int cv_cpu_max(const char *s, int64_t *quota_us, int64_t *period_us)
{
	const char *b;
	size_t n;
	trim(s, &b, &n);
	char tmp[64];
	if (!n || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, b, n);
	tmp[n] = 0;
	*period_us = 100000;
	if (!strcmp(tmp, "max")) {
		*quota_us = -1;
		return 0;
	}
	char *end;
	if (tmp[n - 1] == '%') {
		/* a share of one CPU: 250% is two and a half */
		errno = 0;
		double pct = strtod(tmp, &end);
		if (end != tmp + n - 1 || errno || !(pct > 0) || pct > 100000)
			return -EINVAL;
		*quota_us = (int64_t)(pct * 1000 + 0.5);
		if (*quota_us < 1000)
			return -ERANGE;
		return 0;
	}
	/* the kernel's form: "QUOTA PERIOD" or "QUOTA/PERIOD" in microseconds */
	errno = 0;
	long long q = strtoll(tmp, &end, 10);
	if (end == tmp || errno || q < 1000)
		return -EINVAL;
	*quota_us = q;
	if (*end == 0)
		return 0;
	if (*end != ' ' && *end != '/')
		return -EINVAL;
	char *p2 = end + 1;
	long long per = strtoll(p2, &end, 10);
	if (end == p2 || *end || errno || per < 1000 || per > 1000000)
		return -EINVAL;
	*period_us = per;
	return 0;
}
