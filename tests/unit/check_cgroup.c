/* cgroup: the same code as in supd, run against a fake cgroupfs (a plain
 * directory with the files a cgroup has), checking every file it writes:
 * the subtree, the leaves, the limits (and their reset), the kill, the
 * stats, and what a dead supd left (cgroups_leftovers). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

static char fs[64];

static void put(const char *dir, const char *file, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *dir, const char *file)
{
	static char buf[256];
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* A leaf as the kernel would show it: made by supd's mkdir, its files
 * made here (a plain directory has none). */
static void fake_leaf(const char *dir)
{
	put(dir, "cgroup.procs", "");
	put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	put(dir, "cgroup.kill", "");
	put(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	put(dir, "memory.current", "4096\n");
	put(dir, "memory.peak", "8192\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n");
	put(dir, "pids.current", "3\n");
}

static void setup(void)
{
	snprintf(fs, sizeof(fs), "/tmp/check_cgroup.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fs));
	/* the host's root: no cgroup.events */
	put(fs, "cgroup.procs", "1\n");
	put(fs, "cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	put(fs, "cgroup.subtree_control", "");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fs);
	ck_assert_int_eq(system(cmd), 0);
}

static struct cgroups *open_host(void)
{
	struct cgroups_opts o = {.fs = fs, .self = "/", .name = "supd-test", .fake = true};
	struct cgroups *cg;
	char why[512];
	ck_assert_int_eq(cgroups_open(&cg, &o, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "host: "));
	return cg;
}

/* cgroup_path's buffer */
static char pb[PATH_MAX];

START_TEST(test_not_cgroup2)
{
	struct cgroups_opts o = {.fs = fs, .self = "/", .name = "x"};
	struct cgroups *cg;
	char why[512];
	ck_assert_int_lt(cgroups_open(&cg, &o, why, sizeof(why)), 0);
	ck_assert_ptr_null(cg);
	ck_assert_ptr_nonnull(strstr(why, "is not a cgroup2 filesystem"));
	o.off = true;
	ck_assert_int_eq(cgroups_open(&cg, &o, why, sizeof(why)), -ECANCELED);
	ck_assert_str_eq(why, "cgroups=off in the config");
}
END_TEST

START_TEST(test_host_layout)
{
	struct cgroups *cg = open_host();
	char base[256], leaf[300];
	snprintf(base, sizeof(base), "%s/supd-test", fs);
	ck_assert_str_eq(cgroups_base(cg), base);
	ck_assert_int_eq(cgroups_mode(cg), CGROUP_HOST);
	ck_assert_uint_eq(cgroups_controllers(cg),
			  CGROUP_C_CPU | CGROUP_C_MEMORY | CGROUP_C_PIDS | CGROUP_C_IO);
	/* each controller enabled for the subtree, one write each (the
	 * last one is what the plain file keeps) */
	ck_assert_str_eq(get(fs, "cgroup.subtree_control"), "+io");
	struct cgroup *c;
	ck_assert_int_eq(cgroup_open(cg, "grp", "p1", &c), 0);
	snprintf(leaf, sizeof(leaf), "%s/grp/p1", base);
	ck_assert_str_eq(cgroup_path(c, pb, sizeof(pb)), leaf);
	snprintf(leaf, sizeof(leaf), "%s/grp/p1/cgroup.procs", base);
	ck_assert_str_eq(cgroup_procs_path(c, pb, sizeof(pb)), leaf);
	struct stat st;
	snprintf(leaf, sizeof(leaf), "%s/grp", base);
	ck_assert_int_eq(stat(leaf, &st), 0);
	/* the group passes the controllers on to its leaves */
	ck_assert_str_eq(get(leaf, "cgroup.subtree_control"), "+io");
	cgroup_close(c);
	/* an empty leaf (a plain directory with no files here) goes; its
	 * group would with it, but for the file the fake keeps */
	snprintf(leaf, sizeof(leaf), "%s/grp/p1", base);
	ck_assert_int_lt(stat(leaf, &st), 0);
	snprintf(leaf, sizeof(leaf), "%s/grp/cgroup.subtree_control", base);
	ck_assert_int_eq(unlink(leaf), 0);
	cgroups_close(cg);
	ck_assert_int_lt(stat(base, &st), 0);
}
END_TEST

START_TEST(test_limits)
{
	struct cgroups *cg = open_host();
	struct cgroup *c;
	ck_assert_int_eq(cgroup_open(cg, "web", "web", &c), 0);
	const char *d = cgroup_path(c, pb, sizeof(pb));
	struct conf_cgroup l = {
	    .memory_max = 256 << 20,
	    .memory_high = 200 << 20,
	    .memory_swap_max = UINT64_MAX,
	    .cpu_quota_us = 50000,
	    .cpu_period_us = 100000,
	    .cpu_weight = 50,
	    .pids_max = 64,
	    .io_weight = 300,
	    .set = CONF_CG_MEMORY_MAX | CONF_CG_MEMORY_HIGH | CONF_CG_MEMORY_SWAP_MAX |
		   CONF_CG_CPU_MAX | CONF_CG_CPU_WEIGHT | CONF_CG_PIDS_MAX | CONF_CG_IO_WEIGHT,
	};
	unsigned missing = 99;
	char err[512] = "";
	ck_assert_int_eq(cgroup_set_limits(c, &l, &missing, err, sizeof(err)), 0);
	ck_assert_uint_eq(missing, 0);
	ck_assert_str_eq(get(d, "memory.max"), "268435456");
	ck_assert_str_eq(get(d, "memory.high"), "209715200");
	ck_assert_str_eq(get(d, "memory.swap.max"), "max");
	ck_assert_str_eq(get(d, "cpu.max"), "50000 100000");
	ck_assert_str_eq(get(d, "cpu.weight"), "50");
	ck_assert_str_eq(get(d, "pids.max"), "64");
	ck_assert_str_eq(get(d, "io.weight"), "default 300");
	/* a reload that drops them: the kernel's defaults again */
	l.set = CONF_CG_MEMORY_MAX;
	l.cpu_quota_us = -1;
	ck_assert_int_eq(cgroup_set_limits(c, &l, &missing, err, sizeof(err)), 0);
	ck_assert_str_eq(get(d, "memory.max"), "268435456");
	ck_assert_str_eq(get(d, "memory.high"), "max");
	ck_assert_str_eq(get(d, "cpu.max"), "max 100000");
	ck_assert_str_eq(get(d, "cpu.weight"), "100");
	ck_assert_str_eq(get(d, "pids.max"), "max");
	ck_assert_str_eq(get(d, "io.weight"), "default 100");
	ck_assert_uint_eq(cgroup_limits_need(&l), CGROUP_C_MEMORY);
	cgroup_close(c);
	cgroups_close(cg);
}
END_TEST

START_TEST(test_missing_controller)
{
	put(fs, "cgroup.controllers", "cpu hugetlb\n");
	struct cgroups *cg = open_host();
	ck_assert_uint_eq(cgroups_controllers(cg), CGROUP_C_CPU);
	struct cgroup *c;
	ck_assert_int_eq(cgroup_open(cg, "m", "m", &c), 0);
	struct conf_cgroup l = {.memory_max = 1 << 20,
				.pids_max = 5,
				.cpu_weight = 10,
				.set = CONF_CG_MEMORY_MAX | CONF_CG_PIDS_MAX | CONF_CG_CPU_WEIGHT};
	unsigned missing = 0;
	char err[512];
	ck_assert_int_eq(cgroup_set_limits(c, &l, &missing, err, sizeof(err)), 0);
	ck_assert_uint_eq(missing, CGROUP_C_MEMORY | CGROUP_C_PIDS);
	ck_assert_str_eq(cgroups_controller_name(CGROUP_C_MEMORY), "memory");
	ck_assert_ptr_null(get(cgroup_path(c, pb, sizeof(pb)), "memory.max"));
	ck_assert_str_eq(get(cgroup_path(c, pb, sizeof(pb)), "cpu.weight"), "10");
	cgroup_close(c);
	cgroups_close(cg);
}
END_TEST

START_TEST(test_kill_stats_leftovers)
{
	struct cgroups *cg = open_host();
	struct cgroup *c;
	ck_assert_int_eq(cgroup_open(cg, "g", "a", &c), 0);
	const char *d = cgroup_path(c, pb, sizeof(pb));
	fake_leaf(d);
	ck_assert_int_eq(cgroup_populated(c), 0);
	/* members are signalled one by one: cgroup.kill is never written */
	ck_assert_int_eq(cgroup_kill(c), 0);
	ck_assert_str_eq(get(d, "cgroup.kill"), "");
	struct cgroup_stats s;
	ck_assert_int_eq(cgroup_stats(c, &s), 0);
	ck_assert_uint_eq(s.cpu_usec, 1500);
	ck_assert_int_eq(s.mem_current, 4096);
	ck_assert_int_eq(s.mem_peak, 8192);
	ck_assert_int_eq(s.nprocs, 3);
	ck_assert_uint_eq(s.oom_kills, 1);
	put(d, "cgroup.procs", "100\n101\n102\n");
	pid_t v[2];
	ck_assert_int_eq(cgroup_pids(c, v, 2), 3);
	ck_assert_int_eq(v[0], 100);
	ck_assert_int_eq(v[1], 101);
	/* longer than one read's buffer, a number cut at its end, and a
	 * last line without its newline */
	static char many[16000];
	many[0] = 0;
	for (int i = 0; i < 1500; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%d", i ? "\n" : "",
			 1000000 + i);
	put(d, "cgroup.procs", many);
	static pid_t w[2000];
	ck_assert_int_eq(cgroup_pids(c, w, 2000), 1500);
	for (int i = 0; i < 1500; i++)
		ck_assert_int_eq(w[i], 1000000 + i);
	/* what a supd killed with SIGKILL leaves: populated leaves */
	put(d, "cgroup.events", "populated 1\nfrozen 0\n");
	ck_assert_int_eq(cgroup_populated(c), 1);
	ck_assert_int_eq(cgroups_leftovers(cg, NULL, NULL), 1);
	cgroup_close(c);
	cgroups_close(cg);
}
END_TEST

/* /metrics' reads: the descriptors kept within the budget, read again
 * with pread (new text each time), none kept without budget. */
START_TEST(test_stats_kept)
{
	struct cgroups *cg = open_host();
	struct cgroup *c;
	ck_assert_int_eq(cgroup_open(cg, "g", "k", &c), 0);
	const char *d = cgroup_path(c, pb, sizeof(pb));
	fake_leaf(d);
	struct cgroup_statfds f;
	cgroup_statfds_init(&f);
	struct cgroup_stats s;
	int budget = 0;
	ck_assert_int_eq(cgroup_stats_kept(c, &f, &budget, &s), 0);
	for (int i = 0; i < CGROUP_STATFDS; i++)
		ck_assert_int_eq(f.fd[i], -1);
	ck_assert_uint_eq(s.cpu_usec, 1500);
	budget = 2;
	ck_assert_int_eq(cgroup_stats_kept(c, &f, &budget, &s), 0);
	ck_assert_int_eq(budget, 0);
	ck_assert_int_ge(f.fd[0], 0); /* cpu.stat */
	ck_assert_int_ge(f.fd[1], 0); /* memory.current */
	ck_assert_int_eq(f.fd[2], -1);
	int kept = f.fd[0];
	put(d, "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
	put(d, "memory.current", "12288\n");
	budget = 100;
	ck_assert_int_eq(cgroup_stats_kept(c, &f, &budget, &s), 0);
	ck_assert_int_eq(f.fd[0], kept);
	ck_assert_uint_eq(s.cpu_usec, 2500);
	ck_assert_int_eq(s.mem_current, 12288);
	ck_assert_int_eq(s.mem_peak, 8192);
	ck_assert_int_eq(s.nprocs, 3);
	ck_assert_uint_eq(s.oom_kills, 1);
	ck_assert_int_eq(budget, 97); /* .peak, .events, pids.current */
	cgroup_statfds_close(&f);
	/* without pids.current: cgroup.procs counted, however long */
	char p[512], many[8000] = "";
	snprintf(p, sizeof(p), "%s/pids.current", d);
	ck_assert_int_eq(unlink(p), 0);
	for (int i = 0; i < 1000; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%d\n", 1000 + i);
	put(d, "cgroup.procs", many);
	ck_assert_int_eq(cgroup_stats(c, &s), 0);
	ck_assert_int_eq(s.nprocs, 1000);
	ck_assert_int_eq(cgroup_stats_kept(c, &f, &budget, &s), 0);
	ck_assert_int_eq(s.nprocs, 1000);
	put(d, "cgroup.procs", "7\n8\n");
	ck_assert_int_eq(cgroup_stats_kept(c, &f, &budget, &s), 0);
	ck_assert_int_eq(s.nprocs, 2);
	cgroup_statfds_close(&f);
	ck_assert_int_eq(f.fd[0], -1);
	cgroup_close(c);
	cgroups_close(cg);
}
END_TEST

START_TEST(test_container_moves_supd)
{
	/* a namespace's root has cgroup.events */
	put(fs, "cgroup.events", "populated 1\n");
	struct cgroups_opts o = {.fs = fs, .self = "/", .pid1 = true, .fake = true};
	struct cgroups *cg;
	char why[512], self[256];
	ck_assert_int_eq(cgroups_open(&cg, &o, why, sizeof(why)), 0);
	ck_assert_int_eq(cgroups_mode(cg), CGROUP_CONTAINER);
	ck_assert_str_eq(cgroups_base(cg), fs);
	snprintf(self, sizeof(self), "%s/supd.self", fs);
	/* supd wrote "0" into its own leaf's cgroup.procs */
	ck_assert_str_eq(get(self, "cgroup.procs"), "0");
	cgroups_close(cg);
	/* and back into its cgroup at the end */
	ck_assert_str_eq(get(fs, "cgroup.procs"), "0");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("fake cgroupfs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_not_cgroup2);
	tcase_add_test(tc, test_host_layout);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_missing_controller);
	tcase_add_test(tc, test_kill_stats_leftovers);
	tcase_add_test(tc, test_container_moves_supd);
	tcase_add_test(tc, test_stats_kept);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
