# SPDX-License-Identifier: GPL-2.0
#
# The core's KUnit tests (drivers/lm/tests/), built only against a kernel
# with KUnit: the debug kernel. Each test case counts as one test.

if [ "$LM_KERNEL" = debian ]; then
	suite_skip="Debian's kernel has no KUnit (CONFIG_KUNIT)"
fi
suite_vm_args=(--mem 2048 --timeout 1800
	       --module "$LM_MODULE_DIR/drivers/lm/lm.ko"
	       --module "$LM_MODULE_DIR/drivers/lm/tests/lm_kunit.ko"
	       --file tests/guest/kunit.sh:/lm/kunit.sh)
suite_command=(sh /lm/kunit.sh)
