# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the project's cached builds (the debug kernel, QEMU) share, sourced
# by their build scripts, which define say().

# cache_prune ROOT DAYS KEEP...: under ROOT's lock, remove what builds that
# died left (ROOT's hidden directories) and the results unused for DAYS
# days, but the directories KEEP.
cache_prune() {
	local root=$1 days=$2 d k
	shift 2
	for d in "$root"/.*/; do
		d=${d%/}
		case "${d##*/}" in . | ..) continue ;; esac
		[ -d "$d" ] || continue
		say "removing $d, left by an interrupted build"
		rm -rf -- "$d"
	done
	for d in "$root"/*/; do
		d=${d%/}
		[ -d "$d" ] || continue
		for k in "$@"; do
			[ "$d" != "$k" ] || continue 2
		done
		if [ -n "$(find "$d" -maxdepth 0 -mtime +"$days")" ]; then
			say "removing $d, unused for $days days"
			rm -rf -- "$d"
		fi
	done
}
