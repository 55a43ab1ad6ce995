/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_STRING_H
#define NVME_LM_SHIM_LINUX_STRING_H
#include <string.h>
#endif
