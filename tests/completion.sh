#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lmctl's bash completion, word by word. bash-completion's helpers are
# stood in for by the two the script uses; devices come from a fake
# /sys/class/lm (LMCTL_SYSFS_CLASS).
set -euo pipefail
cd "$(dirname "$0")/.."

sys=$(mktemp -d)
trap 'rm -rf "$sys"' EXIT
mkdir -p "$sys/lm0" "$sys/lm3"
echo 2 > "$sys/lm0/num_fns"
echo 1 > "$sys/lm3/num_fns"

_init_completion() {
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() {
	COMPREPLY=(FILE)
}
export LMCTL_SYSFS_CLASS=$sys
# shellcheck source=/dev/null
. cli/lmctl-completion.bash

failed=0
expect() {
	local want=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_lmctl || true
	if [ "${COMPREPLY[*]}" != "$want" ]; then
		echo "completion of '$*': got '${COMPREPLY[*]}', want '$want'"
		failed=1
	fi
}

expect "dev fn monitor help" lmctl ""
expect "-j" lmctl -j
expect "fn" lmctl -p f
expect "show help" lmctl dev ""
expect "lm0 lm3" lmctl dev show ""
expect "show provision set reset save restore migrate attach detach help" lmctl fn ""
expect "attach" lmctl fn at
expect "lm0/0 lm0/1" lmctl fn attach lm0
expect "vfio" lmctl fn attach lm0/1 ""
expect "" lmctl fn attach lm0/1 vfio ""
expect "lm3/0" lmctl fn detach lm3
expect "lm0 lm3 lm0/0 lm0/1 lm3/0" lmctl fn show ""
expect "lm0/0 lm0/1" lmctl fn reset lm0
expect "queues irqs memory online help" lmctl fn provision lm0/1 ""
expect "on off" lmctl fn provision lm0/1 online ""
expect "" lmctl fn provision lm0/1 memory ""
expect "irqs" lmctl fn provision lm0/1 queues 4 i
expect "running running_p2p" lmctl fn set lm0/0 state r
expect "migratable" lmctl fn set lm0/0 m
expect "lm3/0" lmctl fn migrate lm0/0 lm3
expect "precopy" lmctl fn migrate lm0/0 lm3/0 p
expect "FILE -" lmctl fn save lm0/1 ""
expect "all dev fn help" lmctl monitor ""
[ "$failed" -eq 0 ] && echo "completion: ok"
exit "$failed"
