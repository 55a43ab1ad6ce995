#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion of nvme-cli's secondary plugin, as "make nvme-cli"
# left it in build/nvme-cli/nvme-completion.bash, word by word.
# bash-completion's _init_completion is stood in for; the primary
# controllers come from a fake /sys/class/lm (LMCTL_SYSFS_CLASS): lm0 of
# nvme-lm at 0000:01:00.0, lm1 of another driver, which is not offered.
set -euo pipefail
cd "$(dirname "$0")/.."

sys=$(mktemp -d)
trap 'rm -rf "$sys"' EXIT
mkdir -p "$sys/devices/0000:01:00.0/lm/lm0" "$sys/devices/lm_sim/lm/lm1" "$sys/class"
echo nvme_lm > "$sys/devices/0000:01:00.0/lm/lm0/driver_name"
echo lm_sim > "$sys/devices/lm_sim/lm/lm1/driver_name"
ln -s ../devices/0000:01:00.0/lm/lm0 "$sys/class/lm0"
ln -s ../devices/lm_sim/lm/lm1 "$sys/class/lm1"

_init_completion() {
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
}
export LMCTL_SYSFS_CLASS=$sys/class
# shellcheck source=/dev/null
. build/nvme-cli/nvme-completion.bash

failed=0
expect() {
	local want=$1 got
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_nvme_subcmds || true
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ')
	if [ "$got" != "$want" ]; then
		echo "completion of '$*': got '$got', want '$want'"
		failed=1
	fi
}

expect "secondary" nvme secon
expect "list provision online offline enable-migration disable-migration suspend resume save restore migrate attach-vfio detach-vfio" \
	nvme secondary ""
expect "attach-vfio" nvme secondary at
expect "--cntlid= -c --output-format= -o" nvme secondary detach-vfio lm0 -
expect "enable-migration" nvme secondary en
expect "lm0 0000:01:00.0 --cntlid= -c --output-format= -o" nvme secondary list ""
expect "--cntlid= -c --nvq= -q --nvi= -i --online -O --offline -F" \
	nvme secondary provision lm0 -
expect "--offline" nvme secondary provision lm0 -c 2 --of
expect "--cntlid= -c" nvme secondary suspend 0000:01:00.0 -
expect "--source= --destination= --no-precopy --rounds= --output-format=" \
	nvme secondary migrate lm0 --
expect "normal json" nvme secondary save lm0 -c 1 -o ""
expect "--file=" nvme secondary restore lm0 -c 1 --fi
[ "$failed" -eq 0 ] && echo "nvme secondary completion: ok"
exit "$failed"
