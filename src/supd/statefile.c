/* The state file: what supd runs, for a supd started after it died
 * (statefile.h says the format and why). */
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "spawn.h"
#include "statefile.h"

#define MAGIC	     "supd-state 1\n"
#define LINE_MAX_LEN 1024
/* After SIGKILL, how long a leftover may take to go (a process stuck in
 * the kernel): then it is reported and left. */
#define KILL_GRACE_MS 5000

/* ---------------------------------------------------------------- reading */

/* A decimal number of at most max, ended by a space or the end; *s moves
 * past it and one space. */
static int take_num(const char **s, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (*p == ' ')
		p++;
	else if (*p)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

static int parse_proc(const char *s, struct statefile_entry *e)
{
	uint64_t pid, start, sig, wait, sg, kg;
	if (take_num(&s, INT_MAX, &pid) || !pid || take_num(&s, UINT64_MAX, &start) ||
	    take_num(&s, 64, &sig) || !sig || take_num(&s, INT_MAX, &wait) ||
	    take_num(&s, 1, &sg) || take_num(&s, 1, &kg) || !*s || !strchr(s, ':') ||
	    strchr(s, ' '))
		return -EINVAL;
	e->pid = (pid_t)pid;
	e->start = start;
	e->stopsignal = (int)sig;
	e->stopwaitsecs = (int)wait;
	e->stopasgroup = sg;
	e->killasgroup = kg;
	e->spec = strdup(s);
	return e->spec ? 0 : -ENOMEM;
}

static int parse_line(const char *l, struct statefile_data *d, bool *have_boot, bool *have_supd,
		      bool *have_ns)
{
	uint64_t pid, start;
	if (!strncmp(l, "pidns ", 6) && !*have_ns) {
		const char *s = l + 6;
		if (take_num(&s, UINT64_MAX, &d->pidns) || *s)
			return -EINVAL;
		*have_ns = true;
		return 0;
	}
	if (!strncmp(l, "boot ", 5) && !*have_boot) {
		size_t n = strlen(l + 5);
		if (!n || n >= sizeof(d->boot) || strchr(l + 5, ' '))
			return -EINVAL;
		memcpy(d->boot, l + 5, n + 1);
		*have_boot = true;
		return 0;
	}
	if (!strncmp(l, "supd ", 5) && !*have_supd) {
		const char *s = l + 5;
		if (take_num(&s, INT_MAX, &pid) || !pid || take_num(&s, UINT64_MAX, &start) || *s)
			return -EINVAL;
		d->supd_pid = (pid_t)pid;
		d->supd_start = start;
		*have_supd = true;
		return 0;
	}
	if (strncmp(l, "proc ", 5) != 0)
		return -EINVAL;
	struct statefile_entry *v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->v = v;
	int r = parse_proc(l + 5, &v[d->n]);
	if (r == 0)
		d->n++;
	return r;
}

int statefile_parse(const char *text, size_t len, struct statefile_data *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = "not a supd state file";
	if (len < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) != 0)
		return -EINVAL;
	bool have_boot = false, have_supd = false, have_ns = false;
	char line[LINE_MAX_LEN + 1];
	for (size_t at = sizeof(MAGIC) - 1; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		*why = "a line is cut short";
		if (!nl)
			goto bad;
		*why = "a line is too long";
		if (n > LINE_MAX_LEN)
			goto bad;
		memcpy(line, text + at, n);
		line[n] = '\0';
		*why = "a line holds a NUL";
		if (strlen(line) != n)
			goto bad;
		int r = parse_line(line, out, &have_boot, &have_supd, &have_ns);
		if (r == -ENOMEM) {
			statefile_data_free(out);
			return r;
		}
		*why = "a line is not understood";
		if (r < 0)
			goto bad;
		at += n + 1;
	}
	*why = "the boot, pidns or supd line is missing";
	if (!have_boot || !have_supd || !have_ns)
		goto bad;
	return 0;
bad:
	statefile_data_free(out);
	return -EINVAL;
}

void statefile_data_free(struct statefile_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].spec);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

int statefile_pid_start(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return e == ESRCH ? -ESRCH : -e;
	buf[n] = '\0';
	/* the command name may hold spaces and ')': fields start after the
	 * last ')'; field 3 is the state, 22 the start time */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return -ESRCH;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	*out = v;
	return 0;
}

static void boot_id(char out[STATEFILE_BOOT_LEN])
{
	snprintf(out, STATEFILE_BOOT_LEN, "-");
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[STATEFILE_BOOT_LEN];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0 || memchr(buf, ' ', (size_t)n) || memchr(buf, '\n', (size_t)n))
		return;
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
}

/* The inode of our pid namespace, or 0. */
static uint64_t pid_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

char *statefile_path(const struct conf_supd *s)
{
	const char *base = s->statefile;
	char *own = NULL;
	if (base && !*base)
		return NULL;
	if (!base) {
		if (!s->pidfile || !*s->pidfile)
			return NULL;
		size_t n = strlen(s->pidfile);
		if (n > 4 && !strcmp(s->pidfile + n - 4, ".pid"))
			n -= 4;
		if (asprintf(&own, "%.*s.state", (int)n, s->pidfile) < 0)
			return NULL;
		base = own;
	}
	char *out = NULL;
	char cwd[PATH_MAX];
	if (base[0] == '/')
		out = strdup(base);
	else if (getcwd(cwd, sizeof(cwd)) && asprintf(&out, "%s/%s", cwd, base) < 0)
		out = NULL;
	free(own);
	return out;
}

/* ---------------------------------------------------------------- start-up */

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Sends sig to the leftover through its pidfd (a reused pid cannot be hit
 * between the check and the signal), or to its process group. */
static int send_sig(int pidfd, pid_t pid, bool group, int sig)
{
	if (group && getpgid(pid) == pid)
		return kill(-pid, sig);
#ifdef SYS_pidfd_send_signal
	if (pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#endif
	return kill(pid, sig);
}

struct leftover {
	const struct statefile_entry *e;
	int pidfd; /* -1: the kernel has no pidfds: its start time is checked */
	int stopwaitsecs;
	bool killasgroup;
	int64_t deadline;
	bool killed, done;
};

static bool leftover_gone(const struct leftover *l)
{
	uint64_t st;
	return statefile_pid_start(l->e->pid, &st) < 0 || st != l->e->start;
}

/* Signals one leftover with its stopsignal; false when it is not there
 * (gone, or its pid is another process now). */
static bool leftover_stop(struct leftover *l, const struct conf *c)
{
	const struct statefile_entry *e = l->e;
	l->pidfd = pidfd_open_(e->pid);
	if (l->pidfd < 0 && errno == ESRCH)
		return false;
	uint64_t st;
	if (statefile_pid_start(e->pid, &st) < 0) {
		if (l->pidfd >= 0)
			close(l->pidfd);
		return false;
	}
	if (st != e->start) {
		log_info("pid %d of '%s' (left by a previous supd) is another process now: left "
			 "alone",
			 (int)e->pid, e->spec);
		if (l->pidfd >= 0)
			close(l->pidfd);
		return false;
	}
	int sig = e->stopsignal;
	bool asgroup = e->stopasgroup;
	l->stopwaitsecs = e->stopwaitsecs;
	l->killasgroup = e->killasgroup;
	const char *colon = strchr(e->spec, ':');
	char group[256];
	snprintf(group, sizeof(group), "%.*s", (int)(colon - e->spec), e->spec);
	const struct conf_process *p = conf_find_process(c, group, colon + 1);
	if (p) {
		sig = p->s->stopsignal;
		asgroup = p->s->stopasgroup;
		l->stopwaitsecs = p->s->stopwaitsecs;
		l->killasgroup = p->s->killasgroup;
	}
	char sn[32];
	log_warn("found '%s' (pid %d) left running by a previous supd: stopping it with %s",
		 e->spec, (int)e->pid, spawn_signame(sig, sn, sizeof(sn)));
	if (send_sig(l->pidfd, e->pid, asgroup, sig) < 0 && errno != ESRCH)
		log_warn("signalling '%s' (pid %d): %s", e->spec, (int)e->pid, strerror(errno));
	l->deadline = loop_now_ms() + 1000LL * l->stopwaitsecs;
	return true;
}

/* Past its deadline: SIGKILL, or after KILL_GRACE_MS, given up. */
static void leftover_deadline(struct leftover *l)
{
	const struct statefile_entry *e = l->e;
	if (!l->killed) {
		log_warn("'%s' (pid %d) left by a previous supd still runs after %ds: killing it "
			 "with SIGKILL",
			 e->spec, (int)e->pid, l->stopwaitsecs);
		send_sig(l->pidfd, e->pid, l->killasgroup, SIGKILL);
		l->killed = true;
		l->deadline = loop_now_ms() + KILL_GRACE_MS;
	} else {
		log_warn("'%s' (pid %d) left by a previous supd survives SIGKILL: left as it is",
			 e->spec, (int)e->pid);
		l->done = true;
	}
}

/* Waits until each leftover is gone, or past its deadlines.  With pidfds
 * the wait sleeps in poll until one exits; without them (kernels before
 * 5.3) it looks again every 50 ms. */
static size_t leftovers_wait(struct leftover *v, size_t n)
{
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	size_t stopped = 0;
	for (;;) {
		int64_t now = loop_now_ms(), next = INT64_MAX;
		size_t np = 0;
		bool any = false, polling = false;
		for (size_t i = 0; i < n; i++) {
			struct leftover *l = &v[i];
			if (l->done)
				continue;
			if ((l->pidfd < 0 || !pfd) && leftover_gone(l)) {
				l->done = true;
			} else if (now >= l->deadline) {
				leftover_deadline(l);
			}
			if (l->done) {
				if (!l->killed || leftover_gone(l)) {
					log_info("stopped '%s' (pid %d), left by a previous supd",
						 l->e->spec, (int)l->e->pid);
					stopped++;
				}
				continue;
			}
			any = true;
			if (l->deadline < next)
				next = l->deadline;
			if (l->pidfd >= 0 && pfd) {
				pfd[np] = (struct pollfd){.fd = l->pidfd, .events = POLLIN};
				idx[np++] = i;
			} else {
				polling = true;
			}
		}
		if (!any)
			break;
		int64_t wait = next - now;
		if (polling && wait > 50)
			wait = 50;
		if (wait < 0)
			wait = 0;
		int r = poll(pfd, np, (int)(wait > INT_MAX ? INT_MAX : wait));
		for (size_t k = 0; r > 0 && k < np; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct leftover *l = &v[idx[k]];
			l->done = true;
			log_info("stopped '%s' (pid %d), left by a previous supd", l->e->spec,
				 (int)l->e->pid);
			stopped++;
		}
	}
	free(pfd);
	free(idx);
	return stopped;
}

static void stop_leftovers(const char *path, const struct statefile_data *sd, const struct conf *c)
{
	struct leftover *v = calloc(sd->n ? sd->n : 1, sizeof(*v));
	if (!v) {
		log_error("out of memory: the processes in %s are not stopped", path);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < sd->n; i++) {
		v[n] = (struct leftover){.e = &sd->v[i], .pidfd = -1};
		if (leftover_stop(&v[n], c))
			n++;
	}
	size_t stopped = leftovers_wait(v, n);
	for (size_t i = 0; i < n; i++)
		if (v[i].pidfd >= 0)
			close(v[i].pidfd);
	free(v);
	if (n)
		log_warn("stopped %zu of %zu processes left running by a previous supd (pid %d; "
			 "state file %s)",
			 stopped, n, (int)sd->supd_pid, path);
	else
		log_info("state file %s: nothing left running by the previous supd (pid %d)", path,
			 (int)sd->supd_pid);
}

void statefile_recover(const char *path, const struct conf *c)
{
	char *text = NULL;
	size_t len = 0;
	int r = buf_read_file(path, &text, &len);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warn("could not read the state file %s: %s", path, strerror(-r));
		return;
	}
	struct statefile_data sd;
	const char *why = "";
	r = statefile_parse(text, len, &sd, &why);
	free(text);
	if (r < 0) {
		log_warn("state file %s is damaged (%s): ignored", path,
			 r == -ENOMEM ? strerror(ENOMEM) : why);
		return;
	}
	char boot[STATEFILE_BOOT_LEN];
	boot_id(boot);
	uint64_t self = 0, other = 0;
	statefile_pid_start(getpid(), &self);
	uint64_t ns = pid_ns();
	if (strcmp(boot, "-") && strcmp(sd.boot, "-") && strcmp(boot, sd.boot)) {
		log_info("state file %s is from an earlier boot: nothing of it runs", path);
	} else if (ns && sd.pidns && ns != sd.pidns) {
		log_warn("state file %s was written in another pid namespace: its pids are not "
			 "this supd's to stop; ignored",
			 path);
	} else if (sd.supd_pid == getpid() && sd.supd_start == self) {
		/* exec of itself (an upgrade in place): the processes are
		 * this supd's own children, still running */
		log_info("state file %s is this supd's own (pid %d, exec'd again): its %zu "
			 "processes are not stopped",
			 path, (int)sd.supd_pid, sd.n);
	} else if (sd.supd_pid != getpid() && statefile_pid_start(sd.supd_pid, &other) == 0 &&
		   other == sd.supd_start) {
		log_warn("the supd that keeps %s (pid %d) still runs: its processes are left "
			 "alone; give each supd a statefile of its own",
			 path, (int)sd.supd_pid);
	} else {
		stop_leftovers(path, &sd, c);
	}
	statefile_data_free(&sd);
}

/* ---------------------------------------------------------------- writing */

/* Decimal digits of v, written backwards from end; returns the first. */
static char *put_dec(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* v in decimal (after '-' when neg), then the byte after. */
static void put_num(struct buf *b, uint64_t v, bool neg, char after)
{
	char t[24], *e = t + sizeof(t);
	*--e = after;
	char *s = put_dec(e, v);
	if (neg)
		*--s = '-';
	buf_add(b, s, (size_t)(t + sizeof(t) - s));
}

static void put_int(struct buf *b, int v, char after)
{
	put_num(b, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, after);
}

static int write_file(struct statefile *sf)
{
	struct buf b = {0};
	buf_putf(&b, MAGIC "boot %s\npidns %" PRIu64 "\nsupd %d %" PRIu64 "\n", sf->boot, sf->pidns,
		 (int)getpid(), sf->self_start);
	struct proc *const *v = procs_ordered(sf->procs);
	size_t n = procs_count(sf->procs);
	for (size_t i = 0; i < n; i++) {
		struct proc *p = v[i];
		/* the pid is ours and not reaped yet (p->pid is cleared when it
		 * is): /proc/PID is that child; read once per spawn */
		if (p->pid <= 0 ||
		    (!p->pid_start && statefile_pid_start(p->pid, &p->pid_start) < 0))
			continue;
		const struct conf_process *c = p->conf;
		/* "proc PID START SIG WAIT ASGROUP KILLASGROUP GROUP:NAME", put
		 * together by hand: printf's parsing of the format was most of
		 * a write of 10,000, and a reload that restarts one program
		 * writes it twice */
		buf_add(&b, "proc ", 5);
		put_int(&b, p->pid, ' ');
		put_num(&b, p->pid_start, false, ' ');
		put_int(&b, c->s->stopsignal, ' ');
		put_int(&b, c->s->stopwaitsecs, ' ');
		put_int(&b, c->s->stopasgroup, ' ');
		put_int(&b, c->s->killasgroup, ' ');
		buf_add(&b, c->group, strlen(c->group));
		buf_add(&b, ":", 1);
		buf_add(&b, c->name, strlen(c->name));
		buf_add(&b, "\n", 1);
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	char tmp[PATH_MAX];
	int r = 0;
	/* named by our pid: two supds given the same file (a mistake, said
	 * at start) still each replace it whole */
	if (snprintf(tmp, sizeof(tmp), "%s.%d.new", sf->path, (int)getpid()) >= (int)sizeof(tmp)) {
		free(b.p);
		return -ENAMETOOLONG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(b.p);
		return -errno;
	}
	for (size_t at = 0; at < b.len && !r;) {
		ssize_t w = write(fd, b.p + at, b.len - at);
		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			at += (size_t)w;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, sf->path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	free(b.p);
	return r;
}

static void write_cb(struct loop *l, void *arg)
{
	struct statefile *sf = arg;
	(void)l;
	int r = write_file(sf);
	if (r < 0 && !sf->failing)
		log_warn("could not write the state file %s: %s (a supd started after this one "
			 "dies may run second copies of the programs)",
			 sf->path, strerror(-r));
	else if (r == 0 && sf->failing)
		log_info("state file %s written again", sf->path);
	sf->failing = r < 0;
}

/* A pid came or went: one write at the end of this loop turn, whatever
 * the number of processes that changed in it. */
static void changed_cb(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct statefile *sf = arg;
	(void)from;
	if (to == PROC_STARTING)
		p->pid_start = 0; /* a new pid: its start time is read at the write */
	if (to == PROC_RUNNING || to == PROC_STOPPING)
		return;
	if (!loop_timer_armed(&sf->timer))
		loop_timer_arm(sf->loop, &sf->timer, loop_now_ms());
}

int statefile_open(struct statefile *sf, char *path, struct loop *loop, struct procs *procs)
{
	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	sf->loop = loop;
	sf->procs = procs;
	boot_id(sf->boot);
	sf->pidns = pid_ns();
	statefile_pid_start(getpid(), &sf->self_start);
	loop_timer_init(&sf->timer, write_cb, sf);
	int r = write_file(sf);
	if (r < 0)
		return r;
	sf->hook = (struct proc_hook){.cb = changed_cb, .arg = sf};
	procs_add_hook(procs, &sf->hook);
	return 0;
}

void statefile_close(struct statefile *sf, bool remove)
{
	if (!sf->path)
		return;
	loop_timer_cancel(sf->loop, &sf->timer);
	if (sf->hook.cb)
		procs_remove_hook(sf->procs, &sf->hook);
	if (remove)
		unlink(sf->path);
	free(sf->path);
	sf->path = NULL;
}
