/* output's pipes: each child pipe watched by the loop, its bytes moved
 * to the file with splice(2) through the relay when nothing needs them
 * in user space, read in chunks for the read path (output_line.c)
 * otherwise (output.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "output_int.h"

/* Can bytes bypass user space?  Only into a regular file that nothing
 * else needs them for. */
static bool fast_path(const struct out_chan *c)
{
	return c->splice_ok && c->lf && c->lf->fd >= 0 && c->lf->seekable &&
	       c->lf->last_error == 0 && !c->timestamps && !c->forward && !c->syslog &&
	       !c->journal && !c->events && !c->capture && !c->o->strip_ansi && !c->o->watch_cb &&
	       log_get_level() > LL_DEBG;
}

void out_pipe_close(struct output *o, struct out_pipe *pp)
{
	struct out_chan *c = pp->ch;
	loop_unwatch_fd(o->x->l, pp->fd);
	close(pp->fd);
	list_unlink(pp, link);
	free(pp);
	out_pipe_ended(c);
}

/* The relay: a pipe of supd's own between a child's pipe and its file.
 * splice(2) into a file holds the source pipe's lock during the whole copy
 * into the page cache, so a child writing at full speed would wait for
 * each copy.  Moving the bytes to the relay first (pipe to pipe: page
 * references, no copy) frees the child's pipe at once; the copy into the
 * file then runs while the child writes its next bytes, as with cat's
 * read+write, but with one copy.  Shared by all outputs (one loop, one
 * thread); empty between calls. */
bool out_relay_ready(struct output_ctx *x)
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

void out_relay_close(struct output_ctx *x)
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
		ssize_t w = logfile_splice(c->lf, x->relay[0], n);
		if (w <= 0) {
			if (w == -EINVAL)
				c->splice_ok = false;
			break;
		}
		n -= (size_t)w;
		c->total += (uint64_t)w;
		out_rotate_result(c);
	}
	while (n > 0) {
		ssize_t r = read(x->relay[0], x->rbuf, n < CHUNK ? n : CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* Cannot happen; never let these bytes reach another
			 * file. */
			out_relay_close(x);
			return;
		}
		n -= (size_t)r;
		out_chunk(c, x->rbuf, (size_t)r);
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
		if (fast_path(c) && out_relay_ready(x)) {
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
		out_chunk(c, x->rbuf, (size_t)n);
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
	uint64_t moved = 0;
	if (!pipe_pump(pp, CHUNKS_PER_EVENT, false, &moved))
		out_pipe_close(c->o, pp);
	else
		pipe_grow(pp, moved);
}

/* size: the pipe's capacity when known (an upgrade in place: the calls
 * are saved while the control socket is silent), else 0. */
static int add_pipe(struct output *o, struct out_chan *c, int fd, int size)
{
	struct out_pipe *pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->ch = c;
	pp->fd = fd;
	/* A blocking read would stall the whole loop: make sure. */
	int fl = size > 0 ? O_NONBLOCK : fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	pp->size = size > 0 ? size : fcntl(fd, F_GETPIPE_SZ);
	if (pp->size <= 0)
		pp->size = 64 * 1024;
	pp->grown = pp->size >= PIPE_BIG;
	int r = loop_watch_fd(o->x->l, fd, EPOLLIN, pipe_cb, pp);
	if (r < 0) {
		free(pp);
		return r;
	}
	list_push(&o->pipes, pp, link);
	return 0;
}

int output_attach(struct output *o, int fd_out, int fd_err)
{
	int r = 0;
	if (fd_out >= 0) {
		r = add_pipe(o, &o->ch[OUTPUT_STDOUT], fd_out, 0);
		if (r < 0) {
			close(fd_out);
			fd_out = -1;
		}
	}
	if (fd_err >= 0) {
		int r2 = add_pipe(o, &o->ch[OUTPUT_STDERR], fd_err, 0);
		if (r2 < 0) {
			close(fd_err);
			if (r == 0)
				r = r2;
		}
	}
	return r;
}

int output_adopt_pipe(struct output *o, enum output_channel ch, int fd, int size)
{
	int r = add_pipe(o, &o->ch[ch], fd, size);
	if (r < 0)
		close(fd);
	return r;
}

void output_drain(struct output *o)
{
	struct out_pipe *pp, *next;
	list_foreach_safe (pp, o->pipes, link, next) {
		/* Bounded: a descendant may keep writing forever. */
		uint64_t moved = 0;
		if (!pipe_pump(pp, 64, true, &moved))
			out_pipe_close(o, pp);
	}
}
