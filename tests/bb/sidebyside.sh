#!/usr/bin/env bash
# supctl against supd and supervisorctl against the real supervisord (Debian's
# `supervisor`), side by side: the same config, the same invocations
# (tests/bb/sidebyside.cmds), the same output once pids, times and paths are
# normalised (norm below), and the same exit codes.  Skipped (77) when
# supervisord is not installed.
. "$(dirname "$0")/lib.sh"

SVD=$(command -v supervisord || true)
SVCTL=$(command -v supervisorctl || true)
if [ -z "$SVD" ] || [ -z "$SVCTL" ]; then
	echo "SKIP: supervisord/supervisorctl not installed"
	exit 77
fi
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
CMDS=${SIDEBYSIDE_CMDS:-$TOP_SRCDIR/tests/bb/sidebyside.cmds}
bb_setup

# One config for both daemons, in a directory of its own per run (the
# paths differ; norm makes them @D@).
write_conf() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/sv.conf" <<CONF
[unix_http_server]
file=$d/sock

[supervisord]
logfile=$d/main.log
pidfile=$d/pid
childlogdir=$d
$([ "$(id -u)" = 0 ] && echo user=root)

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$d/sock

[program:web]
command=sh -c 'echo web-out; echo web-err >&2; exec sleep 1000'
startsecs=1
stopwaitsecs=5

[program:crash]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=0

[program:a]
command=sh -c 'trap "" HUP; exec sleep 1000'
startsecs=0

[program:b]
command=sh -c 'trap "" HUP; exec sleep 1000'
startsecs=0

[group:grp]
programs=a,b
CONF
}

# pids, uptimes, dates and the run's directory, which differ by nature
norm() {
	sed -E -e "s|$1|@D@|g" \
		-e 's/pid [0-9]+/pid N/g' -e 's/^[1-9][0-9]*$/N/' \
		-e 's/uptime [0-9]+:[0-9]{2}:[0-9]{2}/uptime T/g' \
		-e 's/[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2} [AP]M/DATE/g'
}

# run_side NAME DAEMON CTL: start DAEMON -n on the config, run every line of
# $CMDS through CTL, write NAME.out (normalised output and exit codes).
run_side() {
	local name=$1 daemon=$2 ctl=$3 d="$T/$1" line pid
	write_conf "$d"
	"$daemon" -n -c "$d/sv.conf" >"$d/daemon.out" 2>&1 &
	pid=$!
	BB_PIDS+=("$pid")
	# both answer once web (startsecs=1) is RUNNING
	bb_wait 30 sh -c "'$ctl' -c '$d/sv.conf' status web 2>/dev/null | grep -q RUNNING" ||
		fail "$name: web never RUNNING"
	: >"$T/$name.out"
	while IFS= read -r line; do
		case $line in
		'' | '#'*) continue ;;
		'@wait '*)
			bb_wait 30 sh -c "'$ctl' -c '$d/sv.conf' status ${line#@wait } | grep -q RUNNING" ||
				fail "$name: ${line#@wait } never RUNNING"
			continue
			;;
		esac
		# '@sorted LINE': its output lines compared sorted: the "all"
		# actions list results in the order processes finish, which two
		# finishing at once do not fix (doc/compat.md).
		local sorted=
		case $line in '@sorted '*) sorted=1 line=${line#@sorted } ;; esac
		eval "set -- $line"
		{
			echo "\$ ctl $line"
			if [ -n "$sorted" ]; then
				timeout 30 "$ctl" -c "$d/sv.conf" "$@" </dev/null 2>&1 | sort
				echo "[exit ${PIPESTATUS[0]}]"
			else
				timeout 30 "$ctl" -c "$d/sv.conf" "$@" </dev/null 2>&1
				echo "[exit $?]"
			fi
		} | norm "$d" >>"$T/$name.out"
	done <"$CMDS"
	timeout 30 "$ctl" -c "$d/sv.conf" shutdown >/dev/null 2>&1
	bb_wait 30 sh -c "! kill -0 $pid 2>/dev/null" || fail "$name: daemon did not shut down"
	wait "$pid" 2>/dev/null
}

# supd's deliberate differences (doc/compat.md), applied to supervisorctl's
# output: `tail -f` of an unknown name says so instead of "Cannot read,
# status code 404" after the banner; help lists supd's `reopen`,
# `events`, `upgrade` and `wait` too.
deliberate() {
	awk '
		/^==> Press Ctrl-C to exit <==$/ { held = $0; next }
		held != "" {
			if (match($0, /\/logtail\/[^\/]+\/std(out|err) Cannot read, status code 404$/)) {
				name = $0
				sub(/ Cannot read.*/, "", name)
				sub(/\/std(out|err)$/, "", name)
				sub(/.*\/logtail\//, "", name)
				print name ": ERROR (no such process)"
				held = ""
				next
			}
			print held
			held = ""
		}
		/^add    exit      open  reload  restart   start   tail   $/ {
			print "add    events  maintail  quit    reopen   shutdown  status  update   wait"; next
		}
		/^avail  fg        pid   remove  shutdown  status  update $/ {
			print "avail  exit    open      reload  reread   signal    stop    upgrade"; next
		}
		/^clear  maintail  quit  reread  signal    stop    version$/ {
			print "clear  fg      pid       remove  restart  start     tail    version"; next
		}
		{ print }
		END { if (held != "") print held }'
}

run_side supervisord "$SVD" "$SVCTL"
deliberate <"$T/supervisord.out" >"$T/supervisord.tmp" && mv "$T/supervisord.tmp" "$T/supervisord.out"
run_side supd "$SUPD" "$SUPCTL"
# supervisorctl names itself by the path it was run as in its usage lines
sed -i -e "s|$SVCTL|supctl|g" "$T/supervisord.out"

n=$(grep -c '^\$ ctl' "$T/supd.out")
if ! diff -u "$T/supervisord.out" "$T/supd.out" >"$T/diff"; then
	cat "$T/diff" >&2
	fail "supctl differs from supervisorctl (- supervisorctl, + supctl), $n invocations"
fi
ok "$n invocations: same output and exit codes as supervisorctl"
