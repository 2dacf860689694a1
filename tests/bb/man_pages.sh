#!/usr/bin/env bash
# The man pages keep up with the code: every option the config reader
# knows (its name tables in src/conf) is in supd.conf(5), every supctl
# command (supctl's own help listing) in supctl(1), and every long option
# of supd -h and supctl -h in supd(8) and supctl(1).
. "$(dirname "$0")/lib.sh"
: "${SUPCTL:?SUPCTL must point at the supctl binary}"
DOC=$TOP_SRCDIR/doc
missing=0

# mentioned MAN WORD: WORD in bold (.B/.BR line or \fB...\fR), with roff's
# escaped hyphens.
mentioned() {
	local w=${2//-/\\\\-}
	grep -qE "(^\.B[RI]? (.* )?\"?|\\\\fB)$w(\\\\f|\"|,| |$)" "$1"
}

# The config reader's option names: every string of its name tables
# (static const char *const *_opts[...] = { "name", ... };).
conf_opts=$(awk '
	/static const char \*const [a-z_]*opts\[[A-Z_0-9]*\] = \{/ { on = 1 }
	on {
		s = $0
		while (match(s, /"[a-z_.]+"/)) {
			print substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
		}
	}
	on && /};/ { on = 0 }' "$TOP_SRCDIR"/src/conf/*.c | sort -u)
n=$(echo "$conf_opts" | wc -w)
[ "$n" -ge 60 ] || fail "found only $n config options in src/conf (the tables moved?)"
for o in $conf_opts; do
	mentioned "$DOC/supd.conf.5" "$o" || {
		echo "supd.conf(5) does not document the option $o" >&2
		missing=$((missing + 1))
	}
done
ok "$n config options looked up in supd.conf(5)"

# supctl's commands, from its help listing (and help itself)
cmds=$("$SUPCTL" -c /dev/null help | sed -n '/^=====/,/^$/p' | grep -v '^=' | tr -s ' \n' '\n\n')
n=$(echo $cmds | wc -w)
[ "$n" -ge 20 ] || fail "supctl help listed only $n commands"
for c in $cmds help; do
	mentioned "$DOC/supctl.1" "$c" || {
		echo "supctl(1) does not document the command $c" >&2
		missing=$((missing + 1))
	}
done
ok "$n supctl commands looked up in supctl(1)"

# long options
for pair in "$SUPD:supd.8" "$SUPCTL:supctl.1"; do
	bin=${pair%%:*} man=${pair##*:}
	for o in $("$bin" -h | grep -oE -- '--[a-z][a-z_-]*' | sort -u); do
		mentioned "$DOC/$man" "$o" || {
			echo "$man does not document $o" >&2
			missing=$((missing + 1))
		}
	done
done
ok "long options of supd -h and supctl -h looked up"

[ "$missing" = 0 ] || fail "$missing things undocumented in the man pages"
