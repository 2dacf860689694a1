#!/bin/sh
# Runs the libFuzzer targets (configure --enable-fuzzing) for a while each,
# starting from the seed corpora.  make check runs it for 10 s per target;
# longer runs:  FUZZ_SECONDS=600 FUZZ_TARGETS=yaml tests/fuzz/short.sh
# or a number of executions:  FUZZ_RUNS=10000000 FUZZ_TARGETS=ini ...
# A crash fails the run and leaves its input in tests/fuzz/ of the build
# directory (fuzz_<target>-crash-...).
# FUZZ_CHROOT=1 (as root, for long runs): the config targets see only
# their own directory as / (tests/fuzz/common.h), so every path they are
# given is relative to the real root, their working directory.
set -eu
top_build=$(cd "${TOP_BUILDDIR:-.}" && pwd)
top_src=$(cd "${TOP_SRCDIR:-$(dirname "$0")/../..}" && pwd)
p() {
	if [ -n "${FUZZ_CHROOT:-}" ]; then printf '%s' "${1#/}"; else printf '%s' "$1"; fi
}
secs=${FUZZ_SECONDS:-10}
targets=${FUZZ_TARGETS:-ini yaml cfg ctl_resp http_api http_req xmlrpc query statefile upgrade envfile cron}
work=$(mktemp -d "${TMPDIR:-/tmp}/supd-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
LSAN_OPTIONS=suppressions=$(p "$top_src/tests/fuzz/lsan.supp"):print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS
# ASan's quarantine (256 MB by default) keeps freed memory out of reuse to
# catch late use-after-free; with inputs that each allocate and free
# thousands of blocks, it means fresh pages, page faults and memset for
# every allocation.  The config targets' time went mostly to the
# allocator (perf: Allocate, the stack depot, page faults and the 0xbe
# fill of new blocks): a 1 MB quarantine still holds many inputs' worth of
# an input's own blocks, 4 frames of allocation stack are enough to name
# the allocating function, and the fill finds nothing ASan checks.  2.2x
# faster for fuzz_ini (1,250 -> 2,700 runs/s, same load).
ASAN_OPTIONS=quarantine_size_mb=1:malloc_context_size=4:max_malloc_fill_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS

# (the targets' own directories too: with FUZZ_CHROOT they cannot remove
# theirs, which LSan's check at exit still reads)
TMPDIR=$work
export TMPDIR
[ -z "${FUZZ_CHROOT:-}" ] || cd /
for t in $targets; do
	mkdir "$work/$t"
	# New inputs go to the scratch corpus (first directory); the seeds
	# in the source tree are only read.  stdin is /dev/null: an input may
	# include /dev/stdin.
	"$top_build/tests/fuzz/fuzz_$t" -max_total_time="$secs" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=10 \
		-print_final_stats=1 -dict="$(p "$top_src/tests/fuzz/$t.dict")" \
		-artifact_prefix="$(p "$top_build/tests/fuzz/fuzz_$t-")" \
		"$(p "$work/$t")" "$(p "$top_src/tests/fuzz/corpus_$t")" </dev/null
done
