/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_ERRNO_H
#define NVME_LM_SHIM_LINUX_ERRNO_H
#include_next <linux/errno.h>
#endif
