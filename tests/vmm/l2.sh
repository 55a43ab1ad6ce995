#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The command of the migrated VM (tests/guest/nvme-vm.sh boots it, nested,
# on a QEMU in the test guest). Its disk is a VF of the emulated NVMe
# controller passed through with vfio-pci, driven here by the stock nvme
# driver with one interrupt-driven and one polled I/O queue (two I/O queue
# pairs: more than a secondary controller with 2 VQ can take, which the
# failed-migration test relies on). vm_blk_io keeps verified I/O going on
# it until the console says "stop", then reads everything back; the VM's
# kernel log must show no NVMe timeout, reset or I/O error.
. /lm/lib/tap.sh

# same NAME GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "got '$2', want '$3'"
	fi
}

tap_run "vm: load nvme (one polled queue)" \
	insmod /lm/kmods-late/nvme.ko poll_queues=1 || tap_exit
if ! tap_wait_path /dev/nvme0n1 120; then
	tap_fail "vm: /dev/nvme0n1" "$(dmesg | tail -n 20)"
	tap_exit
fi
same "vm: the disk has a default and a polled queue" \
	"$(dmesg | grep -o '[0-9]*/[0-9]*/[0-9]* default/read/poll queues')" \
	"1/0/1 default/read/poll queues"

# The console, not stdin (/dev/null under /init), carries "stop"; the
# test guest reads the progress lines on the console as they come.
vm_blk_io --blocks 1024 --interval 2000 --control /dev/ttyS0 /dev/nvme0n1
rc=$?
if [ $rc -eq 0 ]; then
	tap_ok "vm: verified I/O before, during and after, all read back"
else
	tap_fail "vm: verified I/O before, during and after, all read back" \
		"vm_blk_io exited with $rc"
fi

bad=$(dmesg | grep -iE 'nvme.*(timeout|reset|abort|error|fail)|I/O error|blk_update_request|critical medium')
if [ -z "$bad" ]; then
	tap_ok "vm: no NVMe timeout, reset or I/O error in the kernel log"
else
	tap_fail "vm: no NVMe timeout, reset or I/O error in the kernel log" "$bad"
fi
tap_exit
