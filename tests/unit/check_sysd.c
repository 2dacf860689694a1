/* Unit tests for sysd.c: the notification and socket-activation protocols
 * against real sockets. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sysd.h"

static char dir[32];

static void setup(void)
{
	strcpy(dir, "/tmp/check_sysd.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A datagram socket bound at sa (len bytes of it). */
static int dgram_at(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (const struct sockaddr *)sa, len), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(test_notify_unset)
{
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), 0);
}
END_TEST

START_TEST(test_notify_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	int fd = dgram_at(&sa, sizeof(sa));
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), 1);
	expect_datagram(fd, "READY=1");
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(test_notify_abstract)
{
	char name[64];
	snprintf(name, sizeof(name), "@check_sysd.%d", (int)getpid());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
	int fd = dgram_at(&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name)));
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), 1);
	expect_datagram(fd, "READY=1");
	close(fd);
}
END_TEST

START_TEST(test_notify_errors)
{
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), -EAFNOSUPPORT);
	char path[128];
	snprintf(path, sizeof(path), "%s/nobody-listens", dir);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(sysd_notify(getenv("NOTIFY_SOCKET"), "READY=1"), -ENOENT);
}
END_TEST

START_TEST(test_notify_take)
{
	setenv("NOTIFY_SOCKET", "/run/x/notify", 1);
	char *a = sysd_notify_take();
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, "/run/x/notify");
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	free(a);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_ptr_null(sysd_notify_take());
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
}
END_TEST

static int listening_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_listen_fds)
{
	char path[64], pid[16];
	snprintf(path, sizeof(path), "%s/sock", dir);
	int s = listening_unix(path);
	/* Check runs each test in its own process: fd 3 is ours to take. */
	ck_assert_int_eq(dup2(s, SYSD_LISTEN_FDS_START), SYSD_LISTEN_FDS_START);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "supd", 1);
	ck_assert_int_eq(sysd_listen_fds(), 1);
	ck_assert_int_eq(fcntl(SYSD_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_ptr_null(getenv("LISTEN_PID"));
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
	ck_assert_ptr_null(getenv("LISTEN_FDNAMES"));
	ck_assert(sysd_is_unix_listener(SYSD_LISTEN_FDS_START, path));
	/* Taken once: the environment is gone. */
	ck_assert_int_eq(sysd_listen_fds(), 0);
	close(s);
}
END_TEST

START_TEST(test_listen_fds_not_ours)
{
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "2", 1);
	ck_assert_int_eq(sysd_listen_fds(), 0);
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
	setenv("LISTEN_PID", "12x", 1);
	setenv("LISTEN_FDS", "1", 1);
	ck_assert_int_eq(sysd_listen_fds(), -EINVAL);
	ck_assert_ptr_null(getenv("LISTEN_PID"));
	setenv("LISTEN_FDS", "-1", 1);
	ck_assert_int_eq(sysd_listen_fds(), -EINVAL);
	ck_assert_int_eq(sysd_listen_fds(), 0);
}
END_TEST

START_TEST(test_socket_kinds)
{
	char path[64], other[64];
	snprintf(path, sizeof(path), "%s/a", dir);
	snprintf(other, sizeof(other), "%s/ab", dir);
	int u = listening_unix(path);
	ck_assert(sysd_is_unix_listener(u, path));
	ck_assert(!sysd_is_unix_listener(u, other));
	ck_assert(!sysd_is_inet_listener(u, 0));

	/* Bound but not listening. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", other);
	int b = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(b, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert(!sysd_is_unix_listener(b, other));

	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int t = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(t, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(listen(t, 4), 0);
	socklen_t len = sizeof(in);
	ck_assert_int_eq(getsockname(t, (struct sockaddr *)&in, &len), 0);
	uint16_t port = ntohs(in.sin_port);
	ck_assert(sysd_is_inet_listener(t, port));
	ck_assert(sysd_is_inet_listener(t, 0));
	ck_assert(!sysd_is_inet_listener(t, (uint16_t)(port + 1)));
	ck_assert(!sysd_is_unix_listener(t, path));
	ck_assert(!sysd_is_inet_listener(-1, 0));
	close(t);
	close(b);
	close(u);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sysd");
	TCase *tc = tcase_create("sysd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_notify_unset);
	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_abstract);
	tcase_add_test(tc, test_notify_errors);
	tcase_add_test(tc, test_notify_take);
	tcase_add_test(tc, test_listen_fds);
	tcase_add_test(tc, test_listen_fds_not_ours);
	tcase_add_test(tc, test_socket_kinds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
