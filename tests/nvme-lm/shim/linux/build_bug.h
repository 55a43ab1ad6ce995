/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_BUILD_BUG_H
#define NVME_LM_SHIM_LINUX_BUILD_BUG_H
#include <assert.h>
#endif
