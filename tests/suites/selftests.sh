# SPDX-License-Identifier: GPL-2.0
#
# The core's selftests against the simulated controlling function.
# A suite file sets the arguments of one VM run for tests/run.sh:
#   suite_vm_args  options for tests/vm/run.sh (besides --name and --results)
#   suite_command  the guest command
# It may use $LM_MODULE_DIR, the directory holding the built drivers/ tree.

suite_vm_args=(--mem 4096 --timeout 2400
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-sim/lm_sim.ko"
	       --file tests/guest/selftests.sh:/lm/selftests.sh)
for bin in build/tests/lm_*; do
	suite_vm_args+=(--bin "$bin")
done
suite_command=(sh /lm/selftests.sh)
