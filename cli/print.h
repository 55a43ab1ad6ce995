/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: how devices and functions are printed, by "show" and "monitor"
 * alike.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LMCTL_PRINT_H
#define LMCTL_PRINT_H

#include "liblm.h"

/* One device: the JSON object "lmN", or a text line. */
void print_dev(const struct lm_dev_desc *desc);
/* One function: the JSON object "lmN/FN", or a text line. */
void print_fn(const struct lm_fn_desc *desc);

#endif /* LMCTL_PRINT_H */
