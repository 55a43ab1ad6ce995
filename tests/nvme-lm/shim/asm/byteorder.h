/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's byte order helpers. */
#ifndef NVME_LM_SHIM_ASM_BYTEORDER_H
#define NVME_LM_SHIM_ASM_BYTEORDER_H
#include <endian.h>
#include <linux/types.h>

#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le16_to_cpu(x) le16toh((__u16)(x))
#define le32_to_cpu(x) le32toh((__u32)(x))
#define le64_to_cpu(x) le64toh((__u64)(x))
#endif
