#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything `make check` promises, in order: the kernel modules and user
# space build W=1 clean, liblm's ABI and installation, lmctl's man pages and
# completion hold, sparse and checkpatch --strict find nothing, the generated
# netlink code and the uAPI match the family's spec, the Debian packages
# build lintian clean and install, with DKMS, into a Debian 12 chroot and
# purge cleanly (tests/pkg/); the project's QEMU (qemu/) is built or
# reused; nvme-cli with the secondary plugin (nvme-cli/) is built or reused
# and its bash completion holds; the debug kernel (tests/debug-kernel/) is
# built or reused and the modules build against it too; then every suite
# runs in a
# VM booted from Debian's 6.12 kernel, and again in one booted from the debug
# kernel, whose runs also fail on any KASAN, lockdep, kmemleak, "BUG:",
# "WARNING:" or refcount report. Each host step is one test in the totals;
# the VMs' tests are counted one by one. A suite runs on Debian's QEMU unless
# it asks for the project's; if that could not be built, such a suite fails.
# Ends with the line "N passed, N failed, N skipped" over both kernels and
# a non-zero exit on any failure.
#
#	tests/run.sh [--kernel debian|debug|both]	(default both)
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=build/results
kernels=both
case "${1:-}" in
"") ;;
--kernel)
	kernels=${2:-}
	case "$kernels" in
	debian | debug | both) ;;
	*) echo "usage: tests/run.sh [--kernel debian|debug|both]" >&2; exit 2 ;;
	esac
	;;
*) echo "usage: tests/run.sh [--kernel debian|debug|both]" >&2; exit 2 ;;
esac

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# A host-side step as one TAP-counted test: its output goes to a log that is
# shown only when it fails.
host_n=0 host_pass=0 host_fail=0
host_step() {
	local name=$1 log start=$SECONDS
	shift
	log=build/results/host-$name.log
	host_n=$((host_n + 1))
	echo "# host: $name: $*"
	if "$@" > "$log" 2>&1; then
		echo "ok $host_n $name # $((SECONDS - start)) s"
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
# The Debian packages: built, lintian clean, installed into a Debian 12
# chroot where DKMS builds the modules, purged without a trace; what they
# installed is then used in a VM by the suite pkg.sh.
host_step packages-build-lintian bash tests/pkg/build.sh
host_step packages-install-purge bash tests/pkg/install.sh

# The project's QEMU, for the suites that ask for it with --qemu "$LM_QEMU"
# (empty if it could not be built: those suites then fail, the others run).
LM_QEMU=""
qemu_build() {
	local dir
	bash qemu/build.sh > "$RESULTS/qemu.dir" || return
	dir=$(cat "$RESULTS/qemu.dir")
	LM_QEMU=$dir/bin/qemu-system-x86_64
}
host_step qemu-build qemu_build
export LM_QEMU

# nvme-cli with the project's secondary plugin (nvme-cli/), for the suite
# that runs it: build/nvme-cli/nvme, or none if it could not be built.
host_step nvme-cli-build make nvme-cli
host_step nvme-cli-completion bash tests/nvme-cli-completion.sh

# The debug kernel first, so that a broken one is known before any VM runs.
debug_dir=""
debug_kernel() {
	bash tests/debug-kernel/build.sh > "$RESULTS/debug-kernel.dir" || return
	debug_dir=$(cat "$RESULTS/debug-kernel.dir")
}
debug_ok=0
if [ "$kernels" != debian ] && host_step debug-kernel debug_kernel &&
   host_step debug-modules-W1-sparse make debug-modules DEBUG_KERNEL_DIR="$debug_dir"; then
	debug_ok=1
fi
echo "$host_pass $host_fail 0" > "$RESULTS/host.results"

# False if the tests/vm/run.sh options $@ ask for a QEMU with an empty name:
# the project's, which could not be built.
qemu_arg_ok() {
	while [ $# -gt 0 ]; do
		if [ "$1" = --qemu ] && [ -z "${2:-}" ]; then
			return 1
		fi
		shift
	done
}

# Run every suite file on one kernel: $1 is the kernel's label ("debian" or
# "debug"), which prefixes the runs' names but Debian's, and the suites see
# as $LM_KERNEL; $LM_MODULE_DIR holds the drivers/ tree built for it and
# $LM_KDIR the debug kernel's build (empty for Debian's); the rest are
# tests/vm/run.sh options choosing the kernel.
#
# A suite file sets, for tests/vm/run.sh:
#	suite_vm_args	options (besides --name, --results and the kernel's);
#			--qemu "$LM_QEMU" to run on the project's QEMU
#	suite_command	the guest command
#	suite_skip	if not empty, the reason not to run at all on this
#			kernel: counted as one skipped test
#	suite_fail	if not empty, the reason it cannot run (what it
#			needs was not built): counted as one failure
run_suites() {
	local kernel=$1 prefix suite name
	shift
	prefix=""
	[ "$kernel" = debian ] || prefix=$kernel-
	for suite in tests/suites/*.sh; do
		name=$prefix$(basename "$suite" .sh)
		suite_vm_args=()
		suite_command=()
		suite_skip=""
		suite_fail=""
		# shellcheck source=/dev/null
		LM_KERNEL=$kernel . "$suite"
		if [ -n "$suite_skip" ]; then
			echo "$name: ok 1 $name # SKIP $suite_skip"
			echo "0 0 1" > "$RESULTS/$name.results"
			continue
		fi
		if [ -n "$suite_fail" ]; then
			echo "$name: not ok: $suite_fail" >&2
			echo "0 1 0" > "$RESULTS/$name.results"
			continue
		fi
		if ! qemu_arg_ok "${suite_vm_args[@]}"; then
			echo "$name: not ok: no project QEMU to run it on (qemu-build failed)" >&2
			echo "0 1 0" > "$RESULTS/$name.results"
			continue
		fi
		bash tests/vm/run.sh --name "$name" \
			--results "$RESULTS/$name.results" "$@" \
			"${suite_vm_args[@]}" -- "${suite_command[@]}"
	done
}

# The suites of a kernel that could not be built each count as a failure.
suites_fail() {
	local kernel=$1 suite name
	for suite in tests/suites/*.sh; do
		name=$kernel-$(basename "$suite" .sh)
		echo "$name: not ok: no $kernel kernel to run it on" >&2
		echo "0 1 0" > "$RESULTS/$name.results"
	done
}

subtotal() {
	local label=$1
	shift
	[ $# -gt 0 ] || return 0
	echo "# $label: $(bash tests/vm/sum.sh "$@" 2>/dev/null)"
}

if [ "$kernels" != debug ]; then
	LM_MODULE_DIR=$PWD run_suites debian
fi
if [ "$kernels" != debian ]; then
	if [ "$debug_ok" -eq 1 ]; then
		LM_MODULE_DIR=$PWD/build/debug/src LM_KDIR=$debug_dir \
			run_suites debug --kdir "$debug_dir"
	else
		suites_fail debug
	fi
fi

shopt -s nullglob
all=("$RESULTS"/*.results)
debug_results=("$RESULTS"/debug-*.results)
debian_results=()
for f in "${all[@]}"; do
	case "$f" in
	*/host.results | */debug-*.results) ;;
	*) debian_results+=("$f") ;;
	esac
done
subtotal "host steps" "$RESULTS/host.results"
subtotal "Debian's kernel" "${debian_results[@]}"
subtotal "debug kernel" "${debug_results[@]}"
bash tests/vm/sum.sh "${all[@]}"
