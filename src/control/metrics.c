/* Prometheus metrics (metrics.h, doc/metrics.md).  The exposition is
 * written as text directly, one pass over the process table; the per
 * process labels are escaped once per process. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "metrics.h"
#include "output.h"

/* One (route, code) counter. */
struct req_count {
	char route[48];
	unsigned code;
	uint64_t n;
};

struct metrics {
	struct req_count *v;
	size_t n, cap;
	long ticks, pagesize;
	double btime; /* boot time, wall clock seconds */
	int procfd;   /* /proc, or -1 */
};

/* ---------------------------------------------------------------- requests */

/* Known first segments after /v1/processes/{name}/; others are "{other}". */
static const char *const proc_actions[] = {"start", "stop", "restart", "signal", "stdin", "log"};

const char *metrics_route(const char *path, char *buf, size_t len)
{
	static const char *const fixed[] = {
	    "/metrics", "/v1/events",	"/v1/version", "/v1/processes", "/v1/config",
	    "/v1/log",	"/v1/shutdown", "/v1/reload",  "/v1/reread",	"/v1/reopen",
	    "/",	"/index.html",	"/tail.html",  "/mainlogtail",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(path, fixed[i]))
			return fixed[i];
	if (!strncmp(path, "/RPC2", 5))
		return "/RPC2";
	if (!strncmp(path, "/logtail/", 9))
		return "/logtail/{name}";
	if (!strncmp(path, "/v1/groups/", 11) && path[11] && !strchr(path + 11, '/'))
		return "/v1/groups/{name}";
	if (!strncmp(path, "/v1/processes/", 14) && path[14]) {
		const char *slash = strchr(path + 14, '/');
		if (!slash)
			return "/v1/processes/{name}";
		const char *rest = slash + 1;
		for (size_t i = 0; i < sizeof(proc_actions) / sizeof(proc_actions[0]); i++) {
			size_t k = strlen(proc_actions[i]);
			if (!strncmp(rest, proc_actions[i], k) &&
			    (!rest[k] ||
			     (i == 5 && rest[k] == '/' && !strchr(rest + k + 1, '/')))) {
				snprintf(buf, len, "/v1/processes/{name}/%s%s", proc_actions[i],
					 rest[k] ? "/{stream}" : "");
				return buf;
			}
		}
	}
	return "other";
}

void metrics_count(struct metrics *m, const char *path, unsigned status)
{
	char buf[64];
	const char *route = metrics_route(path, buf, sizeof(buf));
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].code == status && !strcmp(m->v[i].route, route)) {
			m->v[i].n++;
			return;
		}
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct req_count *nv = realloc(m->v, nc * sizeof(*nv));
		if (!nv)
			return; /* a count lost rather than an answer */
		m->v = nv;
		m->cap = nc;
	}
	struct req_count *c = &m->v[m->n++];
	snprintf(c->route, sizeof(c->route), "%s", route);
	c->code = status;
	c->n = 1;
}

/* ---------------------------------------------------------------- /proc */

int metrics_parse_stat(const char *line, long ticks, long pagesize, struct metrics_pstat *out)
{
	/* The command may hold spaces and parentheses: the fields resume
	 * after the last ')', with the state (field 3). */
	const char *p = strrchr(line, ')');
	if (!p || ticks <= 0 || pagesize <= 0)
		return -EINVAL;
	p += strspn(p + 1, " ") + 1;
	if (!*p)
		return -EINVAL;
	p++;
	long long f[25] = {0}; /* f[k]: field k of proc(5) */
	for (int k = 4; k <= 24; k++) {
		char *end;
		f[k] = strtoll(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	out->cpu_ticks = (uint64_t)(f[14] + f[15]); /* utime + stime */
	out->cpu_s = (double)out->cpu_ticks / (double)ticks;
	out->threads = (long)f[20];
	out->start_s = (double)f[22] / (double)ticks;
	out->rss = f[24] > 0 ? (uint64_t)f[24] * (uint64_t)pagesize : 0;
	return 0;
}

static int read_stat(pid_t pid, const struct metrics *m, struct metrics_pstat *st)
{
	char path[64], buf[1024];
	if (pid)
		snprintf(path, sizeof(path), "%ld/stat", (long)pid);
	else
		snprintf(path, sizeof(path), "self/stat");
	/* Relative to /proc: one path component less to walk per process. */
	int fd = m->procfd >= 0 ? openat(m->procfd, path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return metrics_parse_stat(buf, m->ticks, m->pagesize, st);
}

static long open_fds(void)
{
	/* Since Linux 6.2 the directory's size is the count: one stat
	 * instead of a readdir that builds an entry for each of (with 1000
	 * programs) some 3000 pipes. */
	struct stat st;
	if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
		return (long)st.st_size;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	char line[256];
	double bt = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "btime ", 6)) {
			bt = strtod(line + 6, NULL);
			break;
		}
	fclose(f);
	return bt;
}

/* ---------------------------------------------------------------- text */

static void put(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* A label value: \, " and newline escaped; other bytes as they are (the
 * format is UTF-8, and a name that is not is the config's business). */
static void label_value(struct buf *b, const char *s)
{
	for (const char *run = s;; s++) {
		if (*s && *s != '\\' && *s != '"' && *s != '\n')
			continue;
		buf_put(b, run, (size_t)(s - run));
		if (!*s)
			return;
		buf_put(b, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n", 2);
		run = s + 1;
	}
}

static void pool_counters(const char *pool, const struct events_pool_stats *s, void *arg)
{
	struct buf *b = arg;
	const struct {
		const char *name;
		uint64_t v;
	} outcomes[] = {{"buffered", s->buffered},
			{"dispatched", s->dispatched},
			{"processed", s->processed},
			{"rejected", s->rejected},
			{"dropped", s->dropped}};
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		put(b, "supd_eventlistener_events_total{pool=\"");
		label_value(b, pool);
		buf_putf(b, "\",outcome=\"%s\"} %llu\n", outcomes[i].name,
			 (unsigned long long)outcomes[i].v);
	}
}

static void pool_queued(const char *pool, const struct events_pool_stats *s, void *arg)
{
	struct buf *b = arg;
	put(b, "supd_eventlistener_queued_events{pool=\"");
	label_value(b, pool);
	buf_putf(b, "\"} %zu\n", s->queued);
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_putf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The per-process families, in the order written. */
enum pm {
	PM_STATE,
	PM_START,
	PM_UPTIME,
	PM_RESTARTS,
	PM_EXIT,
	PM_PID,
	PM_LOG,
	PM_LOG_DROPPED,
	PM_CPU,
	PM_MEM,
	PM_PEAK,
	PM_NPROCS,
	PM_OOM,
	PM_RSS,
	PM_THREADS,
	PM_N
};

static const struct {
	const char *name, *type, *help;
} pm_meta[PM_N] = {
    {"supd_process_state", "gauge",
     "supervisord's state code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING, 100 "
     "EXITED, 200 FATAL, 1000 UNKNOWN)"},
    {"supd_process_start_time_seconds", "gauge",
     "When the process was last started, seconds since the epoch (0: never)"},
    {"supd_process_uptime_seconds", "gauge", "Seconds the process has been RUNNING (0 otherwise)"},
    {"supd_process_restarts_total", "counter",
     "Starts after the first one since supd loaded the program (automatic or requested)"},
    {"supd_process_last_exit_status", "gauge",
     "The last run's exit status as a shell gives it (128+N: killed by signal N)"},
    {"supd_process_pid", "gauge", "The main pid (0: none)"},
    {"supd_process_log_bytes_total", "counter",
     "Bytes read from the process's stdout/stderr since supd loaded the program"},
    {"supd_process_log_dropped_bytes_total", "counter",
     "Bytes of stdout/stderr the log file could not take (write errors, disk full) since supd "
     "loaded the program"},
    {"supd_process_cpu_seconds_total", "counter",
     "User and system CPU time of every process in the program's cgroup, else of its main pid "
     "(while it has one)"},
    {"supd_process_memory_bytes", "gauge",
     "Memory of the program's cgroup (memory.current), else resident memory of its main pid"},
    {"supd_process_memory_peak_bytes", "gauge",
     "Peak memory of the program's cgroup (memory.peak; with the memory controller)"},
    {"supd_process_processes", "gauge",
     "Processes in the program's cgroup (1 without one: the main pid)"},
    {"supd_process_oom_kills_total", "counter",
     "Processes of the program's cgroup the OOM killer killed (memory.events oom_kill; with the "
     "memory controller)"},
    {"supd_process_resident_memory_bytes", "gauge",
     "Resident memory of the main pid (programs without a cgroup)"},
    {"supd_process_threads", "gauge", "Threads of the main pid (programs without a cgroup)"},
};

struct proc_row {
	const char *labels; /* group="..",name=".." */
	size_t off, llen;
	bool have_res;	/* res read */
	bool have_stat; /* st read (no cgroup) */
	struct proc_resources res;
	struct metrics_pstat st;
};

/* Decimal digits of v at the end of buf[0..32); returns where they begin.
 * The exposition of 1000 programs is some 10,000 lines: written without
 * printf, it costs a fraction of what it would. */
static char *digits(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* One sample line: name{labels[extra]} value. */
static void sample(struct buf *b, const char *name, const struct proc_row *row, const char *extra,
		   long long v, int frac_hz)
{
	char line[1024], num[40], *e = num + sizeof(num);
	size_t nl = strlen(name), xl = extra ? strlen(extra) : 0;
	if (nl + row->llen + xl + 48 > sizeof(line))
		return; /* labels are bounded (names are at most 255 bytes) */
	char *o = line;
	memcpy(o, name, nl), o += nl;
	*o++ = '{';
	memcpy(o, row->labels, row->llen), o += row->llen;
	if (xl)
		memcpy(o, extra, xl), o += xl;
	*o++ = '}', *o++ = ' ';
	unsigned long long u = v < 0 ? (unsigned long long)-v : (unsigned long long)v;
	if (frac_hz > 0) {
		/* v ticks of 1/frac_hz s as seconds with two decimals */
		unsigned long long c =
		    u % (unsigned long long)frac_hz * 100 / (unsigned long long)frac_hz;
		*--e = (char)('0' + c % 10);
		*--e = (char)('0' + c / 10);
		*--e = '.';
		u /= (unsigned long long)frac_hz;
	}
	char *d = digits(e, u);
	if (v < 0)
		*--d = '-';
	memcpy(o, d, (size_t)(num + sizeof(num) - d)), o += num + sizeof(num) - d;
	*o++ = '\n';
	buf_put(b, line, (size_t)(o - line));
}

static void proc_family(struct buf *b, enum pm k, struct proc *const *v,
			const struct proc_row *rows, size_t n, time_t now, long hz)
{
	head(b, pm_meta[k].name, pm_meta[k].type, pm_meta[k].help);
	const char *name = pm_meta[k].name;
	for (size_t i = 0; i < n; i++) {
		const struct proc *p = v[i];
		const struct proc_row *row = &rows[i];
		switch (k) {
		case PM_STATE:
			sample(b, name, row, NULL, (long long)p->state, 0);
			break;
		case PM_START:
			sample(b, name, row, NULL, (long long)p->laststart, 0);
			break;
		case PM_UPTIME:
			sample(b, name, row, NULL,
			       p->state == PROC_RUNNING && p->laststart && now > p->laststart
				   ? (long long)(now - p->laststart)
				   : 0LL,
			       0);
			break;
		case PM_RESTARTS:
			sample(b, name, row, NULL, (long long)(p->starts ? p->starts - 1 : 0), 0);
			break;
		case PM_EXIT:
			if (p->laststop)
				sample(b, name, row, NULL,
				       WIFSIGNALED(p->wstatus) ? 128 + WTERMSIG(p->wstatus)
							       : WEXITSTATUS(p->wstatus),
				       0);
			break;
		case PM_PID:
			sample(b, name, row, NULL, (long long)p->pid, 0);
			break;
		case PM_LOG:
			for (int ch = 0; ch < 2; ch++)
				sample(b, name, row,
				       ch ? ",stream=\"stderr\"" : ",stream=\"stdout\"",
				       (long long)(p->out ? output_bytes(p->out, ch) : 0), 0);
			break;
		case PM_LOG_DROPPED:
			for (int ch = 0; ch < 2; ch++)
				sample(b, name, row,
				       ch ? ",stream=\"stderr\"" : ",stream=\"stdout\"",
				       (long long)(p->out ? output_dropped(p->out, ch) : 0), 0);
			break;
		case PM_CPU:
			if (row->have_stat)
				sample(b, name, row, NULL, (long long)row->st.cpu_ticks, (int)hz);
			else if (row->have_res && row->res.cpu_usec >= 0)
				sample(b, name, row, NULL, row->res.cpu_usec, 1000000);
			break;
		case PM_MEM:
			if (row->have_stat)
				sample(b, name, row, NULL, (long long)row->st.rss, 0);
			else if (row->have_res && row->res.mem_current >= 0)
				sample(b, name, row, NULL, row->res.mem_current, 0);
			break;
		case PM_PEAK:
			if (row->have_res && row->res.mem_peak >= 0)
				sample(b, name, row, NULL, row->res.mem_peak, 0);
			break;
		case PM_NPROCS:
			if (row->have_res && row->res.nprocs >= 0)
				sample(b, name, row, NULL, row->res.nprocs, 0);
			break;
		case PM_OOM:
			if (row->have_res && row->res.oom_kills >= 0)
				sample(b, name, row, NULL, row->res.oom_kills, 0);
			break;
		case PM_RSS:
			if (row->have_stat)
				sample(b, name, row, NULL, (long long)row->st.rss, 0);
			break;
		case PM_THREADS:
			if (row->have_stat)
				sample(b, name, row, NULL, row->st.threads, 0);
			break;
		default:
			break;
		}
	}
}

/* How many more descriptors the scrape may keep open for the next ones:
 * as many as keep supd's open descriptors (the kept ones among them)
 * under half its limit, so that spawns (three pipe ends each) and
 * clients never run short for the metrics' sake. */
static int fd_budget(long open_now)
{
	struct rlimit rl;
	if (open_now < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	long long half = rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : (long long)rl.rlim_cur / 2;
	return half > open_now ? (int)(half - open_now < 1 << 20 ? half - open_now : 1 << 20) : 0;
}

static void render_procs(struct api *a, struct buf *b, time_t now, bool with_stat, long fds)
{
	struct procs *t = a->d->procs(a->d->arg);
	size_t n = procs_count(t);
	if (!n)
		return;
	struct proc *const *v = procs_ordered(t);
	struct proc_row *rows = malloc(n * sizeof(*rows));
	if (!rows) {
		b->oom = true;
		return;
	}
	/* Each process's labels, escaped once for all its families. */
	struct buf lab = {0};
	int budget = with_stat ? fd_budget(fds) : 0;
	struct metrics *m = a->metrics;
	for (size_t i = 0; i < n; i++) {
		rows[i].off = lab.len;
		put(&lab, "group=\"");
		label_value(&lab, v[i]->conf->group);
		put(&lab, "\",name=\"");
		label_value(&lab, v[i]->conf->name);
		put(&lab, "\"");
		rows[i].llen = lab.len - rows[i].off;
		rows[i].have_res = rows[i].have_stat = false;
		if (!with_stat || v[i]->pid <= 0)
			continue;
		/* The program's cgroup, else its main pid's /proc/PID/stat,
		 * each through descriptors kept for the next scrape. */
		char stat[1024];
		int r =
		    proc_resources_kept(v[i], m->procfd, &budget, &rows[i].res, stat, sizeof(stat));
		rows[i].have_res = r >= 0;
		rows[i].have_stat =
		    r == 1 && metrics_parse_stat(stat, m->ticks, m->pagesize, &rows[i].st) == 0;
	}
	if (lab.oom) {
		b->oom = true;
		free(lab.p);
		free(rows);
		return;
	}
	for (size_t i = 0; i < n; i++)
		rows[i].labels = lab.p + rows[i].off;
	for (int k = 0; k < PM_N; k++)
		proc_family(b, (enum pm)k, v, rows, n, now, a->metrics->ticks);
	free(lab.p);
	free(rows);
}

void metrics_render(struct api *a, struct buf *b, bool with_stat)
{
	struct metrics *m = a->metrics;
	time_t now = time(NULL);

	head(b, "supd_build_info", "gauge", "supd's version, as a label (always 1)");
	put(b, "supd_build_info{version=\"");
	label_value(b, PACKAGE_VERSION);
	put(b, "\"} 1\n");

	struct metrics_pstat self;
	if (read_stat(0, m, &self) == 0) {
		head(b, "process_start_time_seconds", "gauge",
		     "When supd started, seconds since the epoch");
		buf_putf(b, "process_start_time_seconds %.2f\n", m->btime + self.start_s);
		head(b, "process_cpu_seconds_total", "counter", "supd's user and system CPU time");
		buf_putf(b, "process_cpu_seconds_total %.2f\n", self.cpu_s);
		head(b, "process_resident_memory_bytes", "gauge", "supd's resident memory");
		buf_putf(b, "process_resident_memory_bytes %llu\n", (unsigned long long)self.rss);
	}
	long fds = open_fds();
	if (fds >= 0) {
		head(b, "process_open_fds", "gauge", "supd's open file descriptors");
		buf_putf(b, "process_open_fds %ld\n", fds);
	}

	head(b, "supd_http_requests_total", "counter",
	     "Control requests answered, by route and HTTP status code");
	for (size_t i = 0; i < m->n; i++) {
		put(b, "supd_http_requests_total{route=\"");
		label_value(b, m->v[i].route);
		buf_putf(b, "\",code=\"%u\"} %llu\n", m->v[i].code, (unsigned long long)m->v[i].n);
	}

	struct api_events_stats es;
	api_events_stats(a, &es);
	head(b, "supd_events_total", "counter",
	     "Events put in the event stream (GET /v1/events) since supd started");
	buf_putf(b, "supd_events_total %llu\n", (unsigned long long)es.emitted);
	head(b, "supd_events_lost_total", "counter",
	     "Events that slow event stream clients lost (the ring moved past them)");
	buf_putf(b, "supd_events_lost_total %llu\n", (unsigned long long)es.lost);
	head(b, "supd_event_stream_clients", "gauge", "Clients of the event stream now");
	buf_putf(b, "supd_event_stream_clients %zu\n", es.clients);
	head(b, "supd_event_stream_replay_events", "gauge",
	     "Events the event stream keeps for clients that reconnect");
	buf_putf(b, "supd_event_stream_replay_events %llu\n", (unsigned long long)es.held);
	head(b, "supd_event_stream_replay_bytes", "gauge",
	     "Bytes of the events the event stream keeps for clients that reconnect");
	buf_putf(b, "supd_event_stream_replay_bytes %zu\n", es.held_bytes);

	if (a->d->pools) {
		head(b, "supd_eventlistener_events_total", "counter",
		     "Events of each event listener pool, by what happened to them: buffered "
		     "(offered to the pool), dispatched (sent to a listener), processed "
		     "(answered OK), rejected (FAIL, an error, or the listener died), dropped "
		     "(pushed out of a full buffer)");
		a->d->pools(a->d->arg, pool_counters, b);
		head(b, "supd_eventlistener_queued_events", "gauge",
		     "Events waiting in each event listener pool's buffer");
		a->d->pools(a->d->arg, pool_queued, b);
	}

	struct procs *t = a->d->procs(a->d->arg);
	head(b, "supd_processes", "gauge", "Processes in the process table");
	buf_putf(b, "supd_processes %zu\n", procs_count(t));
	render_procs(a, b, now, with_stat, fds);
}

void metrics_request(struct api *a, struct http_req *r)
{
	struct buf b = {0};
	const char *ps = http_req_arg(r, "proc");
	metrics_render(a, &b, !ps || strcmp(ps, "false"));
	if (b.oom) {
		free(b.p);
		api_reply_error(r, "FAILED", "out of memory");
		return;
	}
	http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	free(b.p);
}

/* ---------------------------------------------------------------- life */

int metrics_new(struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ticks = sysconf(_SC_CLK_TCK);
	m->pagesize = sysconf(_SC_PAGESIZE);
	m->btime = boot_time();
	m->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->procfd >= 0)
		close(m->procfd);
	free(m->v);
	free(m);
}
