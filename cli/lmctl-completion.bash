# SPDX-License-Identifier: GPL-2.0
#
# bash completion for lmctl(8). Devices come from /sys/class/lm; their
# functions from each device's num_fns. LMCTL_SYSFS_CLASS, when set, stands
# for /sys/class/lm (tests/completion.sh).

_lmctl_devs()
{
	local d
	for d in "${LMCTL_SYSFS_CLASS:-/sys/class/lm}"/lm*; do
		[[ -e $d ]] && echo "${d##*/}"
	done
	return 0
}

_lmctl_fns()
{
	local d n i
	for d in "${LMCTL_SYSFS_CLASS:-/sys/class/lm}"/lm*; do
		[[ -r $d/num_fns ]] || continue
		n=$(<"$d/num_fns")
		# Thousands of functions are no use as a completion list.
		((n > 256)) && n=256
		for ((i = 0; i < n; i++)); do
			echo "${d##*/}/$i"
		done
	done
	return 0
}

# The handles, devices or functions, that complete the current word.
_lmctl_handles()
{
	local kind=$1 cur=$2
	case $kind in
	dev) COMPREPLY=($(compgen -W "$(_lmctl_devs)" -- "$cur")) ;;
	fn) COMPREPLY=($(compgen -W "$(_lmctl_fns)" -- "$cur")) ;;
	any) COMPREPLY=($(compgen -W "$(_lmctl_devs) $(_lmctl_fns)" -- "$cur")) ;;
	esac
}

# Complete KEY VALUE pairs: $1 the keys with their values ("key:v1,v2"
# or "key:" for a free value), the words after the handle in the rest.
_lmctl_pairs()
{
	local spec=$1 cur=$2 prev=$3 keys="" s k
	for s in $spec; do
		k=${s%%:*}
		if [[ $prev == "$k" ]]; then
			s=${s#*:}
			[[ -z $s ]] || COMPREPLY=($(compgen -W "${s//,/ }" -- "$cur"))
			return 0
		fi
		keys+=" $k"
	done
	COMPREPLY=($(compgen -W "$keys help" -- "$cur"))
}

_lmctl()
{
	local cur prev words cword i obj="" cmd="" nargs=0
	_init_completion || return

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) continue ;;
		esac
		if [[ -z $obj ]]; then
			obj=${words[i]}
		elif [[ -z $cmd ]]; then
			cmd=${words[i]}
		else
			nargs=$((nargs + 1))
		fi
	done

	if [[ -z $obj ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j --json -p --pretty -V --version -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "dev fn monitor help" -- "$cur"))
		fi
		return
	fi

	case $obj in
	dev)
		if [[ -z $cmd ]]; then
			COMPREPLY=($(compgen -W "show help" -- "$cur"))
		elif [[ $cmd == show && $nargs -eq 0 ]]; then
			_lmctl_handles dev "$cur"
		fi
		;;
	fn)
		if [[ -z $cmd ]]; then
			COMPREPLY=($(compgen -W "show provision set reset save restore migrate attach detach help" -- "$cur"))
			return
		fi
		case $cmd in
		show)
			((nargs == 0)) && _lmctl_handles any "$cur"
			;;
		reset | detach)
			((nargs == 0)) && _lmctl_handles fn "$cur"
			;;
		attach)
			if ((nargs == 0)); then
				_lmctl_handles fn "$cur"
			elif ((nargs == 1)); then
				COMPREPLY=($(compgen -W "vfio" -- "$cur"))
			fi
			;;
		save | restore)
			if ((nargs == 0)); then
				_lmctl_handles fn "$cur"
			elif ((nargs == 1)); then
				_filedir
				[[ $cur == "" || $cur == - ]] && COMPREPLY+=(-)
			fi
			;;
		provision)
			if ((nargs == 0)); then
				_lmctl_handles fn "$cur"
			else
				_lmctl_pairs "queues: irqs: memory: online:on,off" "$cur" "$prev"
			fi
			;;
		set)
			if ((nargs == 0)); then
				_lmctl_handles fn "$cur"
			else
				_lmctl_pairs "migratable:on,off state:running,stop,running_p2p" "$cur" "$prev"
			fi
			;;
		migrate)
			if ((nargs < 2)); then
				_lmctl_handles fn "$cur"
			else
				_lmctl_pairs "precopy:on,off rounds:" "$cur" "$prev"
			fi
			;;
		esac
		;;
	monitor)
		COMPREPLY=($(compgen -W "all dev fn help" -- "$cur"))
		;;
	esac
} &&
	complete -F _lmctl lmctl
