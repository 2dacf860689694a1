#!/usr/bin/env bash
# supctl reaches supd from what it reads of the config, whatever its size
# and format (#18): [supervisorctl] after hundreds of program sections, in
# an INI file with an [include], in YAML and in libconfig; and `status
# NAME` asks for that one process only (a max_response far below the
# whole list's size is enough for it).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
bb_setup

N=${SOAK:+10000}
N=${N:-300}

# The programs, in an included file (supd's business, not supctl's).
mkdir -p "$T/conf.d"
for ((i = 1; i <= N; i++)); do
	printf '[program:p%d]\ncommand=sleep 1000\nautostart=false\n\n' "$i"
done >"$T/conf.d/progs.ini"

# The main file: the socket, then programs of its own, and [supervisorctl]
# only after them, with a limit on the answer's size that the list of all
# processes exceeds.
{
	cat <<-EOF
	[supervisord]
	logfile=$T/supd.log
	pidfile=$T/supd.pid

	[unix_http_server]
	file=$T/supd.sock

	[include]
	files=conf.d/*.ini

	[program:web]
	command=sleep 1000
	startsecs=0

	[program:back\slash]
	command=sleep 1000
	autostart=false
	EOF
	for ((i = 1; i <= N; i++)); do
		printf '[program:q%d]\ncommand=sleep 1000\nautostart=false\n\n' "$i"
	done
	cat <<-EOF
	[supervisorctl]
	serverurl=unix://$T/supd.sock
	max_response=4KB
	EOF
} >"$T/supd.conf"

bb_start
bb_wait 60 grep -q "web entered RUNNING" "$T/supd.log"

WEB='web                              RUNNING   pid '
status_web() { # status_web CONFIG: supctl -c CONFIG status web shows it RUNNING
	local out rc
	out=$(timeout 60 "$SUPCTL" -c "$1" status web 2>&1)
	rc=$?
	[[ $out == "$WEB"* ]] || fail "supctl -c $1 status web: got '$out' (exit $rc)"
	expect_eq 0 "$rc" "exit code of supctl -c $1 status web"
}

status_web "$T/supd.conf"
ok "INI: [supervisorctl] after $((2 * N)) program sections (half of them included)"

expect_run 4 "nosuch: ERROR (no such process)" status nosuch
run status web p1 nosuch
[[ $OUT == *"nosuch: ERROR (no such process)"* && $OUT == *"p1 "*"STOPPED"* ]] ||
	fail "status web p1 nosuch: got '$OUT'"
expect_eq 3 "$RC" "exit code of status web p1 nosuch (p1 not running)"
ok "status of named processes, one request each"

# The whole list is more than max_response: it still fails as it should.
run status
[[ $OUT == *max_response* ]] || fail "status of all $((2 * N + 2)) with max_response=4KB: got '$OUT'"
ok "status of all still bounded by max_response"

# The list as tab-separated lines (what supctl status asks for): one a
# process, the fields in the API's order, '\' escaped.
if command -v curl >/dev/null; then
	TSV=$(timeout 10 curl -sf --unix-socket "$T/supd.sock" \
		'http://localhost/v1/processes?fields=name,group,statename&format=tsv') ||
		fail "GET /v1/processes?format=tsv failed"
	expect_eq $((2 * N + 2)) "$(wc -l <<<"$TSV")" "TSV lines"
	expect_eq "$(printf 'back\\\\slash\tback\\\\slash\tSTOPPED')" "$(grep '^back' <<<"$TSV")" "TSV line of back\\slash"
	expect_eq "$(printf 'web\tweb\tRUNNING')" "$(grep '^web' <<<"$TSV")" "TSV line of web"
	timeout 10 curl -s --unix-socket "$T/supd.sock" 'http://localhost/v1/processes?format=xml' |
		grep -q BAD_ARGUMENTS || fail "format=xml is not BAD_ARGUMENTS"
	ok "GET /v1/processes?format=tsv"
	ONE=$(timeout 10 curl -sf --unix-socket "$T/supd.sock" \
		'http://localhost/v1/processes/web?fields=name,statename') ||
		fail "GET /v1/processes/web?fields= failed"
	expect_eq '{"name":"web","statename":"RUNNING"}' "$ONE" "one process with fields="
	timeout 10 curl -s --unix-socket "$T/supd.sock" 'http://localhost/v1/processes/web?fields=nosuch' |
		grep -q BAD_ARGUMENTS || fail "fields=nosuch on one process is not BAD_ARGUMENTS"
	ok "GET /v1/processes/web?fields="
fi
sed -i 's/^max_response=4KB$/max_response=16MB/' "$T/supd.conf"
run status
expect_eq 3 "$RC" "exit code of status (all; some STOPPED)"
expect_eq "$(printf '%-33s%-10s%s' 'back\slash' STOPPED 'Not started')" "$(grep '^back' <<<"$OUT")" \
	"status line of back\\slash"
expect_eq $((2 * N + 2)) "$(wc -l <<<"$OUT")" "status lines"
ok "status of all from the TSV list"

# YAML and libconfig, with the client's sections after the programs.
{
	echo "programs:"
	for ((i = 1; i <= N; i++)); do printf '  q%d:\n    command: sleep 1000\n' "$i"; done
	printf 'supervisorctl:\n  serverurl: unix://%s/supd.sock\n' "$T"
} >"$T/ctl.yaml"
status_web "$T/ctl.yaml"
ok "YAML"
{
	echo "programs = {"
	for ((i = 1; i <= N; i++)); do printf '  q%d = { command = "sleep 1000"; };\n' "$i"; done
	echo "};"
	printf 'supervisorctl = { serverurl = "unix://%s/supd.sock"; };\n' "$T"
} >"$T/ctl.cfg"
status_web "$T/ctl.cfg"
ok "libconfig"

# Only [unix_http_server], after programs: its file is the URL.
{
	for ((i = 1; i <= N; i++)); do printf '[program:q%d]\ncommand=x\n' "$i"; done
	printf '[unix_http_server]\nfile=%s/supd.sock\n' "$T"
} >"$T/ctl.ini"
status_web "$T/ctl.ini"
ok "INI: [unix_http_server] alone, at the end"

# supctl reads only the parts of an INI file it needs (the part before
# the first header, and the sections it keeps): the rest is skipped in
# pieces of 32 KiB, so the file is made to span several, with the line
# numbers of what it reads still right.  bigini BEFORE AFTER: programs,
# then [supervisorctl] with a bad timeout, then more programs.
bigini() {
	local i
	printf '; a comment before any section\n\n'
	for ((i = 1; i <= $1; i++)); do printf '[program:q%d]\ncommand=sleep 1000\n\n' "$i"; done
	printf '[supervisorctl]\nserverurl=unix://%s/supd.sock\ntimeout=soon\n' "$T"
	for ((i = 1; i <= $2; i++)); do printf '\n[program:r%d]\ncommand=x\n' "$i"; done
}
bigini 2000 2000 >"$T/big.ini"
LINE=$(grep -n '^timeout=soon' "$T/big.ini" | cut -d: -f1)
((LINE > 6000)) || fail "big.ini: timeout= at line $LINE"
OUT=$(timeout 60 "$SUPCTL" -c "$T/big.ini" status web 2>&1) || true
[[ $OUT == *"$T/big.ini:$LINE: bad value 'soon' for timeout"* ]] ||
	fail "bad timeout in big.ini (line $LINE): got '$OUT'"
ok "INI in parts: [supervisorctl] at line $LINE of $(wc -l <"$T/big.ini"), its line named"
sed -i 's/^timeout=soon$/timeout=30/' "$T/big.ini"
status_web "$T/big.ini"
ok "INI in parts: the settings after 2000 sections"

# What sends the file to the whole-file parse gives the same: a \r\n
# file (its lines end at \r too), and an indented '[' line in a skipped
# section (a value's continuation here; it could open a section).
bigini 1000 10 | sed 's/$/\r/' >"$T/crlf.ini"
LINE=$(grep -n '^timeout=soon' "$T/crlf.ini" | cut -d: -f1)
OUT=$(timeout 60 "$SUPCTL" -c "$T/crlf.ini" status web 2>&1) || true
[[ $OUT == *"$T/crlf.ini:$LINE: bad value 'soon' for timeout"* ]] ||
	fail "bad timeout in crlf.ini (line $LINE): got '$OUT'"
sed -i 's/^timeout=soon\r$/timeout=30\r/' "$T/crlf.ini"
status_web "$T/crlf.ini"
{
	bigini 1000 0 | sed '/^timeout=soon$/d' | sed '/^\[supervisorctl\]$/,$d'
	printf '[program:s]\ncommand=sleep 1000\n    [not a section]\n'
	printf '[supervisorctl]\nserverurl=unix://%s/supd.sock\n' "$T"
} >"$T/indent.ini"
status_web "$T/indent.ini"
ok "INI with \\r\\n, and with an indented '[' line: read whole"

bb_stop
ok "done"
