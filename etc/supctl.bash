# bash completion for supctl: options, commands, and the names of the
# processes and groups of the supd the command line points at (asked with
# supctl status / avail, using the same -c, -s, -u and -p).
# Installed as supctl in bash-completion's completions directory.

_supctl_names() {
	# $1: status (processes) or avail (every configured process); the
	# options that choose the server are in _supctl_conn
	supctl "${_supctl_conn[@]}" "$1" 2>/dev/null | awk '
		{ n = $1; print n
		  i = index(n, ":"); if (i) g[substr(n, 1, i - 1)] = 1 }
		END { for (k in g) print k ":*" }'
}

_supctl_groups() {
	supctl "${_supctl_conn[@]}" avail 2>/dev/null | awk '
		{ n = $1; i = index(n, ":"); print (i ? substr(n, 1, i - 1) : n) }' | sort -u
}

_supctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="add avail clear exit fg help maintail open pid quit reload remove
		reopen reread restart shutdown signal start status stop tail update upgrade version wait"
	local options="-c --configuration -h --help -i --interactive -s --serverurl
		-u --username -p --password -r --history-file --json -v --version"
	local i cmd= cmdi=0
	_supctl_conn=()
	COMPREPLY=()
	# the command is the first word that is neither an option nor its value
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --configuration | -s | --serverurl | -u | --username | -p | --password)
			_supctl_conn+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
			i=$((i + 1))
			;;
		-r | --history-file) i=$((i + 1)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]} cmdi=$i
			break
			;;
		esac
	done
	if [ -z "$cmd" ]; then
		case $prev in
		-c | --configuration | -r | --history-file)
			COMPREPLY=($(compgen -f -- "$cur"))
			return
			;;
		-s | --serverurl | -u | --username | -p | --password) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	local n=$((COMP_CWORD - cmdi)) # which word after the command
	case $cmd in
	help)
		[ $n = 1 ] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	status)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--resources" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "all $(_supctl_names status)" -- "$cur"))
		fi
		;;
	start | stop | restart | pid | clear)
		COMPREPLY=($(compgen -W "all $(_supctl_names status)" -- "$cur"))
		;;
	wait)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--ready --healthy --completed --timeout" -- "$cur"))
		elif [ "$prev" != --timeout ]; then
			COMPREPLY=($(compgen -W "$(_supctl_names status)" -- "$cur"))
		fi
		;;
	signal)
		if [ $n = 1 ]; then
			COMPREPLY=($(compgen -W "HUP INT QUIT KILL USR1 USR2 TERM STOP CONT" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "all $(_supctl_names status)" -- "$cur"))
		fi
		;;
	tail)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-f" -- "$cur"))
		elif [[ $prev == "$cmd" || $prev == -* ]]; then
			COMPREPLY=($(compgen -W "$(_supctl_names status)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "stdout stderr" -- "$cur"))
		fi
		;;
	maintail)
		COMPREPLY=($(compgen -W "-f" -- "$cur"))
		;;
	fg)
		[ $n = 1 ] && COMPREPLY=($(compgen -W "$(_supctl_names status)" -- "$cur"))
		;;
	upgrade)
		[ $n = 1 ] && COMPREPLY=($(compgen -f -- "$cur"))
		;;
	add | remove | update)
		COMPREPLY=($(compgen -W "$([ "$cmd" = update ] && echo all) $(_supctl_groups)" -- "$cur"))
		;;
	esac
}
complete -F _supctl supctl
