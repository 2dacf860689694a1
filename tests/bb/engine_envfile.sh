#!/usr/bin/env bash
# env_file (issue #14): KEY=VALUE files per program and in [supervisord],
# read as docker compose reads them; the later source wins in the order
# [supervisord] env_file < [supervisord] environment < program env_file <
# program environment; a missing file is an error naming it unless its path
# starts with '-'; a syntax error names the env file's line; a changed file
# is a changed program for `supctl update`.
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

cat >"$T/sd.env" <<'EOF2'
# supd-wide
export SD_FILE=sd-file
LEVEL=sd-file
EOF2
cat >"$T/prog.env" <<'EOF2'
LEVEL=prog-file # comment
QUOTED="a \"b\" # c"
SINGLE='$HOME stays'
EOF2
cat >"$T/later.env" <<'EOF2'
LATER=later-file
EOF2

bb_conf <<'EOF2'
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
env_file=sd.env
environment=SD_ENV=sd-env,LEVEL=sd-env

[unix_http_server]
file=@T@/supd.sock

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:show]
command=sh -c 'env > @T@/env.out.tmp && mv @T@/env.out.tmp @T@/env.out && exec sleep 1000'
startsecs=0
env_file=prog.env, -no-such.env, %(here)s/later.env
environment=OWN=prog-env
EOF2

timeout 10 "$SUPD" --check -c "$T/supd.conf" || fail "--check refused the config"
bb_start
bb_wait 10 test -s "$T/env.out"
val() { sed -n "s/^$1=//p" "$T/env.out"; }
expect_eq sd-file "$(val SD_FILE)" "[supervisord] env_file"
expect_eq sd-env "$(val SD_ENV)" "[supervisord] environment"
expect_eq prog-file "$(val LEVEL)" "program env_file over [supervisord]'s"
expect_eq 'a "b" # c' "$(val QUOTED)" "double-quoted value"
expect_eq '$HOME stays' "$(val SINGLE)" "single-quoted value"
expect_eq later-file "$(val LATER)" "the second file after an optional missing one"
expect_eq prog-env "$(val OWN)" "program environment"
ok "env_file sources merge in the documented order"

# environment= of the program wins over its env_file
printf 'OWN=from-file\nLEVEL=changed\n' >>"$T/later.env"
rm -f "$T/env.out"
run update
[ "$RC" = 0 ] || fail "supctl update: $OUT"
bb_wait 10 test -s "$T/env.out"
expect_eq changed "$(val LEVEL)" "a changed env file after update"
expect_eq prog-env "$(val OWN)" "program environment over its env_file"
ok "a changed env file restarts the program on update"
bb_stop

# a missing file without '-' is a config error naming it
sed -i 's/-no-such.env/no-such.env/' "$T/supd.conf"
set +e
out=$(timeout 10 "$SUPD" --check -c "$T/supd.conf" 2>&1)
rc=$?
set -e
expect_eq 2 "$rc" "--check exit code for a missing env file"
case $out in
*"supd.conf:16: env_file: $T/no-such.env: No such file or directory"*) ;;
*) fail "missing env file: $out" ;;
esac
ok "a missing env file is an error naming it"

# a syntax error names the env file's line
sed -i 's/no-such.env/-no-such.env/' "$T/supd.conf"
printf 'GOOD=1\n\n"bad"=2\n' >"$T/later.env"
set +e
out=$(timeout 10 "$SUPD" --check -c "$T/supd.conf" 2>&1)
rc=$?
set -e
expect_eq 2 "$rc" "--check exit code for a bad env file"
case $out in
*"$T/later.env:3: expected KEY=VALUE"*"(env_file at $T/supd.conf:16)"*) ;;
*) fail "bad env file: $out" ;;
esac
ok "an env file's syntax error names its file and line"
