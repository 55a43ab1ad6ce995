/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblm: what the library's files share.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef _LIBLM_PRIVATE_H
#define _LIBLM_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "liblm.h"

#define LM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Copy a NUL terminated string into a fixed array, cutting and padding. */
void lm_strlcpy_pad(char *dst, const char *src, size_t size);

static inline uint64_t lm_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Parse a decimal u32 without sign, spaces or leading zeros; 0 or -EINVAL/-ERANGE. */
int lm_parse_id(const char *s, uint32_t *val);

/**
 * struct lm_dev - An open /dev/lmN
 * @id: N
 * @fd: The open file, O_RDWR | O_CLOEXEC
 * @info: Its LM_DEVICE_INFO, read at open
 */
struct lm_dev {
	uint32_t id;
	int fd;
	struct lm_device_info info;
};

#endif /* _LIBLM_PRIVATE_H */
