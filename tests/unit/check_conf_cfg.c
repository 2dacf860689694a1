/* conf_cfg: libconfig text to raw sections, and every error with file:line. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"

#define RAW_PARSE conf_cfg_parse
#define RAW_FILE "t.cfg"
#include "raw_fixture.h"

START_TEST(test_sections)
{
	parse("supervisord = {\n"
	      "  nodaemon = true;\n"
	      "  silent = FALSE;\n"
	      "  umask = \"022\";\n"
	      "  minfds = 1024;\n"
	      "  big = 10000000000L;\n"
	      "  hex = 0x10;\n"
	      "  logfile_maxbytes = \"50MB\";\n"
	      "  ratio = 0.25;\n"
	      "  third = 0.1;\n"
	      "};\n"
	      "unix_http_server = { file = \"/tmp/s.sock\"; };\n"
	      "inet_http_server = { };\n"
	      "supctl: { prompt = \"p\"; }\n"
	      "include = { files = [\"a.conf\", \"b/*.yaml\"]; };\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_uint_eq(R.nsecs, 5);
	ck_assert_str_eq(R.secs[0].name, "supervisord");
	ck_assert_str_eq(R.secs[0].file, "t.cfg");
	ck_assert_str_eq(val("supervisord", "nodaemon"), "true");
	ck_assert_int_eq(kv("supervisord", "nodaemon")->line, 2);
	ck_assert_str_eq(kv("supervisord", "nodaemon")->file, "t.cfg");
	ck_assert_str_eq(val("supervisord", "silent"), "false");
	ck_assert_str_eq(val("supervisord", "umask"), "022");
	ck_assert_str_eq(val("supervisord", "minfds"), "1024");
	ck_assert_str_eq(val("supervisord", "big"), "10000000000");
	ck_assert_str_eq(val("supervisord", "hex"), "16");
	ck_assert_str_eq(val("supervisord", "logfile_maxbytes"), "50MB");
	ck_assert_str_eq(val("supervisord", "ratio"), "0.25");
	ck_assert_str_eq(val("supervisord", "third"), "0.1");
	ck_assert_int_eq(kv("supervisord", "third")->line, 10);
	ck_assert_str_eq(val("unix_http_server", "file"), "/tmp/s.sock");
	ck_assert_uint_eq(raw_find_section(&R, "inet_http_server")->nkv, 0);
	ck_assert_str_eq(val("supctl", "prompt"), "p");
	struct raw_kv *f = kv("include", "files");
	ck_assert_int_eq(f->kind, RAW_LIST);
	ck_assert_uint_eq(f->nitems, 2);
	ck_assert_str_eq(f->items[0], "a.conf");
	ck_assert_str_eq(f->items[1], "b/*.yaml");
	ck_assert_int_eq(f->line, 15);
}
END_TEST

START_TEST(test_collections)
{
	parse("programs = {\n"
	      "  web = {\n"
	      "    command = \"/bin/cat -n\";\n"
	      "    numprocs = 2;\n"
	      "    process_name = \"%(program_name)s_%(process_num)02d\";\n"
	      "    environment = { A = \"1\"; B = \"x,y\"; N = 3; };\n"
	      "    exitcodes = [0, 2];\n"
	      "    mixed = (\"a\", 1, true);\n"
	      "  };\n"
	      "};\n"
	      "groups = { g = { programs = \"web\"; }; };\n"
	      "eventlisteners = { ev = { events = [\"PROCESS_STATE\"]; }; };\n"
	      "fcgi_programs = { f = { socket = \"tcp://localhost:9000\"; }; };\n"
	      "rpcinterface = { supervisor = {\n"
	      "  rpcinterface_factory = \"supervisor.rpcinterface:make_main_rpcinterface\";\n"
	      "  retries = 3; }; };\n"
	      "ctlplugin = { p = { ctl_factory = \"a.b:c\"; }; };\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_str_eq(R.secs[0].name, "program:web");
	ck_assert_str_eq(val("program:web", "command"), "/bin/cat -n");
	ck_assert_str_eq(val("program:web", "numprocs"), "2");
	ck_assert_str_eq(val("program:web", "process_name"), "%(program_name)s_%(process_num)02d");
	struct raw_kv *e = kv("program:web", "environment");
	ck_assert_int_eq(e->kind, RAW_MAP);
	ck_assert_int_eq(e->line, 6);
	ck_assert_uint_eq(e->nitems, 3);
	ck_assert_str_eq(e->mapkeys[0], "A");
	ck_assert_str_eq(e->items[0], "1");
	ck_assert_str_eq(e->mapkeys[1], "B");
	ck_assert_str_eq(e->items[1], "x,y");
	ck_assert_str_eq(e->items[2], "3");
	struct raw_kv *x = kv("program:web", "exitcodes");
	ck_assert_int_eq(x->kind, RAW_LIST);
	ck_assert_uint_eq(x->nitems, 2);
	ck_assert_str_eq(x->items[0], "0");
	ck_assert_str_eq(x->items[1], "2");
	struct raw_kv *m = kv("program:web", "mixed");
	ck_assert_int_eq(m->kind, RAW_LIST);
	ck_assert_str_eq(m->items[2], "true");
	ck_assert_str_eq(val("group:g", "programs"), "web");
	ck_assert_int_eq(kv("eventlistener:ev", "events")->kind, RAW_LIST);
	ck_assert_str_eq(val("fcgi-program:f", "socket"), "tcp://localhost:9000");
	ck_assert_str_eq(val("rpcinterface:supervisor", "supervisor.rpcinterface_factory"),
			 "supervisor.rpcinterface:make_main_rpcinterface");
	ck_assert_str_eq(val("rpcinterface:supervisor", "retries"), "3");
	ck_assert_str_eq(val("ctlplugin:p", "supervisor.ctl_factory"), "a.b:c");
}
END_TEST

START_TEST(test_list_forms)
{
	parse("programs = (\n"
	      "  { name = \"web.1\"; command = \"a\"; },\n"
	      "  { name = \"Web:2\"; command = \"b\"; }\n"
	      ");\n"
	      "sections = (\n"
	      "  { section = \"unix_http_server:second\"; file = \"/x\"; },\n"
	      "  { section = \"program:web.1\"; user = \"bob\"; }\n"
	      ");\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_uint_eq(R.nsecs, 3);
	ck_assert_str_eq(val("program:web.1", "command"), "a");
	ck_assert_str_eq(val("program:web.1", "user"), "bob");
	ck_assert_ptr_null(raw_get(raw_find_section(&R, "program:web.1"), "name"));
	ck_assert_str_eq(val("program:Web:2", "command"), "b");
	ck_assert_str_eq(val("unix_http_server:second", "file"), "/x");
	ck_assert_ptr_null(raw_get(raw_find_section(&R, "unix_http_server:second"), "section"));
}
END_TEST

START_TEST(test_string_forms)
{
	parse("programs = { p = {\n"
	      "  command = \"/bin/sh -c \" \"'echo hi'\";\n"
	      "  stopsignal = \"a\\tb\\\"c\\\\\";\n"
	      "  empty = \"\";\n"
	      "  // a comment\n"
	      "  # another\n"
	      "  /* and @include \"x\" */\n"
	      "  directory = \"/tmp\"; }; };\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("program:p", "command"), "/bin/sh -c 'echo hi'");
	ck_assert_str_eq(val("program:p", "stopsignal"), "a\tb\"c\\");
	ck_assert_str_eq(val("program:p", "empty"), "");
	ck_assert_str_eq(val("program:p", "directory"), "/tmp");
}
END_TEST

START_TEST(test_two_files_merge)
{
	const char a[] = "programs = { x = { command = \"a\"; user = \"u\"; }; };\n";
	const char b[] = "\nprograms = {\n  x = {\n    command = \"b\"; }; };\n";
	ck_assert_int_eq(conf_cfg_parse(&R, "a.cfg", a, strlen(a), &D), 0);
	ck_assert_int_eq(conf_cfg_parse(&R, "b.cfg", b, strlen(b), &D), 0);
	ck_assert_uint_eq(R.nsecs, 1);
	ck_assert_str_eq(val("program:x", "command"), "b");
	ck_assert_str_eq(kv("program:x", "command")->file, "b.cfg");
	ck_assert_int_eq(kv("program:x", "command")->line, 4);
	ck_assert_str_eq(kv("program:x", "user")->file, "a.cfg");
}
END_TEST

START_TEST(test_empty)
{
	parse("");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
	parse("# nothing\n");
	ck_assert_int_eq(RC, 0);
	parse("programs = {};\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
}
END_TEST

START_TEST(test_len_authoritative)
{
	const char u[] = "supervisord = { logfile = \"abc\"; };XXXX";
	RC = conf_cfg_parse(&R, "t.cfg", u, strlen(u) - 4, &D);
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("supervisord", "logfile"), "abc");
}
END_TEST

START_TEST(test_long_value)
{
	size_t n = 20000;
	char *t = malloc(n + 64);
	strcpy(t, "programs = { x = { command = \"");
	size_t l = strlen(t);
	memset(t + l, 'a', n);
	strcpy(t + l + n, "\"; }; };\n");
	parse(t);
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(strlen(val("program:x", "command")), n);
	free(t);
}
END_TEST

START_TEST(test_err_syntax)
{
	parse("supervisord = {\n  nodaemon = true\n  silent = = false;\n};\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0), "t.cfg:3: syntax error");
	parse("programs = { a.b = { }; };\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_int_eq(D.v[0].line, 1);
	parse("a = { x = 1; x = 2; };\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_int_eq(D.v[0].line, 1);
	ck_assert_str_eq(D.v[0].msg, "duplicate setting name");
}
END_TEST

START_TEST(test_err_include)
{
	/* The file must never be opened: it does not exist, and the error is
	 * ours, not libconfig's "cannot open include file". */
	parse("a = { x = 1; };\n  @include \"/nonexistent/x.cfg\"\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0), "t.cfg:2: @include is not supported; list files in include "
				       "= { files = [...]; }");
	ck_assert_uint_eq(R.nsecs, 0);
	/* Inside strings and comments it is text. */
	parse("a = { x = \"\n@include \\\"y\\\"\n\"; };\n/*\n@include \"z\"\n*/\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("a", "x"), "\n@include \"y\"\n");
}
END_TEST

START_TEST(test_err_include_is_never_opened)
{
	/* A real file that libconfig would read if @include got through. */
	char path[] = "/tmp/check_conf_cfg_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char inc[] = "b = { y = 2; };\n";
	ck_assert_int_eq(write(fd, inc, strlen(inc)), (int)strlen(inc));
	close(fd);
	char text[256];
	snprintf(text, sizeof(text), "@include \"%s\"\n", path);
	parse(text);
	unlink(path);
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_ptr_null(raw_find_section(&R, "b"));
	ck_assert_int_eq(D.v[0].line, 1);
}
END_TEST

START_TEST(test_err_structure)
{
	parse("supervisord = [1];\n"
	      "programs = \"x\";\n"
	      "groups = { g = \"text\"; };\n"
	      "eventlisteners = ( \"a\", { command = \"x\"; }, { name = 3; }, { name = \"\"; } );\n"
	      "unix_http_server = {\n"
	      "  file = { a = { b = 1; }; };\n"
	      "  chmod = [ ];\n"
	      "  chown = ( ( 1 ) );\n"
	      "};\n"
	      "sections = { a = 1; };\n");
	ck_assert_int_eq(RC, -EINVAL);
	const char *want[] = {
	    "t.cfg:1: section 'supervisord' must be a group of options, not an array",
	    "t.cfg:2: 'programs' must be a group of names or a list of groups, not a string",
	    "t.cfg:3: section 'group:g' must be a group of options, not a string",
	    "t.cfg:4: 'eventlisteners' must hold groups, not a string",
	    /* (two groups of line 4 lack it: the same line is said once) */
	    "t.cfg:4: each group in 'eventlisteners' needs name = \"...\"",
	    "t.cfg:4: empty name in 'eventlisteners'",
	    "t.cfg:6: a value in a group must be a string, number or boolean, not a group",
	    "t.cfg:8: a list item must be a string, number or boolean, not a list",
	    "t.cfg:10: 'sections' must be a list of groups, not a group",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; i < n && i < D.n; i++)
		ck_assert_str_eq(diag_text(i), want[i]);
	ck_assert_uint_eq(D.n, n);
	/* An empty array is an empty list, not an error. */
	ck_assert_int_eq(kv("unix_http_server", "chmod")->kind, RAW_LIST);
	ck_assert_uint_eq(kv("unix_http_server", "chmod")->nitems, 0);
}
END_TEST

START_TEST(test_err_nul)
{
	const char t[] = "a = { x = 1; };\nb = { y = \"p\0q\"; };\n";
	RC = conf_cfg_parse(&R, "t.cfg", t, sizeof(t) - 1, &D);
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_str_eq(diag_text(0), "t.cfg:2: NUL byte in file");
}
END_TEST

/* doc/formats.md shows etc/supd.conf in the three formats: each of its
 * examples must load and print exactly what etc/supd.conf prints. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	char *text = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* The body of the fenced block that starts right after marker. */
static void extract(const char *doc, const char *marker, const char *out)
{
	const char *p = strstr(doc, marker);
	const char *e = p ? strstr(p + strlen(marker), "\n```\n") : NULL;
	FILE *f = fopen(out, "w");
	if (!p || !e || !f)
		ck_abort_msg("no block after %s in doc/formats.md, or cannot write %s", marker,
			     out);
	p += strlen(marker);
	fwrite(p, 1, (size_t)(e - p) + 1, f);
	fclose(f);
}

static char *print_of(const char *path)
{
	static char *const env[] = {"HOME=/nonexistent", NULL};
	struct conf_load_opts o = {.path = path, .environ = env};
	struct conf *c = NULL;
	struct diags d;
	diags_init(&d);
	int rc = conf_load(&o, &c, &d);
	if (rc != 0)
		diags_print(&d, stderr);
	ck_assert_int_eq(rc, 0);
	diags_free(&d);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_ge(conf_print_ini(c, f), 0);
	fclose(f);
	conf_free(c);
	return buf;
}

START_TEST(test_doc_examples)
{
	const char *top = getenv("TOP_SRCDIR");
	ck_assert_msg(top != NULL, "TOP_SRCDIR must name the source tree (make check sets it)");
	char path[512], dir[] = "/tmp/check_conf_cfg.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/doc/formats.md", top);
	char *doc = slurp(path);
	const char *names[] = {"ex.conf", "ex.yaml", "ex.cfg"};
	const char *markers[] = {"```ini\n", "```yaml\n", "In libconfig syntax:\n\n```\n"};

	snprintf(path, sizeof(path), "%s/etc/supd.conf", top);
	char *want = print_of(path);
	ck_assert_ptr_nonnull(strstr(want, "[program:workers_01]"));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		extract(doc, markers[i], path);
		char *got = print_of(path);
		ck_assert_msg(!strcmp(got, want),
			      "the %s example prints differently from etc/supd.conf", names[i]);
		free(got);
		unlink(path);
	}
	free(want);
	free(doc);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf_cfg");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_collections);
	tcase_add_test(tc, test_list_forms);
	tcase_add_test(tc, test_string_forms);
	tcase_add_test(tc, test_two_files_merge);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_len_authoritative);
	tcase_add_test(tc, test_long_value);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_include);
	tcase_add_test(tc, test_err_include_is_never_opened);
	tcase_add_test(tc, test_err_structure);
	tcase_add_test(tc, test_err_nul);
	tcase_add_test(tc, test_doc_examples);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
