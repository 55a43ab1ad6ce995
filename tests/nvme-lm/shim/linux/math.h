/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVME_LM_SHIM_LINUX_MATH_H
#define NVME_LM_SHIM_LINUX_MATH_H
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#endif
