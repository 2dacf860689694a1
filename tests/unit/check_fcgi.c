/* Unit tests for fcgi.c: the socket of a section, counted through the
 * process transitions the proc hook reports, on a real loop. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcgi.h"
#include "loop.h"
#include "proc.h"

static char dir[256];
static char url[320];
static struct loop *L;
static struct fcgi *F;

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/check_fcgi.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "unix://%s/web.sock", dir);
	ck_assert_int_eq(loop_new(&L), 0);
	ck_assert_int_eq(fcgi_new(&F, L), 0);
}

static void teardown(void)
{
	fcgi_free(F);
	loop_free(L);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct conf_process conf_of(const char *program, char *socket)
{
	static struct conf_settings ring[16];
	static unsigned next;
	struct conf_process c;
	memset(&c, 0, sizeof(c));
	c.s = &ring[next++ % 16];
	memset(c.s, 0, sizeof(*c.s));
	c.s->kind = CONF_FCGI;
	c.name = (char *)program;
	c.program = (char *)program;
	c.s->socket = socket;
	c.s->socket_backlog = 8;
	c.s->socket_mode = 0600;
	return c;
}

static void turn(struct proc *p, enum proc_state to)
{
	fcgi_transition(p, p->state, to, F);
	p->state = to;
}

/* The socket file's inode, 0 when there is none. */
static ino_t sock_ino(void)
{
	struct stat st;
	return stat(url + 7, &st) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

START_TEST(test_shared_and_kept_across_restart)
{
	struct conf_process c = conf_of("web", url);
	struct proc a = {.conf = &c, .state = PROC_STOPPED}, b = a;
	char err[512];
	turn(&a, PROC_STARTING);
	int fd = fcgi_socket(&c, err, sizeof(err), F);
	ck_assert_msg(fd >= 0, "%s", err);
	ino_t ino = sock_ino();
	ck_assert(ino != 0);
	turn(&b, PROC_STARTING);
	ck_assert_int_eq(fcgi_socket(&c, err, sizeof(err), F), fd);
	turn(&a, PROC_RUNNING);
	turn(&b, PROC_RUNNING);
	/* b gives up; a exits and is restarted within the same loop turn */
	turn(&b, PROC_STOPPING);
	turn(&b, PROC_STOPPED);
	turn(&a, PROC_EXITED);
	turn(&a, PROC_STARTING);
	loop_run_once(L, 0);
	ck_assert_int_eq(fcgi_socket(&c, err, sizeof(err), F), fd);
	ck_assert(sock_ino() == ino);
	ck_assert(fcntl(fd, F_GETFD) >= 0);
	/* BACKOFF holds it too */
	turn(&a, PROC_BACKOFF);
	loop_run_once(L, 0);
	ck_assert(sock_ino() == ino);
	/* FATAL: nobody holds it; closed at the end of the turn */
	turn(&a, PROC_FATAL);
	ck_assert(sock_ino() == ino);
	loop_run_once(L, 0);
	ck_assert(sock_ino() == 0);
	/* the next start makes a new one */
	turn(&a, PROC_STARTING);
	int fd2 = fcgi_socket(&c, err, sizeof(err), F);
	ck_assert_msg(fd2 >= 0, "%s", err);
	ck_assert(sock_ino() != 0);
	struct stat st;
	ck_assert_int_eq(stat(url + 7, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_sections_apart_and_others_ignored)
{
	char url2[340];
	snprintf(url2, sizeof(url2), "unix://%s/api.sock", dir);
	struct conf_process c1 = conf_of("web", url), c2 = conf_of("api", url2);
	struct conf_process plain = conf_of("plain", url);
	plain.s->kind = CONF_PROGRAM;
	struct proc a = {.conf = &c1}, b = {.conf = &c2}, p = {.conf = &plain};
	char err[512];
	turn(&a, PROC_STARTING);
	turn(&b, PROC_STARTING);
	int fa = fcgi_socket(&c1, err, sizeof(err), F), fb = fcgi_socket(&c2, err, sizeof(err), F);
	ck_assert(fa >= 0 && fb >= 0 && fa != fb);
	/* a plain program's transitions change nothing */
	turn(&p, PROC_STARTING);
	turn(&p, PROC_STOPPED);
	turn(&b, PROC_STOPPED);
	loop_run_once(L, 0);
	ck_assert(sock_ino() != 0);
	ck_assert_int_ne(access(url2 + 7, F_OK), 0);
	/* a process removed by a reload lets its socket go */
	turn(&a, PROC_REMOVED);
	loop_run_once(L, 0);
	ck_assert(sock_ino() == 0);
}
END_TEST

START_TEST(test_errors_name_the_socket)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	socklen_t len = sizeof(sa);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	char tcp[64];
	snprintf(tcp, sizeof(tcp), "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	struct conf_process c = conf_of("web", tcp);
	struct proc a = {.conf = &c};
	turn(&a, PROC_STARTING);
	char err[512], want[300];
	ck_assert_int_eq(fcgi_socket(&c, err, sizeof(err), F), -EADDRINUSE);
	snprintf(want, sizeof(want),
		 "couldn't create FastCGI socket %s: cannot listen on 127.0.0.1:%d: Address "
		 "already in use",
		 tcp, ntohs(sa.sin_port));
	ck_assert_str_eq(err, want);
	close(l);
	/* freed: the same spawn works now */
	ck_assert_int_ge(fcgi_socket(&c, err, sizeof(err), F), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcgi");
	TCase *tc = tcase_create("fcgi");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shared_and_kept_across_restart);
	tcase_add_test(tc, test_sections_apart_and_others_ignored);
	tcase_add_test(tc, test_errors_name_the_socket);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
