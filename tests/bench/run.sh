#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: liblm and lmctl measured against baselines taken side by side
# in one VM run, printed as ratios. Not part of make check: the numbers are
# for reading, nothing is asserted about them.
#
#   tests/bench/run.sh [COPY_MIB [MIGRATE_MIB [BUSY_PAGES [NVME_ROUNDS]]]]
set -euo pipefail
cd "$(dirname "$0")/../.."

make -s modules lib cli bench-bin
mkdir -p build/results
# 1 GiB of state in each of two functions, the saved stream between, and
# a copy of it in memory for the passes measured alone.
rc=0
# perf, where the machine has it, profiles one migration in the guest.
perf=()
if command -v perf > /dev/null; then
	perf=(--bin "$(command -v perf)")
fi
bash tests/vm/run.sh --name bench --mem 6144 --timeout 1800 \
	--module drivers/lm/lm.ko --module drivers/lm-sim/lm_sim.ko \
	--bin build/bench/lm_bench --bin build/cli/lmctl --bin jq "${perf[@]}" \
	--file build/lib/liblm.so.1:/lm/lib/liblm.so.1 \
	--file tests/guest/bench.sh:/lm/bench.sh \
	-- sh /lm/bench.sh "${1:-1024}" "${2:-256}" "${3:-64}" || rc=1

# nvme-lm on the project's QEMU (qemu/build.sh), lm_sim beside it.
KVER=$(scripts/kver.sh)
export KVER LM_KERNEL=debian
qemu_dir=$(bash qemu/build.sh)
# shellcheck source=tests/vm/nvme-rig.sh
. tests/vm/nvme-rig.sh
mkdir -p build/vm/bench-nvme
truncate -s 64M build/vm/bench-nvme/ns.img
nvme_late_kmods build/vm/bench-nvme
nvme_rig_devices build/vm/bench-nvme/ns.img
bash tests/vm/run.sh --name bench-nvme --qemu "$qemu_dir/bin/qemu-system-x86_64" \
	--mem 2048 --timeout 1200 "${nvme_kmods[@]}" \
	--module drivers/lm/lm.ko --module drivers/nvme-lm/nvme-lm.ko \
	--module drivers/lm-sim/lm_sim.ko \
	--bin build/cli/lmctl --bin jq \
	--file build/lib/liblm.so.1:/lm/lib/liblm.so.1 \
	--file tests/guest/bench-nvme.sh:/lm/bench-nvme.sh \
	"${nvme_devices[@]}" -- sh /lm/bench-nvme.sh "${4:-20}" || rc=1
exit $rc
