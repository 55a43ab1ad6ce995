# SPDX-License-Identifier: GPL-2.0
#
# The fault-injection sweep (tests/selftests/lm_fail_nth.c) in a VM of its
# own, so that the rig's kmemleak scan at the end of the run looks for what
# the sweep lost. It needs fault injection: the debug kernel.

if [ "$LM_KERNEL" = debian ]; then
	suite_skip="Debian's kernel has no fault injection (CONFIG_FAULT_INJECTION)"
fi
suite_vm_args=(--mem 2048 --timeout 2400
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-sim/lm_sim.ko"
	       --file tests/guest/selftests.sh:/lm/selftests.sh
	       --bin build/tests/lm_fail_nth)
suite_command=(sh /lm/selftests.sh)
