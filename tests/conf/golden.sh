#!/usr/bin/env bash
# Config golden tests: for each tests/conf/NAME.conf,
#   NAME.out   expected `supd --print-config` (exit 0), whose output must
#              parse again to the same bytes; NAME.warn: its expected stderr
#              (none: stderr must be empty);
#   NAME.json  expected `supd --print-config --json` (optional);
#   NAME.err   expected `supd --check` stderr, with exit code 2.
# NAME.yaml / NAME.cfg twins must print exactly NAME.out (or fail like
# NAME.err).  The config directory reads as @HERE@ in expected files.
# GOLDEN_REGEN=1 rewrites the expected files (review the diff!).
# ok-journal* need a supd built with libsystemd; err-journal-nolib is
# checked only in a build without it.
set -u
: "${SUPD:?SUPD must point at the supd binary}"
: "${TOP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

SRC=$(cd "$TOP_SRCDIR/tests/conf" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/supd-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# a fixed environment for %(ENV_X)s
run() {
	env -i PATH="$PATH" HOME=/nonexistent-golden/home GOLDEN_USER=no-such-user-golden GOLDEN_DIR=/nonexistent-golden/app \
		GOLDEN_PORT=9001 GOLDEN_EMPTY= "$SUPD" "$@"
}

norm() {
	sed -e "s|$SRC|@HERE@|g" -e "s|$TMP|@TMP@|g"
}

failures=0
checked=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# compare FILE-with-expected GOT-file WHAT
same() {
	if [ -n "${GOLDEN_REGEN:-}" ]; then
		cp "$2" "$1"
		return 0
	fi
	if ! cmp -s "$1" "$2"; then
		fail "$3"
		diff -u "$1" "$2" | head -n 40 >&2
		return 1
	fi
	return 0
}

cd "$SRC" || exit 1
nolib=
run --check -c err-journal-nolib.conf 2>&1 | grep -q 'built without libsystemd' && nolib=1
for conf in *.conf; do
	name=${conf%.conf}
	case $name in
	ok-journal*) [ -z "$nolib" ] || { echo "note: $conf skipped: supd was built without libsystemd"; continue; } ;;
	err-journal-nolib) [ -n "$nolib" ] || continue ;;
	esac
	checked=$((checked + 1))
	if [ -f "$name.err" ] || { [ -n "${GOLDEN_REGEN:-}" ] && [[ $name == err-* ]]; }; then
		run --check -c "$conf" >"$TMP/out" 2>"$TMP/raw"
		rc=$?
		norm <"$TMP/raw" >"$TMP/got"
		[ "$rc" = 2 ] || fail "$conf: --check exited $rc, expected 2"
		same "$name.err" "$TMP/got" "$conf: --check stderr"
		for twin in "$name.yaml" "$name.cfg"; do
			[ -f "$twin" ] || continue
			run --check -c "$twin" >/dev/null 2>&1
			rc=$?
			[ "$rc" = 2 ] || fail "$twin: --check exited $rc, expected 2 like $conf"
		done
		continue
	fi
	if [ ! -f "$name.out" ] && [ -z "${GOLDEN_REGEN:-}" ]; then
		fail "$conf: neither $name.out nor $name.err"
		continue
	fi
	run --print-config -c "$conf" >"$TMP/p1.conf" 2>"$TMP/raw"
	rc=$?
	[ "$rc" = 0 ] || { fail "$conf: --print-config exited $rc"; cat "$TMP/raw" >&2; continue; }
	norm <"$TMP/p1.conf" >"$TMP/got"
	same "$name.out" "$TMP/got" "$conf: --print-config output"
	norm <"$TMP/raw" >"$TMP/gotw"
	if [ -s "$TMP/gotw" ] || [ -f "$name.warn" ]; then
		if [ -f "$name.warn" ] || [ -n "${GOLDEN_REGEN:-}" ]; then
			same "$name.warn" "$TMP/gotw" "$conf: warnings"
		else
			fail "$conf: unexpected stderr"
			cat "$TMP/gotw" >&2
		fi
	fi
	# what was printed parses again to the same bytes
	run --print-config -c "$TMP/p1.conf" >"$TMP/p2.conf" 2>"$TMP/raw2"
	rc=$?
	[ "$rc" = 0 ] || { fail "$conf: reading the printed config exited $rc"; cat "$TMP/raw2" >&2; }
	cmp -s "$TMP/p1.conf" "$TMP/p2.conf" ||
		{ fail "$conf: printed config does not print again identically"; diff -u "$TMP/p1.conf" "$TMP/p2.conf" | head -n 20 >&2; }
	if [ -f "$name.json" ]; then
		run --print-config --json -c "$conf" 2>/dev/null | norm >"$TMP/gotj"
		same "$name.json" "$TMP/gotj" "$conf: --print-config --json output"
	fi
	for twin in "$name.yaml" "$name.cfg"; do
		[ -f "$twin" ] || continue
		run --print-config -c "$twin" 2>/dev/null | norm >"$TMP/gott"
		if ! cmp -s "$name.out" "$TMP/gott"; then
			fail "$twin: --print-config differs from $name.out"
			diff -u "$name.out" "$TMP/gott" | head -n 20 >&2
		fi
	done
done

[ "$checked" -ge 40 ] || fail "only $checked golden configs (at least 40 expected)"
if [ "$failures" -gt 0 ]; then
	echo "$failures golden failure(s) in $checked configs" >&2
	exit 1
fi
echo "ok: $checked golden configs"
