// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A program of liblm's users, built as they build it: with nothing but
 * pkg-config's flags, against what "make install" installed
 * (tests/lib-check.sh). Prints "VERSION pre_copy".
 */
#include <liblm.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	uint32_t state;

	if (lm_mig_state_parse("pre_copy", &state) || state != LM_MIG_STATE_PRE_COPY)
		return 1;
	printf("%s %s\n", lm_lib_version(), lm_mig_state_name(state));
	return strcmp(lm_lib_version(), LIBLM_USER_VERSION) != 0;
}
