#!/usr/bin/env bash
# supd's command line: supervisord's options and exit codes.
. "$(dirname "$0")/lib.sh"
bb_setup

out=$("$SUPD" -v) || fail "supd -v exited $?"
[ -n "$out" ] || fail "supd -v printed nothing"
ok "supd -v prints $out"

"$SUPD" -h | grep -q -- '-c/--configuration' || fail "supd -h does not list -c"
ok "supd -h"

# -? is help too, as in supervisord and supervisorctl
"$SUPD" -? | grep -q -- '-c/--configuration' || fail "supd -? does not print the usage"
"$SUPCTL" -? | grep -q -- '-c/--configuration' || fail "supctl -? does not print the usage"
set +e
"$SUPCTL" -x >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_eq 2 "$rc" "supctl with an unknown option"
expect_eq "Error: option -x not recognized
For help, use supctl -h" "$(cat "$T/err")" "supctl -x"
ok "supd -?, supctl -? and supctl -x"

set +e
"$SUPD" --no-such-option >/dev/null 2>"$T/err"
rc=$?
set -e
expect_eq 2 "$rc" "exit code of an unknown option"
grep -q '^Error: ' "$T/err" || fail "unknown option: no 'Error:' line"
grep -q 'For help, use supd -h' "$T/err" || fail "unknown option: no help hint"
ok "unknown option exits 2"

set +e
"$SUPD" -c "$T/x.conf" extra 2>"$T/err"
rc=$?
set -e
expect_eq 2 "$rc" "exit code with a positional argument"
ok "positional argument exits 2"

set +e
"$SUPD" --check -c "$T/missing.conf" >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_eq 2 "$rc" "--check of a missing file"
grep -q "missing.conf" "$T/err" || fail "--check of a missing file does not name it"
ok "--check of a missing file exits 2 and names it"
