#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM demo (make demo-vm): inside a test VM booted from Debian's 6.12
# kernel, on the project's QEMU's emulated NVMe controller with live
# migration, nvme-lm provisions three secondary controllers and hands
# their VFs to VFIO with lmctl; Debian's unmodified QEMU runs a VM on the
# first VF, doing verified I/O through the stock nvme driver; a migration
# to a destination whose controller has too few queues is refused and the
# VM runs on; then the VM migrates to the second VF and goes on there, and
# reads every block back. The downtime QEMU reports and the device state
# bytes are printed. This is the nvme-vm suite of make check, run alone.
set -euo pipefail
cd "$(dirname "$0")/../.."

make -s modules tests lib cli
KVER=$(scripts/kver.sh) || { echo "no Debian 6.12 kernel with headers: run make deps" >&2; exit 1; }
LM_QEMU=$(bash qemu/build.sh)/bin/qemu-system-x86_64
LM_KERNEL=debian
LM_MODULE_DIR=$PWD
export KVER LM_QEMU LM_KERNEL LM_MODULE_DIR
suite_fail=""
# shellcheck source=tests/suites/nvme-vm.sh
. tests/suites/nvme-vm.sh
if [ -n "$suite_fail" ]; then
	echo "demo-vm: $suite_fail" >&2
	exit 1
fi
mkdir -p build/results
exec bash tests/vm/run.sh --name demo-vm "${suite_vm_args[@]}" -- \
	"${suite_command[@]}"
