#!/bin/sh
# Runs the libFuzzer targets (configure --enable-fuzzing) for a while each,
# starting from the seed corpora.  make check runs it for 10 s per target;
# longer runs:  FUZZ_SECONDS=600 FUZZ_TARGETS=yaml tests/fuzz/short.sh
# A crash fails the run and leaves its input in tests/fuzz/ of the build
# directory (fuzz_<target>-crash-...).
set -eu
top_build=${TOP_BUILDDIR:-.}
top_src=${TOP_SRCDIR:-$(dirname "$0")/../..}
secs=${FUZZ_SECONDS:-10}
targets=${FUZZ_TARGETS:-ini yaml cfg ctl_resp http_api http_req xmlrpc}
work=$(mktemp -d "${TMPDIR:-/tmp}/supd-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
LSAN_OPTIONS=suppressions=$top_src/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS

for t in $targets; do
	mkdir "$work/$t"
	# New inputs go to the scratch corpus (first directory); the seeds
	# in the source tree are only read.  stdin is /dev/null: an input may
	# include /dev/stdin.
	"$top_build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 -dict="$top_src/tests/fuzz/$t.dict" \
		-artifact_prefix="$top_build/tests/fuzz/fuzz_$t-" \
		"$work/$t" "$top_src/tests/fuzz/corpus_$t" </dev/null
done
