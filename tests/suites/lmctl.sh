# SPDX-License-Identifier: GPL-2.0
#
# liblm's API tests and lmctl end to end, against the simulated controlling
# function: see tests/guest/lmctl.sh.

suite_vm_args=(--mem 3072 --timeout 1800
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm-sim/lm_sim.ko"
	       --bin build/tests/liblm_api --bin build/tests/pty_run
	       --bin build/cli/lmctl --bin jq
	       --file build/lib/liblm.so.1:/lm/lib/liblm.so.1
	       --file tests/guest/checks.sh:/lm/lib/checks.sh
	       --file tests/guest/lmctl.sh:/lm/lmctl.sh)
suite_command=(sh /lm/lmctl.sh)
