/* journal.c - the journal sink (journal.h): libsystemd loaded at run
 * time, like systemd's own optional libraries, so that supd links nothing
 * of it and a config without a journal sink keeps its memory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "journal.h"

#ifdef HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <systemd/sd-journal.h>

/* Process-wide by nature: the library is loaded once into the process,
 * and its handle is not state of any one daemon. */
static int (*sendv)(const struct iovec *iov, int n);
static int open_result = 1; /* 1: not tried yet */

bool journal_available(void)
{
	return true;
}

int journal_open(void)
{
	if (open_result <= 0)
		return open_result;
	/* RTLD_NODELETE: the library is never unloaded under a live pointer */
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h)
		return open_result = -ELIBACC;
	/* The prototype from the header checks the symbol's type. */
	__typeof__(sd_journal_sendv) *fn;
	*(void **)&fn = dlsym(h, "sd_journal_sendv");
	if (!fn)
		return open_result = -ELIBACC;
	sendv = fn;
	return open_result = 0;
}
#else
bool journal_available(void)
{
	return false;
}

int journal_open(void)
{
	return -ENOSYS;
}

static int (*sendv)(const struct iovec *iov, int n);
#endif

/* "<N>" with N a syslog priority at the line's start, as systemd reads a
 * service's stdout (SyslogLevelPrefix=). */
static int level_prefix(const char **line, size_t *len)
{
	const char *p = *line;
	if (*len >= 3 && p[0] == '<' && p[1] >= '0' && p[1] <= '7' && p[2] == '>') {
		*line += 3;
		*len -= 3;
		return p[1] - '0';
	}
	return -1;
}

int journal_line(const char *ident, const char *group, const char *stream, pid_t pid, int prio,
		 const char *line, size_t len)
{
	if (!sendv)
		return -ENOSYS;
	int lp = level_prefix(&line, &len);
	if (lp >= 0)
		prio = lp;
	/* sd_journal_sendv takes "KEY=value" iovecs and writes values with
	 * newlines in the binary form itself. */
	char f_prio[16], f_pid[32];
	snprintf(f_prio, sizeof(f_prio), "PRIORITY=%d", prio & 7);
	struct iovec iov[8];
	int n = 0;
	/* each field is one iovec: MESSAGE= and the line are copied together */
	char *msg = NULL;
	size_t mlen = 8 + len;
	char stackbuf[4096];
	char *m = mlen <= sizeof(stackbuf) ? stackbuf : (msg = malloc(mlen));
	if (!m)
		return -ENOMEM;
	memcpy(m, "MESSAGE=", 8);
	memcpy(m + 8, line, len);
	iov[n++] = (struct iovec){.iov_base = m, .iov_len = mlen};
	iov[n++] = (struct iovec){.iov_base = f_prio, .iov_len = strlen(f_prio)};
	char *f_ident = NULL, *f_prog = NULL, *f_group = NULL, *f_stream = NULL;
	int r = -ENOMEM;
	if (asprintf(&f_ident, "SYSLOG_IDENTIFIER=%s", ident) < 0) {
		f_ident = NULL;
		goto out;
	}
	iov[n++] = (struct iovec){.iov_base = f_ident, .iov_len = strlen(f_ident)};
	if (stream) {
		if (asprintf(&f_prog, "SUPD_PROGRAM=%s", ident) < 0) {
			f_prog = NULL;
			goto out;
		}
		iov[n++] = (struct iovec){.iov_base = f_prog, .iov_len = strlen(f_prog)};
		if (asprintf(&f_stream, "SUPD_STREAM=%s", stream) < 0) {
			f_stream = NULL;
			goto out;
		}
		iov[n++] = (struct iovec){.iov_base = f_stream, .iov_len = strlen(f_stream)};
	}
	if (group) {
		if (asprintf(&f_group, "SUPD_GROUP=%s", group) < 0) {
			f_group = NULL;
			goto out;
		}
		iov[n++] = (struct iovec){.iov_base = f_group, .iov_len = strlen(f_group)};
	}
	if (pid > 0) {
		snprintf(f_pid, sizeof(f_pid), "SUPD_PID=%ld", (long)pid);
		iov[n++] = (struct iovec){.iov_base = f_pid, .iov_len = strlen(f_pid)};
	}
	r = sendv(iov, n);
	if (r > 0)
		r = 0;
out:
	free(f_ident);
	free(f_prog);
	free(f_stream);
	free(f_group);
	free(msg);
	return r;
}
