/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_BITS_H
#define NVME_LM_SHIM_LINUX_BITS_H
#define BIT(nr) (1UL << (nr))
#endif
