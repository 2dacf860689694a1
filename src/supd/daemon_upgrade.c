/* Upgrade in place (doc/upgrade.md): supd execs itself, or a new binary,
 * in the same process, so that it stays the parent of every program.
 * The old image checks the new one first (a probe run of it reads a copy
 * of the state document), then hands over its listeners, pipes and
 * process table (upgrade.h) and execs; the new image adopts them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "daemon_int.h"
#include "events.h"
#include "fcgi.h"
#include "http.h"
#include "log.h"
#include "output.h"
#include "proc.h"
#include "upgrade.h"

/* How long the probe of the new binary may take (it loads the config). */
#define PROBE_MS 10000
/* How long answers already queued on control connections may take to go
 * out before the exec closes them. */
#define FLUSH_MS 20
/* fds a message carries (the kernel's SCM_MAX_FD) */
#define FDS_PER_MSG 253

/* Milliseconds from a to b, for the timing lines. */
static double ms(int64_t a, int64_t b)
{
	return a && b ? (double)(b - a) / 1000.0 : -1.0;
}

/* ---------------------------------------------------------------- the old image */

static int set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return -errno;
	fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl) < 0 ? -errno : 0;
}

/* What the process table and the listeners hold, as a document.  The
 * strings are copies (upg_state_free frees them). */
static int gather(struct daemon *d, struct upg_state *s, bool log_fds)
{
	s->generation = d->upgrades + 1;
	s->prev_version = strdup(PACKAGE_VERSION);
	if (!s->prev_version)
		return -ENOMEM;
	if (d->http) {
		size_t n = http_export(d->http, NULL, 0);
		struct http_inherited *v = calloc(n + 1, sizeof(*v));
		s->ls = calloc(n + 1, sizeof(*s->ls));
		if (!v || !s->ls) {
			free(v);
			return -ENOMEM;
		}
		http_export(d->http, v, n);
		for (size_t i = 0; i < n; i++) {
			struct upg_listener *l = &s->ls[s->nls++];
			*l = (struct upg_listener){
			    .fd = v[i].fd,
			    .lock_fd = v[i].lock_fd,
			    .is_unix = v[i].is_unix,
			    .activated = v[i].activated,
			    .path = v[i].path ? strdup(v[i].path) : NULL,
			    .host = v[i].host ? strdup(v[i].host) : NULL,
			    .port = v[i].port,
			    .dev = (uint64_t)v[i].dev,
			    .ino = (uint64_t)v[i].ino,
			};
			if ((v[i].path && !l->path) || (v[i].host && !l->host)) {
				free(v);
				return -ENOMEM;
			}
		}
		free(v);
	}
	size_t n = procs_count(d->procs);
	struct proc *const *pv = procs_ordered(d->procs);
	s->procs = calloc(n + 1, sizeof(*s->procs));
	if (!s->procs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct proc *p = pv[i];
		struct upg_proc *u = &s->procs[s->nprocs++];
		*u = (struct upg_proc){
		    .group = strdup(p->conf->group),
		    .name = strdup(p->conf->name),
		    .state = (int)p->state,
		    .pid = (int)p->pid,
		    .last_pid = (int)p->last_pid,
		    .laststart = (int64_t)p->laststart,
		    .laststop = (int64_t)p->laststop,
		    .start_ms = p->start_ms,
		    .deadline_ms = loop_timer_armed(&p->timer) ? p->timer.when_ms : -1,
		    .backoff = p->backoff,
		    .starts = p->starts,
		    .exitstatus = p->exitstatus,
		    .wstatus = p->wstatus,
		    .spawnerr = p->spawnerr ? strdup(p->spawnerr) : NULL,
		    .exec_fd = p->exec_fd,
		    .stdin_fd = p->stdin_fd,
		    .oom_base = p->cg && p->cg->leaf && p->cg->oom_base <= INT64_MAX
				    ? (int64_t)p->cg->oom_base
				    : -1,
		    .log_fd = {-1, -1},
		};
		if (!u->group || !u->name || (p->spawnerr && !u->spawnerr))
			return -ENOMEM;
		if (!p->out)
			continue;
		u->bytes[0] = output_bytes(p->out, OUTPUT_STDOUT);
		u->bytes[1] = output_bytes(p->out, OUTPUT_STDERR);
		for (int c = 0; c < 2; c++) {
			const char *lp = output_path(p->out, (enum output_channel)c);
			if (lp && !(u->log[c] = strdup(lp)))
				return -ENOMEM;
			/* (v4: the open file too; the new image opens nothing) */
			if (lp && log_fds)
				output_log_state(p->out, (enum output_channel)c, &u->log_fd[c],
						 &u->log_size[c], &u->log_dev[c], &u->log_ino[c]);
		}
		int fds[UPG_MAX_PIPES], chs[UPG_MAX_PIPES], sizes[UPG_MAX_PIPES];
		size_t k = output_pipes(p->out, fds, chs, sizes, UPG_MAX_PIPES);
		if (k > UPG_MAX_PIPES)
			return -E2BIG;
		u->pipes = calloc(k + 1, sizeof(*u->pipes));
		if (!u->pipes)
			return -ENOMEM;
		for (size_t j = 0; j < k; j++)
			u->pipes[u->npipes++] =
			    (struct upg_pipe){.fd = fds[j], .ch = chs[j], .size = sizes[j]};
	}
	int r = d->events ? events_export(d->events, s) : 0;
	if (r == 0 && d->fcgi)
		r = fcgi_export(d->fcgi, s);
	return r;
}

/* One message of the fd socket: a byte, and room for FDS_PER_MSG fds. */
struct fds_msg {
	char byte;
	struct iovec io;
	struct msghdr m;
	/* (last: clang takes CMSG_SPACE for a variable size) */
	union {
		char b[CMSG_SPACE(FDS_PER_MSG * sizeof(int))];
		struct cmsghdr align;
	} u;
};

static void fds_msg_init(struct fds_msg *f, size_t ctl_len)
{
	f->byte = 0;
	f->io = (struct iovec){.iov_base = &f->byte, .iov_len = 1};
	f->m = (struct msghdr){
	    .msg_iov = &f->io, .msg_iovlen = 1, .msg_control = f->u.b, .msg_controllen = ctl_len};
}

/* Every fd s names, in upg_fds' order, queued in a unix socket for the new
 * image to take (SCM_RIGHTS): about 0.3 us an fd on this host, where
 * clearing close-on-exec one fd at a time costs 1.3 us (doc/upgrade.md).
 * Returns the receiving end, no longer close-on-exec, or 0 when the fds
 * cannot go that way (the caller clears close-on-exec instead). */
static int send_fds(const struct upg_state *s)
{
	size_t n = upg_fds(s, NULL, 0);
	int sv[2];
	int *v = calloc(n + 1, sizeof(int));
	if (!n || !v || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(v);
		return 0;
	}
	upg_fds(s, v, n);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i += FDS_PER_MSG) {
		size_t k = n - i < FDS_PER_MSG ? n - i : FDS_PER_MSG;
		struct fds_msg f;
		fds_msg_init(&f, CMSG_SPACE(k * sizeof(int)));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&f.m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(k * sizeof(int));
		memcpy(CMSG_DATA(cm), v + i, k * sizeof(int));
		ssize_t w;
		while ((w = sendmsg(sv[0], &f.m, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 &&
		       errno == EINTR)
			;
		ok = w == 1;
	}
	free(v);
	/* (the queue stays readable at sv[1] once sv[0] is closed) */
	close(sv[0]);
	if (!ok || fcntl(sv[1], F_SETFD, 0) < 0) {
		close(sv[1]);
		return 0;
	}
	return sv[1];
}

/* The document in a memfd (close-on-exec), at the lowest version that
 * carries everything (upg_version_needed) up to cap, the highest the new
 * image reads (its probe says), or the one env SUPD_UPGRADE_WRITE_VERSION
 * says (a test hook: an older writer; -EPROTO when that version cannot
 * carry what runs).  From version 4 the fds travel in a socket (send_fds)
 * and the log files with them. */
static int write_doc(struct daemon *d, struct upg_state *s, int cap, int *memfd, off_t *t_exec_off)
{
	const char *wv = getenv("SUPD_UPGRADE_WRITE_VERSION");
	if (wv && atoi(wv) < cap)
		cap = atoi(wv);
	int r = gather(d, s, cap >= 4);
	if (r < 0)
		return r;
	if (cap >= 4)
		s->fd_sock = send_fds(s);
	char *text;
	size_t len;
	int need = upg_version_needed(s), v = wv ? atoi(wv) : need;
	if (v < need && need >= 3) /* (the test hook cannot leave what runs out) */
		return -EPROTO;
	r = upg_format(s, v, &text, &len);
	if (r < 0)
		return r;
	const char *te = memmem(text, len, "\n" UPG_T_EXEC_KEY " ", strlen(UPG_T_EXEC_KEY) + 2);
	if (t_exec_off)
		*t_exec_off = te ? (off_t)(te - text) + (off_t)strlen(UPG_T_EXEC_KEY) + 2 : -1;
	int fd = memfd_create("supd-state", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(text);
		return r;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	free(text);
	if (r < 0) {
		close(fd);
		return r;
	}
	*memfd = fd;
	return 0;
}

/* argv of the image to exec: supd's own, plus extra (NULL: none). */
static char **exec_argv(const struct daemon *d, const char *extra)
{
	size_t n = 0;
	while (d->opts->argv && d->opts->argv[n])
		n++;
	char **v = calloc(n + 3, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = d->opts->argv[i];
	if (!n)
		v[n++] = (char *)"supd";
	if (extra)
		v[n++] = (char *)extra;
	return v;
}

/* The processes of the applied config against those of the file: the new
 * image reads the file, so a program changed there and not applied yet
 * would change under a running process. */
static int same_programs(struct daemon *d, char *err, size_t errlen)
{
	struct conf *nc = NULL;
	char cerr[2048];
	int r = daemon_load_conf(d, &nc, cerr, sizeof(cerr));
	if (r < 0)
		return buf_errf(err, errlen, r, "the config file has errors: %s", cerr);
	const struct conf *c = d->cref->c;
	r = 0;
	if (nc->nprocs != c->nprocs)
		r = buf_errf(err, errlen, -ESTALE,
			     "the config file has %zu programs, the applied config %zu: run "
			     "supctl update (or reload) first",
			     nc->nprocs, c->nprocs);
	for (size_t i = 0; i < c->nprocs && r == 0; i++) {
		const struct conf_process *p = &c->procs[i];
		const struct conf_process *q = conf_find_process(nc, p->group, p->name);
		if (!q || !conf_process_equal(p, q))
			r = buf_errf(err, errlen, -ESTALE,
				     "program '%s' differs in the config file from the applied "
				     "config: run supctl update (or reload) first",
				     p->name);
	}
	conf_free(nc);
	return r;
}

/* The binary to run: PATH, or the file supd was started from (by name:
 * a package upgrade replaces the file, and the new one is meant). */
static int resolve(const char *path, char *out, size_t outlen)
{
	if (path && *path) {
		if (snprintf(out, outlen, "%s", path) >= (int)outlen)
			return -ENAMETOOLONG;
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	static const char del[] = " (deleted)";
	size_t dl = sizeof(del) - 1;
	if ((size_t)n > dl && !strcmp(out + n - dl, del))
		out[n - dl] = 0;
	return 0;
}

/* ---------------------------------------------------------------- the probe */

/* What the probe child prints when the old image's own check refuses. */
#define REFUSED "refused: "

static void probe_finish(struct daemon *d);

static void probe_read_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	(void)events;
	for (;;) {
		size_t room = sizeof(d->probe_out) - 1 - d->probe_len;
		ssize_t r = room ? read(fd, d->probe_out + d->probe_len, room) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r > 0) {
			d->probe_len += (size_t)r;
			continue;
		}
		break; /* EOF, an error, or enough said */
	}
	loop_unwatch_fd(l, fd);
	close(fd);
	d->probe_fd = -1;
	probe_finish(d);
}

static void probe_timeout_cb(struct loop *l, void *arg)
{
	struct daemon *d = arg;
	(void)l;
	d->probe_timed_out = true;
	if (d->probe_pid > 0)
		kill(d->probe_pid, SIGKILL); /* reaped by daemon_reap */
}

/* Starts "path <argv> --upgrade-probe" with a copy of the document, in
 * the background: a binary that cannot exec, exits at once, is not a
 * supd, cannot read this document or this config is caught while the old
 * image still runs and serves.  The forked child first checks, with the
 * old image's memory, that the config file says what is applied (a
 * config load: not in the loop's time).  Returns 0 or a negative errno
 * with why in err. */
static int probe_start(struct daemon *d, const char *path, int memfd, char *err, size_t errlen)
{
	char **argv = exec_argv(d, "--upgrade-probe");
	int pp[2];
	if (!argv || pipe2(pp, O_CLOEXEC) < 0) {
		free(argv);
		return buf_errf(err, errlen, -ENOMEM, "cannot run %s: %s", path, strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		free(argv);
		close(pp[0]);
		close(pp[1]);
		return buf_errf(err, errlen, -e, "cannot run %s: %s", path, strerror(e));
	}
	if (pid == 0) {
		char why[1024];
		if (dup2(pp[1], 1) < 0 || dup2(pp[1], 2) < 0)
			_exit(127);
		log_set_echo(false); /* (the parent's log is not the child's to write) */
		if (same_programs(d, why, sizeof(why)) < 0) {
			dprintf(1, REFUSED "%s", why);
			_exit(3);
		}
		int fd = dup(memfd); /* (dup: not close-on-exec) */
		char num[16];
		snprintf(num, sizeof(num), "%d", fd);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd < 0 || setenv(UPG_ENV, num, 1) < 0)
			_exit(127);
		execv(path, argv);
		dprintf(1, "cannot execute %s: %s", path, strerror(errno));
		_exit(127);
	}
	free(argv);
	close(pp[1]);
	fcntl(pp[0], F_SETFL, O_NONBLOCK);
	d->probe_pid = pid;
	d->probe_fd = pp[0];
	d->probe_len = 0;
	d->probe_exited = false;
	d->probe_timed_out = false;
	if (loop_watch_fd(d->loop, pp[0], EPOLLIN, probe_read_cb, d) < 0) {
		close(pp[0]);
		d->probe_fd = -1;
	}
	loop_timer_init(&d->probe_timer, probe_timeout_cb, d);
	loop_timer_arm(d->loop, &d->probe_timer, loop_now_ms() + PROBE_MS);
	return 0;
}

bool daemon_upgrade_reaped(struct daemon *d, pid_t pid, int st)
{
	if (pid <= 0 || pid != d->probe_pid)
		return false;
	d->probe_pid = 0;
	d->probe_exited = true;
	d->probe_status = st;
	probe_finish(d);
	return true;
}

static void exec_now(struct loop *l, void *arg);
static void exec_failed(struct daemon *d, const char *why);

/* Once the probe has exited and its output ended: on to the exec, or the
 * upgrade is refused (said in supd's log and in /v1/version). */
static void probe_finish(struct daemon *d)
{
	if (!d->probe_exited || d->probe_fd >= 0)
		return;
	loop_timer_cancel(d->loop, &d->probe_timer);
	char *out = d->probe_out;
	size_t n = d->probe_len;
	out[n] = 0;
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
	char why[1400];
	int st = d->probe_status;
	if (d->probe_timed_out) {
		snprintf(why, sizeof(why), "%s --upgrade-probe did not answer within %d s",
			 d->upgrade_path, PROBE_MS / 1000);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 3 &&
		   !strncmp(out, REFUSED, strlen(REFUSED))) {
		snprintf(why, sizeof(why), "%s", out + strlen(REFUSED));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || strncmp(out, "ok ", 3) != 0) {
		char how[96];
		proc_exit_text(st, how, sizeof(how));
		snprintf(why, sizeof(why), "%s --upgrade-probe failed (%s)%s%.1024s",
			 d->upgrade_path, how, n ? ": " : "", out);
	} else {
		char *doc = strstr(out + 3, " doc ");
		d->upgrade_doc = 3;
		if (doc) {
			int dv = atoi(doc + 5);
			*doc = 0;
			d->upgrade_doc = dv > UPG_VERSION ? UPG_VERSION : dv < 3 ? 3 : dv;
		}
		log_info("upgrading in place to %s (version %.100s), generation %u",
			 d->upgrade_path, out + 3, d->upgrades + 1);
		/* No new client until the new image listens. */
		if (d->http)
			http_pause(d->http, true);
		loop_timer_init(&d->upgrade_timer, exec_now, d);
		loop_timer_arm(d->loop, &d->upgrade_timer, loop_now_ms());
		return;
	}
	exec_failed(d, why);
}

int daemon_upgrade_begin(struct daemon *d, const char *path, unsigned *gen, char *err,
			 size_t errlen)
{
	char exe[PATH_MAX];
	if (d->phase != PH_RUNNING)
		return buf_errf(err, errlen, -ESHUTDOWN, "supd is shutting down");
	if (d->upgrade_path)
		return buf_errf(err, errlen, -EALREADY, "an upgrade is already under way");
	int r = resolve(path, exe, sizeof(exe));
	if (r < 0)
		return buf_errf(err, errlen, r, "the binary to run: %s", strerror(-r));
	if (exe[0] != '/')
		return buf_errf(err, errlen, -EINVAL, "%s: not an absolute path", exe);
	struct stat st;
	if (stat(exe, &st) < 0 || access(exe, X_OK) < 0)
		return buf_errf(err, errlen, -errno, "%s: %s", exe, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return buf_errf(err, errlen, -EACCES, "%s: not a regular file", exe);
	struct upg_state s = {0};
	int memfd = -1;
	/* (the probe's copy: a version any supd since 3 reads, no fds) */
	r = write_doc(d, &s, 3, &memfd, NULL);
	upg_state_free(&s);
	if (r < 0)
		return buf_errf(err, errlen, r, "writing the state document: %s", strerror(-r));
	d->upgrade_path = strdup(exe);
	if (!d->upgrade_path) {
		close(memfd);
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	}
	r = probe_start(d, exe, memfd, err, errlen);
	close(memfd);
	if (r < 0) {
		free(d->upgrade_path);
		d->upgrade_path = NULL;
		return r;
	}
	free(d->upgrade_error);
	d->upgrade_error = NULL;
	log_info("upgrade in place to %s: checking it (%s --upgrade-probe)", exe, exe);
	if (gen)
		*gen = d->upgrades + 1;
	return 0;
}

/* The exec failed: everything as it was. */
static void exec_failed(struct daemon *d, const char *why)
{
	log_error("upgrade to %s failed: %s; supd carries on", d->upgrade_path, why);
	free(d->upgrade_error);
	d->upgrade_error = strdup(why);
	free(d->upgrade_path);
	d->upgrade_path = NULL;
	if (d->http)
		http_pause(d->http, false);
}

static void exec_now(struct loop *l, void *arg)
{
	struct daemon *d = arg;
	(void)l;
	char why[512];
	if (d->phase != PH_RUNNING) {
		exec_failed(d, "supd is shutting down");
		return;
	}
	int64_t t0 = loop_now_us();
	size_t n = procs_count(d->procs);
	struct proc *const *v = procs_ordered(d->procs);
	/* Bytes in the pipes stay there for the new image; bytes supd holds
	 * (partial lines for forwarding and syslog) go out now. */
	for (size_t i = 0; i < n; i++)
		if (v[i]->out)
			output_flush_held(v[i]->out);
	procs_settle_execs(d->procs);
	struct upg_state s = {.t0_us = t0};
	int memfd = -1;
	int64_t t_held = loop_now_us();
	off_t t_exec_off = -1;
	int r = write_doc(d, &s, d->upgrade_doc, &memfd, &t_exec_off);
	if (r < 0) {
		if (s.fd_sock > 0)
			close(s.fd_sock);
		upg_state_free(&s);
		snprintf(why, sizeof(why), "writing the state document: %s", strerror(-r));
		exec_failed(d, why);
		return;
	}
	int64_t t_doc = loop_now_us();
	if (d->http)
		http_flush_all(d->http, FLUSH_MS);
	int64_t t_flush = loop_now_us();
	/* (the fds went into the socket, or each is inherited as it is) */
	size_t nfd = s.fd_sock > 0 ? 0 : upg_fds(&s, NULL, 0);
	int *fds = calloc(nfd + 1, sizeof(int));
	char **argv = exec_argv(d, NULL);
	char num[16];
	snprintf(num, sizeof(num), "%d", memfd);
	if (!fds || !argv || setenv(UPG_ENV, num, 1) < 0 ||
	    (d->notify_socket && setenv("NOTIFY_SOCKET", d->notify_socket, 1) < 0)) {
		free(fds);
		free(argv);
		close(memfd);
		if (s.fd_sock > 0)
			close(s.fd_sock);
		upg_state_free(&s);
		exec_failed(d, "out of memory");
		return;
	}
	/* what the new image's config and table will need, roughly: it
	 * makes that resident in one call (daemon_upgrade_prefault) */
	char heap[24];
	snprintf(heap, sizeof(heap), "%zu", daemon_heap_in_use());
	(void)setenv(UPG_HEAP_ENV, heap, 1);
	upg_fds(&s, fds, nfd);
	fds[nfd++] = memfd;
	size_t nsent = s.fd_sock > 0 ? upg_fds(&s, NULL, 0) : 0;
	/* (all of them are close-on-exec, and that is the only fd flag:
	 * one call each) */
	for (size_t i = 0; i < nfd; i++)
		fcntl(fds[i], F_SETFD, 0);
	log_debug("upgrade timing, old image: held output %.1f ms, document %.1f ms, queued "
		  "answers %.1f ms, %zu fds inherited %.1f ms, %zu sent",
		  ms(t0, t_held), ms(t_held, t_doc), ms(t_doc, t_flush), nfd,
		  ms(t_flush, loop_now_us()), nsent);
	log_info("exec %s (generation %u): %zu processes, %zu listeners handed over",
		 d->upgrade_path, s.generation, s.nprocs, s.nls);
	if (t_exec_off >= 0) {
		char te[24];
		snprintf(te, sizeof(te), "%019" PRId64, loop_now_us());
		(void)!pwrite(memfd, te, 19, t_exec_off);
	}
	execv(d->upgrade_path, argv);
	int e = errno;
	for (size_t i = 0; i < nfd; i++)
		set_cloexec(fds[i], true);
	if (s.fd_sock > 0)
		close(s.fd_sock); /* (and the copies queued in it) */
	unsetenv(UPG_ENV);
	unsetenv(UPG_HEAP_ENV);
	unsetenv("NOTIFY_SOCKET");
	close(memfd);
	free(fds);
	free(argv);
	upg_state_free(&s);
	snprintf(why, sizeof(why), "exec: %s", strerror(e));
	exec_failed(d, why);
}

/* ---------------------------------------------------------------- the new image */

/* The old image's heap, twice (the config's parse needs about as much again
 * while it runs: with 1000 programs, 784 page faults without, 219 with the
 * heap, 96 with twice it), made resident before the config is read. */
void daemon_upgrade_prefault(void)
{
	const char *e = getenv(UPG_HEAP_ENV);
	if (!e)
		return;
	char *end;
	unsigned long long v = strtoull(e, &end, 10);
	bool ok = *e && !*end;
	unsetenv(UPG_HEAP_ENV);
	if (ok)
		daemon_reserve_heap(v > RESERVE_MAX ? RESERVE_MAX : (size_t)v * 2);
}

int daemon_upgrade_read(int fd, struct upg_state **out, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return buf_errf(err, errlen, -errno, "the state document (fd %d): %s", fd,
				strerror(errno));
	if (st.st_size < 0 || (uint64_t)st.st_size > UPG_MAX_DOC)
		return buf_errf(err, errlen, -EFBIG, "the state document is too large");
	size_t len = (size_t)st.st_size;
	char *text = malloc(len + 1);
	struct upg_state *s = calloc(1, sizeof(*s));
	if (!text || !s) {
		free(text);
		free(s);
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, text + got, len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	char why[256];
	int r = upg_parse(text, got, s, why, sizeof(why));
	free(text);
	if (r < 0) {
		upg_state_free(s);
		free(s);
		return buf_errf(err, errlen, r, "the state document: %s", why);
	}
	*out = s;
	return 0;
}

/* The fds the document names are the old image's: each must be open
 * here (else the document lies), and close-on-exec again.  Two calls for
 * any number of them (thousands with as many programs, each call costs
 * while the control socket is silent): every fd above 2 close-on-exec at
 * once (supd opens none otherwise; nothing else is open yet), and one
 * poll(2) that answers POLLNVAL for an fd that is not open. */
static int claim_fds(const struct upg_state *s, char *err, size_t errlen)
{
	size_t n = upg_fds(s, NULL, 0);
	int *v = calloc(n + 1, sizeof(int));
	struct pollfd *pv = calloc(n + 1, sizeof(*pv));
	if (!v || !pv) {
		free(v);
		free(pv);
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	}
	upg_fds(s, v, n);
	bool all = close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i] <= 2)
			r = buf_errf(err, errlen, -EBADF, "the state document names fd %d", v[i]);
		else if (!all && set_cloexec(v[i], true) < 0) /* (a kernel before 5.11) */
			r = buf_errf(err, errlen, -EBADF,
				     "the state document names fd %d, which is not open", v[i]);
		pv[i] = (struct pollfd){.fd = v[i]};
	}
	if (r == 0 && all) {
		int k;
		while ((k = poll(pv, (nfds_t)n, 0)) < 0 && errno == EINTR)
			;
		for (size_t i = 0; i < n && k > 0 && r == 0; i++)
			if (pv[i].revents & POLLNVAL)
				r = buf_errf(err, errlen, -EBADF,
					     "the state document names fd %d, which is not open",
					     v[i]);
		if (k < 0)
			r = buf_errf(err, errlen, -errno, "checking the fds handed over: %s",
				     strerror(errno));
	}
	free(v);
	free(pv);
	return r;
}

/* Version 4: the fds the document names, from the socket the old image
 * queued them in (send_fds), in upg_fds' order; the document is renumbered
 * to them.  They arrive close-on-exec. */
static int receive_fds(struct upg_state *s, char *err, size_t errlen)
{
	size_t n = upg_fds(s, NULL, 0), got = 0;
	int *v = calloc(n + 1, sizeof(int));
	int r = v ? 0 : buf_errf(err, errlen, -ENOMEM, "out of memory");
	while (r == 0 && got < n) {
		struct fds_msg f;
		fds_msg_init(&f, sizeof(f.u.b));
		struct msghdr *m = &f.m;
		ssize_t k = recvmsg(s->fd_sock, m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = buf_errf(err, errlen, k < 0 ? -errno : -EBADF,
				     "the fds handed over: %zu of the %zu the document names%s%s",
				     got, n, k < 0 ? ": " : "", k < 0 ? strerror(errno) : "");
			break;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nf = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			const unsigned char *data = CMSG_DATA(cm);
			for (size_t i = 0; i < nf; i++) {
				int fd;
				memcpy(&fd, data + i * sizeof(int), sizeof(int));
				if (got < n)
					v[got++] = fd;
				else
					close(fd); /* (more than named: not ours) */
			}
		}
		if (r == 0 && (m->msg_flags & MSG_CTRUNC))
			r = buf_errf(err, errlen, -EMFILE,
				     "the fds handed over: some did not arrive (out of fds?)");
	}
	close(s->fd_sock);
	s->fd_sock = 0;
	if (r == 0)
		upg_fds_renumber(s, v, n);
	else
		for (size_t i = 0; i < got; i++)
			close(v[i]);
	free(v);
	return r;
}

int daemon_upgrade_probe(const struct conf *c, int fd)
{
	char err[512];
	if (fd < 0) {
		fprintf(stderr, "--upgrade-probe: no state document (%s unset)\n", UPG_ENV);
		return 2;
	}
	struct upg_state *s = NULL;
	int r = daemon_upgrade_read(fd, &s, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	int rc = 0;
	for (size_t i = 0; i < s->nprocs && !rc; i++) {
		if (!conf_find_process(c, s->procs[i].group, s->procs[i].name)) {
			fprintf(stderr, "program '%s' of the running supd is not in the config\n",
				s->procs[i].name);
			rc = 2;
		}
	}
	upg_state_free(s);
	free(s);
	/* (the highest document version it reads: an older supd says none,
	 * and is given version 3) */
	if (!rc)
		printf("ok %s doc %d\n", PACKAGE_VERSION, UPG_VERSION);
	return rc;
}

int daemon_upgrade_take(struct daemon *d)
{
	char err[512];
	int r = daemon_upgrade_read(d->opts->upgrade_fd, &d->upg, err, sizeof(err));
	close(d->opts->upgrade_fd);
	if (r == 0 && d->upg->fd_sock > 0) {
		/* (nothing else inherited stays open across the next exec) */
		(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		r = receive_fds(d->upg, err, sizeof(err));
	} else if (r == 0) {
		r = claim_fds(d->upg, err, sizeof(err));
	}
	if (r == 0)
		d->upg->t_taken_us = loop_now_us();
	if (r < 0) {
		if (d->upg) {
			upg_state_free(d->upg);
			free(d->upg);
			d->upg = NULL;
		}
		free(d->upgrade_error);
		d->upgrade_error = strdup(err);
		return r;
	}
	d->upgrades = d->upg->generation;
	return 0;
}

static void close_proc_fds(const struct upg_proc *u)
{
	if (u->exec_fd >= 0)
		close(u->exec_fd);
	if (u->stdin_fd >= 0)
		close(u->stdin_fd);
	for (int c = 0; c < 2; c++)
		if (u->log_fd[c] > 2)
			close(u->log_fd[c]);
	for (size_t i = 0; i < u->npipes; i++)
		close(u->pipes[i].fd);
}

void daemon_upgrade_adopt(struct daemon *d)
{
	struct upg_state *s = d->upg;
	int64_t t_table = loop_now_us();
	size_t adopted = 0;
	if (d->fcgi)
		fcgi_import(d->fcgi, s);
	for (size_t i = 0; i < s->nprocs; i++) {
		struct upg_proc *u = &s->procs[i];
		struct proc *p = procs_find(d->procs, u->group, u->name);
		if (!p) {
			log_error("upgrade: program '%s' (pid %d) is not in the config: supd no "
				  "longer watches it",
				  u->name, u->pid);
			close_proc_fds(u);
			continue;
		}
		int r = proc_adopt(p, u);
		if (r == -EINVAL || r == -EALREADY) {
			log_error("upgrade: '%s': state %d cannot be taken over", u->name,
				  u->state);
			close_proc_fds(u);
			continue;
		}
		if (r < 0)
			log_warn("upgrade: the output of '%s': %s", u->name, strerror(-r));
		if (d->fcgi && p->conf->s->kind == CONF_FCGI)
			fcgi_adopted(d->fcgi, p);
		adopted++;
	}
	/* (after the processes: a listener writes to its stdin pipe) */
	if (d->events)
		events_import(d->events, s);
	/* the log files no process handed over (a version 3 document) */
	procs_defer_logs(d->procs, false);
	const struct supd_opts *o = d->opts;
	log_debug("upgrade timing, new image: exec and loader %.1f ms, config %.1f ms, document "
		  "%.1f ms, table %.1f ms, adopting %.1f ms: %.1f ms since the old image began "
		  "the exec",
		  ms(s->t_exec_us, o->upg_main_us), ms(o->upg_main_us, o->upg_conf_us),
		  ms(o->upg_conf_us, s->t_taken_us), ms(s->t_taken_us, t_table),
		  ms(t_table, loop_now_us()), ms(s->t0_us, loop_now_us()));
	log_info("upgraded in place from version %s: %zu processes taken over (generation %u)",
		 s->prev_version ? s->prev_version : "?", adopted, s->generation);
	upg_state_free(s);
	free(s);
	d->upg = NULL;
	/* the prefault's unused pages and the parse's holes back, once the
	 * socket answers again */
	daemon_trim_heap_soon(d);
	/* Children that exited while no image watched: their SIGCHLD may be
	 * pending in the signalfd too, but reaping now costs nothing. */
	daemon_reap(d);
}
