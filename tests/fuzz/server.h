/* Shared by the control-plane fuzz targets (fuzz_http_api, fuzz_xmlrpc):
 * supd's HTTP server with the API behind it, over a small process table
 * whose commands do not exist (a start fails at once with NO_FILE, nothing
 * is ever spawned), listening on a unix socket in a private directory. */
#ifndef SUPD_FUZZ_SERVER_H
#define SUPD_FUZZ_SERVER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "proc.h"

static char dir[128], sock[200];
static struct loop *L;
static struct procs *P;
static struct conf *C;
static struct api *A;
static struct http *H;

static struct procs *op_procs(void *arg)
{
	return P;
}

static const struct conf *op_conf(void *arg)
{
	return C;
}

static void cleanup(void)
{
	http_free(H);
	api_free(A);
	unlink(sock);
	char path[300];
	snprintf(path, sizeof(path), "%s/supd.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* Writes the config into a new private directory (its name from tag),
 * loads it and starts the server; cleaned up at exit. */
static void fuzz_server_start(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/supd-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(dir))
		abort();
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	char path[300];
	snprintf(path, sizeof(path), "%s/supd.conf", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f,
		"[supervisord]\nchildlogdir=%s\n"
		"[unix_http_server]\nfile=%s\n"
		"[program:a]\ncommand=/nonexistent/a\nautostart=false\n"
		"stdout_logfile=NONE\nstderr_logfile=NONE\n"
		"[program:w]\ncommand=/nonexistent/w\nnumprocs=2\nautostart=false\n"
		"process_name=%%(program_name)s_%%(process_num)d\n"
		"stdout_logfile=NONE\nstderr_logfile=NONE\n"
		"[group:g]\nprograms=w\n",
		dir, sock);
	fclose(f);
	log_set_level(LL_CRIT + 1); /* quiet: "control: POST ..." for every input */
	struct conf_load_opts lo = {.path = path};
	struct diags d;
	diags_init(&d);
	if (conf_load(&lo, &C, &d) < 0) {
		diags_print(&d, stderr);
		abort();
	}
	diags_free(&d);
	struct conf_ref *ref = conf_ref_new(C);
	struct procs_env env = {.supd = &C->supd};
	if (!ref || loop_new(&L) < 0)
		abort();
	env.loop = L;
	if (procs_new(&P, &env) < 0)
		abort();
	for (size_t i = 0; i < C->nprocs; i++)
		if (procs_add(P, &C->procs[i], ref, C->procs[i].priority, NULL) < 0)
			abort();
	conf_ref_put(ref); /* the processes hold it */
	struct ops_daemon ops = {.procs = op_procs, .conf = op_conf};
	if (api_new(&A, L, &ops) < 0)
		abort();
	char err[512];
	if (http_new(&H, L, C, &api_http_handlers, A, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	atexit(cleanup);
}

/* Reads whatever the server sent into got; returns false once it closed. */
static bool fuzz_drain(int fd, void (*got)(const char *, size_t))
{
	char buf[65536];
	for (;;) {
		ssize_t k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (k > 0) {
			got(buf, (size_t)k);
			continue;
		}
		return !(k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR));
	}
}

/* Sends req on a new connection, as fast as the socket takes it, while the
 * loop runs and what comes back goes to got; then hangs up, and the server
 * must free the connection within a few turns. */
static void fuzz_server_exchange(const void *req, size_t len, void (*got)(const char *, size_t))
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	size_t off = 0;
	bool open = true;
	for (int i = 0; i < 200 && open; i++) {
		if (off < len) {
			ssize_t w = send(fd, (const char *)req + off, len - off,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				break;
		}
		loop_run_once(L, 0);
		open = fuzz_drain(fd, got);
		if (off == len && i > 4 && http_connections(H) <= 1)
			break; /* sent all; the server answered or waits for more */
	}
	close(fd);
	for (int i = 0; i < 1000 && http_connections(H) > 0; i++)
		loop_run_once(L, 1);
	if (http_connections(H) > 0) {
		fprintf(stderr, "a connection outlived its client\n");
		abort();
	}
}

#endif
