/* conf_yaml: YAML text to raw sections, and every error with file:line:col. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"

#define RAW_PARSE conf_yaml_parse
#define RAW_FILE  "t.yaml"
#include "raw_fixture.h"

START_TEST(test_sections)
{
	parse("supervisord:\n"
	      "  nodaemon: true\n"
	      "  umask: 0022\n"
	      "  logfile_maxbytes: 50MB\n"
	      "unix_http_server:\n"
	      "  file: /tmp/s.sock\n"
	      "supervisorctl:\n"
	      "  serverurl: unix:///tmp/s.sock\n"
	      "inet_http_server:\n"
	      "include:\n"
	      "  files: [a.conf, \"b/*.yaml\"]\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_uint_eq(R.nsecs, 5);
	ck_assert_str_eq(R.secs[0].name, "supervisord");
	ck_assert_int_eq(R.secs[0].line, 1);
	ck_assert_str_eq(R.secs[0].file, "t.yaml");
	ck_assert_str_eq(val("supervisord", "nodaemon"), "true");
	ck_assert_int_eq(kv("supervisord", "nodaemon")->line, 2);
	ck_assert_str_eq(kv("supervisord", "nodaemon")->file, "t.yaml");
	ck_assert_str_eq(val("supervisord", "umask"), "0022");
	ck_assert_str_eq(val("supervisord", "logfile_maxbytes"), "50MB");
	ck_assert_str_eq(val("unix_http_server", "file"), "/tmp/s.sock");
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "unix:///tmp/s.sock");
	ck_assert_uint_eq(raw_find_section(&R, "inet_http_server")->nkv, 0);
	struct raw_kv *f = kv("include", "files");
	ck_assert_int_eq(f->kind, RAW_LIST);
	ck_assert_uint_eq(f->nitems, 2);
	ck_assert_str_eq(f->items[0], "a.conf");
	ck_assert_str_eq(f->items[1], "b/*.yaml");
	ck_assert_int_eq(f->line, 11);
}
END_TEST

START_TEST(test_aliases_supd_supctl)
{
	parse("supd: {nodaemon: 'yes'}\nsupctl: {prompt: x}\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("supd", "nodaemon"), "yes");
	ck_assert_str_eq(val("supctl", "prompt"), "x");
}
END_TEST

START_TEST(test_collections)
{
	parse("programs:\n"
	      "  web:\n"
	      "    command: /bin/cat -n\n"
	      "    numprocs: 2\n"
	      "    process_name: '%(program_name)s_%(process_num)02d'\n"
	      "    environment:\n"
	      "      A: 1\n"
	      "      B: \"x,y\"\n"
	      "    exitcodes: [0, 2]\n"
	      "  Web.1: {command: x}\n"
	      "groups:\n"
	      "  g: {programs: web}\n"
	      "eventlisteners:\n"
	      "  ev: {events: [PROCESS_STATE]}\n"
	      "fcgi_programs:\n"
	      "  f: {socket: 'tcp://localhost:9000'}\n"
	      "rpcinterface:\n"
	      "  supervisor:\n"
	      "    rpcinterface_factory: supervisor.rpcinterface:make_main_rpcinterface\n"
	      "ctlplugin:\n"
	      "  p: {supervisor.ctl_factory: a.b:c, ctl_factory: ignored-by-replace}\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_str_eq(R.secs[0].name, "program:web");
	ck_assert_int_eq(R.secs[0].line, 2);
	ck_assert_str_eq(val("program:web", "command"), "/bin/cat -n");
	ck_assert_str_eq(val("program:web", "numprocs"), "2");
	ck_assert_str_eq(val("program:web", "process_name"), "%(program_name)s_%(process_num)02d");
	struct raw_kv *e = kv("program:web", "environment");
	ck_assert_int_eq(e->kind, RAW_MAP);
	ck_assert_int_eq(e->line, 6);
	ck_assert_uint_eq(e->nitems, 2);
	ck_assert_str_eq(e->mapkeys[0], "A");
	ck_assert_str_eq(e->items[0], "1");
	ck_assert_str_eq(e->mapkeys[1], "B");
	ck_assert_str_eq(e->items[1], "x,y");
	struct raw_kv *x = kv("program:web", "exitcodes");
	ck_assert_int_eq(x->kind, RAW_LIST);
	ck_assert_uint_eq(x->nitems, 2);
	ck_assert_str_eq(x->items[1], "2");
	ck_assert_str_eq(val("program:Web.1", "command"), "x");
	ck_assert_str_eq(val("group:g", "programs"), "web");
	ck_assert_int_eq(kv("eventlistener:ev", "events")->kind, RAW_LIST);
	ck_assert_str_eq(val("fcgi-program:f", "socket"), "tcp://localhost:9000");
	ck_assert_str_eq(val("rpcinterface:supervisor", "supervisor.rpcinterface_factory"),
			 "supervisor.rpcinterface:make_main_rpcinterface");
	/* Both spellings name one key: the later one wins, as in INI. */
	ck_assert_str_eq(val("ctlplugin:p", "supervisor.ctl_factory"), "ignored-by-replace");
	ck_assert_uint_eq(raw_find_section(&R, "ctlplugin:p")->nkv, 1);
}
END_TEST

START_TEST(test_ini_spelling)
{
	parse("\"program:web\": {command: a}\n"
	      "'group:g': {programs: 'web'}\n"
	      "unix_http_server:second: {file: /x}\n"
	      "programs: {web: {user: bob}}\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 3);
	ck_assert_str_eq(val("program:web", "command"), "a");
	ck_assert_str_eq(val("program:web", "user"), "bob");
	ck_assert_str_eq(val("group:g", "programs"), "web");
	ck_assert_str_eq(val("unix_http_server:second", "file"), "/x");
}
END_TEST

START_TEST(test_scalars_as_written)
{
	parse("programs:\n"
	      "  p:\n"
	      "    autostart: TRUE\n"
	      "    startsecs: 010\n"
	      "    user: ~\n"
	      "    directory:\n"
	      "    stdout_logfile: 'null'\n"
	      "    stderr_logfile: null\n"
	      "    command: |\n"
	      "      /bin/sh -c\n"
	      "      'echo hi'\n"
	      "    priority: !!int 5\n"
	      "    Stopsignal: \"TERM\\tX\"\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("program:p", "autostart"), "TRUE");
	ck_assert_str_eq(val("program:p", "startsecs"), "010");
	ck_assert_str_eq(val("program:p", "user"), "");
	ck_assert_str_eq(val("program:p", "directory"), "");
	ck_assert_str_eq(val("program:p", "stdout_logfile"), "null");
	ck_assert_str_eq(val("program:p", "stderr_logfile"), "");
	ck_assert_str_eq(val("program:p", "command"), "/bin/sh -c\n'echo hi'\n");
	ck_assert_str_eq(val("program:p", "priority"), "5");
	ck_assert_str_eq(val("program:p", "stopsignal"), "TERM\tX");
}
END_TEST

START_TEST(test_merge_keys)
{
	parse("x-defaults: &d\n"
	      "  autorestart: 'true'\n"
	      "  startsecs: 5\n"
	      "x-more: &m {startsecs: 7, user: nobody}\n"
	      "programs:\n"
	      "  a:\n"
	      "    <<: *d\n"
	      "    command: a\n"
	      "  b:\n"
	      "    command: b\n"
	      "    <<: [*d, *m]\n"
	      "    autorestart: 'false'\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_ptr_null(raw_find_section(&R, "x-defaults"));
	ck_assert_uint_eq(R.nsecs, 2);
	ck_assert_str_eq(val("program:a", "autorestart"), "true");
	ck_assert_str_eq(val("program:a", "startsecs"), "5");
	ck_assert_int_eq(kv("program:a", "startsecs")->line, 3);
	ck_assert_str_eq(val("program:a", "command"), "a");
	ck_assert_str_eq(val("program:b", "autorestart"), "false");
	ck_assert_int_eq(kv("program:b", "autorestart")->line, 12);
	/* Earlier mappings in the merge list win. */
	ck_assert_str_eq(val("program:b", "startsecs"), "5");
	ck_assert_str_eq(val("program:b", "user"), "nobody");
}
END_TEST

START_TEST(test_merge_self)
{
	parse("programs:\n  a: &a\n    command: x\n    <<: *a\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.nerrors, 1);
	ck_assert_str_eq(D.v[0].msg, "merge keys ('<<') nested too deeply");
}
END_TEST

/* A mapping that merges itself 5 times was 5^8 merges under the depth
 * limit (4 times took 57 s): each section stops after 100. */
START_TEST(test_merge_self_many)
{
	parse("x: &d\n  <<: *d\n  <<: *d\n  <<: *d\n  <<: *d\n  <<: *d\n"
	      "programs:\n  a:\n    command: /bin/true\n    <<: *d\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_lt(D.nerrors, 400);
	size_t cut = 0, deep = 0;
	for (size_t i = 0; i < D.n; i++) {
		cut += strstr(D.v[i].msg, "of section 'program:a' expand to more than 100 "
					  "mappings") != NULL;
		deep += strstr(D.v[i].msg, "nested too deeply") != NULL;
	}
	ck_assert_uint_eq(cut, 1);
	ck_assert_uint_le(deep, 2); /* once per section */
}
END_TEST

/* A mapping merged many times said its errors at each read: 75 times
 * each here, 14,688 times one error for a fuzzed 821-byte file. */
START_TEST(test_merge_errors_once)
{
	parse("x: &d\n  k: {a: 1}\n  <<: *d\n  <<: *d\n  <<: *d\n"
	      "programs:\n  a:\n    command: /bin/true\n    <<: *d\n");
	ck_assert_int_eq(RC, -EINVAL);
	size_t dup = 0;
	for (size_t i = 0; i < D.n; i++) {
		dup += strstr(D.v[i].msg, "duplicate key '<<'") != NULL;
		for (size_t k = 0; k < i; k++)
			ck_assert(D.v[k].line != D.v[i].line || D.v[k].col != D.v[i].col ||
				  strcmp(D.v[k].msg, D.v[i].msg));
	}
	ck_assert_uint_eq(dup, 2); /* lines 4 and 5 */
}
END_TEST

START_TEST(test_merge_bad)
{
	parse("programs:\n  a:\n    <<: [x]\n    command: y\n  b:\n    <<: 3\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.nerrors, 2);
	ck_assert_str_eq(diag_text(0),
			 "t.yaml:3:10: a merge key ('<<') needs a mapping or a sequence "
			 "of mappings, not a sequence holding a scalar");
	ck_assert_str_eq(diag_text(1),
			 "t.yaml:6:9: a merge key ('<<') needs a mapping or a sequence "
			 "of mappings, not a scalar");
}
END_TEST

START_TEST(test_two_files_merge)
{
	const char a[] = "programs: {x: {command: a, user: u}}\n";
	const char b[] = "\nprograms:\n  x:\n    command: b\n";
	ck_assert_int_eq(conf_yaml_parse(&R, "a.yaml", a, strlen(a), &D), 0);
	ck_assert_int_eq(conf_yaml_parse(&R, "b.yaml", b, strlen(b), &D), 0);
	ck_assert_uint_eq(R.nsecs, 1);
	ck_assert_str_eq(val("program:x", "command"), "b");
	ck_assert_str_eq(kv("program:x", "command")->file, "b.yaml");
	ck_assert_int_eq(kv("program:x", "command")->line, 4);
	ck_assert_str_eq(kv("program:x", "user")->file, "a.yaml");
}
END_TEST

START_TEST(test_empty)
{
	parse("");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
	parse("# nothing\n---\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
	parse("programs:\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
}
END_TEST

START_TEST(test_len_authoritative)
{
	const char t[] = "supervisord: {logfile: abcdef}";
	RC = conf_yaml_parse(&R, "t.yaml", t, strlen(t) - 5, &D);
	/* Cut inside the flow mapping: a syntax error, not a read past len. */
	ck_assert_int_eq(RC, -EINVAL);
	const char u[] = "supervisord: {logfile: abc}XXXX";
	RC = conf_yaml_parse(&R, "t.yaml", u, strlen(u) - 4, &D);
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("supervisord", "logfile"), "abc");
}
END_TEST

START_TEST(test_long_value)
{
	size_t n = 20000;
	char *t = malloc(n + 64);
	strcpy(t, "programs: {x: {command: ");
	size_t l = strlen(t);
	memset(t + l, 'a', n);
	strcpy(t + l + n, "}}\n");
	parse(t);
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(strlen(val("program:x", "command")), n);
	free(t);
}
END_TEST

START_TEST(test_err_syntax)
{
	parse("supervisord:\n  a: 1\n b: 2\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0),
			 "t.yaml:3:2: did not find expected key (while parsing a block "
			 "mapping at line 1, column 1)");
	parse("a: [1, 2\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_int_eq(D.v[0].line, 2);
	parse("a: \"unterminated\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_int_eq(D.v[0].line, 2);
}
END_TEST

START_TEST(test_err_tab_indent)
{
	parse("supervisord:\n\tnodaemon: true\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_int_eq(D.v[0].line, 2);
	ck_assert_int_eq(D.v[0].col, 1);
}
END_TEST

START_TEST(test_err_bad_utf8)
{
	parse("supervisord:\n  logfile: a\xff\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0), "t.yaml:2:13: invalid leading UTF-8 octet (byte 0xff)");
}
END_TEST

START_TEST(test_err_top_not_mapping)
{
	parse("- a\n- b\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_str_eq(diag_text(0),
			 "t.yaml:1:1: the top level must be a mapping of sections, not a sequence");
	parse("just text\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_str_eq(diag_text(0),
			 "t.yaml:1:1: the top level must be a mapping of sections, not a scalar");
}
END_TEST

START_TEST(test_err_structure)
{
	parse("supervisord: [a]\n"
	      "programs: [x]\n"
	      "groups:\n"
	      "  g: text\n"
	      "eventlisteners:\n"
	      "  [a]: {x: 1}\n"
	      "  '': {x: 1}\n"
	      "unix_http_server:\n"
	      "  file: {a: {b: c}}\n"
	      "  chmod: [[1]]\n"
	      "  [k]: v\n"
	      "  '': v\n"
	      "'': {a: b}\n"
	      "[1]: {a: b}\n");
	ck_assert_int_eq(RC, -EINVAL);
	const char *want[] = {
	    "t.yaml:1:14: section 'supervisord' must be a mapping of options, not a sequence",
	    "t.yaml:2:11: 'programs' must be a mapping of names to options, not a sequence",
	    "t.yaml:4:6: section 'group:g' must be a mapping of options, not a scalar",
	    "t.yaml:6:3: a name must be a scalar, not a sequence",
	    "t.yaml:7:3: empty name in 'eventlisteners'",
	    "t.yaml:9:13: a value in a mapping must be a scalar, not a mapping",
	    "t.yaml:10:11: a list item must be a scalar, not a sequence",
	    "t.yaml:11:3: an option name must be a scalar, not a sequence",
	    "t.yaml:12:3: empty option name",
	    "t.yaml:13:1: empty section name",
	    "t.yaml:14:1: a section name must be a scalar, not a sequence",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	ck_assert_uint_eq(D.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(diag_text(i), want[i]);
	/* The valid parts were still read. */
	ck_assert_uint_eq(raw_find_section(&R, "unix_http_server")->nkv, 0);
}
END_TEST

START_TEST(test_err_duplicates)
{
	parse("programs:\n"
	      "  a:\n"
	      "    command: x\n"
	      "    Command: y\n"
	      "    environment: {A: 1, a: 2, A: 3}\n"
	      "  a: {command: z}\n"
	      "programs: {}\n");
	ck_assert_int_eq(RC, -EINVAL);
	const char *want[] = {
	    "t.yaml:7:1: duplicate key 'programs' (first at line 1)",
	    "t.yaml:6:3: duplicate key 'a' (first at line 2)",
	    "t.yaml:4:5: duplicate key 'Command' (first at line 3)",
	    "t.yaml:5:31: duplicate key 'A' (first at line 5)",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	ck_assert_uint_eq(D.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(diag_text(i), want[i]);
}
END_TEST

START_TEST(test_err_nul)
{
	parse("programs: {a: {command: \"x\\0y\"}}\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_str_eq(diag_text(0), "t.yaml:1:25: a value contains a NUL character");
}
END_TEST

START_TEST(test_err_two_documents)
{
	parse("supervisord: {}\n---\nprograms: {}\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0),
			 "t.yaml:2:1: more than one YAML document; a config file holds one");
}
END_TEST

START_TEST(test_err_undefined_alias)
{
	parse("programs: {a: *nope}\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_int_eq(D.v[0].line, 1);
	ck_assert_str_eq(D.v[0].msg, "found undefined alias");
}
END_TEST

/* [include] across formats, through the real conf_load: an INI file
 * including YAML and libconfig files, and a YAML file including INI and
 * libconfig files, print exactly what one INI file saying it all prints. */
static char tmpdir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *printed(const char *name)
{
	static char *const env[] = {"HOME=/nonexistent", NULL};
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	struct conf_load_opts o = {.path = path, .environ = env};
	struct conf *c = NULL;
	struct diags d;
	diags_init(&d);
	int rc = conf_load(&o, &c, &d);
	if (rc != 0)
		diags_print(&d, stderr);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(d.nerrors, 0);
	diags_free(&d);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(conf_print_ini(c, f), 0);
	fclose(f);
	conf_free(c);
	return buf;
}

static void rm(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_int_eq(remove(path), 0);
}

START_TEST(test_include_across_formats)
{
	strcpy(tmpdir, "/tmp/check_conf_yaml.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char sub[128], text[1024];
	snprintf(sub, sizeof(sub), "%s/parts", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	put("main.conf", "[supervisord]\nidentifier=mixed\n"
			 "[include]\nfiles=parts/*.yaml\n  parts/*.cfg\n"
			 "[program:a]\ncommand=a\n");
	put("main.yaml", "supervisord: {identifier: mixed}\n"
			 "include: {files: [parts/*.ini, parts/*.cfg]}\n"
			 "programs: {a: {command: a}}\n");
	put("parts/b.yaml", "programs:\n  b:\n    command: b %(here)s\n"
			    "    environment: {X: \"1,2\", Y: z}\n");
	put("parts/b.ini", "[program:b]\ncommand=b %(here)s\nenvironment=X=\"1,2\",Y=z\n");
	put("parts/c.cfg", "programs = { c = { command = \"c\"; numprocs = 2;\n"
			   "  process_name = \"c%(process_num)d\"; exitcodes = [0, 3]; }; };\n");
	snprintf(text, sizeof(text),
		 "[supervisord]\nidentifier=mixed\n"
		 "[program:a]\ncommand=a\n"
		 "[program:b]\ncommand=b %s\nenvironment=X=\"1,2\",Y=z\n"
		 "[program:c]\ncommand=c\nnumprocs=2\nprocess_name=c%%(process_num)d\n"
		 "exitcodes=0,3\n",
		 sub);
	put("ref.conf", text);

	char *ref = printed("ref.conf");
	char *from_ini = printed("main.conf");
	char *from_yaml = printed("main.yaml");
	ck_assert_ptr_nonnull(strstr(ref, "[program:c1]"));
	ck_assert_msg(!strcmp(from_ini, ref), "main.conf prints differently from ref.conf");
	ck_assert_msg(!strcmp(from_yaml, ref), "main.yaml prints differently from ref.conf");
	free(ref);
	free(from_ini);
	free(from_yaml);

	rm("parts/b.yaml");
	rm("parts/b.ini");
	rm("parts/c.cfg");
	rm("parts");
	rm("main.conf");
	rm("main.yaml");
	rm("ref.conf");
	rm("");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf_yaml");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_aliases_supd_supctl);
	tcase_add_test(tc, test_collections);
	tcase_add_test(tc, test_ini_spelling);
	tcase_add_test(tc, test_scalars_as_written);
	tcase_add_test(tc, test_merge_keys);
	tcase_add_test(tc, test_merge_self);
	tcase_add_test(tc, test_merge_self_many);
	tcase_add_test(tc, test_merge_bad);
	tcase_add_test(tc, test_merge_errors_once);
	tcase_add_test(tc, test_two_files_merge);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_len_authoritative);
	tcase_add_test(tc, test_long_value);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_tab_indent);
	tcase_add_test(tc, test_err_bad_utf8);
	tcase_add_test(tc, test_err_top_not_mapping);
	tcase_add_test(tc, test_err_structure);
	tcase_add_test(tc, test_err_duplicates);
	tcase_add_test(tc, test_err_nul);
	tcase_add_test(tc, test_err_two_documents);
	tcase_add_test(tc, test_err_undefined_alias);
	tcase_add_test(tc, test_include_across_formats);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
