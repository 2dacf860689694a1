/* conf: the model built from raw sections and from files (includes,
 * overrides, groups, errors), and the queries on it. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_raw.h"
#include "strpool.h"
#include "conf_value.h"

static char *const test_env[] = {"HOME=/home/t", "FOO=bar", "TMPDIR=/var/tmp", NULL};

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *write_file(const char *name, const char *text)
{
	char *p;
	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static int load(const char *text, struct conf **c, struct diags *d, const char *const *ov)
{
	char *p = write_file("supd.conf", text);
	struct conf_load_opts o = {.path = p, .overrides = ov, .environ = test_env};
	diags_init(d);
	int r = conf_load(&o, c, d);
	free(p);
	return r;
}

static bool has_diag(const struct diags *d, const char *needle, bool warning)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].warning == warning && strstr(d->v[i].msg, needle))
			return true;
	return false;
}

START_TEST(test_raw_defaults)
{
	struct raw_conf r;
	raw_init(&r);
	struct raw_section *s = raw_section(&r, "program:web", "/etc/x.conf", 3);
	ck_assert_int_eq(raw_set(s, "command", "/bin/web --port 80", "/etc/x.conf", 4), 0);
	/* what YAML and libconfig lists become */
	struct raw_section *s2 = raw_section(&r, "program:list", "/etc/x.conf", 5);
	char *const argv[] = {"/bin/echo", "a b", "it's", "100%%", ""};
	ck_assert_int_eq(raw_set_list(s2, "command", argv, 5, "/etc/x.conf", 6), 0);
	char *const codes[] = {"0", "3"};
	ck_assert_int_eq(raw_set_list(s2, "exitcodes", codes, 2, "/etc/x.conf", 7), 0);
	char *const ek[] = {"K", "L"}, *const ev[] = {"v,1", "%(program_name)s"};
	ck_assert_int_eq(raw_set_map(s2, "environment", ek, ev, 2, "/etc/x.conf", 8), 0);
	struct conf_load_opts o = {.path = "/etc/x.conf", .environ = test_env};
	struct diags d;
	struct conf *c = NULL;
	diags_init(&d);
	ck_assert_int_eq(conf_from_raw(&r, "/etc/x.conf", &o, &c, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	/* no [supervisord]: supd takes the defaults */
	ck_assert_str_eq(c->supd.logfile, "supervisord.log");
	ck_assert_str_eq(c->supd.pidfile, "supervisord.pid");
	ck_assert_str_eq(c->supd.childlogdir, "/var/tmp");
	ck_assert_str_eq(c->supd.identifier, "supervisor");
	ck_assert_int_eq(c->supd.umask, 022);
	ck_assert_int_eq(c->supd.loglevel, LL_INFO);
	ck_assert_uint_eq(c->supd.logfile_maxbytes, 50 * 1024 * 1024);
	ck_assert_int_eq(c->supd.minfds, 1024);
	ck_assert_int_eq(c->supd.minprocs, 200);
	ck_assert_uint_eq(c->nprocs, 2);
	struct conf_process *l = &c->procs[0];
	ck_assert_str_eq(l->name, "list");
	ck_assert_int_eq(l->argc, 5);
	ck_assert_str_eq(l->argv[1], "a b");
	ck_assert_str_eq(l->argv[2], "it's");
	ck_assert_str_eq(l->argv[3], "100%");
	ck_assert_str_eq(l->argv[4], "");
	ck_assert(conf_exitcode_expected(l, 3));
	ck_assert_str_eq(l->s->env.vals[0], "v,1");
	ck_assert_str_eq(l->s->env.vals[1], "list");
	struct conf_process *p = &c->procs[1];
	ck_assert_str_eq(p->name, "web");
	ck_assert_str_eq(p->group, "web");
	ck_assert_int_eq(p->argc, 3);
	ck_assert_str_eq(p->argv[2], "80");
	ck_assert_int_eq(p->s->priority, 999);
	ck_assert(p->s->autostart);
	ck_assert_int_eq(p->s->startsecs, 1);
	ck_assert_int_eq(p->s->startretries, 3);
	ck_assert_int_eq(p->s->autorestart, CONF_AR_UNEXPECTED);
	ck_assert(conf_exitcode_expected(p, 0));
	ck_assert(!conf_exitcode_expected(p, 1));
	ck_assert(!conf_exitcode_expected(p, 256));
	ck_assert_int_eq(p->s->stopsignal, SIGTERM);
	ck_assert_int_eq(p->s->stopwaitsecs, 10);
	ck_assert(!p->s->stopasgroup && !p->s->killasgroup);
	ck_assert_int_eq(p->s->out.kind, CONF_LOG_AUTO);
	ck_assert_uint_eq(p->s->out.maxbytes, 50 * 1024 * 1024);
	ck_assert_int_eq(p->s->err.backups, 10);
	ck_assert_int_eq(p->s->umask, -1);
	ck_assert_ptr_null(p->s->user);
	ck_assert_ptr_null(p->s->directory);
	ck_assert_ptr_null(p->s->serverurl);
	ck_assert_uint_eq(p->s->tail_buffer, 64 * 1024);
	ck_assert(!p->s->forward_output);
	ck_assert_uint_eq(c->ngroups, 2);
	ck_assert_int_eq(c->groups[0].priority, 999);
	ck_assert(!c->groups[0].heterogeneous);
	char buf[64];
	ck_assert_str_eq(conf_process_namespec(p, buf, sizeof(buf)), "web");
	conf_free(c);
	diags_free(&d);
	raw_free(&r);
}
END_TEST

START_TEST(test_numprocs_groups)
{
	struct conf *c = NULL;
	struct diags d;
	int r =
	    load("[supd]\nforward_output=true\n"
		 "[program:w]\ncommand=/bin/w %(process_num)d %(ENV_FOO)s %(group_name)s\n"
		 "process_name=%(program_name)s_%(process_num)02d\nnumprocs=3\nnumprocs_start=1\n"
		 "priority=5\n"
		 "[program:a]\ncommand=a\n[program:b]\ncommand=b\nforward_output=false\n"
		 "[group:g]\nprograms=b,a\npriority=7\n"
		 "[eventlistener:l]\ncommand=l\nevents=PROCESS_STATE,TICK_5\n",
		 &c, &d, NULL);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(d.nerrors, 0);
	ck_assert_uint_eq(c->nprocs, 6);
	/* sorted by group, then name */
	ck_assert_str_eq(c->procs[0].group, "g");
	ck_assert_str_eq(c->procs[0].name, "a");
	ck_assert_str_eq(c->procs[1].name, "b");
	ck_assert_str_eq(c->procs[2].name, "l");
	ck_assert_int_eq(c->procs[2].s->priority, -1);
	ck_assert_int_eq(c->procs[2].s->nevents, 2);
	ck_assert_int_eq(c->procs[2].s->buffer_size, 10);
	ck_assert_str_eq(c->procs[3].name, "w_01");
	ck_assert_str_eq(c->procs[5].name, "w_03");
	ck_assert_str_eq(c->procs[5].command, "/bin/w 3 bar w");
	ck_assert(c->procs[0].s->forward_output);
	ck_assert(!c->procs[1].s->forward_output);
	ck_assert_uint_eq(c->ngroups, 3);
	ck_assert_str_eq(c->groups[0].name, "g");
	ck_assert(c->groups[0].heterogeneous);
	ck_assert_int_eq(c->groups[0].priority, 7);
	ck_assert_uint_eq(c->groups[0].nprocs, 2);
	ck_assert_str_eq(c->groups[2].name, "w");
	ck_assert_int_eq(c->groups[2].priority, 5);
	ck_assert_uint_eq(c->groups[2].nprocs, 3);
	ck_assert_uint_eq(c->groups[2].procs[0], 3);
	char buf[64];
	ck_assert_str_eq(conf_process_namespec(&c->procs[4], buf, sizeof(buf)), "w:w_02");
	ck_assert_ptr_eq(conf_find_process(c, "g", "b"), &c->procs[1]);
	ck_assert_ptr_eq(conf_find_process(c, NULL, "w_02"), &c->procs[4]);
	ck_assert_ptr_null(conf_find_process(c, "w", "b"));
	ck_assert_ptr_eq(conf_find_group(c, "l"), &c->groups[1]);
	ck_assert_ptr_null(conf_find_group(c, "zz"));
	ck_assert(conf_process_equal(&c->procs[3], &c->procs[3]));
	ck_assert(!conf_process_equal(&c->procs[3], &c->procs[4]));
	conf_free(c);
	diags_free(&d);
}
END_TEST

START_TEST(test_errors_collected)
{
	struct conf *c = (struct conf *)1;
	struct diags d;
	int r = load("[supervisord]\nloglevel=loud\numask=9\n"
		     "[program:a]\ncommand=a\nautorestart=maybe\nstartsecs=-1\n"
		     "[program:b]\ncommand=sh -c 'x\n"
		     "[program:c]\ncommand=c %(nope)s\n"
		     "[program:d]\ncommand=d\nnumprocs=2\n"
		     "[program:e]\ncommand=e\nstopasgroup=true\nkillasgroup=false\n"
		     "[program:f f]\ncommand=f\n"
		     "[group:g]\nprograms=a,zz\n"
		     "[eventlistener:l]\ncommand=l\nevents=NOPE\nredirect_stderr=true\n"
		     "[inet_http_server]\nport=x:y\nusername=u\n",
		     &c, &d, NULL);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert(has_diag(&d, "unknown value 'loud' for loglevel", false));
	ck_assert(has_diag(&d, "unknown value '9' for umask", false));
	ck_assert(has_diag(&d, "unknown value 'maybe' for autorestart (true, false or unexpected)",
			   false));
	ck_assert(has_diag(&d, "value '-1' for startsecs is out of range", false));
	ck_assert(has_diag(&d, "No closing quotation", false));
	ck_assert(has_diag(&d, "unknown name 'nope'", false));
	ck_assert(has_diag(&d, "process_name must contain %(process_num)d", false));
	ck_assert(has_diag(&d, "killasgroup=false contradicts stopasgroup=true", false));
	ck_assert(has_diag(&d, "contains ' '", false));
	ck_assert(has_diag(&d, "names program 'zz', which is not defined", false));
	ck_assert(has_diag(&d, "unknown event type 'NOPE'", false));
	ck_assert(has_diag(&d, "redirect_stderr=true is not allowed", false));
	ck_assert(has_diag(&d, "for port", false));
	ck_assert(has_diag(&d, "sets username without password", false));
	for (size_t i = 0; i < d.n; i++)
		ck_assert_ptr_nonnull(d.v[i].file);
	diags_free(&d);
}
END_TEST

START_TEST(test_warnings)
{
	struct conf *c = NULL;
	struct diags d;
	int r = load("[supervisord]\nvacuum=true\nlogfile=syslog\n[weird]\nx=1\n"
		     "[program:a]\ncommand=a\nuser=no-such-user-supd-test\n"
		     "stdout_logfile=/nonexistent-supd/dir/a.log\nstderr_logfile=syslog\n"
		     "environment=A=a b\n"
		     "[program:r]\ncommand=r\nredirect_stderr=true\nstderr_logfile=/tmp/x.log\n"
		     "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
		     "supervisor.rpcinterface:make_main_rpcinterface\n"
		     "[rpcinterface:other]\nsupervisor.rpcinterface_factory = pkg.mod:make\n",
		     &c, &d, NULL);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(d.nerrors, 0);
	ck_assert(has_diag(&d, "unknown option 'vacuum' in [supervisord]", true));
	ck_assert(has_diag(&d, "unknown section [weird]", true));
	ck_assert(has_diag(&d, "user 'no-such-user-supd-test' does not exist", true));
	ck_assert(has_diag(&d, "does not exist on this machine", true));
	ck_assert(has_diag(&d, "stderr_logfile=syslog is deprecated", true));
	ck_assert(has_diag(&d, "'b' is ignored", true));
	ck_assert(has_diag(&d, "stderr_logfile is ignored with redirect_stderr=true", true));
	ck_assert(has_diag(&d, "Python plugin 'pkg.mod:make'", true));
	ck_assert(!has_diag(&d, "make_main_rpcinterface", true));
	ck_assert_ptr_null(c->supd.logfile);
	struct conf_process *a = conf_find_process(c, "a", "a");
	ck_assert(a->s->err.syslog);
	ck_assert_int_eq(a->s->err.kind, CONF_LOG_NONE);
	ck_assert_str_eq(a->s->env.vals[0], "a");
	ck_assert_uint_eq(c->nplugins, 2);
	conf_free(c);
	diags_free(&d);
}
END_TEST

START_TEST(test_overrides_env)
{
	struct conf *c = NULL;
	struct diags d;
	const char *const ov[] = {"nodaemon", "true", "loglevel", "debug", "umask", "077", NULL};
	int r = load("[supervisord]\nloglevel=warn\nenvironment=G=\"1,2\",H=%(ENV_FOO)s\n"
		     "childlogdir=%(here)s\n"
		     "[program:a]\ncommand=%(ENV_G)s %(ENV_L)s %(ENV_H)s\n"
		     "environment=L=local,G=over,M=\"%(ENV_G)s\"\n"
		     "directory=%(here)s/x\n",
		     &c, &d, ov);
	ck_assert_int_eq(r, 0);
	ck_assert(c->supd.nodaemon);
	ck_assert_int_eq(c->supd.loglevel, LL_DEBG);
	ck_assert_int_eq(c->supd.umask, 077);
	ck_assert_str_eq(c->supd.childlogdir, dir);
	ck_assert_str_eq(c->here, dir);
	struct conf_process *p = &c->procs[0];
	ck_assert_str_eq(p->command, "over local bar");
	ck_assert_uint_eq(p->s->env.n, 4);
	ck_assert_str_eq(p->s->env.keys[0], "G");
	ck_assert_str_eq(p->s->env.vals[0], "over");
	ck_assert_str_eq(p->s->env.vals[1], "bar");
	ck_assert_str_eq(p->s->env.keys[2], "L");
	/* [supervisord]'s keys are names in the program's environment line */
	ck_assert_str_eq(p->s->env.keys[3], "M");
	ck_assert_str_eq(p->s->env.vals[3], "1,2");
	conf_free(c);
	diags_free(&d);

	/* a bad override names the command line */
	const char *const bad[] = {"minfds", "lots", NULL};
	r = load("[supervisord]\n", &c, &d, bad);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_str_eq(d.v[0].file, "command line");
	diags_free(&d);

	/* an unset ENV_ is an error; so is the program's own key in its
	 * environment line */
	r = load("[program:a]\ncommand=%(ENV_UNSET_X)s\n"
		 "[program:b]\ncommand=b\nenvironment=K=1,J=%(ENV_K)s\n",
		 &c, &d, NULL);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert(has_diag(&d, "environment variable UNSET_X is not set", false));
	ck_assert(has_diag(&d, "environment variable K is not set", false));
	diags_free(&d);
}
END_TEST

START_TEST(test_includes)
{
	char *p = write_file("a.ini", "[program:a]\ncommand=a %(here)s\n[include]\nfiles=x\n");
	free(p);
	p = write_file("b.ini", "[program:b]\ncommand=b\n");
	free(p);
	ck_assert_int_eq(mkdir(strcat(strcpy((char[80]){0}, dir), "/sub"), 0700), 0);
	p = write_file("sub/c.ini", "[program:c]\ncommand=c %(here)s\n");
	free(p);
	struct conf *c = NULL;
	struct diags d;
	int r = load("[include]\nfiles = *.ini\n  sub/*.ini none*.conf\n", &c, &d, NULL);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(c->nprocs, 3);
	ck_assert_uint_eq(c->nfiles, 4);
	ck_assert(strstr(c->files[1], "/a.ini"));
	ck_assert(strstr(c->files[2], "/b.ini"));
	ck_assert(strstr(c->files[3], "/sub/c.ini"));
	char want[128];
	snprintf(want, sizeof(want), "c %s/sub", dir);
	ck_assert_str_eq(conf_find_process(c, "c", "c")->command, want);
	snprintf(want, sizeof(want), "a %s", dir);
	ck_assert_str_eq(conf_find_process(c, "a", "a")->command, want);
	ck_assert(has_diag(&d, "no file matches", true));
	ck_assert(has_diag(&d, "included file is not processed", true));
	conf_free(c);
	diags_free(&d);
}
END_TEST

/* An [include] that matches many files that are not configs (all of /bin):
 * after 1000 errors no more files are read, and one error says from which
 * file on; a file with a NUL byte in its first 8 KiB is one error. */
START_TEST(test_include_many_errors)
{
	char body[4096] = "";
	for (int i = 0; i < 100; i++)
		strcat(body, "not an option\n");
	for (int i = 0; i < 15; i++) {
		char name[32];
		snprintf(name, sizeof(name), "bad%02d.ini", i);
		free(write_file(name, body));
	}
	free(write_file("elf.ini", "\177ELF\001")); /* (fputs: up to the NUL) */
	char *bin;
	ck_assert_int_ge(asprintf(&bin, "%s/zbin.ini", dir), 0);
	FILE *f = fopen(bin, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("[program:z]\0command=z\n", 1, 23, f);
	fclose(f);
	free(bin);
	struct conf *c = NULL;
	struct diags d;
	ck_assert_int_eq(load("[include]\nfiles = *.ini\n", &c, &d, NULL), -EINVAL);
	/* 10 files of 100 errors each, then one error for the rest */
	ck_assert_uint_eq(d.nerrors, 1001);
	ck_assert(has_diag(&d, "1000 errors: the files from", false));
	ck_assert(has_diag(&d, "bad10.ini on are not read (fix these first)", false));
	diags_free(&d);
	/* below the cap, the binary is one error */
	ck_assert_int_eq(load("[include]\nfiles = zbin.ini bad00.ini\n", &c, &d, NULL), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 101);
	ck_assert(has_diag(
	    &d, "zbin.ini is not a text file (a NUL byte in its first 8 KiB): not read", false));
	diags_free(&d);
}
END_TEST

/* A user's lookup is kept between programs: what it said must stay right
 * when the user changes, and for every program that names a missing one. */
/* An included file past 64 MiB is one error, read no further than its
 * size (a sparse file: nothing is written). */
START_TEST(test_include_too_big)
{
	char *big;
	ck_assert_int_ge(asprintf(&big, "%s/big.ini", dir), 0);
	FILE *f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(truncate(big, (64 << 20) + 1), 0);
	struct conf *c = NULL;
	struct diags d;
	ck_assert_int_eq(load("[include]\nfiles = big.ini\n", &c, &d, NULL), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert(has_diag(&d, "big.ini is larger than 64 MiB", false));
	diags_free(&d);
	unlink(big);
	free(big);
}
END_TEST

START_TEST(test_user_lookup_kept)
{
	struct conf *c = NULL;
	struct diags d;
	ck_assert_int_eq(load("[program:a]\ncommand=x\nuser=nosuchuser_a\n"
			      "[program:b]\ncommand=x\nuser=root\n"
			      "[program:c]\ncommand=x\nuser=nosuchuser_a\nnumprocs=3\n"
			      "process_name=c%(process_num)d\n"
			      "[program:d]\ncommand=x\nuser=root\n",
			      &c, &d, NULL),
			 0);
	size_t warned = 0;
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.v[i].msg, "user 'nosuchuser_a' does not exist"))
			warned++;
	ck_assert_uint_eq(warned, 2); /* a and c (once for its 3 processes) */
	ck_assert(!has_diag(&d, "user 'root'", true));
	ck_assert_str_eq(conf_find_process(c, "c", "c2")->s->user, "nosuchuser_a");
	conf_free(c);
	diags_free(&d);
}
END_TEST

START_TEST(test_missing_file)
{
	struct conf *c = NULL;
	struct diags d;
	char path[128];
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	struct conf_load_opts o = {.path = path, .environ = test_env};
	diags_init(&d);
	ck_assert_int_eq(conf_load(&o, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert(strstr(d.v[0].msg, "No such file"));
	diags_free(&d);
}
END_TEST

static char *print_ini(const struct conf *c);

/* conf_load_opts.text: the bytes parsed as the file's would be, the path
 * still naming them (messages, %(here)s, [include]s), the file unread. */
START_TEST(test_from_memory)
{
	const char *text = "[program:a]\ncommand=a %(here)s\n[include]\nfiles=b.yaml\n";
	char *b = write_file("b.yaml", "programs:\n  b:\n    command: b\n");
	free(b);
	char path[128];
	snprintf(path, sizeof(path), "%s/never-written.conf", dir);
	struct conf_load_opts o = {
	    .path = path, .environ = test_env, .text = text, .len = strlen(text)};
	struct conf *c = NULL, *f = NULL;
	struct diags d;
	diags_init(&d);
	ck_assert_int_eq(conf_load(&o, &c, &d), 0);
	diags_free(&d);
	ck_assert_int_eq(load(text, &f, &d, NULL), 0);
	diags_free(&d);
	ck_assert_uint_eq(c->nprocs, 2);
	char want[128];
	snprintf(want, sizeof(want), "a %s", dir);
	ck_assert_str_eq(conf_find_process(c, "a", "a")->command, want);
	char *pc = print_ini(c), *pf = print_ini(f);
	ck_assert_str_eq(strstr(pc, "[program:a]"), strstr(pf, "[program:a]"));
	free(pc);
	free(pf);
	conf_free(c);
	conf_free(f);

	/* len is authoritative, and an error names path:line */
	o.text = "[program:x]\ncommand=x\n[bad";
	o.len = strlen(o.text);
	diags_init(&d);
	ck_assert_int_eq(conf_load(&o, &c, &d), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(d.v[0].file, path);
	ck_assert_int_eq(d.v[0].line, 3);
	diags_free(&d);
	o.len = strlen("[program:x]\ncommand=x\n");
	diags_init(&d);
	ck_assert_int_eq(conf_load(&o, &c, &d), 0);
	conf_free(c);
	diags_free(&d);
}
END_TEST

static char *print_ini(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(conf_print_ini(c, f), 0);
	fclose(f);
	return buf;
}

START_TEST(test_print_roundtrip)
{
	struct conf *c = NULL, *c2 = NULL;
	struct diags d;
	int r = load("[supervisord]\nenvironment=A=\"x%%y\",Q='say \"hi\" now'\nlogfile=NONE\n"
		     "[unix_http_server]\nfile=/tmp/s.sock\nchmod=0770\n"
		     "[inet_http_server]\nport=127.0.0.1:9001\nusername=u\npassword=p\n"
		     "[supervisorctl]\nserverurl=unix:///tmp/s.sock\n"
		     "[program:w]\ncommand=/bin/w '50%%' %(process_num)d\n"
		     "process_name=w%(process_num)d\nnumprocs=2\nstopsignal=9\n"
		     "[program:x]\ncommand=x\nprocess_name=w0\n"
		     "[fcgi-program:f]\ncommand=f\nsocket=unix:///tmp/f.sock\n"
		     "[eventlistener:l]\ncommand=l\nevents=TICK_60\n",
		     &c, &d, NULL);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
	char *one = print_ini(c);
	r = load(one, &c2, &d, NULL);
	ck_assert_int_eq(r, 0);
	char *two = print_ini(c2);
	ck_assert_str_eq(one, two);
	ck_assert_uint_eq(c->nprocs, c2->nprocs);
	for (size_t i = 0; i < c->nprocs; i++)
		ck_assert(conf_process_equal(&c->procs[i], &c2->procs[i]));
	ck_assert_str_eq(c2->supd.env.vals[0], "x%y");
	ck_assert_str_eq(c2->supd.env.vals[1], "say \"hi\" now");
	ck_assert(strstr(one, "[program:w0@w]"));

	char *js = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&js, &len);
	ck_assert_int_eq(conf_print_json(c, f), 0);
	fclose(f);
	ck_assert(strstr(js, "\"exitcodes\": [\n"));
	ck_assert(strstr(js, "\"Q\": \"say \\\"hi\\\" now\""));
	free(js);
	free(one);
	free(two);
	conf_free(c);
	conf_free(c2);
	diags_free(&d);
}
END_TEST

START_TEST(test_json_escapes)
{
	struct raw_conf r;
	raw_init(&r);
	struct raw_section *s = raw_section(&r, "program:j", "/etc/x.conf", 1);
	ck_assert_int_eq(raw_set(s, "command", "j", "/etc/x.conf", 2), 0);
	char *const k[] = {"K"}, *const v[] = {"a\x01\xff\xc3\xa9\xed\xa0\x80\"\\\n"};
	ck_assert_int_eq(raw_set_map(s, "environment", k, v, 1, "/etc/x.conf", 3), 0);
	struct conf_load_opts o = {.path = "/etc/x.conf", .environ = test_env};
	struct diags d;
	struct conf *c = NULL;
	diags_init(&d);
	ck_assert_int_eq(conf_from_raw(&r, "/etc/x.conf", &o, &c, &d), 0);
	char *js = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&js, &len);
	ck_assert_int_eq(conf_print_json(c, f), 0);
	fclose(f);
	/* a control character as \u, invalid UTF-8 (a lone 0xff, an encoded
	 * surrogate) byte by byte as U+FFFD, valid UTF-8 as is */
	ck_assert_ptr_nonnull(
	    strstr(js, "\"K\": \"a\\u0001\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\\\"\\\\\\n\""));
	free(js);
	conf_free(c);
	diags_free(&d);
	raw_free(&r);
}
END_TEST

/* #18: processes whose settings are equal read one struct conf_settings;
 * a numprocs pool shares its settings while each process keeps its own
 * log file path; one setting apart is another struct. */
START_TEST(test_shared_settings)
{
	struct conf *c = NULL;
	struct diags d;
	char text[1024];
	snprintf(text, sizeof(text),
		 "[supervisord]\nenvironment=E=1\n"
		 "[program:a]\ncommand=/bin/a\n"
		 "[program:b]\ncommand=/bin/b\n"
		 "[program:c]\ncommand=/bin/a\nstartsecs=5\n"
		 "[program:d]\ncommand=/bin/a\nenvironment=F=2\n"
		 "[program:w]\ncommand=/bin/w %%(process_num)d\nnumprocs=3\n"
		 "process_name=w%%(process_num)d\nstdout_logfile=%s/w%%(process_num)d.log\n",
		 dir);
	ck_assert_int_eq(load(text, &c, &d, NULL), 0);
	diags_free(&d);
	struct conf_process *a = conf_find_process(c, "a", "a");
	struct conf_process *b = conf_find_process(c, "b", "b");
	struct conf_process *cc = conf_find_process(c, "c", "c");
	struct conf_process *dd = conf_find_process(c, "d", "d");
	struct conf_process *w0 = conf_find_process(c, "w", "w0");
	struct conf_process *w2 = conf_find_process(c, "w", "w2");
	ck_assert(a && b && cc && dd && w0 && w2);
	ck_assert_ptr_eq(a->s, b->s); /* each its own [supervisord] E=1 copy */
	ck_assert_ptr_ne(a->s, cc->s);
	ck_assert_ptr_ne(a->s, dd->s);
	ck_assert_ptr_eq(w0->s, w2->s);
	ck_assert_ptr_ne(w0->s, a->s);
	ck_assert_int_eq(cc->s->startsecs, 5);
	ck_assert_int_eq(a->s->startsecs, 1);
	ck_assert_str_eq(a->name, "a");
	ck_assert_str_eq(b->command, "/bin/b");
	char want[128];
	snprintf(want, sizeof(want), "%s/w2.log", dir);
	ck_assert_str_eq(w2->out_path, want);
	ck_assert_ptr_null(a->out_path);
	/* a, b, c, d and the pool: four settings for seven processes */
	ck_assert_uint_eq(c->nprocs, 7);
	ck_assert_uint_eq(c->nsettings, 4);
	/* the pool's processes differ in name and path, not in settings */
	ck_assert(!conf_process_equal(w0, w2));
	conf_free(c);
	/* stdout_logfile=journal is no file, as NONE: a reload from one to
	 * the other still changes the program (and it shares nothing) */
	if (!cv_journal_missing()) {
		struct conf *j = NULL;
		ck_assert_int_eq(load("[program:a]\ncommand=/bin/a\nstdout_logfile=NONE\n"
				      "[program:b]\ncommand=/bin/a\nstdout_logfile=journal\n",
				      &j, &d, NULL),
				 0);
		diags_free(&d);
		struct conf_process *ja = conf_find_process(j, "a", "a");
		struct conf_process jb = *conf_find_process(j, "b", "b");
		jb.name = ja->name;
		jb.group = ja->group;
		ck_assert_ptr_ne(ja->s, jb.s);
		ck_assert(!conf_process_equal(ja, &jb));
		conf_free(j);
	}
}
END_TEST

/* A program's options are found by a 16-bit index into its section: an
 * option past the 65,534th pair is an error naming it, not a wrong pick.
 * The pairs are put in the raw form directly: a parser's look for an
 * earlier pair of the same key is linear, and 65,535 of them would make
 * the test slow. */
START_TEST(test_section_too_long)
{
	struct raw_conf r;
	raw_init(&r);
	struct raw_section *s = raw_section(&r, "program:big", "/etc/x.conf", 1);
	ck_assert_ptr_nonnull(s);
	s->cap = 65536;
	s->kv = calloc(s->cap, sizeof(*s->kv));
	ck_assert_ptr_nonnull(s->kv);
	for (size_t i = 0; i < 65535; i++) {
		char key[16];
		int n = snprintf(key, sizeof(key), "k%zu", i);
		struct raw_kv *kv = &s->kv[s->nkv++];
		kv->key = strpool_copy(&r.pool, key, (size_t)n);
		kv->kind = RAW_SCALAR;
		kv->value = "1";
		kv->file = "/etc/x.conf";
		kv->line = (int)i + 2;
	}
	ck_assert_int_eq(raw_set(s, "command", "/bin/true", "/etc/x.conf", 65537), 0);
	struct conf_load_opts o = {.path = "/etc/x.conf", .environ = test_env};
	struct diags d;
	struct conf *c = NULL;
	diags_init(&d);
	ck_assert_int_eq(conf_from_raw(&r, "/etc/x.conf", &o, &c, &d), -EINVAL);
	ck_assert(has_diag(&d, "'command' in [program:big]: a section holds at most 65534 options",
			   false));
	diags_free(&d);
	raw_free(&r);
}
END_TEST

START_TEST(test_format_and_search)
{
	ck_assert_int_eq(conf_format_for_path("a.yaml"), CONF_FMT_YAML);
	ck_assert_int_eq(conf_format_for_path("/x/a.yml"), CONF_FMT_YAML);
	ck_assert_int_eq(conf_format_for_path("a.conf.cfg"), CONF_FMT_CFG);
	ck_assert_int_eq(conf_format_for_path("a.conf"), CONF_FMT_INI);
	ck_assert_int_eq(conf_format_for_path("/x.yaml/a"), CONF_FMT_INI);
	ck_assert_int_eq(conf_format_for_path("supervisord"), CONF_FMT_INI);

	char *p = write_file("found.conf", "");
	setenv("SUPD_CONFIG", p, 1);
	char *s = conf_search_default();
	ck_assert_str_eq(s, p);
	free(s);
	free(p);
	char cwd[256];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	setenv("SUPD_CONFIG", "/nonexistent/x.conf", 1);
	p = write_file("supd.conf", "");
	free(p);
	s = conf_search_default();
	ck_assert_str_eq(s, "./supd.conf");
	free(s);
	ck_assert_int_eq(chdir(cwd), 0);
	unsetenv("SUPD_CONFIG");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_raw_defaults);
	tcase_add_test(tc, test_numprocs_groups);
	tcase_add_test(tc, test_errors_collected);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_overrides_env);
	tcase_add_test(tc, test_includes);
	tcase_add_test(tc, test_include_many_errors);
	tcase_add_test(tc, test_include_too_big);
	tcase_add_test(tc, test_user_lookup_kept);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_print_roundtrip);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_format_and_search);
	tcase_add_test(tc, test_shared_settings);
	tcase_add_test(tc, test_section_too_long);
	tcase_add_test(tc, test_from_memory);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
