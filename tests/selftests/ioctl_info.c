// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_info /dev/lmN [FN]: what LM_DEVICE_INFO, or LM_FN_INFO of function
 * FN, returns, as one JSON object with the uAPI's field names and values as
 * they are (flags as numbers). For shell tests that compare what lmctl
 * shows, through netlink and liblm, with what the character device says.
 * Exit status 1 with the errno's text when the ioctl fails.
 */
#include "lm_util.h"

static void print_json_string(const char *key, const char *s, size_t max)
{
	size_t i;

	printf("\"%s\":\"", key);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int device_info(int fd)
{
	struct lm_device_info info;
	int ret = lm_device_info(fd, &info);

	if (ret)
		return ret;
	printf("{\"flags\":%u,\"mig_caps\":%llu,\"prov_caps\":%llu,\"num_fns\":%u,\"stream_version\":%u,",
	       info.flags, (unsigned long long)info.mig_caps,
	       (unsigned long long)info.prov_caps, info.num_fns,
	       info.stream_version);
	print_json_string("driver", info.driver, sizeof(info.driver));
	putchar(',');
	print_json_string("parent", info.parent, sizeof(info.parent));
	printf("}\n");
	return 0;
}

static int fn_info(int fd, uint32_t fn)
{
	struct lm_fn_info info;
	int ret = lm_fn_info(fd, fn, &info);

	if (ret)
		return ret;
	printf("{\"fn\":%u,\"fn_flags\":%u,\"mig_state\":%u,\"vf\":%u,\"hw_id\":%u,\"pci_domain\":%u,\"pci_bdf\":%u,\"queues\":%u,\"irqs\":%u,\"memory\":%llu}\n",
	       info.fn, info.fn_flags, info.mig_state, info.vf, info.hw_id,
	       info.pci_domain, info.pci_bdf, info.queues, info.irqs,
	       (unsigned long long)info.memory);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long fn = 0;
	char *end;
	int fd, ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ioctl_info /dev/lmN [FN]\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		fn = strtoul(argv[2], &end, 10);
		if (errno || !*argv[2] || *end || fn > UINT32_MAX) {
			fprintf(stderr, "ioctl_info: '%s' is no function number\n",
				argv[2]);
			return 2;
		}
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ioctl_info: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ret = argc == 3 ? fn_info(fd, (uint32_t)fn) : device_info(fd);
	close(fd);
	if (ret) {
		fprintf(stderr, "ioctl_info: %s: %s\n",
			argc == 3 ? "LM_FN_INFO" : "LM_DEVICE_INFO",
			strerror(-ret));
		return 1;
	}
	return 0;
}
