/* Unit tests for http_reconfigure and http_restore (http.c): a reload of
 * the listeners is all or nothing, keeps what is at the same address, and
 * brings back a deleted socket file. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_fixture.h"

static ino_t ino_of(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

static void request_ok(void)
{
	struct job j = {.fn = client_request};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 200);
	ctl_resp_free(&j.resp);
}

/* A loopback TCP socket that listens on a free port: "another program". */
static int blocker(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	socklen_t len = sizeof(sa);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A connection kept across a reload takes its place in the budget with
 * it: when it ends, the count of the listener it now belongs to goes back
 * to 0, not below (an unsigned count that wrapped refused every client). */
START_TEST(test_kept_connection_moves_its_budget)
{
	start_server();
	int fd = raw_connect();
	request_ok(); /* the loop runs: fd's connection is accepted too */
	char err[512];
	ck_assert_int_eq(http_reconfigure(H, &C, err, sizeof(err)), 0);
	close(fd);
	request_ok(); /* the loop sees fd's end */
	http_set_max_connections(H, 2);
	request_ok();
	request_ok();
}
END_TEST

START_TEST(test_same_config_keeps_the_socket)
{
	start_server();
	ino_t ino = ino_of(sock);
	char err[512];
	ck_assert_int_eq(http_reconfigure(H, &C, err, sizeof(err)), 0);
	ck_assert_int_eq(ino_of(sock), ino);
	ck_assert_uint_eq(http_listeners(H), 1);
	request_ok();
	/* a new mode is applied in place */
	S.chmod = 0750;
	ck_assert_int_eq(http_reconfigure(H, &C, err, sizeof(err)), 0);
	struct stat st;
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert_int_eq(st.st_ino, ino);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	request_ok();
}
END_TEST

START_TEST(test_port_taken_changes_nothing)
{
	start_server();
	ino_t ino = ino_of(sock);
	int port;
	int b = blocker(&port);
	struct conf_server sv[2] = {S,
				    {.inet = true,
				     .section = "inet_http_server",
				     .host = "127.0.0.1",
				     .port = port,
				     .username = "u",
				     .password = "p"}};
	struct conf c2 = {.servers = sv, .nservers = 2};
	char err[512];
	ck_assert_int_eq(http_reconfigure(H, &c2, err, sizeof(err)), -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err, "inet_http_server"));
	ck_assert_uint_eq(http_listeners(H), 1);
	ck_assert_int_eq(ino_of(sock), ino);
	request_ok();
	/* the port free again: the same config applies */
	close(b);
	ck_assert_msg(http_reconfigure(H, &c2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(http_listeners(H), 2);
	ck_assert_int_eq(ino_of(sock), ino);
	request_ok();
}
END_TEST

START_TEST(test_restore_brings_back_the_file)
{
	start_server();
	ck_assert_int_eq(unlink(sock), 0);
	char err[512];
	ck_assert_msg(http_restore(H, err, sizeof(err)) == 0, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	request_ok();
	/* nothing to do when the file is there */
	ino_t ino = st.st_ino;
	ck_assert_int_eq(http_restore(H, err, sizeof(err)), 0);
	ck_assert_int_eq(ino_of(sock), ino);
}
END_TEST

START_TEST(test_dropped_listener_closes)
{
	start_server();
	struct conf none = {0};
	char err[512];
	ck_assert_int_eq(http_reconfigure(H, &none, err, sizeof(err)), 0);
	ck_assert_uint_eq(http_listeners(H), 0);
	ck_assert_int_eq(access(sock, F_OK), -1); /* our socket file is gone */
	/* and back */
	ck_assert_int_eq(http_reconfigure(H, &C, err, sizeof(err)), 0);
	request_ok();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_reload");
	TCase *tc = tcase_create("reconfigure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_kept_connection_moves_its_budget);
	tcase_add_test(tc, test_same_config_keeps_the_socket);
	tcase_add_test(tc, test_port_taken_changes_nothing);
	tcase_add_test(tc, test_restore_brings_back_the_file);
	tcase_add_test(tc, test_dropped_listener_closes);
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
