/* libconfig front-end: the same model as YAML, in libconfig's syntax.
 *
 *   supervisord = { nodaemon = true; };            -> [supervisord]
 *   programs = { web = { command = "x"; }; };      -> [program:web]
 *   programs = ( { name = "web.1"; command = "x"; } );  (names libconfig
 *                                                     cannot spell)
 *   sections = ( { section = "unix_http_server:b"; file = "/x"; } );
 *
 * Numbers and booleans become the text an INI file would hold (decimal
 * integers, "true"/"false"); conf.c types them like any INI value.
 * @include is refused: includes go through [include] so that every format
 * resolves them the same way, relative to the including file. */
#include "config.h"

#include "conf_raw.h"

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cctx {
	struct raw_conf *r;
	const char *file;
	struct diags *d;
	int nerr;
};

static const struct {
	const char *key;
	const char *prefix;
} collections[] = {
    {"programs", "program:"},
    {"groups", "group:"},
    {"eventlisteners", "eventlistener:"},
    {"fcgi_programs", "fcgi-program:"},
    {"rpcinterface", "rpcinterface:"},
    {"ctlplugin", "ctlplugin:"},
};

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

__attribute__((format(printf, 3, 4))) static void cerr(struct cctx *c, int line, const char *fmt,
						       ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_error(c->d, c->file, line, 0, "%s", msg ? msg : fmt);
	free(msg);
	c->nerr++;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	default:
		return "a number";
	}
}

/* The shortest decimal text that reads back as the same double. */
static char *float_text(double v)
{
	char buf[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return strdup(buf);
}

/* A scalar setting as INI text (malloc'd), or NULL with *err set: -EINVAL
 * (reported) when s is no scalar, -ENOMEM. */
static char *scalar_text(struct cctx *c, const config_setting_t *s, const char *what, int *err)
{
	char *t = NULL;
	*err = -ENOMEM;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		t = strdup(config_setting_get_string(s));
		break;
	case CONFIG_TYPE_BOOL:
		t = strdup(config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (asprintf(&t, "%lld", config_setting_get_int64(s)) < 0)
			t = NULL;
		break;
	case CONFIG_TYPE_FLOAT:
		t = float_text(config_setting_get_float(s));
		break;
	default:
		cerr(c, line_of(s), "%s must be a string, number or boolean, not %s", what,
		     type_name(s));
		*err = -EINVAL;
		return NULL;
	}
	return t;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* libconfig cannot spell names with '.', so the plugin factory keys are
 * accepted without their "supervisor." prefix. */
static const char *option_name(const char *section, const char *key)
{
	if (!strncmp(section, "rpcinterface:", 13) && !strcasecmp(key, "rpcinterface_factory"))
		return "supervisor.rpcinterface_factory";
	if (!strncmp(section, "ctlplugin:", 10) && !strcasecmp(key, "ctl_factory"))
		return "supervisor.ctl_factory";
	return key;
}

/* An array or list of scalars, or a group of scalars (a map). */
static int set_aggregate(struct cctx *c, struct raw_section *sec, const char *key,
			 const config_setting_t *v)
{
	bool map = config_setting_type(v) == CONFIG_TYPE_GROUP;
	size_t n = (size_t)config_setting_length(v);
	char **vals = calloc(n ? n : 1, sizeof(*vals));
	char **keys = map ? calloc(n ? n : 1, sizeof(*keys)) : NULL;
	if (!vals || (map && !keys)) {
		free(vals);
		free(keys);
		return -ENOMEM;
	}
	int rc = 0, bad = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		int err;
		vals[i] = scalar_text(c, e, map ? "a value in a group" : "a list item", &err);
		if (!vals[i] && err == -EINVAL)
			bad++;
		else if (!vals[i])
			rc = -ENOMEM;
		if (map && !(keys[i] = strdup(config_setting_name(e))))
			rc = -ENOMEM;
	}
	if (rc >= 0 && !bad)
		rc = map ? raw_set_map(sec, key, keys, vals, n, c->file, line_of(v))
			 : raw_set_list(sec, key, vals, n, c->file, line_of(v));
	strv_free(vals, n);
	if (keys)
		strv_free(keys, n);
	return rc;
}

static int set_option(struct cctx *c, struct raw_section *sec, const config_setting_t *v)
{
	const char *key = option_name(sec->name, config_setting_name(v));
	if (config_setting_is_aggregate(v))
		return set_aggregate(c, sec, key, v);
	int err;
	char *t = scalar_text(c, v, "a value", &err);
	if (!t)
		return err == -EINVAL ? 0 : err;
	int rc = raw_set(sec, key, t, c->file, line_of(v));
	free(t);
	return rc;
}

/* The options of group g go to section name; skip names the element that
 * named it (list form) rather than being an option. */
static int section(struct cctx *c, const char *name, const config_setting_t *g, const char *skip)
{
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		cerr(c, line_of(g), "section '%s' must be a group of options, not %s", name,
		     type_name(g));
		return 0;
	}
	struct raw_section *sec = raw_section(c->r, name, c->file, line_of(g));
	if (!sec)
		return -ENOMEM;
	int n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(g, (unsigned)i);
		if (skip && !strcmp(config_setting_name(v), skip))
			continue;
		int rc = set_option(c, sec, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The list form: ( { <namekey> = "..."; options... }, ... ).  The name is
 * appended to prefix ("program:" + name, or "" + an INI section name). */
static int named_list(struct cctx *c, const char *key, const char *prefix, const char *namekey,
		      const config_setting_t *l)
{
	int n = config_setting_length(l);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cerr(c, line_of(g), "'%s' must hold groups, not %s", key, type_name(g));
			continue;
		}
		const config_setting_t *nm = config_setting_get_member(g, namekey);
		if (!nm || config_setting_type(nm) != CONFIG_TYPE_STRING) {
			cerr(c, line_of(g), "each group in '%s' needs %s = \"...\"", key, namekey);
			continue;
		}
		const char *name = config_setting_get_string(nm);
		if (!*name) {
			cerr(c, line_of(nm), "empty %s in '%s'", namekey, key);
			continue;
		}
		char *sec = NULL;
		if (asprintf(&sec, "%s%s", prefix, name) < 0)
			return -ENOMEM;
		int rc = section(c, sec, g, namekey);
		free(sec);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int collection(struct cctx *c, const char *key, const char *prefix,
		      const config_setting_t *v)
{
	int type = config_setting_type(v);
	if (type == CONFIG_TYPE_LIST)
		return named_list(c, key, prefix, "name", v);
	if (type != CONFIG_TYPE_GROUP) {
		cerr(c, line_of(v), "'%s' must be a group of names or a list of groups, not %s",
		     key, type_name(v));
		return 0;
	}
	int n = config_setting_length(v);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(v, (unsigned)i);
		char *sec = NULL;
		if (asprintf(&sec, "%s%s", prefix, config_setting_name(g)) < 0)
			return -ENOMEM;
		int rc = section(c, sec, g, NULL);
		free(sec);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int top(struct cctx *c, const config_setting_t *root)
{
	int n = config_setting_length(root);
	for (int i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(v);
		int rc;
		size_t k;
		for (k = 0; k < sizeof(collections) / sizeof(collections[0]); k++)
			if (!strcmp(name, collections[k].key))
				break;
		if (k < sizeof(collections) / sizeof(collections[0])) {
			rc = collection(c, name, collections[k].prefix, v);
		} else if (!strcmp(name, "sections")) {
			if (config_setting_type(v) != CONFIG_TYPE_LIST) {
				cerr(c, line_of(v), "'sections' must be a list of groups, not %s",
				     type_name(v));
				continue;
			}
			rc = named_list(c, name, "", "section", v);
		} else {
			rc = section(c, name, v, NULL);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Finds an @include directive the way libconfig's scanner does (at the
 * start of a line, outside strings and comments) so that it can be refused
 * before libconfig opens the file.  Returns its line, or 0. */
static int find_include(const char *t, size_t len)
{
	enum { CODE, STRING, COMMENT } st = CODE;
	int line = 1;
	bool bol = true;
	for (size_t i = 0; i < len; i++) {
		char ch = t[i];
		if (st == CODE && bol) {
			size_t j = i;
			while (j < len && (t[j] == ' ' || t[j] == '\t'))
				j++;
			if (len - j >= 8 && !memcmp(t + j, "@include", 8)) {
				size_t k = j + 8;
				while (k < len && (t[k] == ' ' || t[k] == '\t'))
					k++;
				if (k > j + 8 && k < len && t[k] == '"')
					return line;
			}
		}
		bol = false;
		if (ch == '\n') {
			line++;
			bol = true;
			continue;
		}
		switch (st) {
		case CODE:
			if (ch == '"') {
				st = STRING;
			} else if (ch == '#' || (ch == '/' && i + 1 < len && t[i + 1] == '/')) {
				while (i + 1 < len && t[i + 1] != '\n')
					i++;
			} else if (ch == '/' && i + 1 < len && t[i + 1] == '*') {
				st = COMMENT;
				i++;
			}
			break;
		case STRING:
			if (ch == '\\' && i + 1 < len && (t[i + 1] == '"' || t[i + 1] == '\\'))
				i++;
			else if (ch == '"')
				st = CODE;
			break;
		case COMMENT:
			if (ch == '*' && i + 1 < len && t[i + 1] == '/') {
				st = CODE;
				i++;
			}
			break;
		}
	}
	return 0;
}

int conf_cfg_parse(struct raw_conf *r, const char *file, const char *text, size_t len,
		   struct diags *d)
{
	struct cctx c = {.r = r, .file = file, .d = d};
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		diag_error(d, file, line, 0, "NUL byte in file");
		return -EINVAL;
	}
	int inc = find_include(text, len);
	if (inc) {
		diag_error(d, file, inc, 0,
			   "@include is not supported; list files in include = { files = [...]; }");
		return -EINVAL;
	}
	/* config_read_string needs a terminated copy. */
	char *copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	config_t cfg;
	config_init(&cfg);
	int rc = 0;
	if (config_read_string(&cfg, copy) != CONFIG_TRUE) {
		const char *msg = config_error_text(&cfg);
		diag_error(d, file, config_error_line(&cfg), 0, "%s", msg ? msg : "syntax error");
		c.nerr++;
	} else {
		rc = top(&c, config_root_setting(&cfg));
	}
	config_destroy(&cfg);
	free(copy);
	if (rc < 0)
		return rc;
	return c.nerr ? -EINVAL : 0;
}
