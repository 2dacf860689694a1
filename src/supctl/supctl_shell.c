/* supctl's interactive side: the shell (libedit, with completion of
 * command and process names, and a history file), and fg, which ties the
 * terminal to one process: its stdout and stderr followed to ours, our
 * stdin sent to it line by line. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <editline/readline.h>

#include "supctl_int.h"

/* ---------------------------------------------------------------- shell */

static struct ctl *shell_ctl;

static char *command_gen(const char *text, int state)
{
	static size_t i;
	if (!state)
		i = 0;
	const char *const *names = ctl_command_names();
	for (; names[i]; i++)
		if (!strncmp(names[i], text, strlen(text)))
			return strdup(names[i++]);
	return NULL;
}

/* Process names for completion, fetched once per completed word. */
static char *name_gen(const char *text, int state)
{
	static struct reply rep;
	static size_t i;
	if (!state) {
		ctl_reply_free(&rep);
		i = 0;
		struct ctl *x = shell_ctl;
		memset(&rep, 0, sizeof(rep));
		if (ctl_request(&x->c, "GET", "/v1/processes?fields=group,name", NULL, 0, &rep.resp,
				NULL, NULL) < 0 ||
		    rep.resp.status != 200 || !rep.resp.body)
			return NULL;
		rep.j = json_loadb(rep.resp.body, rep.resp.len, 0, NULL);
	}
	json_t *all = json_object_get(rep.j, "processes");
	char ns[600];
	while (i < json_array_size(all)) {
		json_t *p = json_array_get(all, i++);
		ctl_make_namespec(ctl_jstr(p, "group"), ctl_jstr(p, "name"), ns, sizeof(ns));
		if (!strncmp(ns, text, strlen(text)))
			return strdup(ns);
	}
	if (!strncmp("all", text, strlen(text)) && i++ == json_array_size(all))
		return strdup("all");
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	if (start == 0)
		return rl_completion_matches(text, command_gen);
	return rl_completion_matches(text, name_gen);
}

/* Ctrl-C while a command runs ends that command, not supctl: the handler
 * shuts the command's connection down (async-signal-safe), the blocked
 * request then fails, and what the command would say about that is not
 * printed (ctl_interrupted); the shell prints a newline, as
 * supervisorctl's KeyboardInterrupt does, and starts a new connection. */
static volatile sig_atomic_t interrupted;

bool ctl_interrupted(void)
{
	return interrupted;
}

static void shell_on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
	if (shell_ctl && shell_ctl->c.fd >= 0)
		shutdown(shell_ctl->c.fd, SHUT_RDWR);
}

static int shell_run(struct ctl *x, const char *line)
{
	struct sigaction sa = {.sa_handler = shell_on_sigint}, old;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	int r = supctl_line(x, line);
	sigaction(SIGINT, &old, NULL);
	if (interrupted) {
		interrupted = 0;
		putchar('\n');
		fflush(stdout);
		ctl_client_free(&x->c);
		if (ctl_client_init(&x->c, x->url, x->user, x->pass) < 0)
			r = 1;
	}
	return r;
}

void ctl_shell(struct ctl *x)
{
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "%s> ", x->prompt ? x->prompt : "supervisor");
	shell_ctl = x;
	rl_attempted_completion_function = complete;
	using_history();
	if (x->history)
		read_history(x->history);
	for (;;) {
		char *line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		if (*line)
			add_history(line);
		x->json = false;
		int r = shell_run(x, line);
		free(line);
		if (r)
			break;
	}
	if (x->history)
		write_history(x->history);
}

/* ---------------------------------------------------------------- fg */

static volatile sig_atomic_t fg_interrupted;

static void fg_on_sigint(int sig)
{
	(void)sig;
	fg_interrupted = 1;
}

/* Only a 200's body is the log: an error body is not shown. */
static int fg_write(void *arg, const char *buf, size_t len)
{
	const struct ctl_resp *resp = arg;
	return resp->status == 200 ? ctl_write_out(NULL, buf, len) : 0;
}

/* supervisorctl's fgthread: one log of the process followed to our stdout,
 * on a connection of its own, in a child (the client blocks) that the
 * caller kills when fg ends, or that dies with us. */
static pid_t fg_follow(struct ctl *x, const char *e, const char *channel)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	signal(SIGINT, SIG_DFL);
	struct ctl_client c;
	char path[1400];
	snprintf(path, sizeof(path), "/v1/processes/%s/log/%s?follow=true", e, channel);
	if (ctl_client_init(&c, x->url, x->user, x->pass) == 0) {
		c.lim = x->c.lim;
		struct ctl_resp resp;
		if (ctl_request(&c, "GET", path, NULL, 0, &resp, fg_write, &resp) == 0)
			ctl_resp_free(&resp);
		ctl_client_free(&c);
	}
	_exit(0);
}

enum fg_end { FG_ON, FG_DONE, FG_KILLED };

/* Sends one line; supervisorctl then checks the process still runs. */
static enum fg_end fg_send(struct ctl *x, const char *e, const char *line, size_t len)
{
	json_t *j = json_pack("{s:s%}", "chars", line, len);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body) {
		ctl_out("ERROR: input is not UTF-8 text");
		return FG_ON;
	}
	char path[1300];
	snprintf(path, sizeof(path), "/v1/processes/%s/stdin", e);
	struct ctl_resp resp;
	int r = ctl_request(&x->c, "POST", path, body, strlen(body), &resp, NULL, NULL);
	free(body);
	if (r < 0) {
		ctl_out("ERROR: %s: %s", x->url, strerror(-r));
		x->exitstatus = EX_GENERIC;
		return FG_DONE;
	}
	json_t *a = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	json_t *err = json_object_get(a, "error");
	enum fg_end end = FG_ON;
	if (resp.status != 200 || err) {
		const char *code = ctl_jstr(err, "code");
		if (!strcmp(code, "NOT_RUNNING")) {
			end = FG_KILLED;
		} else {
			ctl_out("ERROR: %s: %s", *code ? code : "FAILED", ctl_jstr(err, "message"));
			end = FG_DONE;
		}
	} else if (ctl_jint(a, "state") != 20) {
		end = FG_KILLED;
	}
	json_decref(a);
	ctl_resp_free(&resp);
	return end;
}

/* Whether the process is still RUNNING (asked once a second while fg
 * waits for input, so that its death ends fg). */
static bool fg_running(struct ctl *x, const char *e)
{
	char path[1300];
	snprintf(path, sizeof(path), "/v1/processes/%s", e);
	struct ctl_resp resp;
	if (ctl_request(&x->c, "GET", path, NULL, 0, &resp, NULL, NULL) < 0)
		return false;
	json_t *a =
	    resp.status == 200 && resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	bool running = ctl_jint(a, "state") == 20;
	json_decref(a);
	ctl_resp_free(&resp);
	return running;
}

/* Reads stdin and sends it line by line until EOF, Ctrl-C, or the end of
 * the process. */
static enum fg_end fg_input(struct ctl *x, const char *e)
{
	static char buf[65536];
	size_t n = 0;
	for (;;) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		int pr = fg_interrupted ? -1 : poll(&pfd, 1, 1000);
		if (fg_interrupted)
			return FG_DONE;
		if (pr < 0 && errno != EINTR)
			return FG_DONE;
		if (pr == 0) {
			if (!fg_running(x, e))
				return fg_interrupted ? FG_DONE : FG_KILLED;
			continue;
		}
		if (pr < 0)
			continue;
		ssize_t r = read(STDIN_FILENO, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			/* As raw_input: a last line without its newline still
			 * goes, with one. */
			if (n) {
				buf[n++] = '\n';
				return fg_send(x, e, buf, n) == FG_KILLED ? FG_KILLED : FG_DONE;
			}
			return FG_DONE;
		}
		n += (size_t)r;
		char *nl;
		size_t done = 0;
		while ((nl = memchr(buf + done, '\n', n - done))) {
			size_t len = (size_t)(nl - (buf + done)) + 1;
			enum fg_end end = fg_send(x, e, buf + done, len);
			if (end != FG_ON)
				return end;
			done += len;
		}
		if (done == 0 && n == sizeof(buf) - 1) {
			/* A line longer than the buffer goes in pieces. */
			enum fg_end end = fg_send(x, e, buf, n);
			if (end != FG_ON)
				return end;
			done = n;
		}
		memmove(buf, buf + done, n - done);
		n -= done;
	}
}

int cmd_fg(struct ctl *x, int argc, char **argv)
{
	if (argc == 0) {
		ctl_out("ERROR: no process name supplied");
		ctl_help_line("fg");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	if (argc > 1) {
		ctl_out("ERROR: too many process names supplied");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	char e[1200], path[1300];
	ctl_enc(argv[0], e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/processes/%s", e);
	struct reply rep;
	if (ctl_call(x, "GET", path, &rep) < 0)
		return 0;
	if (rep.code) {
		if (!strcmp(rep.code, "BAD_NAME")) {
			ctl_out("ERROR: bad process name supplied");
			x->exitstatus = EX_GENERIC;
		} else {
			ctl_out("ERROR: %s: %s", rep.code, rep.msg ? rep.msg : "");
		}
		ctl_reply_free(&rep);
		return 0;
	}
	bool running = ctl_jint(rep.j, "state") == 20;
	ctl_reply_free(&rep);
	if (!running) {
		ctl_out("ERROR: process not running");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	/* Ctrl-C is caught from before the banner that invites it. */
	struct sigaction sa = {.sa_handler = fg_on_sigint}, old;
	sigemptyset(&sa.sa_mask);
	fg_interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	ctl_out("==> Press Ctrl-C to exit <==");
	fflush(stdout);
	pid_t kids[2] = {fg_follow(x, e, "stdout"), fg_follow(x, e, "stderr")};
	enum fg_end end = fg_input(x, e);
	sigaction(SIGINT, &old, NULL);
	for (int i = 0; i < 2; i++) {
		if (kids[i] > 0) {
			kill(kids[i], SIGTERM);
			waitpid(kids[i], NULL, 0);
		}
	}
	if (end == FG_KILLED)
		ctl_out("Process got killed");
	ctl_out("Exiting foreground");
	return 0;
}
