/* The bench's "sleep": at entry it appends "PID SECONDS.NANOSECONDS" (the
 * CLOCK_REALTIME at which the exec completed, give or take the dynamic
 * loader) to FILE with one O_APPEND write, then sleeps until killed.  This is
 * how the bench knows, to the microsecond, when each child was exec'd,
 * without polling /proc (whose starttime is the fork time, in 10 ms ticks).
 *
 * usage: stamp FILE */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (argc < 2)
		return 2;
	char buf[64];
	int len = snprintf(buf, sizeof buf, "%ld %lld.%09ld\n", (long)getpid(),
			   (long long)ts.tv_sec, ts.tv_nsec);
	int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		return 1;
	close(fd);
	for (;;)
		pause();
}
