/* bench/faults.c: what this host charges for a page of new anonymous
 * memory, two ways: written page by page (a page fault each), and made
 * resident by one madvise(MADV_POPULATE_WRITE) (Linux 5.14).  supd's
 * upgrade and config loads trade the first for the second
 * (daemon_reserve_heap); this is the physical reference for that trade.
 * Prints "FAULT_US POPULATE_US" per page, the median of 5 rounds of 8 MiB. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define BYTES  (8u << 20)
#define ROUNDS 5

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static char *fresh(void)
{
	char *p = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* (4 KiB pages, as malloc's heap gets them here: no huge page) */
	madvise(p, BYTES, MADV_NOHUGEPAGE);
	return p;
}

int main(void)
{
	const size_t pages = BYTES / 4096;
	double touch[ROUNDS], pop[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		volatile char *p = fresh();
		double t0 = now_us();
		for (size_t i = 0; i < BYTES; i += 4096)
			p[i] = 1;
		touch[r] = (now_us() - t0) / (double)pages;
		munmap((void *)p, BYTES);
		char *q = fresh();
		t0 = now_us();
		if (madvise(q, BYTES, MADV_POPULATE_WRITE) < 0) {
			perror("madvise(MADV_POPULATE_WRITE)");
			return 1;
		}
		pop[r] = (now_us() - t0) / (double)pages;
		munmap(q, BYTES);
	}
	qsort(touch, ROUNDS, sizeof(double), cmp);
	qsort(pop, ROUNDS, sizeof(double), cmp);
	printf("%.2f %.2f\n", touch[ROUNDS / 2], pop[ROUNDS / 2]);
	return 0;
}
