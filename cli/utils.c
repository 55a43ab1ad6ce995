// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: the command line's words (handles, numbers, sizes, on/off) and
 * error messages.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmctl.h"

bool lmctl_wants_help(const struct lmctl *lc)
{
	return lc->argc == 1 && !strcmp(lc->argv[0], "help");
}

int lmctl_err(int ret, const char *fmt, ...)
{
	va_list ap;

	fputs("lmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ret;
}

int lmctl_fail(struct lmctl *lc, int err, const char *fmt, ...)
{
	const char *msg = lc->ctx ? lm_ctx_errmsg(lc->ctx) : "";
	va_list ap;

	fputs("lmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	if (msg[0])
		fprintf(stderr, ": %s", msg);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

struct lm_ctx *lmctl_ctx(struct lmctl *lc)
{
	int ret;

	if (lc->ctx)
		return lc->ctx;
	ret = lm_ctx_new(&lc->ctx);
	if (ret == -ENOENT) {
		lmctl_err(0, "the lm generic netlink family is not registered (is lm.ko loaded?)");
		return NULL;
	}
	if (ret) {
		lmctl_err(0, "netlink: %s", strerror(-ret));
		return NULL;
	}
	return lc->ctx;
}

/* A decimal number without sign, spaces or leading zeros. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *val)
{
	uint64_t v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		return -EINVAL;
	*val = v;
	return 0;
}

/* The number of functions of a device, from sysfs; 0 when unknown. */
static uint32_t dev_num_fns(uint32_t dev_id)
{
	char path[64];
	unsigned int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/lm/lm%u/num_fns", dev_id);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%u", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* DOMAIN:BB:DD.F or BB:DD.F, in hexadecimal. */
static bool is_pci_address(const char *s)
{
	unsigned int domain, bus, dev, fn;
	int end = -1;

	if (strspn(s, "0123456789abcdefABCDEF:.") != strlen(s))
		return false;
	if (sscanf(s, "%x:%x:%x.%x%n", &domain, &bus, &dev, &fn, &end) == 4 &&
	    end > 0 && !s[end])
		return true;
	end = -1;
	return sscanf(s, "%x:%x.%x%n", &bus, &dev, &fn, &end) == 3 &&
	       end > 0 && !s[end];
}

/*
 * The usual reason a PCI address names no lm device is that another driver
 * has the function (the stock driver of the device class, before the
 * controlling function is handed to its lm driver): say which, or that it
 * has none. Silent for names that are not a PCI function's.
 */
static int no_such_device(const char *pf)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *driver;
	ssize_t n;

	if (!is_pci_address(pf))
		goto plain;
	/* "BB:DD.F" stands for domain 0000, as lm_lookup() takes it. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", pf);
	if (access(path, F_OK))
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s", pf);
	if (access(path, F_OK))
		goto plain;
	strncat(path, "/driver", sizeof(path) - strlen(path) - 1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return lmctl_err(EXIT_FAIL, "'%s': no such lm device (the PCI function has no driver)",
				 pf);
	link[n] = 0;
	driver = strrchr(link, '/');
	return lmctl_err(EXIT_FAIL, "'%s': no such lm device (the PCI function's driver is %s)",
			 pf, driver ? driver + 1 : link);
plain:
	return lmctl_err(EXIT_FAIL, "'%s': no such lm device", pf);
}

int lmctl_parse_handle(const char *arg, enum lmctl_handle_kind kind,
		       struct lmctl_handle *h)
{
	char pf[128];
	const char *slash = strchr(arg, '/');
	size_t len = slash ? (size_t)(slash - arg) : strlen(arg);
	uint32_t num_fns;
	uint64_t fn;
	int ret;

	memset(h, 0, sizeof(*h));
	if (slash && kind == HANDLE_DEV)
		return lmctl_err(EXIT_USAGE, "'%s': expected a device (lmN or a PCI address), not a function",
				 arg);
	if (!slash && kind == HANDLE_FN)
		return lmctl_err(EXIT_USAGE, "'%s': expected a function, PF/FN (lm0/1, 0000:01:00.0/1)",
				 arg);
	if (!len || len >= sizeof(pf))
		return lmctl_err(EXIT_USAGE, "'%s': invalid handle: expected lmN or a PCI address%s",
				 arg, kind == HANDLE_DEV ? "" : ", then /FN");
	memcpy(pf, arg, len);
	pf[len] = 0;

	ret = lm_lookup(pf, &h->dev_id);
	if (ret == -EINVAL)
		return lmctl_err(EXIT_USAGE, "'%s': invalid handle: expected lmN or a PCI address",
				 pf);
	if (ret == -ENOENT)
		return no_such_device(pf);
	if (ret)
		return lmctl_err(EXIT_FAIL, "'%s': %s", pf, strerror(-ret));

	if (!slash) {
		snprintf(h->name, sizeof(h->name), "lm%u", h->dev_id);
		return 0;
	}
	ret = parse_decimal(slash + 1, UINT32_MAX, &fn);
	if (ret)
		return lmctl_err(EXIT_USAGE, "'%s': invalid function number '%s'",
				 arg, slash + 1);
	num_fns = dev_num_fns(h->dev_id);
	if (num_fns && fn >= num_fns)
		return lmctl_err(EXIT_FAIL, "'%s': no such function: lm%u has %u (0-%u)",
				 arg, h->dev_id, num_fns, num_fns - 1);
	h->has_fn = true;
	h->fn = (uint32_t)fn;
	snprintf(h->name, sizeof(h->name), "lm%u/%u", h->dev_id, h->fn);
	return 0;
}

int lmctl_next_handle(struct lmctl *lc, const char *what,
		      enum lmctl_handle_kind kind, struct lmctl_handle *h)
{
	const char *arg = lmctl_next(lc);

	if (!arg)
		return lmctl_err(EXIT_USAGE, "%s: missing %s", what,
				 kind == HANDLE_DEV ? "PF" : "PF/FN");
	return lmctl_parse_handle(arg, kind, h);
}

int lmctl_open_dev(const struct lmctl_handle *h, struct lm_dev **devp)
{
	int ret = lm_dev_open(h->dev_id, devp);

	if (ret)
		return lmctl_err(EXIT_FAIL, "/dev/lm%u: %s", h->dev_id,
				 strerror(-ret));
	return 0;
}

const char *lmctl_dev_reason(const struct lm_dev *dev, int err, char *buf,
			     size_t size)
{
	buf[0] = 0;
	/* A device without migration refuses every migration request so. */
	if (err == -EOPNOTSUPP && !lm_dev_info(dev)->mig_caps)
		snprintf(buf, size, ": lm%u cannot migrate (mig_caps none)",
			 lm_dev_id(dev));
	return buf;
}

int lmctl_parse_u32(const char *key, const char *arg, uint32_t *val)
{
	uint64_t v;
	int ret = parse_decimal(arg, UINT32_MAX, &v);

	if (ret == -ERANGE)
		return lmctl_err(EXIT_USAGE, "%s: '%s' is out of range (0-%u)",
				 key, arg, UINT32_MAX);
	if (ret)
		return lmctl_err(EXIT_USAGE, "%s: '%s' is not a number", key,
				 arg);
	*val = (uint32_t)v;
	return 0;
}

int lmctl_parse_size(const char *key, const char *arg, uint64_t *val)
{
	static const char suffixes[] = "KMGT";
	char digits[32];
	const char *s;
	size_t len = strspn(arg, "0123456789");
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	if (!len || len >= sizeof(digits))
		goto invalid;
	if (arg[len]) {
		s = strchr(suffixes, arg[len] & ~0x20);
		if (!s || !*s || arg[len + 1])
			goto invalid;
		shift = 10 * (unsigned int)(s - suffixes + 1);
	}
	memcpy(digits, arg, len);
	digits[len] = 0;
	ret = parse_decimal(digits, UINT64_MAX >> shift, &v);
	if (ret == -ERANGE)
		return lmctl_err(EXIT_USAGE, "%s: '%s' is out of range", key,
				 arg);
	if (ret)
		goto invalid;
	*val = v << shift;
	return 0;

invalid:
	return lmctl_err(EXIT_USAGE, "%s: '%s' is not a size: a number of bytes, with an optional K, M, G or T suffix",
			 key, arg);
}

int lmctl_parse_on_off(const char *key, const char *arg, bool *val)
{
	if (!strcmp(arg, "on")) {
		*val = true;
		return 0;
	}
	if (!strcmp(arg, "off")) {
		*val = false;
		return 0;
	}
	return lmctl_err(EXIT_USAGE, "%s: expected on or off, not '%s'", key,
			 arg);
}

int lmctl_next_value(struct lmctl *lc, const char *key, const char **val)
{
	*val = lmctl_next(lc);
	if (!*val)
		return lmctl_err(EXIT_USAGE, "%s: missing value", key);
	return 0;
}

int lmctl_unknown(const char *where, const char *word, const char *help)
{
	return lmctl_err(EXIT_USAGE, "%s: unknown keyword '%s': try '%s'",
			 where, word, help);
}
