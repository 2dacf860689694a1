/* conf_value: every value type, with its error cases. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_value.h"

START_TEST(test_bool)
{
	static const char *const yes[] = {"true", "TRUE", "Yes", "on", "1", " true "};
	static const char *const no[] = {"false", "No", "OFF", "0"};
	static const char *const bad[] = {"", "maybe", "2", "truee", "y", "t"};
	bool v;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		v = false;
		ck_assert_int_eq(cv_bool(yes[i], &v), 0);
		ck_assert(v);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		v = true;
		ck_assert_int_eq(cv_bool(no[i], &v), 0);
		ck_assert(!v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_int_eq(cv_bool(bad[i], &v), -EINVAL);
}
END_TEST

START_TEST(test_int)
{
	long v;
	ck_assert_int_eq(cv_int("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(cv_int(" -5 ", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(cv_int("+7", 0, 10, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(cv_int("101", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(cv_int("-1", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(cv_int("99999999999999999999999", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(cv_int("", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cv_int("1.5", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cv_int("0x10", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cv_int("ten", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cv_int("-", 0, 100, &v), -EINVAL);
}
END_TEST

START_TEST(test_duration)
{
	int64_t v;
	ck_assert_int_eq(cv_duration("30", &v), 0);
	ck_assert_int_eq(v, 30000);
	ck_assert_int_eq(cv_duration(" 500ms ", &v), 0);
	ck_assert_int_eq(v, 500);
	ck_assert_int_eq(cv_duration("5m", &v), 0);
	ck_assert_int_eq(v, 300000);
	ck_assert_int_eq(cv_duration("1h30m", &v), 0);
	ck_assert_int_eq(v, 5400000);
	ck_assert_int_eq(cv_duration("1d2h3m4s5ms", &v), 0);
	ck_assert_int_eq(v, 93784005);
	ck_assert_int_eq(cv_duration("0", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(cv_duration("2S", &v), 0);
	ck_assert_int_eq(v, 2000);
	const char *bad[] = {"",      " ",    "s",	"-1",	"+1s",	"1.5s", "1x",
			     "30m1h", "1s1s", "1h 30m", "1m30", "30sm", "1msx"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cv_duration(bad[i], &v) == -EINVAL, "'%s' accepted", bad[i]);
	ck_assert_int_eq(cv_duration("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(cv_duration("9999999999999d", &v), -ERANGE);
}
END_TEST

START_TEST(test_bytes)
{
	uint64_t v;
	ck_assert_int_eq(cv_bytes("1024", &v), 0);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(cv_bytes("50MB", &v), 0);
	ck_assert_uint_eq(v, 50ull * 1024 * 1024);
	ck_assert_int_eq(cv_bytes("1kb", &v), 0);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(cv_bytes("2Gb", &v), 0);
	ck_assert_uint_eq(v, 2ull << 30);
	ck_assert_int_eq(cv_bytes("1500 KB", &v), 0);
	ck_assert_uint_eq(v, 1500 * 1024);
	ck_assert_int_eq(cv_bytes("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cv_bytes("10B", &v), -EINVAL);
	ck_assert_int_eq(cv_bytes("1.5MB", &v), -EINVAL);
	ck_assert_int_eq(cv_bytes("MB", &v), -EINVAL);
	ck_assert_int_eq(cv_bytes("", &v), -EINVAL);
	ck_assert_int_eq(cv_bytes("-1KB", &v), -ERANGE);
	ck_assert_int_eq(cv_bytes("9223372036854775807GB", &v), -ERANGE);
}
END_TEST

START_TEST(test_octal)
{
	int v;
	ck_assert_int_eq(cv_octal("022", &v), 0);
	ck_assert_int_eq(v, 022);
	ck_assert_int_eq(cv_octal("0700", &v), 0);
	ck_assert_int_eq(v, 0700);
	ck_assert_int_eq(cv_octal("777", &v), 0);
	ck_assert_int_eq(v, 0777);
	ck_assert_int_eq(cv_octal("0o755", &v), 0);
	ck_assert_int_eq(v, 0755);
	ck_assert_int_eq(cv_octal("0", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(cv_octal("8", &v), -EINVAL);
	ck_assert_int_eq(cv_octal("abc", &v), -EINVAL);
	ck_assert_int_eq(cv_octal("", &v), -EINVAL);
	ck_assert_int_eq(cv_octal("1000", &v), -ERANGE);
}
END_TEST

START_TEST(test_signal)
{
	int v;
	ck_assert_int_eq(cv_signal("TERM", &v), 0);
	ck_assert_int_eq(v, SIGTERM);
	ck_assert_int_eq(cv_signal("sigint", &v), 0);
	ck_assert_int_eq(v, SIGINT);
	ck_assert_int_eq(cv_signal("SIGHUP", &v), 0);
	ck_assert_int_eq(v, SIGHUP);
	ck_assert_int_eq(cv_signal("Kill", &v), 0);
	ck_assert_int_eq(v, SIGKILL);
	ck_assert_int_eq(cv_signal("9", &v), 0);
	ck_assert_int_eq(v, 9);
	ck_assert_int_eq(cv_signal("usr2", &v), 0);
	ck_assert_int_eq(v, SIGUSR2);
	ck_assert_int_eq(cv_signal("RTMIN", &v), 0);
	ck_assert_int_eq(v, SIGRTMIN);
	ck_assert_int_eq(cv_signal("FOO", &v), -EINVAL);
	ck_assert_int_eq(cv_signal("SIG", &v), -EINVAL);
	ck_assert_int_eq(cv_signal("", &v), -EINVAL);
	ck_assert_int_eq(cv_signal("0", &v), -ERANGE);
	ck_assert_int_eq(cv_signal("999", &v), -ERANGE);
	ck_assert_str_eq(cv_signal_name(SIGTERM), "TERM");
	ck_assert_str_eq(cv_signal_name(SIGCHLD), "CHLD");
	ck_assert_ptr_null(cv_signal_name(SIGRTMIN + 1));
}
END_TEST

START_TEST(test_exitcodes)
{
	uint8_t b[32];
	ck_assert_int_eq(cv_exitcodes("0", b), 0);
	ck_assert_int_eq(b[0], 1);
	ck_assert_int_eq(cv_exitcodes(" 0, 2 ,255", b), 0);
	ck_assert_int_eq(b[0], 5);
	ck_assert_int_eq(b[31], 0x80);
	ck_assert_int_eq(cv_exitcodes("256", b), -ERANGE);
	ck_assert_int_eq(cv_exitcodes("-1", b), -ERANGE);
	ck_assert_int_eq(cv_exitcodes("0,,1", b), -EINVAL);
	ck_assert_int_eq(cv_exitcodes("a", b), -EINVAL);
	ck_assert_int_eq(cv_exitcodes("", b), -EINVAL);
	ck_assert_int_eq(cv_exitcodes("0 1", b), -EINVAL);
}
END_TEST

START_TEST(test_autorestart_loglevel)
{
	enum conf_autorestart a;
	ck_assert_int_eq(cv_autorestart("unexpected", &a), 0);
	ck_assert_int_eq(a, CONF_AR_UNEXPECTED);
	ck_assert_int_eq(cv_autorestart("TRUE", &a), 0);
	ck_assert_int_eq(a, CONF_AR_TRUE);
	ck_assert_int_eq(cv_autorestart("off", &a), 0);
	ck_assert_int_eq(a, CONF_AR_FALSE);
	ck_assert_int_eq(cv_autorestart("maybe", &a), -EINVAL);
	ck_assert_str_eq(cv_autorestart_name(CONF_AR_UNEXPECTED), "unexpected");

	enum conf_shutdown_on so;
	ck_assert_int_eq(cv_shutdown_on(" Fatal ", &so), 0);
	ck_assert_int_eq(so, CONF_SO_FATAL);
	ck_assert_int_eq(cv_shutdown_on("exit", &so), 0);
	ck_assert_int_eq(so, CONF_SO_EXIT);
	ck_assert_int_eq(cv_shutdown_on("never", &so), 0);
	ck_assert_int_eq(so, CONF_SO_NEVER);
	ck_assert_int_eq(cv_shutdown_on("true", &so), -EINVAL);
	ck_assert_int_eq(cv_shutdown_on("", &so), -EINVAL);
	ck_assert_str_eq(cv_shutdown_on_name(CONF_SO_UNEXPECTED), "unexpected");

	int l;
	static const struct {
		const char *s;
		int l;
	} ok[] = {{"critical", LL_CRIT}, {"error", LL_ERRO},  {"warn", LL_WARN},
		  {"INFO", LL_INFO},	 {"debug", LL_DEBG},  {"trace", LL_TRAC},
		  {"blather", LL_BLAT},	 {"warning", LL_WARN}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		ck_assert_int_eq(cv_loglevel(ok[i].s, &l), 0);
		ck_assert_int_eq(l, ok[i].l);
	}
	ck_assert_int_eq(cv_loglevel("verbose", &l), -EINVAL);
	ck_assert_int_eq(cv_loglevel("", &l), -EINVAL);
	ck_assert_str_eq(cv_loglevel_word(LL_WARN), "warn");
	ck_assert_str_eq(conf_loglevel_name(LL_BLAT), "BLAT");
	ck_assert_str_eq(conf_loglevel_name(LL_CRIT), "CRIT");
}
END_TEST

START_TEST(test_logfile)
{
	enum cv_logfile k;
	char *p = NULL;
	ck_assert_int_eq(cv_logfile("AUTO", "/h", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_AUTO);
	ck_assert_int_eq(cv_logfile("none", "/h", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_NONE);
	ck_assert_int_eq(cv_logfile("OFF", "/h", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_NONE);
	ck_assert_int_eq(cv_logfile("syslog", "/h", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_SYSLOG);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(cv_logfile("Journal", "/h", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_JOURNAL);
	ck_assert_ptr_null(p);
	/* the journal is an error exactly when the build cannot reach it */
#ifdef HAVE_LIBSYSTEMD
	ck_assert_ptr_null(cv_journal_missing());
#else
	ck_assert_ptr_nonnull(strstr(cv_journal_missing(), "without libsystemd"));
#endif
	ck_assert_int_eq(cv_logfile("~/x.log", "/home/u/", &k, &p), 0);
	ck_assert_int_eq(k, CV_LOG_PATH);
	ck_assert_str_eq(p, "/home/u/x.log");
	free(p);
	ck_assert_int_eq(cv_logfile("/var/log/a~b", "/h", &k, &p), 0);
	ck_assert_str_eq(p, "/var/log/a~b");
	free(p);
	ck_assert_int_eq(cv_logfile("", "/h", &k, &p), -EINVAL);
	ck_assert_int_eq(cv_expand_user("~", "/root", &p), 0);
	ck_assert_str_eq(p, "/root");
	free(p);
	ck_assert_int_eq(cv_expand_user("~root/x", NULL, &p), 0);
	ck_assert_str_eq(p, "/root/x");
	free(p);
	ck_assert_int_eq(cv_expand_user("~no-such-user-xyz/x", NULL, &p), 0);
	ck_assert_str_eq(p, "~no-such-user-xyz/x");
	free(p);
}
END_TEST

START_TEST(test_environment)
{
	struct conf_env e = {0};
	const char *why = NULL;
	char *skipped = NULL;
	ck_assert_int_eq(
	    cv_environment("A=1,B=\"x,y\",C='q r',PATH=/usr/bin:/bin", &e, &why, &skipped), 0);
	ck_assert_uint_eq(e.n, 4);
	ck_assert_str_eq(e.keys[1], "B");
	ck_assert_str_eq(e.vals[1], "x,y");
	ck_assert_str_eq(e.vals[2], "q r");
	ck_assert_str_eq(e.vals[3], "/usr/bin:/bin");
	ck_assert_ptr_null(skipped);
	/* a repeated key replaces in place */
	ck_assert_int_eq(cv_environment("A=2", &e, &why, NULL), 0);
	ck_assert_uint_eq(e.n, 4);
	ck_assert_str_eq(e.vals[0], "2");
	conf_env_free(&e);

	/* supervisord keeps only the first word of an unquoted value */
	ck_assert_int_eq(cv_environment("A=a b", &e, &why, &skipped), 0);
	ck_assert_str_eq(e.vals[0], "a");
	ck_assert_str_eq(skipped, "b");
	free(skipped);
	conf_env_free(&e);

	/* multi-line values and empty quoted values */
	ck_assert_int_eq(cv_environment("A=1,\nB=\"\"", &e, &why, NULL), 0);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_str_eq(e.vals[1], "");
	conf_env_free(&e);

	ck_assert_int_eq(cv_environment("A=1,B", &e, &why, NULL), -EINVAL);
	ck_assert_str_eq(why, "Unexpected end of key/value pairs");
	conf_env_free(&e);
	ck_assert_int_eq(cv_environment("A", &e, &why, NULL), -EINVAL);
	conf_env_free(&e);
	ck_assert_int_eq(cv_environment("A:1", &e, &why, NULL), -EINVAL); /* one word */
	conf_env_free(&e);
	ck_assert_int_eq(cv_environment("A=\"open", &e, &why, NULL), -EINVAL);
	ck_assert_str_eq(why, "No closing quotation");
	conf_env_free(&e);
	ck_assert_int_eq(cv_environment("", &e, &why, NULL), 0);
	ck_assert_uint_eq(e.n, 0);
}
END_TEST

static void shlex_is(const char *s, const char *const *want, int n)
{
	char **v;
	int c;
	const char *why = NULL;
	ck_assert_int_eq(cv_shlex(s, &v, &c, &why), 0);
	ck_assert_int_eq(c, n);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(v[i], want[i]);
	ck_assert_ptr_null(v[n]);
	cv_strv_free(v);
}

START_TEST(test_shlex)
{
	shlex_is("/bin/echo a  b", (const char *const[]){"/bin/echo", "a", "b"}, 3);
	shlex_is("sh -c 'echo $HOME; ls'", (const char *const[]){"sh", "-c", "echo $HOME; ls"}, 3);
	shlex_is("a \"b \\\"c\\\" \\n\"", (const char *const[]){"a", "b \"c\" \\n"}, 2);
	shlex_is("a\\ b c\\\\d", (const char *const[]){"a b", "c\\d"}, 2);
	shlex_is("x '' \"\"", (const char *const[]){"x", "", ""}, 3);
	shlex_is("a'b'\"c\"d", (const char *const[]){"abcd"}, 1);
	shlex_is("one\n  two #three", (const char *const[]){"one", "two", "#three"}, 3);
	shlex_is("   ", NULL, 0);

	char **v;
	int c;
	const char *why = NULL;
	ck_assert_int_eq(cv_shlex("bash -c 'foo", &v, &c, &why), -EINVAL);
	ck_assert_str_eq(why, "No closing quotation");
	ck_assert_int_eq(cv_shlex("a \"b", &v, &c, &why), -EINVAL);
	ck_assert_int_eq(cv_shlex("a \\", &v, &c, &why), -EINVAL);
	ck_assert_str_eq(why, "No escaped character");
}
END_TEST

static int lookup(void *ctx, const char *name, const char **str, long *num)
{
	(void)ctx;
	if (!strcmp(name, "program_name")) {
		*str = "web";
		return 1;
	}
	if (!strcmp(name, "process_num")) {
		*num = 7;
		return 2;
	}
	return 0;
}

static void expand_is(const char *s, const char *want)
{
	char *out = NULL, *bad = NULL;
	ck_assert_int_eq(cv_expand(s, lookup, NULL, &out, &bad), 0);
	ck_assert_str_eq(out, want);
	ck_assert_ptr_null(bad);
	free(out);
}

static void expand_fails(const char *s, int err, const char *bad_want)
{
	char *out = NULL, *bad = NULL;
	ck_assert_int_eq(cv_expand(s, lookup, NULL, &out, &bad), err);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(bad);
	if (bad_want)
		ck_assert_str_eq(bad, bad_want);
	free(bad);
}

START_TEST(test_expand)
{
	expand_is("plain", "plain");
	expand_is("", "");
	expand_is("%(program_name)s_%(process_num)02d", "web_07");
	expand_is("%(process_num)d %(process_num)s %(process_num)3d|%(process_num)-3d|",
		  "7 7   7|7  |");
	expand_is("100%%", "100%");
	expand_is("%(program_name)5s|%(program_name).1s", "  web|w");
	expand_is("%(process_num)x %(process_num)o %(process_num)+d", "7 7 +7");
	expand_fails("%(nope)s", -ENOENT, "nope");
	expand_fails("50%", -EINVAL, NULL);
	expand_fails("50% off", -EINVAL, NULL);
	expand_fails("%(program_name)", -EINVAL, NULL);
	expand_fails("%(program_name)q", -EINVAL, NULL);
	expand_fails("%(program_name", -EINVAL, NULL);
	expand_fails("%(program_name)d", -EINVAL, NULL);
	expand_fails("%s", -EINVAL, NULL);
}
END_TEST

START_TEST(test_names_ports_events)
{
	ck_assert_int_eq(cv_name_check("web-1.x_y"), 0);
	ck_assert_int_eq(cv_name_check("a b"), ' ');
	ck_assert_int_eq(cv_name_check("a:b"), ':');
	ck_assert_int_eq(cv_name_check("a/b"), '/');
	ck_assert_int_eq(cv_name_check(""), -1);
	ck_assert_int_eq(cv_name_check("*"), '*');
	ck_assert_int_eq(cv_name_check("a\x01"), 1);
	ck_assert_int_eq(cv_name_check("a\x7f"), 0x7f);
	ck_assert_int_eq(cv_name_check("h\xc3\xa9llo"), 0); /* UTF-8 is fine */
	char longname[CV_NAME_MAX + 2];
	memset(longname, 'n', sizeof(longname));
	longname[CV_NAME_MAX] = '\0';
	ck_assert_int_eq(cv_name_check(longname), 0);
	longname[CV_NAME_MAX] = 'n';
	longname[CV_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(cv_name_check(longname), -2);
	char shown[32], why[128];
	ck_assert_str_eq(cv_name_shown("a\x01\\b", shown, sizeof(shown)), "a\\x01\\x5cb");
	ck_assert_str_eq(cv_name_why('*', why, sizeof(why)),
			 "it contains '*' (no space, ':', '/', '*' or control character)");

	char *h = NULL;
	int port = 0;
	ck_assert_int_eq(cv_inet_port("127.0.0.1:9001", &h, &port), 0);
	ck_assert_str_eq(h, "127.0.0.1");
	ck_assert_int_eq(port, 9001);
	free(h);
	ck_assert_int_eq(cv_inet_port(":9001", &h, &port), 0);
	ck_assert_str_eq(h, "");
	free(h);
	ck_assert_int_eq(cv_inet_port("*:80", &h, &port), 0);
	ck_assert_str_eq(h, "");
	ck_assert_int_eq(port, 80);
	free(h);
	ck_assert_int_eq(cv_inet_port("9001", &h, &port), 0);
	ck_assert_str_eq(h, "");
	free(h);
	ck_assert_int_eq(cv_inet_port("[::1]:9001", &h, &port), 0);
	ck_assert_str_eq(h, "::1");
	free(h);
	ck_assert_int_eq(cv_inet_port("host:", &h, &port), -EINVAL);
	ck_assert_int_eq(cv_inet_port("host:http", &h, &port), -EINVAL);
	ck_assert_int_eq(cv_inet_port("host:70000", &h, &port), -ERANGE);
	ck_assert_int_eq(cv_inet_port("0", &h, &port), -ERANGE);

	ck_assert_int_eq(cv_owner("www"), 0);
	ck_assert_int_eq(cv_owner("www:adm"), 0);
	ck_assert_int_eq(cv_owner(":adm"), -EINVAL);
	ck_assert_int_eq(cv_owner("www:"), -EINVAL);
	ck_assert_int_eq(cv_owner(""), -EINVAL);

	ck_assert(cv_event_known("PROCESS_STATE_RUNNING"));
	ck_assert(cv_event_known("TICK_3600"));
	ck_assert(cv_event_known("EVENT"));
	ck_assert(!cv_event_known("TICK_10"));
	ck_assert(!cv_event_known("process_state"));
}
END_TEST

/* rlimit_* values (conf_limits.c): pairs, infinity, suffixes, bounds. */
START_TEST(test_rlimit)
{
	uint64_t c, m;
	const char *why = NULL;
	char buf[64];
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "1024:4096", &c, &m, &why), 0);
	ck_assert(c == 1024 && m == 4096);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, " 512 ", &c, &m, &why), 0);
	ck_assert(c == 512 && m == 512);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_CORE, "0:Unlimited", &c, &m, &why), 0);
	ck_assert(c == 0 && m == CONF_RLIM_INFINITY);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_AS, "infinity", &c, &m, &why), 0);
	ck_assert(c == CONF_RLIM_INFINITY && m == CONF_RLIM_INFINITY);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_STACK, "8M:1g", &c, &m, &why), 0);
	ck_assert(c == 8u << 20 && m == 1u << 30);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_MEMLOCK, "64KB", &c, &m, &why), 0);
	ck_assert(c == 65536);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_FSIZE, "2T", &c, &m, &why), 0);
	ck_assert(c == 2ULL << 40);
	/* a size suffix on a count, a stray unit, overflow, order */
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "1K", &c, &m, &why), -EINVAL);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_AS, "1KiB", &c, &m, &why), -EINVAL);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_AS, "16777216T", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_AS, "99999999999999999999", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "10:5", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "infinity:5", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "1:2:3", &c, &m, &why), -EINVAL);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, ":5", &c, &m, &why), -EINVAL);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NOFILE, "-1", &c, &m, &why), -EINVAL);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NICE, "40", &c, &m, &why), 0);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_NICE, "41", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_RTPRIO, "0:100", &c, &m, &why), -ERANGE);
	/* durations: seconds for cpu (a part of one is one), microseconds for rttime */
	ck_assert_int_eq(conf_rl_parse(CONF_RL_CPU, "90", &c, &m, &why), 0);
	ck_assert(c == 90);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_CPU, "1h30m:1500ms", &c, &m, &why), -ERANGE);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_CPU, "1500ms:1h", &c, &m, &why), 0);
	ck_assert(c == 2 && m == 3600);
	ck_assert_int_eq(conf_rl_parse(CONF_RL_RTTIME, "500ms", &c, &m, &why), 0);
	ck_assert(c == 500000);
	ck_assert_str_eq(
	    conf_rl_format(CONF_RL_RTTIME, 500000, CONF_RLIM_INFINITY, buf, sizeof(buf)),
	    "500ms:infinity");
	ck_assert_str_eq(conf_rl_format(CONF_RL_STACK, 1024, 1024, buf, sizeof(buf)), "1024");
	ck_assert_int_eq(conf_rl_by_key("RLIMIT_NOFILE"), CONF_RL_NOFILE);
	ck_assert_int_eq(conf_rl_by_key("rlimit_rss"), -1);
}
END_TEST

START_TEST(test_cpus)
{
	uint64_t cpus[CONF_CPUS_MAX / 64];
	char buf[256];
	ck_assert_int_eq(conf_cpus_parse("0, 2-3,7 ,8-9", cpus), 0);
	ck_assert_str_eq(conf_cpus_format(cpus, buf, sizeof(buf)), "0,2-3,7-9");
	ck_assert_int_eq(conf_cpus_parse("1023", cpus), 0);
	ck_assert_str_eq(conf_cpus_format(cpus, buf, sizeof(buf)), "1023");
	ck_assert_int_eq(conf_cpus_parse("0-1023", cpus), 0);
	ck_assert_str_eq(conf_cpus_format(cpus, buf, sizeof(buf)), "0-1023");
	ck_assert_int_eq(conf_cpus_parse("1024", cpus), -ERANGE);
	ck_assert_int_eq(conf_cpus_parse("3-1", cpus), -EINVAL);
	ck_assert_int_eq(conf_cpus_parse("", cpus), -EINVAL);
	ck_assert_int_eq(conf_cpus_parse("1,", cpus), -EINVAL);
	ck_assert_int_eq(conf_cpus_parse("1-", cpus), -EINVAL);
	ck_assert_int_eq(conf_cpus_parse("a", cpus), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf_value");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_int);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_octal);
	tcase_add_test(tc, test_signal);
	tcase_add_test(tc, test_exitcodes);
	tcase_add_test(tc, test_autorestart_loglevel);
	tcase_add_test(tc, test_logfile);
	tcase_add_test(tc, test_environment);
	tcase_add_test(tc, test_shlex);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_names_ports_events);
	tcase_add_test(tc, test_rlimit);
	tcase_add_test(tc, test_cpus);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
