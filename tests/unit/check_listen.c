/* Unit tests for listen.c: real sockets in a temporary directory and on
 * loopback. */
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
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

static char dir[256];

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/check_listen.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *path_in(const char *name)
{
	static char p[300];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static struct sockaddr_un addr_of(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	return sa;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = addr_of(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	return r == 0 ? 0 : -e;
}

/* A socket file nobody listens on any more. */
static void make_stale(const char *path)
{
	struct sockaddr_un sa = addr_of(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

START_TEST(test_unix_mode_and_blocking)
{
	char err[512];
	struct listen_unix u = {.path = path_in("a.sock"), .backlog = 8, .mode = 0640};
	int fd = listen_unix(&u, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(u.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert(st.st_ino == u.ino && st.st_dev == u.dev);
	ck_assert(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(connect_unix(u.path), 0);
	/* no temporary name left behind */
	char tmp[320];
	snprintf(tmp, sizeof(tmp), "%s.%ld", u.path, (long)getpid());
	ck_assert_int_ne(access(tmp, F_OK), 0);
	close(fd);
}
END_TEST

START_TEST(test_unix_stale_live_and_file)
{
	char err[512];
	/* a stale socket is replaced */
	make_stale(path_in("s.sock"));
	ck_assert_int_eq(connect_unix(path_in("s.sock")), -ECONNREFUSED);
	struct listen_unix u = {.path = path_in("s.sock"), .backlog = 8, .mode = 0600};
	int fd = listen_unix(&u, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(connect_unix(u.path), 0);
	/* a live one is not */
	struct listen_unix u2 = {.path = path_in("s.sock"), .backlog = 8, .mode = 0600};
	ck_assert_int_eq(listen_unix(&u2, err, sizeof(err)), -EADDRINUSE);
	ck_assert_int_eq(connect_unix(u.path), 0);
	close(fd);
	/* nor a regular file */
	FILE *f = fopen(path_in("f.sock"), "w");
	fputs("keep", f);
	fclose(f);
	struct listen_unix u3 = {.path = path_in("f.sock"), .backlog = 8, .mode = 0600};
	ck_assert_int_eq(listen_unix(&u3, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "a file that is not a socket is in the way"));
	struct stat st;
	ck_assert_int_eq(stat(path_in("f.sock"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_unix_lock)
{
	char err[512];
	struct listen_unix u = {
	    .path = path_in("l.sock"), .backlog = 8, .mode = 0600, .lock = true, .lock_fd = -1};
	int fd = listen_unix(&u, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_ge(u.lock_fd, 0);
	/* the socket file deleted: a second server is still refused */
	ck_assert_int_eq(unlink(u.path), 0);
	struct listen_unix u2 = {
	    .path = path_in("l.sock"), .backlog = 8, .mode = 0600, .lock = true, .lock_fd = -1};
	ck_assert_int_eq(listen_unix(&u2, err, sizeof(err)), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(err, "l.sock.lock is locked"));
	ck_assert_int_eq(u2.lock_fd, -1);
	ck_assert_int_eq(access(u.path, F_OK), -1); /* and it left no socket */
	/* the holder of the lock may open the path again */
	u2.lock_fd = u.lock_fd;
	int fd2 = listen_unix(&u2, err, sizeof(err));
	ck_assert_msg(fd2 >= 0, "%s", err);
	ck_assert_int_eq(u2.lock_fd, u.lock_fd);
	ck_assert_int_eq(connect_unix(u.path), 0);
	close(fd);
	close(fd2);
	/* released with its fd */
	close(u.lock_fd);
	unlink(u.path);
	struct listen_unix u3 = {
	    .path = path_in("l.sock"), .backlog = 8, .mode = 0600, .lock = true, .lock_fd = -1};
	int fd3 = listen_unix(&u3, err, sizeof(err));
	ck_assert_msg(fd3 >= 0, "%s", err);
	close(fd3);
	close(u3.lock_fd);
}
END_TEST

START_TEST(test_unix_born_private)
{
	/* Under umask 000 the final mode is still the one asked for. */
	char err[512];
	mode_t old = umask(0);
	struct listen_unix u = {.path = path_in("p.sock"), .backlog = 8, .mode = 0640};
	int fd = listen_unix(&u, err, sizeof(err));
	ck_assert_int_eq(umask(old), 0); /* and the umask is given back */
	ck_assert_msg(fd >= 0, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(u.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	close(fd);
}
END_TEST

START_TEST(test_unix_errors_name_the_path)
{
	char err[512];
	struct listen_unix u = {.path = path_in("no/such/dir.sock"), .backlog = 8, .mode = 0600};
	ck_assert_int_eq(listen_unix(&u, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "no/such/dir.sock"));
	struct listen_unix o = {
	    .path = path_in("o.sock"), .backlog = 8, .mode = 0600, .owner = "no-such-user-xyz"};
	ck_assert_int_eq(listen_unix(&o, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "chown: unknown user or group 'no-such-user-xyz'");
	ck_assert_int_ne(access(path_in("o.sock"), F_OK), 0);
}
END_TEST

START_TEST(test_owner)
{
	uid_t uid;
	gid_t gid;
	ck_assert_int_eq(listen_owner("root", &uid, &gid), 0);
	ck_assert_int_eq(uid, 0);
	ck_assert_int_eq(gid, 0);
	ck_assert_int_eq(listen_owner("0:0", &uid, &gid), 0);
	ck_assert_int_eq(uid, 0);
	ck_assert_int_eq(listen_owner("root:no-such-group-xyz", &uid, &gid), -ENOENT);
	ck_assert_int_eq(listen_owner("no-such-user-xyz", &uid, &gid), -ENOENT);
	ck_assert_int_eq(listen_owner("", &uid, &gid), -ENOENT);
}
END_TEST

START_TEST(test_inet)
{
	char err[512];
	bool lo = false;
	int fd = listen_inet("127.0.0.1", 0, 8, false, true, &lo, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert(lo);
	ck_assert(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	int port = ntohs(sa.sin_port);
	/* the port is taken now */
	int r = listen_inet("127.0.0.1", port, 8, true, true, NULL, err, sizeof(err));
	ck_assert_int_eq(r, -EADDRINUSE);
	char want[128];
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%d: Address already in use", port);
	ck_assert_str_eq(err, want);
	close(fd);
	ck_assert_int_eq(
	    listen_inet("no-such-host.invalid", 1, 8, false, true, NULL, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "cannot resolve 'no-such-host.invalid'"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("listen");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unix_mode_and_blocking);
	tcase_add_test(tc, test_unix_stale_live_and_file);
	tcase_add_test(tc, test_unix_errors_name_the_path);
	tcase_add_test(tc, test_unix_lock);
	tcase_add_test(tc, test_unix_born_private);
	tcase_add_test(tc, test_owner);
	tcase_add_test(tc, test_inet);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
