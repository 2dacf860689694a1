/* The control plane's HTTP server: accepting connections, within the
 * bounds of doc/security.md.
 *
 * Each listener has its own budget (HTTP_MAX_CONNECTIONS), so that TCP
 * clients cannot take the unix socket's; TCP connections together keep to
 * half of RLIMIT_NOFILE, leaving fds for programs and the unix socket; a
 * TCP peer address gets HTTP_MAX_PER_PEER, another local user on a unix
 * socket all but HTTP_OWNER_RESERVE.  When there is no room, the oldest
 * connection that has not yet sent an authorized request (else the
 * oldest idle one) is closed for the newcomer; when there is none, the
 * listener pauses and clients wait in the backlog.  http_conn.c serves
 * what is accepted. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "http_int.h"
#include "log.h"

#define ACCEPT_BATCH 32	 /* accepts per listener event */
#define ACCEPT_PAUSE 100 /* ms without accepting after EMFILE, ENFILE... */

bool http_peer_key(const struct sockaddr *sa, socklen_t len, sa_family_t *family,
		   unsigned char key[8])
{
	memset(key, 0, 8);
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return true;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(struct sockaddr_in6))
		return false;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(key, a->s6_addr + 12, 4);
		*family = AF_INET;
	} else {
		/* One host commonly holds a whole /64: counting single
		 * addresses would give it 2^64 budgets. */
		memcpy(key, a->s6_addr, 8);
		*family = AF_INET6;
	}
	return true;
}

/* supd's own uid and root may always reach a unix listener. */
static bool peer_is_owner(const struct conn *c)
{
	return c->have_peer && (c->uid == 0 || c->uid == geteuid());
}

/* How many of ls's connections come from the same peer as c: the same
 * address on TCP, any other uid than the owner's on a unix socket. */
static unsigned peer_count(const struct http *h, const struct conn *c)
{
	unsigned n = 0;
	for (const struct conn *o = h->conns; o; o = o->link.next) {
		if (o->ls != c->ls)
			continue;
		if (c->ls->is_unix ? !peer_is_owner(o)
				   : o->peer_family == c->peer_family &&
					 !memcmp(o->peer_key, c->peer_key, sizeof(c->peer_key)))
			n++;
	}
	return n;
}

/* Is the new connection c over its peer's share of the listener? */
static bool peer_over(const struct http *h, const struct conn *c)
{
	if (c->ls->is_unix)
		return !peer_is_owner(c) &&
		       peer_count(h, c) >=
			   h->max_conns - h->max_conns * HTTP_OWNER_RESERVE / HTTP_MAX_CONNECTIONS;
	return c->peer_family && peer_count(h, c) >= HTTP_MAX_PER_PEER;
}

/* Which connections may be closed to make room. */
enum scope { ON_LISTENER, ON_TCP, ANYWHERE };

/* The connection to close when there is no room (in scope; ls for
 * ON_LISTENER): the oldest that never sent a whole authorized head
 * (unauthenticated, slow or silent), else the oldest idle between
 * requests.  A request in progress, parked or streaming is never chosen,
 * nor a connection younger than HTTP_EVICT_AGE_MS (its head may be on the
 * way): *later is then when the first of those comes of age (0: none).
 * NULL when there is none now. */
static struct conn *victim(struct http *h, enum scope sc, const struct listener *ls, int64_t *later)
{
	int64_t now = loop_now_ms();
	struct conn *best = NULL;
	int best_rank = 0;
	*later = 0;
	for (struct conn *c = h->conns; c; c = c->link.next) {
		if ((sc == ON_LISTENER && c->ls != ls) || (sc == ON_TCP && c->ls->is_unix) ||
		    c->dead || c->state != CS_HEAD)
			continue;
		int rank = !c->served ? 2 : !c->started ? 1 : 0;
		if (!rank)
			continue;
		if (now - c->since < HTTP_EVICT_AGE_MS) {
			if (!*later || c->since + HTTP_EVICT_AGE_MS < *later)
				*later = c->since + HTTP_EVICT_AGE_MS;
			continue;
		}
		if (rank > best_rank || (rank == best_rank && c->since < best->since)) {
			best = c;
			best_rank = rank;
		}
	}
	return best;
}

/* Takes the accepted fd as a connection of ls, unless its peer is over
 * its share.  Returns whether it was kept. */
static bool conn_new(struct listener *ls, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct http *h = ls->http;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return false;
	}
	c->http = h;
	c->ls = ls;
	c->fd = fd;
	if (ls->is_unix) {
		struct ucred uc;
		socklen_t sl = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) == 0) {
			c->have_peer = true;
			c->uid = uc.uid;
			c->pid = uc.pid;
			c->gid = uc.gid;
		}
	} else {
		http_peer_key(sa, salen, &c->peer_family, c->peer_key);
	}
	/* Closed before it costs anything; the client sees EOF and may come
	 * back when its others are done. */
	if (peer_over(h, c)) {
		log_debug("%s: too many connections from one peer: refused", ls->section);
	} else if (http_conn_start(c) == 0) {
		return true;
	}
	close(fd);
	free(c);
	return false;
}

static void listener_pause(struct listener *ls, int64_t retry_at)
{
	if (!ls->paused && loop_modify_fd(ls->http->loop, ls->fd, 0) == 0)
		ls->paused = true;
	if (retry_at)
		loop_timer_arm(ls->http->loop, &ls->retry, retry_at);
}

/* Accepting again; http_listener_readable pauses once more if there is
 * still no room. */
void http_listener_resume(struct listener *ls)
{
	if (ls->paused && loop_modify_fd(ls->http->loop, ls->fd, EPOLLIN) == 0)
		ls->paused = false;
}

/* A spell of failed accepts ends when every waiting client was taken (the
 * backlog is empty): not at the first success, which comes each time a
 * connection closes while fds stay short. */
static void spell_end(struct listener *ls)
{
	if (!ls->failing)
		return;
	log_info("%s: accepting connections again (%lu accepts had failed)", ls->section,
		 ls->fails);
	ls->failing = false;
	ls->fails = 0;
}

/* The connection to close for one more on ls: NULL with *full false when
 * there is room; NULL with *full true when there is none to make (then
 * *later: when a candidate comes of age, or 0). */
static struct conn *room_victim(struct listener *ls, bool *full, int64_t *later)
{
	struct http *h = ls->http;
	bool over_ls = ls->nconns >= h->max_conns;
	bool over_tcp = !ls->is_unix && h->ntcp >= h->max_tcp;
	*later = 0;
	*full = over_ls || over_tcp;
	if (!*full)
		return NULL;
	/* (a TCP listener's own connection frees a TCP slot too) */
	return victim(h, over_ls ? ON_LISTENER : ON_TCP, ls, later);
}

static void evict(struct conn *c, const char *why)
{
	log_debug("%s: %s: closing a connection %s", c->ls->section, why,
		  c->served ? "idle between requests" : "without a request yet");
	http_conn_free(c);
}

/* accept4 fails with EMFILE whether or not a client waits. */
static bool backlog_waiting(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A full listener first makes room by closing an idle unauthenticated
 * connection (once a client is there to take it); if there is none, it
 * stops accepting (clients wait in the backlog) until one of its
 * connections closes or a candidate comes of age.  Running out of fds
 * does the same across listeners, then pauses for a while rather than
 * spinning on a listener that stays readable. */
void http_listener_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct listener *ls = arg;
	struct http *h = ls->http;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int64_t later;
		bool full;
		struct conn *v = room_victim(ls, &full, &later);
		if (full && !v) {
			listener_pause(ls, later);
			return;
		}
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		int cfd = accept4(fd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				spell_end(ls);
				return;
			}
			int e = errno;
			if ((e == EMFILE || e == ENFILE) && !backlog_waiting(fd))
				return;
			if (e == EMFILE || e == ENFILE) {
				struct conn *w = victim(h, ANYWHERE, NULL, &later);
				if (w) {
					evict(w, strerror(e));
					continue;
				}
			}
			/* Said once per spell, not every ACCEPT_PAUSE. */
			if (!ls->failing)
				log_warn("%s: accept: %s (retrying every %d ms)", ls->section,
					 strerror(e), ACCEPT_PAUSE);
			ls->failing = true;
			ls->fails++;
			listener_pause(ls, loop_now_ms() + ACCEPT_PAUSE);
			return;
		}
		/* The victim goes once the new one is kept (not refused for
		 * its peer's count). */
		if (conn_new(ls, cfd, (struct sockaddr *)&sa, salen) && v)
			evict(v, "no room");
	}
}
