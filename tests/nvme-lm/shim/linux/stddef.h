/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_STDDEF_H
#define NVME_LM_SHIM_LINUX_STDDEF_H
#include <stdbool.h>
#include <stddef.h>
#endif
