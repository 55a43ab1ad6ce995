#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything `make check` promises, in order: the kernel modules and user
# space build W=1 clean, liblm's ABI and installation, lmctl's man pages and
# completion hold, sparse and checkpatch --strict find nothing, the generated
# netlink code and the uAPI match the family's spec, then the suites run
# inside VMs booted from Debian's 6.12 kernel. Each step is one test in the
# totals; the VM's tests are counted one by one. Ends with the line
# "N passed, N failed, N skipped" and a non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=build/results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# A host-side step as one TAP-counted test: its output goes to a log that is
# shown only when it fails.
host_n=0 host_pass=0 host_fail=0
host_step() {
	local name=$1 log
	shift
	log=build/results/host-$name.log
	host_n=$((host_n + 1))
	echo "# host: $name: $*"
	if "$@" > "$log" 2>&1; then
		echo "ok $host_n $name"
		host_pass=$((host_pass + 1))
		return 0
	fi
	echo "not ok $host_n $name"
	sed 's/^/#   /' "$log" | tail -n 60
	host_fail=$((host_fail + 1))
	return 1
}

KVER=$(scripts/kver.sh) || { echo "no Debian 6.12 kernel with headers: run make deps" >&2; exit 1; }
export KVER

host_step build-modules-W1 make modules
host_step build-user make tests lib cli liblm-tests bench-bin
host_step liblm-abi-install bash tests/lib-check.sh
host_step man-pages make man-check
host_step bash-completion bash tests/completion.sh
host_step sparse make sparse
host_step checkpatch-strict make checkpatch
host_step netlink-spec bash scripts/ynl-gen.sh --check
echo "$host_pass $host_fail 0" > "$RESULTS/host.results"

# One VM run per suite file; a suite that cannot run (no modules built)
# still leaves a results file, so sum.sh counts it as failed.
LM_MODULE_DIR=$PWD
for suite in tests/suites/*.sh; do
	name=$(basename "$suite" .sh)
	suite_vm_args=()
	suite_command=()
	# shellcheck source=/dev/null
	. "$suite"
	bash tests/vm/run.sh --name "$name" --results "$RESULTS/$name.results" \
		"${suite_vm_args[@]}" -- "${suite_command[@]}"
done

bash tests/vm/sum.sh "$RESULTS"/*.results
