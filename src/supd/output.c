/* output: child pipes -> log files, tail buffers, forwarded lines.
 * The behaviour is described in output.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "output.h"

#define CHUNK (128 * 1024) /* the read path's buffer */
/* Moves per readiness event before returning to the loop, so one busy
 * child cannot starve the others (epoll is level-triggered). */
#define CHUNKS_PER_EVENT 8
/* Bytes per splice(2).  Measured (bench/run logs, 1 GiB, ext4, Linux
 * 6.18): 128-256 KiB cost the least CPU; 1 MiB cost 2-3x more, because
 * ext4 then fills the page cache with 1 MiB folios, whose allocation
 * (fresh, high-order memory) is slow, at least in a VM. */
#define SPLICE_MAX (256 * 1024)
/* A pipe that a wakeup found full is grown to this (or as far as
 * F_SETPIPE_SZ allows): more bytes per wakeup, fewer handovers of the
 * pipe's lock between the child and supd, and a burst has room while the
 * loop is busy elsewhere.  Quiet children keep the default 64 KiB: pipe
 * slots count against the user's pipe-user-pages-soft limit, and each
 * slot costs kernel memory. */
#define PIPE_BIG     (512 * 1024)
#define FWD_MAX_LINE (16 * 1024)
#define FWD_HOLD_MS  200
#define STAMP_LEN    24 /* "YYYY-MM-DD HH:MM:SS,mmm " */
/* Capture mode's tokens, supervisord's. */
#define CAPTURE_BEGIN "<!--XSUPERVISOR:BEGIN-->"
#define CAPTURE_END   "<!--XSUPERVISOR:END-->"
#define TOKEN_MAX     (sizeof(CAPTURE_BEGIN) - 1)

struct out_pipe {
	struct out_pipe *next;
	struct out_chan *ch;
	int fd;
	int size;   /* the pipe's capacity */
	bool grown; /* grown, or growing it failed: not tried again */
};

/* What a channel holds of a partial line for forwarding and for syslog;
 * made only for the channels that do either (most do neither). */
struct out_hold {
	struct loop_timer timer; /* flushes partial lines */
	char *fwd;		 /* partial line held for forwarding */
	size_t fwd_len;
	char *sl; /* partial line held for syslog */
	size_t sl_len;
	bool fwd_cont; /* the held bytes continue an already written piece */
};

/* Capture mode (*_capture_maxbytes): what a channel holds between the
 * BEGIN and END tokens; made only for channels with it. */
struct out_capture {
	char *buf; /* captured so far: the last max bytes */
	size_t len, cap, max;
	char *work;  /* held bytes + the chunk being scanned */
	size_t held; /* bytes at work's start that may begin a token */
	bool on;     /* between BEGIN and END */
};

/* Fields ordered by size: one per stream, two per process, and supd may
 * run thousands of processes. */
struct out_chan {
	struct output *o;
	const char *label; /* "stdout" / "stderr" */
	struct logfile lf;
	struct out_hold *hold; /* forward or syslog: partial lines held */
	struct out_capture *capture;
	/* in-memory tail for channels without a regular file */
	char *tail;
	size_t tail_cap;
	size_t tail_head; /* next write position */
	uint64_t total;	  /* bytes ever read: the tail's virtual file size */
	enum output_channel id;
	int rotate_reported; /* the rotate_error last logged */
	int fwd_fd;	     /* 1 or 2 */
	uint8_t ansi;	     /* strip_ansi state: 0 text, 1 after ESC, 2 in CSI */
	bool active;	     /* false: stderr with redirect_stderr */
	bool has_file;
	bool splice_ok; /* cleared when splice(2) refuses the target */
	bool timestamps;
	bool line_start; /* the next byte starts a line (timestamps) */
	bool forward;
	bool syslog;
	bool events; /* *_events_enabled: chunks go to the output's event_cb */
};

struct output {
	struct output_ctx *x;
	char *name;
	uint64_t tail_size;
	struct out_chan ch[2];
	struct out_pipe *pipes;
	output_notify_cb notify;
	void *notify_arg;
	output_event_cb event_cb;
	void *event_arg;
	bool strip_ansi;
	bool fwd_stamps;
};

static void default_syslog(int prio, const char *name, const char *line, size_t len)
{
	syslog(prio, "%s %.*s", name, (int)len, line);
}

/* What the outputs of one loop share.  The scratch buffers and the relay
 * hold bytes only during one callback, and the loop is single-threaded,
 * so one of each serves every process. */
struct output_ctx {
	struct loop *l;
	output_syslog_fn syslog_sink;
	char *wbuf; /* stamped and forwarded bytes are built here */
	size_t wcap;
	/* The relay (relay_ready below): -1 until the first regular log
	 * file. */
	int relay[2];
	size_t relay_size;
	/* The read path's buffer, CHUNK bytes.  malloc'd, not part of a
	 * calloc'd struct: calloc would zero it, making 128 KiB resident in
	 * every supd, most of which never read a pipe in user space. */
	char *rbuf;
};

int output_ctx_new(struct output_ctx **out, struct loop *l)
{
	struct output_ctx *x = calloc(1, sizeof(*x));
	if (!x || !(x->rbuf = malloc(CHUNK))) {
		free(x);
		return -ENOMEM;
	}
	x->l = l;
	x->syslog_sink = default_syslog;
	x->relay[0] = x->relay[1] = -1;
	*out = x;
	return 0;
}

static void relay_close(struct output_ctx *x);

void output_ctx_free(struct output_ctx *x)
{
	if (!x)
		return;
	if (x->relay[0] >= 0)
		relay_close(x);
	free(x->wbuf);
	free(x->rbuf);
	free(x);
}

void output_ctx_set_syslog(struct output_ctx *x, output_syslog_fn fn)
{
	x->syslog_sink = fn ? fn : default_syslog;
}

static int wbuf_reserve(struct output_ctx *x, size_t n)
{
	if (n <= x->wcap)
		return 0;
	size_t c = x->wcap ? x->wcap : 4 * CHUNK;
	while (c < n)
		c *= 2;
	char *b = realloc(x->wbuf, c);
	if (!b)
		return -ENOMEM;
	x->wbuf = b;
	x->wcap = c;
	return 0;
}

static void stamp(char *buf)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(buf, 20, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + 19, 6, ",%03d ", (int)(tv.tv_usec / 1000));
}

static void write_fully(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* Someone made our stdout non-blocking: wait, do not spin. */
			if (errno == EAGAIN) {
				struct pollfd pfd = {.fd = fd, .events = POLLOUT};
				if (poll(&pfd, 1, 1000) > 0)
					continue;
			}
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* ---------------------------------------------------------------- files */

static void file_result(struct out_chan *c, int was, int r)
{
	if (r < 0 && !was)
		log_warn("'%s' %s log %s: %s: dropping output until writing works again",
			 c->o->name, c->label, c->lf.path, strerror(-r));
	else if (r >= 0 && was && c->lf.last_error == 0) {
		log_warn("'%s' %s log %s: writing works again, %llu bytes were dropped", c->o->name,
			 c->label, c->lf.path, (unsigned long long)c->lf.dropped);
		c->lf.dropped = 0;
	}
}

/* Said once when rotation starts failing, once when it works again. */
static void rotate_result(struct out_chan *c)
{
	if (c->lf.rotate_error == c->rotate_reported)
		return;
	if (c->lf.rotate_error && !c->rotate_reported)
		log_warn("'%s' %s log %s: cannot rotate: %s; the file keeps growing", c->o->name,
			 c->label, c->lf.path, strerror(c->lf.rotate_error));
	else if (!c->lf.rotate_error)
		log_info("'%s' %s log %s: rotating works again", c->o->name, c->label, c->lf.path);
	c->rotate_reported = c->lf.rotate_error;
}

static void file_write(struct out_chan *c, const char *p, size_t n)
{
	if (!c->has_file || n == 0)
		return;
	int was = c->lf.last_error;
	file_result(c, was, logfile_write(&c->lf, p, n));
	rotate_result(c);
}

/* Writes the chunk with a timestamp at the start of each line. */
static void file_write_stamped(struct out_chan *c, const char *p, size_t n)
{
	size_t lines = 1;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))); q++)
		lines++;
	if (wbuf_reserve(c->o->x, n + lines * STAMP_LEN) < 0) {
		file_write(c, p, n);
		return;
	}
	char *wbuf = c->o->x->wbuf;
	char st[STAMP_LEN + 1];
	stamp(st);
	size_t w = 0;
	while (n > 0) {
		if (c->line_start) {
			memcpy(wbuf + w, st, STAMP_LEN);
			w += STAMP_LEN;
			c->line_start = false;
		}
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		memcpy(wbuf + w, p, k);
		w += k;
		p += k;
		n -= k;
		if (nl)
			c->line_start = true;
	}
	file_write(c, wbuf, w);
}

/* ---------------------------------------------------------------- tail */

static void tail_add(struct out_chan *c, const char *p, size_t n)
{
	if (c->has_file && c->lf.seekable)
		return;
	if (!c->tail && c->o->tail_size) {
		c->tail = malloc(c->o->tail_size);
		if (c->tail)
			c->tail_cap = c->o->tail_size;
	}
	if (!c->tail_cap)
		return;
	if (n > c->tail_cap) {
		p += n - c->tail_cap;
		n = c->tail_cap;
	}
	size_t first = c->tail_cap - c->tail_head;
	if (first > n)
		first = n;
	memcpy(c->tail + c->tail_head, p, first);
	memcpy(c->tail, p + first, n - first);
	c->tail_head = (c->tail_head + n) % c->tail_cap;
}

/* Copies virtual bytes [start, end) of the tail into a new buffer; the
 * caller made sure they are still held. */
static int tail_copy(const struct out_chan *c, uint64_t start, uint64_t end, char **buf,
		     size_t *len)
{
	size_t n = (size_t)(end - start);
	char *b = malloc(n + 1);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t back = c->total - (start + i); /* 1..held */
		b[i] = c->tail[(c->tail_head + c->tail_cap - back % c->tail_cap) % c->tail_cap];
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static uint64_t tail_held(const struct out_chan *c)
{
	return c->total < c->tail_cap ? c->total : c->tail_cap;
}

/* ---------------------------------------------------------------- forward */

static void fwd_prefix(struct out_chan *c, size_t *w, bool cont, const char *st)
{
	char *wbuf = c->o->x->wbuf;
	if (c->o->fwd_stamps) {
		memcpy(wbuf + *w, st, STAMP_LEN);
		*w += STAMP_LEN;
	}
	size_t nl = strlen(c->o->name);
	memcpy(wbuf + *w, c->o->name, nl);
	*w += nl;
	memcpy(wbuf + *w, cont ? " + " : " | ", 3);
	*w += 3;
}

static size_t fwd_overhead(const struct out_chan *c)
{
	return strlen(c->o->name) + 3 + STAMP_LEN + 1;
}

/* Writes the held partial line as a piece of its own. */
static void fwd_flush_partial(struct out_chan *c)
{
	if (!c->hold || c->hold->fwd_len == 0)
		return;
	if (wbuf_reserve(c->o->x, c->hold->fwd_len + fwd_overhead(c)) < 0)
		return;
	char *wbuf = c->o->x->wbuf;
	char st[STAMP_LEN + 1];
	if (c->o->fwd_stamps)
		stamp(st);
	size_t w = 0;
	fwd_prefix(c, &w, c->hold->fwd_cont, st);
	memcpy(wbuf + w, c->hold->fwd, c->hold->fwd_len);
	w += c->hold->fwd_len;
	wbuf[w++] = '\n';
	write_fully(c->fwd_fd, wbuf, w);
	c->hold->fwd_len = 0;
	c->hold->fwd_cont = true;
	if (!c->hold->sl_len)
		loop_timer_cancel(c->o->x->l, &c->hold->timer);
}

static void sl_flush(struct out_chan *c);

static void hold_timer_cb(struct loop *l, void *arg)
{
	fwd_flush_partial(arg);
	sl_flush(arg);
}

static void hold_timer_arm(struct out_chan *c)
{
	if (!loop_timer_armed(&c->hold->timer))
		loop_timer_arm(c->o->x->l, &c->hold->timer, loop_now_ms() + FWD_HOLD_MS);
}

static int fwd_hold(struct out_chan *c, const char *p, size_t n)
{
	if (!c->hold->fwd) {
		c->hold->fwd = malloc(FWD_MAX_LINE);
		if (!c->hold->fwd)
			return -ENOMEM;
	}
	while (n > 0) {
		size_t k = FWD_MAX_LINE - c->hold->fwd_len;
		if (k > n)
			k = n;
		memcpy(c->hold->fwd + c->hold->fwd_len, p, k);
		c->hold->fwd_len += k;
		p += k;
		n -= k;
		if (c->hold->fwd_len == FWD_MAX_LINE)
			fwd_flush_partial(c);
	}
	if (c->hold->fwd_len)
		hold_timer_arm(c);
	return 0;
}

/* Forwards the whole lines of a chunk in one write and holds the rest. */
static void forward(struct out_chan *c, const char *p, size_t n)
{
	const char *end = p + n;
	const char *last_nl = memrchr(p, '\n', n);
	if (!last_nl) {
		fwd_hold(c, p, n);
		return;
	}
	size_t lines = 0;
	for (const char *q = p; q <= last_nl && (q = memchr(q, '\n', (size_t)(last_nl + 1 - q)));
	     q++)
		lines++;
	size_t need = c->hold->fwd_len + (size_t)(last_nl + 1 - p) + lines * fwd_overhead(c);
	if (wbuf_reserve(c->o->x, need) < 0)
		return;
	char *wbuf = c->o->x->wbuf;
	char st[STAMP_LEN + 1];
	if (c->o->fwd_stamps)
		stamp(st);
	size_t w = 0;
	const char *q = p;
	bool first = true;
	while (q <= last_nl) {
		const char *nl = memchr(q, '\n', (size_t)(last_nl + 1 - q));
		size_t k = (size_t)(nl - q) + 1;
		fwd_prefix(c, &w, first && c->hold->fwd_cont, st);
		if (first && c->hold->fwd_len) {
			memcpy(wbuf + w, c->hold->fwd, c->hold->fwd_len);
			w += c->hold->fwd_len;
		}
		memcpy(wbuf + w, q, k);
		w += k;
		q += k;
		first = false;
	}
	write_fully(c->fwd_fd, wbuf, w);
	c->hold->fwd_len = 0;
	c->hold->fwd_cont = false;
	if (!c->hold->sl_len)
		loop_timer_cancel(c->o->x->l, &c->hold->timer);
	if (q < end)
		fwd_hold(c, q, (size_t)(end - q));
}

/* ---------------------------------------------------------------- syslog */

/* stdout_syslog: one message per line, "name line", like supervisord;
 * lines are joined across reads and bounded like forwarded ones. */
static void sl_emit(struct out_chan *c, const char *p, size_t n)
{
	c->o->x->syslog_sink(c->id == OUTPUT_STDOUT ? LOG_INFO : LOG_ERR, c->o->name, p, n);
}

static void sl_flush(struct out_chan *c)
{
	if (!c->hold)
		return;
	if (c->hold->sl_len)
		sl_emit(c, c->hold->sl, c->hold->sl_len);
	c->hold->sl_len = 0;
}

static void sl_append(struct out_chan *c, const char *p, size_t n)
{
	if (!c->hold->sl && !(c->hold->sl = malloc(FWD_MAX_LINE)))
		return;
	while (n > 0) {
		size_t k = FWD_MAX_LINE - c->hold->sl_len;
		if (k > n)
			k = n;
		memcpy(c->hold->sl + c->hold->sl_len, p, k);
		c->hold->sl_len += k;
		p += k;
		n -= k;
		if (c->hold->sl_len == FWD_MAX_LINE)
			sl_flush(c);
	}
}

static void to_syslog(struct out_chan *c, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (nl && c->hold->sl_len == 0) {
			sl_emit(c, p, k);
		} else {
			sl_append(c, p, k);
			if (nl)
				sl_flush(c);
		}
		if (nl)
			k++;
		p += k;
		n -= k;
	}
	if (c->hold->sl_len)
		hold_timer_arm(c);
}

/* ---------------------------------------------------------------- chunks */

/* Removes ESC [ params final sequences in place, keeping state across
 * chunks; returns the new length.  A lone ESC not followed by '[' is kept;
 * a byte that cannot be part of a sequence ends it and is kept. */
static size_t strip_ansi(struct out_chan *c, char *p, size_t n, char *esc_out, bool *esc_emit)
{
	size_t w = 0;
	*esc_emit = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)p[i];
		switch (c->ansi) {
		case 0:
			if (b == 0x1b)
				c->ansi = 1;
			else
				p[w++] = (char)b;
			break;
		case 1:
			if (b == '[') {
				c->ansi = 2;
				break;
			}
			/* Not a CSI: the ESC was text after all. */
			c->ansi = 0;
			if (w == 0 && i == 0) {
				*esc_out = 0x1b;
				*esc_emit = true;
			} else {
				p[w++] = 0x1b;
			}
			i--;
			break;
		default:
			if (b >= 0x40 && b <= 0x7e)
				c->ansi = 0;
			else if (b < 0x20 || b > 0x3f) {
				c->ansi = 0;
				p[w++] = (char)b;
			}
			break;
		}
	}
	return w;
}

static void deliver(struct out_chan *c, const char *p, size_t n)
{
	if (n == 0)
		return;
	tail_add(c, p, n);
	c->total += n;
	if (c->timestamps)
		file_write_stamped(c, p, n);
	else
		file_write(c, p, n);
	if (c->forward)
		forward(c, p, n);
	if (c->syslog)
		to_syslog(c, p, n);
}

/* Where a piece of output goes: the capture buffer while capturing,
 * otherwise the log file and the rest. */
static void capture_add(struct out_chan *c, const char *p, size_t n);

static void sink(struct out_chan *c, const char *p, size_t n)
{
	if (c->capture && c->capture->on)
		capture_add(c, p, n);
	else
		deliver(c, p, n);
}

/* A piece of output in the current mode: strip_ansi, then its sink, and
 * a PROCESS_LOG event (supervisord emits it for captured bytes too). */
static void piece_out(struct out_chan *c, char *p, size_t n)
{
	if (c->o->strip_ansi) {
		char esc;
		bool emit;
		n = strip_ansi(c, p, n, &esc, &emit);
		if (emit)
			sink(c, &esc, 1);
	}
	sink(c, p, n);
	if (c->events && c->o->event_cb && n)
		c->o->event_cb(c->o, c->id, OUTPUT_EV_LOG, p, n, c->o->event_arg);
}

/* ---------------------------------------------------------------- capture */

static void capture_add(struct out_chan *c, const char *p, size_t n)
{
	struct out_capture *k = c->capture;
	if (n >= k->max) {
		p += n - k->max;
		n = k->max;
		k->len = 0;
	} else if (k->len + n > k->max) {
		/* Bounded like supervisord's: the oldest bytes go. */
		size_t drop = k->len + n - k->max;
		memmove(k->buf, k->buf + drop, k->len - drop);
		k->len -= drop;
	}
	if (k->len + n > k->cap) {
		size_t nc = k->cap ? k->cap : 4096;
		while (nc < k->len + n)
			nc *= 2;
		if (nc > k->max)
			nc = k->max;
		char *b = realloc(k->buf, nc);
		if (!b) {
			log_error("out of memory: capture of '%s' %s loses %zu bytes", c->o->name,
				  c->label, n);
			return;
		}
		k->buf = b;
		k->cap = nc;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

/* At a token: BEGIN starts a capture, END sends what was captured as a
 * PROCESS_COMMUNICATION event. */
static void capture_toggle(struct out_chan *c)
{
	struct out_capture *k = c->capture;
	if (k->on) {
		if (log_get_level() <= LL_DEBG)
			log_debug("'%s' %s output:\n%.*s", c->o->name, c->label, (int)k->len,
				  k->buf ? k->buf : "");
		if (c->o->event_cb)
			c->o->event_cb(c->o, c->id, OUTPUT_EV_COMMUNICATION, k->buf ? k->buf : "",
				       k->len, c->o->event_arg);
	}
	k->on = !k->on;
	k->len = 0;
}

/* The length of the longest tail of d that is a start of tok. */
static size_t token_start_at_end(const char *d, size_t len, const char *tok, size_t tl)
{
	for (size_t k = len < tl - 1 ? len : tl - 1; k > 0; k--)
		if (!memcmp(d + len - k, tok, k))
			return k;
	return 0;
}

/* Splits a chunk at the tokens.  A token may arrive in pieces, so bytes at
 * the end that could begin one are held for the next chunk (or the end of
 * the pipe); only those are held, where supervisord holds everything until
 * more than a token's length has arrived. */
static void capture_scan(struct out_chan *c, const char *p, size_t n)
{
	struct out_capture *k = c->capture;
	memcpy(k->work + k->held, p, n);
	char *d = k->work;
	size_t len = k->held + n;
	for (;;) {
		const char *tok = k->on ? CAPTURE_END : CAPTURE_BEGIN;
		size_t tl = strlen(tok);
		char *hit = memmem(d, len, tok, tl);
		if (!hit) {
			size_t keep = token_start_at_end(d, len, tok, tl);
			piece_out(c, d, len - keep);
			memmove(k->work, d + len - keep, keep);
			k->held = keep;
			return;
		}
		piece_out(c, d, (size_t)(hit - d));
		capture_toggle(c);
		len -= (size_t)(hit - d) + tl;
		d = hit + tl;
	}
}

/* The pipe ended: held bytes were no token after all.  A capture still
 * open never sees its END: dropped, as supervisord does, but said. */
static void capture_end_of_pipe(struct out_chan *c)
{
	struct out_capture *k = c->capture;
	size_t held = k->held;
	k->held = 0;
	piece_out(c, k->work, held);
	if (k->on)
		log_warn("'%s' %s ended inside a capture: %zu captured bytes dropped", c->o->name,
			 c->label, k->len);
	k->on = false;
	k->len = 0;
}

/* A chunk read from a pipe (at most CHUNK bytes): debug log, then its
 * pieces. */
static void process_chunk(struct out_chan *c, char *p, size_t n)
{
	if (log_get_level() <= LL_DEBG)
		log_debug("'%s' %s output:\n%.*s", c->o->name, c->label, (int)n, p);
	if (c->capture)
		capture_scan(c, p, n);
	else
		piece_out(c, p, n);
}

/* Can bytes bypass user space?  Only into a regular file that nothing
 * else needs them for. */
static bool fast_path(const struct out_chan *c)
{
	return c->splice_ok && c->has_file && c->lf.fd >= 0 && c->lf.seekable &&
	       c->lf.last_error == 0 && !c->timestamps && !c->forward && !c->syslog && !c->events &&
	       !c->capture && !c->o->strip_ansi && log_get_level() > LL_DEBG;
}

static void pipe_close(struct output *o, struct out_pipe *pp)
{
	struct out_chan *c = pp->ch;
	loop_unwatch_fd(o->x->l, pp->fd);
	close(pp->fd);
	for (struct out_pipe **q = &o->pipes; *q; q = &(*q)->next) {
		if (*q == pp) {
			*q = pp->next;
			break;
		}
	}
	free(pp);
	if (c->capture)
		capture_end_of_pipe(c);
	if (c->ansi == 1) {
		c->ansi = 0;
		char esc = 0x1b;
		deliver(c, &esc, 1);
	}
	if (c->forward)
		fwd_flush_partial(c);
	if (c->hold)
		c->hold->fwd_cont = false;
	sl_flush(c);
}

/* The relay: a pipe of supd's own between a child's pipe and its file.
 * splice(2) into a file holds the source pipe's lock during the whole copy
 * into the page cache, so a child writing at full speed would wait for
 * each copy.  Moving the bytes to the relay first (pipe to pipe: page
 * references, no copy) frees the child's pipe at once; the copy into the
 * file then runs while the child writes its next bytes, as with cat's
 * read+write, but with one copy.  Shared by all outputs (one loop, one
 * thread); empty between calls. */
static bool relay_ready(struct output_ctx *x)
{
	if (x->relay[0] >= 0)
		return true;
	if (pipe2(x->relay, O_CLOEXEC | O_NONBLOCK) < 0)
		return false;
	int r = fcntl(x->relay[1], F_SETPIPE_SZ, SPLICE_MAX);
	if (r <= 0)
		r = fcntl(x->relay[1], F_GETPIPE_SZ);
	x->relay_size = r > 0 ? (size_t)r : 4096;
	return true;
}

static void relay_close(struct output_ctx *x)
{
	close(x->relay[0]);
	close(x->relay[1]);
	x->relay[0] = x->relay[1] = -1;
}

/* Moves the n bytes in the relay into c's file (rotating where maxbytes
 * says); what the file refuses goes the read path's way, written or
 * counted as dropped there.  Leaves the relay empty. */
static void relay_to_file(struct out_chan *c, size_t n)
{
	struct output_ctx *x = c->o->x;
	while (n > 0) {
		ssize_t w = logfile_splice(&c->lf, x->relay[0], n);
		if (w <= 0) {
			if (w == -EINVAL)
				c->splice_ok = false;
			break;
		}
		n -= (size_t)w;
		c->total += (uint64_t)w;
		rotate_result(c);
	}
	while (n > 0) {
		ssize_t r = read(x->relay[0], x->rbuf, n < CHUNK ? n : CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* Cannot happen; never let these bytes reach another
			 * file. */
			relay_close(x);
			return;
		}
		n -= (size_t)r;
		process_chunk(c, x->rbuf, (size_t)r);
	}
}

/* Moves what the pipe holds, at most max_moves splices or reads, adding
 * the bytes to *moved.  Unless drain is set, a move that found less than a
 * full pipe (or read buffer) ends the turn: the pipe is then most likely
 * empty, and asking again would cost a call that finds nothing, and
 * another handover of the pipe's lock, per wakeup; the level-triggered
 * loop calls back if more came meanwhile.  Returns false when the pipe hit
 * EOF (the caller closes it), true otherwise. */
static bool pipe_pump(struct out_pipe *pp, int max_moves, bool drain, uint64_t *moved)
{
	struct out_chan *c = pp->ch;
	struct output_ctx *x = c->o->x;
	for (int i = 0; i < max_moves; i++) {
		if (fast_path(c) && relay_ready(x)) {
			size_t want = SPLICE_MAX < x->relay_size ? SPLICE_MAX : x->relay_size;
			ssize_t n =
			    splice(pp->fd, NULL, x->relay[1], NULL, want, SPLICE_F_NONBLOCK);
			if (n > 0) {
				*moved += (uint64_t)n;
				relay_to_file(c, (size_t)n);
				if (!drain && (size_t)n < want)
					return true;
				continue;
			}
			if (n == 0)
				return false; /* EOF */
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (errno == EAGAIN)
				return true;
			if (errno == EINVAL)
				c->splice_ok = false;
		}
		ssize_t n = read(pp->fd, x->rbuf, CHUNK);
		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			return errno == EAGAIN; /* an error reading a pipe: as EOF */
		}
		if (n == 0)
			return false;
		*moved += (uint64_t)n;
		process_chunk(c, x->rbuf, (size_t)n);
		if (!drain && (size_t)n < CHUNK)
			return true;
	}
	return true;
}

/* A wakeup that moved a whole pipe's worth: the child writes faster than
 * one small pipe per wakeup.  Grown once; an unprivileged user over its
 * pipe limits gets EPERM and keeps the pipe it has. */
static void pipe_grow(struct out_pipe *pp, uint64_t moved)
{
	if (pp->grown || moved < (uint64_t)pp->size)
		return;
	pp->grown = true;
	int r = fcntl(pp->fd, F_SETPIPE_SZ, PIPE_BIG);
	if (r > pp->size)
		pp->size = r;
}

static void pipe_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct out_pipe *pp = arg;
	struct out_chan *c = pp->ch;
	struct output *o = c->o;
	uint64_t before = c->total, moved = 0;
	if (!pipe_pump(pp, CHUNKS_PER_EVENT, false, &moved))
		pipe_close(o, pp);
	else
		pipe_grow(pp, moved);
	if (o->notify && c->total != before)
		o->notify(o, c->id, o->notify_arg);
}

void output_set_events(struct output *o, output_event_cb cb, void *arg)
{
	o->event_cb = cb;
	o->event_arg = arg;
}

void output_set_notify(struct output *o, output_notify_cb cb, void *arg)
{
	o->notify = cb;
	o->notify_arg = arg;
}

/* ---------------------------------------------------------------- AUTO */

/* Like mkstemps, with supervisord's 8 random characters (mkstemps wants
 * exactly 6): created exclusively, mode 0600. */
static int auto_path(char **out, const char *dir, const char *name, const char *label,
		     const char *ident)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[8];
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
			uint64_t x = (uint64_t)loop_now_ms() * 6364136223846793005ULL +
				     (uint64_t)getpid() +
				     (uint64_t)attempt * 1442695040888963407ULL;
			memcpy(rnd, &x, sizeof(rnd));
		}
		char r[9];
		for (int i = 0; i < 8; i++)
			r[i] = set[rnd[i] % (sizeof(set) - 1)];
		r[8] = '\0';
		char *t;
		if (asprintf(&t, "%s/%s-%s---%s-%s.log", dir, name, label, ident, r) < 0)
			return -ENOMEM;
		int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno == ENOENT && logfile_mkdir_parent(t) == 0)
			fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			close(fd);
			*out = t;
			return 0;
		}
		int e = -errno;
		free(t);
		if (e != -EEXIST)
			return e;
	}
	return -EEXIST;
}

/* "<name>-<stdout|stderr>---<ident>-<random>.log" with an optional ".N". */
static bool is_auto_name(const char *f, const char *ident)
{
	size_t il = strlen(ident);
	const char *m = NULL;
	for (const char *s = f; (s = strstr(s, "---")); s++) {
		if ((s - f >= 7 && strncmp(s - 7, "-stdout", 7) == 0) ||
		    (s - f >= 7 && strncmp(s - 7, "-stderr", 7) == 0)) {
			if (s - f > 7 && strncmp(s + 3, ident, il) == 0 && s[3 + il] == '-') {
				m = s + 3 + il + 1;
				break;
			}
		}
	}
	if (!m)
		return false;
	const char *ext = strstr(m, ".log");
	if (!ext || ext == m)
		return false;
	const char *rest = ext + 4;
	for (const char *q = m; q < ext; q++)
		if (*q == '/' || *q == ' ')
			return false;
	if (*rest == '\0')
		return true;
	if (*rest != '.' || !rest[1])
		return false;
	for (rest++; *rest; rest++)
		if (*rest < '0' || *rest > '9')
			return false;
	return true;
}

int output_cleanup_auto(const char *childlogdir, const char *identifier)
{
	DIR *d = opendir(childlogdir);
	if (!d)
		return -errno;
	int removed = 0, r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_auto_name(e->d_name, identifier))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
		else if (errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(d);
	return r < 0 ? r : removed;
}

/* ---------------------------------------------------------------- public */

static int chan_init(struct output *o, struct out_chan *c, enum output_channel id,
		     const struct conf_stream *cs, const struct conf_process *p,
		     const struct conf_supd *s)
{
	c->o = o;
	c->id = id;
	c->label = id == OUTPUT_STDOUT ? "stdout" : "stderr";
	c->splice_ok = true;
	c->line_start = true;
	c->timestamps = cs->timestamps;
	c->forward = p->forward_output;
	c->fwd_fd = id == OUTPUT_STDOUT ? 1 : 2;
	c->syslog = cs->syslog;
	c->events = cs->events_enabled;
	c->lf.fd = -1;
	if (id == OUTPUT_STDERR && p->redirect_stderr)
		return 0;
	c->active = true;
	if (cs->capture_maxbytes) {
		c->capture = calloc(1, sizeof(*c->capture));
		if (!c->capture || !(c->capture->work = malloc(CHUNK + TOKEN_MAX)))
			return -ENOMEM;
		c->capture->max = cs->capture_maxbytes;
	}
	if (c->forward || c->syslog) {
		c->hold = calloc(1, sizeof(*c->hold));
		if (!c->hold)
			return -ENOMEM;
		loop_timer_init(&c->hold->timer, hold_timer_cb, c);
	}
	char *path = NULL;
	int r = 0;
	if (cs->kind == CONF_LOG_NONE)
		return 0;
	if (cs->kind == CONF_LOG_AUTO) {
		const char *dir = s->childlogdir;
		if (!dir || !*dir)
			dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
		r = auto_path(&path, dir, p->name, c->label,
			      s->identifier ? s->identifier : "supd");
		if (r < 0)
			return r;
	} else {
		if (!cs->path)
			return -EINVAL;
		path = strdup(cs->path);
		if (!path)
			return -ENOMEM;
	}
	r = logfile_open(&c->lf, path, cs->maxbytes, cs->backups);
	free(path);
	if (!c->lf.path)
		return r < 0 ? r : -ENOMEM;
	c->has_file = true;
	/* The relay is made with the first log file, not at the first byte:
	 * supd's fd count then does not grow later, under a running load. */
	if (c->lf.seekable)
		(void)relay_ready(o->x);
	if (r == 0 && !c->lf.seekable && cs->maxbytes > 0)
		log_info("'%s' %s log %s is not a regular file: not rotating it", p->name, c->label,
			 c->lf.path);
	return r;
}

int output_new(struct output **out, struct output_ctx *x, const struct conf_process *p,
	       const struct conf_supd *s)
{
	struct output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->x = x;
	o->name = strdup(p->name);
	if (!o->name) {
		free(o);
		return -ENOMEM;
	}
	o->strip_ansi = s->strip_ansi;
	o->fwd_stamps = s->forward_timestamps;
	o->tail_size = p->tail_buffer;
	int r1 = chan_init(o, &o->ch[0], OUTPUT_STDOUT, &p->out, p, s);
	int r2 = chan_init(o, &o->ch[1], OUTPUT_STDERR, &p->err, p, s);
	*out = o;
	if (r1 == -ENOMEM || r2 == -ENOMEM) {
		output_free(o);
		*out = NULL;
		return -ENOMEM;
	}
	return r1 < 0 ? r1 : r2;
}

static int add_pipe(struct output *o, struct out_chan *c, int fd)
{
	struct out_pipe *pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->ch = c;
	pp->fd = fd;
	/* A blocking read would stall the whole loop: make sure. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	pp->size = fcntl(fd, F_GETPIPE_SZ);
	if (pp->size <= 0)
		pp->size = 64 * 1024;
	pp->grown = pp->size >= PIPE_BIG;
	int r = loop_watch_fd(o->x->l, fd, EPOLLIN, pipe_cb, pp);
	if (r < 0) {
		free(pp);
		return r;
	}
	pp->next = o->pipes;
	o->pipes = pp;
	return 0;
}

int output_attach(struct output *o, int fd_out, int fd_err)
{
	int r = 0;
	if (fd_out >= 0) {
		r = add_pipe(o, &o->ch[OUTPUT_STDOUT], fd_out);
		if (r < 0) {
			close(fd_out);
			fd_out = -1;
		}
	}
	if (fd_err >= 0) {
		int r2 = add_pipe(o, &o->ch[OUTPUT_STDERR], fd_err);
		if (r2 < 0) {
			close(fd_err);
			if (r == 0)
				r = r2;
		}
	}
	return r;
}

void output_drain(struct output *o)
{
	uint64_t before[2] = {o->ch[0].total, o->ch[1].total};
	struct out_pipe *pp = o->pipes;
	while (pp) {
		struct out_pipe *next = pp->next;
		/* Bounded: a descendant may keep writing forever. */
		uint64_t moved = 0;
		if (!pipe_pump(pp, 64, true, &moved))
			pipe_close(o, pp);
		pp = next;
	}
	for (int i = 0; i < 2; i++)
		if (o->notify && o->ch[i].total != before[i])
			o->notify(o, (enum output_channel)i, o->notify_arg);
}

int output_reopen(struct output *o)
{
	int r = 0;
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		if (!c->has_file)
			continue;
		int e = logfile_reopen(&c->lf);
		if (e < 0 && r == 0)
			r = e;
	}
	return r;
}

int output_clear(struct output *o)
{
	int r = 0;
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		c->tail_head = 0;
		c->total = 0;
		if (!c->has_file)
			continue;
		int e = logfile_clear(&c->lf);
		if (e < 0 && r == 0)
			r = e;
	}
	return r;
}

const char *output_path(const struct output *o, enum output_channel ch)
{
	const struct out_chan *c = &o->ch[ch];
	return c->has_file ? c->lf.path : NULL;
}

uint64_t output_bytes(const struct output *o, enum output_channel ch)
{
	return o->ch[ch].total;
}

static bool reads_file(const struct out_chan *c)
{
	return c->has_file && c->lf.seekable;
}

int output_read(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len)
{
	const struct out_chan *c = &o->ch[ch];
	if (reads_file(c))
		return logfile_read_range(c->lf.path, offset, length, buf, len);
	if (length < 0 || (offset < 0 && length != 0))
		return -EINVAL;
	if (!c->active || (!c->has_file && !o->tail_size))
		return -ENOENT;
	uint64_t sz = c->total, lo = sz - tail_held(c), start, end;
	if (offset < 0) {
		uint64_t back = (uint64_t) - (offset + 1) + 1;
		start = back > sz ? 0 : sz - back;
		end = sz;
	} else {
		start = (uint64_t)offset > sz ? sz : (uint64_t)offset;
		end = length == 0 || (uint64_t)length > sz - start ? sz : start + (uint64_t)length;
	}
	if (start < lo)
		start = lo;
	if (end < start)
		end = start;
	return tail_copy(c, start, end, buf, len);
}

int output_tail(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len, int64_t *newoffset, bool *overflow)
{
	const struct out_chan *c = &o->ch[ch];
	if (!c->active || (!c->has_file && !o->tail_size)) {
		*buf = strdup("");
		*len = 0;
		*newoffset = 0;
		*overflow = false;
		return *buf ? 0 : -ENOMEM;
	}
	if (reads_file(c))
		return logfile_tail(c->lf.path, offset, length, buf, len, newoffset, overflow);
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	uint64_t sz = c->total, lo = sz - tail_held(c);
	*overflow = sz > (uint64_t)offset && sz - (uint64_t)offset > (uint64_t)length;
	uint64_t start = sz;
	if (*overflow || (uint64_t)offset < sz)
		start = (uint64_t)length < sz ? sz - (uint64_t)length : 0;
	if (start < lo)
		start = lo;
	*newoffset = (int64_t)sz;
	return tail_copy(c, start, sz, buf, len);
}

void output_free(struct output *o)
{
	if (!o)
		return;
	output_drain(o);
	while (o->pipes)
		pipe_close(o, o->pipes);
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		if (c->forward)
			fwd_flush_partial(c);
		sl_flush(c);
		if (c->hold) {
			loop_timer_cancel(o->x->l, &c->hold->timer);
			free(c->hold->fwd);
			free(c->hold->sl);
			free(c->hold);
		}
		if (c->capture) {
			free(c->capture->buf);
			free(c->capture->work);
			free(c->capture);
		}
		if (c->has_file)
			logfile_close(&c->lf);
		free(c->tail);
	}
	free(o->name);
	free(o);
}
