/* output's read path: a chunk read from a pipe goes through capture mode
 * and strip_ansi to the log file (stamped or not), the tail buffer, the
 * forwarded lines and syslog (output.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "journal.h"
#include "log.h"
#include "output_int.h"
#include "utf8.h"

static void sl_flush(struct out_chan *c);
static void capture_add(struct out_chan *c, const char *p, size_t n);

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

static void notice(struct out_chan *c, bool dropping, int err, uint64_t dropped)
{
	struct output_ctx *x = c->o->x;
	if (!x->notice)
		return;
	struct output_notice n = {.name = c->o->name,
				  .stream = out_label(c),
				  .path = c->lf->path,
				  .dropping = dropping,
				  .err = err,
				  .dropped = dropped};
	x->notice(&n, x->notice_arg);
}

static void file_result(struct out_chan *c, int was, int r)
{
	if (r < 0 && !was) {
		log_warn("'%s' %s log %s: %s: dropping output until writing works again",
			 c->o->name, out_label(c), c->lf->path, strerror(-r));
		notice(c, true, -r, 0);
	} else if (r >= 0 && was && c->lf->last_error == 0) {
		uint64_t lost = c->lf->dropped;
		log_warn("'%s' %s log %s: writing works again, %llu bytes were dropped", c->o->name,
			 out_label(c), c->lf->path, (unsigned long long)lost);
		c->dropped += lost;
		c->lf->dropped = 0;
		notice(c, false, 0, lost);
	}
}

/* Said once when rotation starts failing, once when it works again. */
void out_rotate_result(struct out_chan *c)
{
	if (c->lf->rotate_error == c->rotate_reported)
		return;
	if (c->lf->rotate_error && !c->rotate_reported)
		log_warn("'%s' %s log %s: cannot rotate: %s; the file keeps growing", c->o->name,
			 out_label(c), c->lf->path, strerror(c->lf->rotate_error));
	else if (!c->lf->rotate_error)
		log_info("'%s' %s log %s: rotating works again", c->o->name, out_label(c),
			 c->lf->path);
	c->rotate_reported = c->lf->rotate_error;
}

static void file_write(struct out_chan *c, const char *p, size_t n)
{
	if (!c->lf || n == 0)
		return;
	int was = c->lf->last_error;
	file_result(c, was, logfile_write(c->lf, p, n));
	out_rotate_result(c);
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
	if (c->lf && c->lf->seekable)
		return;
	if (!c->tail && c->o->tail_size)
		c->tail = malloc(c->o->tail_size);
	if (!out_tail_cap(c))
		return;
	if (n > out_tail_cap(c)) {
		p += n - out_tail_cap(c);
		n = out_tail_cap(c);
	}
	size_t first = out_tail_cap(c) - c->tail_head;
	if (first > n)
		first = n;
	memcpy(c->tail + c->tail_head, p, first);
	memcpy(c->tail, p + first, n - first);
	c->tail_head = (c->tail_head + n) % out_tail_cap(c);
}

/* ---------------------------------------------------------------- forward */

/* Appends to a held partial line; each time it reaches FWD_MAX_LINE,
 * flush(c) writes it out as a piece of its own.  Without memory the bytes
 * are not held (nor written). */
static void hold_add(struct out_chan *c, struct out_line *h, const char *p, size_t n,
		     void (*flush)(struct out_chan *c))
{
	if (!h->buf && !(h->buf = malloc(FWD_MAX_LINE)))
		return;
	while (n > 0) {
		size_t k = FWD_MAX_LINE - h->len;
		if (k > n)
			k = n;
		memcpy(h->buf + h->len, p, k);
		h->len += k;
		p += k;
		n -= k;
		if (h->len == FWD_MAX_LINE)
			flush(c);
	}
}

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
	if (!c->hold || c->hold->fwd.len == 0)
		return;
	if (wbuf_reserve(c->o->x, c->hold->fwd.len + fwd_overhead(c)) < 0)
		return;
	char *wbuf = c->o->x->wbuf;
	char st[STAMP_LEN + 1];
	if (c->o->fwd_stamps)
		stamp(st);
	size_t w = 0;
	fwd_prefix(c, &w, c->hold->fwd_cont, st);
	memcpy(wbuf + w, c->hold->fwd.buf, c->hold->fwd.len);
	w += c->hold->fwd.len;
	wbuf[w++] = '\n';
	write_fully(out_fwd_fd(c), wbuf, w);
	c->hold->fwd.len = 0;
	c->hold->fwd_cont = true;
	if (!c->hold->sl.len)
		loop_timer_cancel(c->o->x->l, &c->hold->timer);
}

void out_hold_timer_cb(struct loop *l, void *arg)
{
	fwd_flush_partial(arg);
	sl_flush(arg);
}

static void hold_timer_arm(struct out_chan *c)
{
	if (!loop_timer_armed(&c->hold->timer))
		loop_timer_arm(c->o->x->l, &c->hold->timer, loop_now_ms() + FWD_HOLD_MS);
}

static void fwd_hold(struct out_chan *c, const char *p, size_t n)
{
	hold_add(c, &c->hold->fwd, p, n, fwd_flush_partial);
	if (c->hold->fwd.len)
		hold_timer_arm(c);
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
	size_t need = c->hold->fwd.len + (size_t)(last_nl + 1 - p) + lines * fwd_overhead(c);
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
		if (first && c->hold->fwd.len) {
			memcpy(wbuf + w, c->hold->fwd.buf, c->hold->fwd.len);
			w += c->hold->fwd.len;
		}
		memcpy(wbuf + w, q, k);
		w += k;
		q += k;
		first = false;
	}
	write_fully(out_fwd_fd(c), wbuf, w);
	c->hold->fwd.len = 0;
	c->hold->fwd_cont = false;
	if (!c->hold->sl.len)
		loop_timer_cancel(c->o->x->l, &c->hold->timer);
	if (q < end)
		fwd_hold(c, q, (size_t)(end - q));
}

/* stdout_syslog: one message per line, "name line", like supervisord;
 * lines are joined across reads and bounded like forwarded ones. */
static void sl_emit(struct out_chan *c, const char *p, size_t n)
{
	int prio = c->id == OUTPUT_STDOUT ? LOG_INFO : LOG_ERR;
	if (c->syslog)
		c->o->x->syslog_sink(prio, c->o->name, p, n);
	if (!c->journal)
		return;
	int r = journal_line(c->o->name, c->o->group, out_label(c), c->o->pid, prio, p, n);
	/* said once when sending starts failing, once when it works again */
	if (r < 0 && !c->journal_reported)
		log_warn("'%s' %s: cannot send to the journal: %s; dropping lines until it works",
			 c->o->name, out_label(c), strerror(-r));
	else if (r >= 0 && c->journal_reported)
		log_info("'%s' %s: sending to the journal works again", c->o->name, out_label(c));
	c->journal_reported = r < 0 ? -r : 0;
}

static void sl_flush(struct out_chan *c)
{
	if (!c->hold)
		return;
	if (c->hold->sl.len)
		sl_emit(c, c->hold->sl.buf, c->hold->sl.len);
	c->hold->sl.len = 0;
}

static void to_syslog(struct out_chan *c, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (nl && c->hold->sl.len == 0) {
			sl_emit(c, p, k);
		} else {
			hold_add(c, &c->hold->sl, p, k, sl_flush);
			if (nl)
				sl_flush(c);
		}
		if (nl)
			k++;
		p += k;
		n -= k;
	}
	if (c->hold->sl.len)
		hold_timer_arm(c);
}

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
	if (c->syslog || c->journal)
		to_syslog(c, p, n);
}

/* Where a piece of output goes: the capture buffer while capturing,
 * otherwise the log file and the rest. */

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
	if (c->o->watch_cb && n)
		c->o->watch_cb(c->o, c->id, OUTPUT_EV_LOG, p, n, c->o->watch_arg);
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
				  out_label(c), n);
			return;
		}
		k->buf = b;
		k->cap = nc;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

/* At loglevel debug, each chunk in supd's log as supervisord writes it:
 * as text when it is UTF-8, else as Python's repr of the bytes, so that
 * supd's own log stays valid UTF-8 whatever a child writes. */
static void debug_chunk(struct out_chan *c, const char *p, size_t n)
{
	if (log_get_level() > LL_DEBG)
		return;
	if (utf8_valid((const unsigned char *)p, n)) {
		log_debug("'%s' %s output:\n%.*s", c->o->name, out_label(c), (int)n, p);
		return;
	}
	struct buf b = {0};
	utf8_pyrepr(&b, (const unsigned char *)p, n);
	if (b.oom)
		log_debug("'%s' %s output:\nUndecodable: (%zu bytes)", c->o->name, out_label(c), n);
	else
		log_debug("'%s' %s output:\nUndecodable: %s", c->o->name, out_label(c), b.p);
	free(b.p);
}

/* At a token: BEGIN starts a capture, END sends what was captured as a
 * PROCESS_COMMUNICATION event. */
static void capture_toggle(struct out_chan *c)
{
	struct out_capture *k = c->capture;
	if (k->on) {
		debug_chunk(c, k->buf ? k->buf : "", k->len);
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
			 out_label(c), k->len);
	k->on = false;
	k->len = 0;
}

/* A chunk read from a pipe (at most CHUNK bytes): debug log, then its
 * pieces. */
void out_chunk(struct out_chan *c, char *p, size_t n)
{
	debug_chunk(c, p, n);
	if (c->capture)
		capture_scan(c, p, n);
	else
		piece_out(c, p, n);
}

void out_pipe_ended(struct out_chan *c)
{
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

void out_flush_held(struct out_chan *c)
{
	if (c->forward)
		fwd_flush_partial(c);
	sl_flush(c);
}
