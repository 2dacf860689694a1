#!/usr/bin/env bash
# Access by role (doc/security.md, #17): three real users (made here with
# useradd, removed at exit) against every command class through supctl,
# curl on /v1, the real supervisorctl on /RPC2 and the web page's POST, on
# a unix socket whose roles come from peer credentials; then users= on
# [inet_http_server] with passwords in every stored form, wrong ones
# refused, and repeated failures answered later.  Needs root (useradd).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
	echo "skip: needs root, useradd and setpriv"
	exit 77
fi
command -v mkpasswd >/dev/null || { echo "skip: needs mkpasswd (package whois)"; exit 77; }
bb_setup

# Unique names (at most 32 characters), removed even on failure.
R=sar$$ O=sao$$ A=saa$$ G=sag$$
USERS=()
GROUP=
access_cleanup() {
	local u
	for u in "${USERS[@]+"${USERS[@]}"}"; do
		userdel "$u" >/dev/null 2>&1 || true
	done
	[ -z "$GROUP" ] || groupdel "$GROUP" >/dev/null 2>&1 || true
	bb_cleanup
}
trap access_cleanup EXIT
groupadd "$G" && GROUP=$G
for u in "$R" "$O" "$A"; do
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$u" && USERS+=("$u")
done
usermod -a -G "$G" "$O"

PORT=$(bb_free_port)

# Every stored form of a password (plain, {SHA}, yescrypt, sha512-crypt,
# bcrypt), one user each.
H_Y=$(mkpasswd -m yescrypt pw-y)
H_6=$(mkpasswd -m sha512crypt pw-6)
H_2=$(mkpasswd -m bcrypt pw-2)
H_S="{SHA}$(printf %s pw-s | sha1sum | cut -d' ' -f1)"
case "$H_Y$H_6$H_2" in *,* | *" "*) fail "a hash with a comma or blank" ;; esac

chmod 0755 "$T"
bb_conf <<EOF
[supervisord]
logfile=@T@/supd.log
pidfile=@T@/supd.pid
childlogdir=@T@

[unix_http_server]
file=@T@/supd.sock
chmod=0777
read_users=$R
operate_groups=$G
admin_users=$A

[inet_http_server]
port=127.0.0.1:$PORT
users=ry:read:$H_Y,
	o6:operate:$H_6,
	a2:admin:$H_2,
	rs:read:$H_S,
	rp:read:pw-p

[supervisorctl]
serverurl=unix://@T@/supd.sock

[program:p]
command=sleep 1000
startsecs=0

[program:q]
command=sleep 1000
startsecs=0
EOF
chmod 0644 "$T/supd.conf"
bb_start
bb_wait 20 test -S "$T/supd.sock"
bb_wait 20 ctl pid p

# as USER: CMD...
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups timeout 30 "$@"
}
# USER WANT-RC supctl ARGS: runs supctl as USER; OUT and RC
sc() {
	local u=$1
	shift
	set +e
	OUT=$(as "$u" "$SUPCTL" -c "$T/supd.conf" "$@" 2>&1)
	RC=$?
	set -e
}
# USER supctl ARGS... must be refused, naming USER and the role USER has
refused() {
	local u=$1 has=$2
	shift 2
	sc "$u" "$@"
	case "$OUT" in
	"ERROR (permission denied: user $u may only $has ("*) ;;
	*) fail "supctl $* as $u ($has): expected a refusal, got rc $RC: $OUT" ;;
	esac
	[ "$RC" != 0 ] || fail "supctl $* as $u: refused with exit 0"
	ok "supctl $* as $u ($has): refused, exit $RC"
}
allowed() {
	local u=$1
	shift
	sc "$u" "$@"
	case "$OUT" in
	*"permission denied"* | *ERROR*) fail "supctl $* as $u: $OUT" ;;
	esac
	ok "supctl $* as $u: $(printf %s "$OUT" | head -n 1)"
}

# ---- supctl, every class against every role (read: status, avail, pid,
# tail; operate: stop, start, restart, signal, clear; admin: reread,
# update, remove, reload, shutdown)
allowed "$R" status
allowed "$R" avail
allowed "$R" pid p
allowed "$R" tail p
allowed "$O" status
allowed "$A" status
refused "$R" read stop p
refused "$R" read signal HUP p
refused "$R" read clear p
refused "$R" read reread
refused "$R" read shutdown
allowed "$O" stop p
allowed "$O" start p
allowed "$O" signal HUP p
allowed "$O" clear p
refused "$O" operate reread
refused "$O" operate remove q
refused "$O" operate reload
allowed "$A" restart p
allowed "$A" reread
allowed "$A" update
# every refusal and state-changing call is logged with uid and pid
grep -q "control: refused POST /v1/processes/p/stop by uid $(id -u "$R") (pid [0-9]*) ($R): needs operate" "$T/supd.log" ||
	fail "the refusal is not logged with uid and pid"
grep -q "control: POST /v1/processes/p/stop by uid $(id -u "$O") (pid " "$T/supd.log" ||
	fail "the stop is not logged with uid and pid"
ok "refusals and actions logged with uid and pid"

# ---- a user with no role (nobody): nothing, not even status
sc nobody status
case "$OUT" in *"permission denied: user nobody has no role here"*) ;; *) fail "nobody's status: $OUT" ;; esac
[ "$RC" != 0 ] || fail "nobody's status exited 0"
ok "nobody: refused ($RC)"

# ---- curl on /v1
code() { # USER ARGS: HTTP status of curl as USER; the body in $T/body
	local out
	out=$(as "$1" curl -s -w '\n%{http_code}' --unix-socket "$T/supd.sock" "${@:2}")
	printf '%s\n' "$out" | sed '$d' >"$T/body"
	printf '%s\n' "$out" | tail -n 1
}
expect_eq 200 "$(code "$R" http://localhost/v1/processes)" "GET /v1/processes as reader"
expect_eq 403 "$(code "$R" -X POST http://localhost/v1/processes/p/stop)" "POST stop as reader"
grep -q "PERMISSION_DENIED" "$T/body" || fail "403 body: $(cat "$T/body")"
grep -q "user $R may only read" "$T/body" || fail "403 body: $(cat "$T/body")"
expect_eq 403 "$(code nobody http://localhost/v1/processes)" "GET /v1/processes as nobody"
expect_eq 403 "$(code nobody http://localhost/metrics)" "GET /metrics as nobody"
expect_eq 200 "$(code "$R" http://localhost/metrics)" "GET /metrics as reader"
expect_eq 403 "$(code "$O" -X POST http://localhost/v1/reread)" "POST reread as operator"
expect_eq 200 "$(code "$O" -X POST http://localhost/v1/processes/q/restart)" "restart as operator"
ok "curl /v1: roles enforced"

# ---- the web page's buttons
expect_eq 403 "$(code "$R" -d 'action=stop&processname=p' http://localhost/index.html)" "web stop as reader"
grep -q "may only read" "$T/body" || fail "web 403 page: $(cat "$T/body")"
expect_eq 200 "$(code "$R" http://localhost/index.html)" "web page as reader"
w=$(code "$O" -d 'action=stop&processname=q' http://localhost/index.html)
case "$w" in 200 | 30[0-9]) ;; *) fail "web stop as operator: $w" ;; esac
bb_wait 20 sh -c "'$SUPCTL' -c '$T/supd.conf' status q | grep -q STOPPED"
ok "web page: roles enforced"

# ---- the real supervisorctl on /RPC2
SCTL() { # USER ARGS
	set +e
	OUT=$(as "$1" supervisorctl -s "unix://$T/supd.sock" "${@:2}" 2>&1)
	RC=$?
	set -e
}
SCTL "$R" stop p
case "$OUT" in *"permission denied: user $R may only read"*) ;; *) fail "supervisorctl stop as reader: $OUT" ;; esac
[ "$RC" != 0 ] || fail "supervisorctl stop as reader exited 0"
ok "supervisorctl stop p as reader: $OUT (exit $RC)"
SCTL "$O" start q
case "$OUT" in *"q: started"*) ;; *) fail "supervisorctl start as operator: $OUT" ;; esac
SCTL "$O" shutdown
[ "$RC" != 0 ] || fail "supervisorctl shutdown as operator exited 0: $OUT"
case "$OUT" in *"permission denied"*) ;; *) fail "supervisorctl shutdown as operator: $OUT" ;; esac
ok "supervisorctl shutdown as operator: $OUT (exit $RC)"
ok "supervisorctl: faults for refused calls"

# ---- TCP: users= with every password form
U="http://127.0.0.1:$PORT"
tcode() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
for up in ry:pw-y o6:pw-6 a2:pw-2 rs:pw-s rp:pw-p; do
	expect_eq 200 "$(tcode -u "$up" "$U/v1/processes")" "login $up"
	expect_eq 401 "$(tcode -u "${up}x" "$U/v1/processes")" "login ${up}x (wrong)"
	# a right login clears the count: no slow-down between these
done
ok "TCP: yescrypt, sha512-crypt, bcrypt, {SHA} and plain accepted, wrong ones refused"
expect_eq 403 "$(tcode -u ry:pw-y -X POST "$U/v1/processes/p/stop")" "stop as TCP reader"
grep -q "user ry may only read" "$T/body" || fail "TCP 403 body: $(cat "$T/body")"
expect_eq 200 "$(tcode -u o6:pw-6 -X POST "$U/v1/processes/p/restart")" "restart as TCP operator"
expect_eq 403 "$(tcode -u o6:pw-6 -X POST "$U/v1/reread")" "reread as TCP operator"
expect_eq 200 "$(tcode -u a2:pw-2 -X POST "$U/v1/reread")" "reread as TCP admin"
grep -q "control: POST /v1/processes/p/restart by user o6 via inet_http_server" "$T/supd.log" ||
	fail "TCP action not logged with its user"
ok "TCP: roles enforced"

# ---- repeated failures from one address: its next attempts wait their turn
for i in 1 2 3 4 5; do
	expect_eq 401 "$(timeout 30 curl -s -o /dev/null -w '%{http_code}' -u ry:bad "$U/v1/processes")" "bad login $i"
done
bb_wait_log 10 "inet_http_server: 5 failed logins in a row from one client: its next attempts wait their turn, 500 ms apart"
expect_eq 200 "$(tcode -u ry:pw-y "$U/v1/processes")" "right login after failures"
ok "TCP: repeated failures slowed down"

# ---- a reload applies new lists: the reader may operate now
sed -i "s/^read_users=$R\$/read_users=$R\noperate_users=$R/" "$T/supd.conf"
grep -q "^operate_users=$R\$" "$T/supd.conf" || fail "conf not edited"
sc "$A" reload
case "$OUT" in *"Restarted supervisord"*) ;; *) fail "reload as admin: $OUT" ;; esac
bb_wait 30 sh -c "'$SUPCTL' -c '$T/supd.conf' status p | grep -q RUNNING"
allowed "$R" stop p

# ---- admin: shutdown
sc "$A" shutdown
case "$OUT" in *"Shut down"*) ;; *) fail "shutdown as admin: $OUT" ;; esac
bb_wait 30 bb_not_alive "$SUPD_PID"
ok "admin shut supd down"
