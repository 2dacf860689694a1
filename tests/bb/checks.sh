# Helpers of the readiness and health tests (engine_ready.sh,
# engine_health.sh): source after lib.sh.  $P is the program to probe.
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
: "${TOP_BUILDDIR:?TOP_BUILDDIR must point at the build directory}"
P="$TOP_BUILDDIR/tests/bb/probed"
[ -x "$P" ] || fail "no $P (make check builds it)"

# A TCP port free on 127.0.0.1 now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One supctl call per look at every process: $T/st.json, read by get.
snap() {
	ctl --json status >"$T/st.json" 2>/dev/null
	[ -s "$T/st.json" ] # exit 3: not all running
}

# get NAME FIELD: the field of the process in the last snap.
get() {
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1])):
	if p["name"] == sys.argv[2]:
		v = p[sys.argv[3]]
		print(json.dumps(v) if not isinstance(v, str) else v)' "$T/st.json" "$1" "$2"
}

# is NAME FIELD VALUE (one look)
is() {
	snap && [ "$(get "$1" "$2")" = "$3" ]
}

# all_in S NAME...: every NAME in state S (one look)
all_in() {
	local s=$1
	shift
	snap || return 1
	python3 -c 'import json, sys
st = {p["name"]: p["statename"] for p in json.load(open(sys.argv[1]))}
sys.exit(0 if all(st.get(n) == sys.argv[2] for n in sys.argv[3:]) else 1)' "$T/st.json" "$s" "$@"
}
