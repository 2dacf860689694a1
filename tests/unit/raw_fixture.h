/* The fixture shared by the front-end suites (check_conf_ini, _yaml, _cfg):
 * parse a text into the raw form and look at what came out.  Define
 * RAW_PARSE (the front-end function) and RAW_FILE (the file name its
 * messages carry) before including. */
#ifndef SUPD_TEST_RAW_FIXTURE_H
#define SUPD_TEST_RAW_FIXTURE_H

#include <check.h>
#include <string.h>

#include "conf_raw.h"

static struct raw_conf R;
static struct diags D;
static int RC;

static void parse(const char *text)
{
	raw_free(&R);
	diags_free(&D);
	raw_init(&R);
	diags_init(&D);
	RC = RAW_PARSE(&R, RAW_FILE, text, strlen(text), &D);
}

static void setup(void)
{
	raw_init(&R);
	diags_init(&D);
}

static void teardown(void)
{
	raw_free(&R);
	diags_free(&D);
}

static struct raw_kv *kv(const char *sec, const char *key)
{
	struct raw_section *s = raw_find_section(&R, sec);
	ck_assert_msg(s != NULL, "no section [%s]", sec);
	struct raw_kv *k = raw_get(s, key);
	ck_assert_msg(k != NULL, "no key %s in [%s]", key, sec);
	return k;
}

static const char *val(const char *sec, const char *key)
{
	struct raw_kv *k = kv(sec, key);
	ck_assert_int_eq(k->kind, RAW_SCALAR);
	return k->value;
}

static char *diag_text(size_t i)
{
	static char buf[512];
	ck_assert_uint_lt(i, D.n);
	diag_format(&D.v[i], buf, sizeof(buf));
	return buf;
}

#endif
