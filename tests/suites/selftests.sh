# SPDX-License-Identifier: GPL-2.0
#
# The core's selftests against the simulated controlling function.
# A suite file sets the arguments of one VM run for tests/run.sh, which runs
# it once on Debian's kernel and once on the debug kernel:
#   suite_vm_args  options for tests/vm/run.sh (besides --name, --results
#                  and those choosing the kernel)
#   suite_command  the guest command
#   suite_skip     if set, why not to run on this kernel (one skipped test)
# It may use $LM_MODULE_DIR, the directory holding the drivers/ tree built
# for the kernel, and $LM_KERNEL, "debian" or "debug".

suite_vm_args=(--mem 4096 --timeout 2400
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-sim/lm_sim.ko"
	       --file tests/guest/selftests.sh:/lm/selftests.sh)
for bin in build/tests/lm_*; do
	# The fault-injection sweep has a suite of its own (fail-nth.sh).
	[ "$bin" != build/tests/lm_fail_nth ] || continue
	suite_vm_args+=(--bin "$bin")
done
suite_command=(sh /lm/selftests.sh)
