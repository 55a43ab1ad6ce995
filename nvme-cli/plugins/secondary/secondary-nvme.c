// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvme secondary: the secondary controllers of an NVMe primary controller
 * bound to nvme-lm, which registers them with the lm live-migration core.
 * Everything goes through liblm: discovery and provisioning over the "lm"
 * generic netlink family (the kernel's extended ack says why a request was
 * refused), migration through /dev/lmN. The primary controller is named by
 * its PCI address or by its lm device, lmN; a secondary controller by its
 * controller identifier, as "nvme list-secondary" shows it.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liblm.h>

#include "nvme.h"
#include "util/argconfig.h"
#include "util/json.h"

#define CREATE_CMD
#include "secondary-nvme.h"

#define PLUGIN_NAME "secondary"
#define NVME_LM_DRIVER "nvme_lm"
/* Controller identifiers and resource counts are 16-bit in NVMe. */
#define NVME_U16_MAX 0xffff

/* Every command's description ends with what its <device> is. */
#define PRIMARY_DESC \
	"\n\nThe <device> is the primary controller, bound to nvme-lm: " \
	"its PCI address (0000:01:00.0, or 01:00.0 for PCI domain 0000) or " \
	"its lm device (lmN)."

static const char *cntlid_desc =
	"Secondary controller identifier (SCID, as list-secondary shows it)";
static const char *fmt_desc = "Output format: normal|json";

/* Messages on stderr, "secondary: ...". */
static void __attribute__((format(printf, 1, 2))) err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PLUGIN_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * argconfig prints the help on -h and --help but then fails the command:
 * asked for, help is a success here.
 */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "-help"))
			return true;
	}
	return false;
}

/*
 * Parse the options and take the one argument that is no option, the
 * primary controller. Returns 1 when help was printed (nothing to do),
 * 0, or -EINVAL after a message.
 */
static int parse_args(int argc, char **argv, const char *desc,
		      const struct argconfig_commandline_options *opts,
		      const char **pf)
{
	if (wants_help(argc, argv)) {
		argconfig_print_help(desc, opts);
		return 1;
	}
	if (argconfig_parse(argc, argv, desc, opts))
		return -EINVAL;
	if (optind >= argc) {
		err_msg("%s: missing the primary controller: its PCI address or lmN (see --help)",
			argv[0]);
		return -EINVAL;
	}
	if (argc - optind > 1) {
		err_msg("%s: one primary controller only, not '%s' as well",
			argv[0], argv[optind + 1]);
		return -EINVAL;
	}
	*pf = argv[optind];
	return 0;
}

/*
 * A number as nvme-cli takes it, decimal or 0x-prefixed hexadecimal, but
 * whole: no sign, no trailing characters, within 0..@max.
 */
static int parse_num(const char *opt, const char *s, unsigned long max,
		     uint32_t *val)
{
	const char *digits = s;
	unsigned long v;
	char *end;
	int base = 10;

	if (!s) {
		err_msg("--%s: missing value", opt);
		return -EINVAL;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	}
	if (!*digits || !strchr("0123456789abcdefABCDEF", *digits) ||
	    (base == 10 && !strchr("0123456789", *digits)))
		goto invalid;
	errno = 0;
	v = strtoul(digits, &end, base);
	if (*end)
		goto invalid;
	if (errno || v > max) {
		err_msg("--%s: '%s' is out of range (0-%lu)", opt, s, max);
		return -ERANGE;
	}
	*val = (uint32_t)v;
	return 0;

invalid:
	err_msg("--%s: '%s' is not a number (decimal, or hexadecimal with 0x)",
		opt, s);
	return -EINVAL;
}

static int parse_format(const char *fmt, bool *json)
{
	if (!strcmp(fmt, "json")) {
		*json = true;
		return 0;
	}
	if (!strcmp(fmt, "normal")) {
		*json = false;
		return 0;
	}
	err_msg("--output-format: '%s': expected normal or json", fmt);
	return -EINVAL;
}

/* The primary controller: its lm device, known to the netlink family. */
struct primary {
	struct lm_ctx *ctx;
	struct lm_dev_desc desc;
	char name[LM_PARENT_MAX + 16];	/* "0000:01:00.0 (lm0)" */
};

/*
 * A name that lm does not know: say what the PCI function is instead,
 * since a primary controller still with the stock nvme driver is the
 * usual reason.
 */
static void no_such_primary(const char *pf)
{
	char path[PATH_MAX], link[PATH_MAX];
	unsigned int a, b, c, d;
	char tail;
	ssize_t n;

	if (sscanf(pf, "%x:%x:%x.%x%c", &a, &b, &c, &d, &tail) == 4)
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
			 pf);
	else if (sscanf(pf, "%x:%x.%x%c", &a, &b, &c, &tail) == 3)
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/0000:%s/driver", pf);
	else
		path[0] = 0;
	if (path[0]) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n >= 0) {
			link[n] = 0;
			err_msg("'%s': not bound to nvme-lm (its driver is %s): no lm device",
				pf, basename(link));
			return;
		}
		*strrchr(path, '/') = 0;
		if (!access(path, F_OK)) {
			err_msg("'%s': not bound to nvme-lm (it has no driver): no lm device",
				pf);
			return;
		}
	}
	err_msg("'%s': no such primary controller: no lm device has this name",
		pf);
}

static void primary_close(struct primary *p)
{
	lm_ctx_free(p->ctx);
	p->ctx = NULL;
}

static int primary_open(const char *pf, struct primary *p)
{
	uint32_t id;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = lm_lookup(pf, &id);
	if (ret == -EINVAL) {
		err_msg("'%s': invalid primary controller: expected its PCI address or lmN",
			pf);
		return ret;
	}
	if (ret == -ENOENT) {
		no_such_primary(pf);
		return ret;
	}
	if (ret) {
		err_msg("'%s': %s", pf, strerror(-ret));
		return ret;
	}
	ret = lm_ctx_new(&p->ctx);
	if (ret) {
		err_msg("the lm netlink family: %s%s", strerror(-ret),
			ret == -ENOENT ? " (is lm.ko loaded?)" : "");
		return ret;
	}
	ret = lm_dev_get(p->ctx, id, &p->desc);
	if (ret) {
		err_msg("lm%u: %s%s%s", id, strerror(-ret),
			lm_ctx_errmsg(p->ctx)[0] ? ": " : "",
			lm_ctx_errmsg(p->ctx));
		primary_close(p);
		return ret;
	}
	if (strcmp(p->desc.driver, NVME_LM_DRIVER)) {
		err_msg("'%s': lm%u is driven by %s, not nvme-lm: no NVMe primary controller (use lmctl)",
			pf, id, p->desc.driver);
		primary_close(p);
		return -EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "%s (lm%u)", p->desc.parent, id);
	return 0;
}

/* A secondary controller: the lm function whose hw_id is its identifier. */
struct find_scid {
	uint32_t scid;
	bool found;
	struct lm_fn_desc fn;
	unsigned int count;
	uint32_t lowest, highest;
};

static int find_scid_cb(const struct lm_fn_desc *fn, void *arg)
{
	struct find_scid *f = arg;

	if (!f->count || fn->hw_id < f->lowest)
		f->lowest = fn->hw_id;
	if (!f->count || fn->hw_id > f->highest)
		f->highest = fn->hw_id;
	f->count++;
	if (fn->hw_id == f->scid && !f->found) {
		f->found = true;
		f->fn = *fn;
	}
	return 0;
}

static int secondary_find(struct primary *p, uint32_t scid,
			  struct lm_fn_desc *fn)
{
	struct find_scid f = { .scid = scid };
	int ret = lm_fn_list(p->ctx, p->desc.id, find_scid_cb, &f);

	if (ret) {
		err_msg("%s: listing its secondary controllers: %s", p->name,
			strerror(-ret));
		return ret;
	}
	if (!f.found) {
		if (f.count)
			err_msg("%s: no secondary controller 0x%x (it has %u, 0x%x to 0x%x)",
				p->name, scid, f.count, f.lowest, f.highest);
		else
			err_msg("%s: no secondary controller 0x%x (it has none)",
				p->name, scid);
		return -ENOENT;
	}
	*fn = f.fn;
	return 0;
}

/* The kernel refused: its errno, then its reason when it gave one. */
static int refused(struct primary *p, const struct lm_fn_desc *fn,
		   const char *what, int err)
{
	const char *why = lm_ctx_errmsg(p->ctx);

	err_msg("%s: secondary controller 0x%x (lm%u/%u): %s: %s%s%s",
		p->name, fn->hw_id, fn->dev_id, fn->index, what,
		strerror(-err), why[0] ? ": " : "", why);
	return err;
}

static void pci_name(const struct lm_fn_desc *fn, char *buf, size_t size)
{
	snprintf(buf, size, "%04x:%02x:%02x.%x", fn->pci_domain,
		 (fn->pci_bdf >> 8) & 0xff, (fn->pci_bdf >> 3) & 0x1f,
		 fn->pci_bdf & 7);
}

/*
 * Who has the secondary controller's VF: "vfio" once lm handed it to VFIO,
 * else the driver bound to the VF ("nvme", "vfio-pci"), else "none".
 */
static void owner_of(const struct lm_fn_desc *fn, char *buf, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX], pci[24];
	ssize_t n;

	snprintf(buf, size, "%s", fn->vfio ? "vfio" : "none");
	if (fn->vfio || !fn->pci)
		return;
	pci_name(fn, pci, sizeof(pci));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", pci);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = 0;
	snprintf(buf, size, "%s", basename(link));
}

/* By bit number, as include/uapi/linux/lm.h defines them; lmctl's names. */
static const char *const mig_cap_names[] = {
	"stop_copy",	/* LM_MIG_STOP_COPY */
	"p2p",		/* LM_MIG_P2P */
	"pre_copy",	/* LM_MIG_PRE_COPY */
};

static void print_mig_caps_normal(uint32_t caps)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < sizeof(mig_cap_names) / sizeof(mig_cap_names[0]); i++) {
		if (!(caps & (1U << i)))
			continue;
		printf("%s%s", any ? "," : "", mig_cap_names[i]);
		any = true;
	}
	printf("%s\n", any ? "" : "none");
}

static struct json_object *mig_caps_json(uint32_t caps)
{
	struct json_object *a = json_create_array();
	unsigned int i;

	for (i = 0; i < sizeof(mig_cap_names) / sizeof(mig_cap_names[0]); i++)
		if (caps & (1U << i))
			json_array_add_value_string(a, mig_cap_names[i]);
	return a;
}

#define json_object_add_value_bool(o, k, v) \
	json_object_object_add(o, k, json_object_new_boolean(v))

static const char *yes_no(bool b)
{
	return b ? "Yes" : "No";
}

/* The functions of a list, kept to print them once the dump is whole. */
struct fn_list {
	struct lm_fn_desc *fns;
	unsigned int count, alloc;
	bool one;
	uint32_t scid;
};

static int fn_list_cb(const struct lm_fn_desc *fn, void *arg)
{
	struct fn_list *l = arg;
	struct lm_fn_desc *fns;

	if (l->one && fn->hw_id != l->scid)
		return 0;
	if (l->count == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		fns = realloc(l->fns, l->alloc * sizeof(*fns));
		if (!fns)
			return -ENOMEM;
		l->fns = fns;
	}
	l->fns[l->count++] = *fn;
	return 0;
}

static void list_normal(const struct primary *p, const struct fn_list *l)
{
	char pci[24], owner[64];
	unsigned int i;

	printf("Secondary Controller List of %s, driver %s:\n", p->name,
	       p->desc.driver);
	printf("   MIGCAP      : Live Migration Capabilities     : ");
	print_mig_caps_normal(p->desc.mig_caps);
	printf("   NUMID       : Number of Identifiers           : %u\n",
	       l->count);
	for (i = 0; i < l->count; i++) {
		const struct lm_fn_desc *fn = &l->fns[i];

		owner_of(fn, owner, sizeof(owner));
		printf("   SCEntry[%-3u]:\n", i);
		printf("................\n");
		printf("     SCID      : Secondary Controller Identifier : 0x%.04x\n",
		       fn->hw_id);
		printf("     SCS       : Secondary Controller State      : 0x%.04x (%s)\n",
		       fn->online, fn->online ? "Online" : "Offline");
		printf("     VFN       : Virtual Function Number         : 0x%.04x\n",
		       fn->vf);
		printf("     NVQ       : Num VQ Flex Resources Assigned  : 0x%.04x\n",
		       fn->queues);
		printf("     NVI       : Num VI Flex Resources Assigned  : 0x%.04x\n",
		       fn->irqs);
		if (fn->pci) {
			pci_name(fn, pci, sizeof(pci));
			printf("     VFADDR    : Virtual Function PCI Address    : %s\n",
			       pci);
		}
		printf("     OWNER     : Virtual Function Owner          : %s\n",
		       owner);
		printf("     MIG       : Migration Enabled               : %s\n",
		       yes_no(fn->migratable));
		printf("     MIGST     : Migration State                 : %s\n",
		       lm_mig_state_name(fn->state));
		printf("     LMFN      : lm Function                     : lm%u/%u\n",
		       fn->dev_id, fn->index);
	}
}

static void list_json(const struct primary *p, const struct fn_list *l)
{
	struct json_object *root = json_create_object();
	struct json_object *entries = json_create_array();
	char name[16], pci[24], owner[64];
	unsigned int i;

	snprintf(name, sizeof(name), "lm%u", p->desc.id);
	json_object_add_value_string(root, "primary-controller",
				     p->desc.parent);
	json_object_add_value_string(root, "lm-device", name);
	json_object_add_value_string(root, "driver", p->desc.driver);
	json_object_add_value_array(root, "migration-capabilities",
				    mig_caps_json(p->desc.mig_caps));
	json_object_add_value_int(root, "num", l->count);
	for (i = 0; i < l->count; i++) {
		const struct lm_fn_desc *fn = &l->fns[i];
		struct json_object *e = json_create_object();

		owner_of(fn, owner, sizeof(owner));
		json_object_add_value_int(e, "secondary-controller-identifier",
					  fn->hw_id);
		json_object_add_value_int(e, "secondary-controller-state",
					  fn->online);
		json_object_add_value_int(e, "virtual-function-number", fn->vf);
		json_object_add_value_int(e, "num-virtual-queues", fn->queues);
		json_object_add_value_int(e, "num-virtual-interrupts",
					  fn->irqs);
		if (fn->pci) {
			pci_name(fn, pci, sizeof(pci));
			json_object_add_value_string(e, "virtual-function-address",
						     pci);
		}
		json_object_add_value_bool(e, "online", fn->online);
		json_object_add_value_string(e, "owner", owner);
		json_object_add_value_bool(e, "migratable", fn->migratable);
		json_object_add_value_string(e, "migration-state",
					     lm_mig_state_name(fn->state));
		json_object_add_value_int(e, "lm-function", fn->index);
		json_array_add_value_object(entries, e);
	}
	json_object_add_value_array(root, "secondary-controllers", entries);
	json_print_object(root, NULL);
	printf("\n");
	json_free_object(root);
}

static int secondary_list(int argc, char **argv, struct command *cmd,
			  struct plugin *plug)
{
	const char *desc =
		"List the secondary controllers of a primary controller bound "
		"to nvme-lm: their resources (VQ, VI), state, VF, who has the "
		"VF and whether they may migrate." PRIMARY_DESC;
	struct fn_list l = {};
	struct primary p;
	const char *pf;
	bool json;
	int ret;

	struct config {
		char *cntlid;
		char *output_format;
	} cfg = {
		.output_format = "normal",
	};

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg.cntlid,
			   "Only this secondary controller (SCID)"),
		OPT_FMT("output-format", 'o', &cfg.output_format, fmt_desc),
		OPT_END()
	};

	(void)cmd;
	(void)plug;
	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = parse_format(cfg.output_format, &json);
	if (ret)
		return ret;
	if (cfg.cntlid) {
		ret = parse_num("cntlid", cfg.cntlid, NVME_U16_MAX, &l.scid);
		if (ret)
			return ret;
		l.one = true;
	}
	ret = primary_open(pf, &p);
	if (ret)
		return ret;
	ret = lm_fn_list(p.ctx, p.desc.id, fn_list_cb, &l);
	if (ret) {
		err_msg("%s: listing its secondary controllers: %s", p.name,
			strerror(-ret));
	} else if (l.one && !l.count) {
		err_msg("%s: no secondary controller 0x%x", p.name, l.scid);
		ret = -ENOENT;
	} else if (json) {
		list_json(&p, &l);
	} else {
		list_normal(&p, &l);
	}
	free(l.fns);
	primary_close(&p);
	return ret;
}

/* One lm_fn_set() on one secondary controller. */
static int fn_set(const char *pf, uint32_t scid, const struct lm_fn_cfg *cfg,
		  const char *what)
{
	struct lm_fn_desc fn;
	struct primary p;
	int ret = primary_open(pf, &p);

	if (ret)
		return ret;
	ret = secondary_find(&p, scid, &fn);
	if (!ret) {
		ret = lm_fn_set(p.ctx, fn.dev_id, fn.index, cfg);
		if (ret)
			refused(&p, &fn, what, ret);
	}
	primary_close(&p);
	return ret;
}

/* The -c option every command on one secondary controller needs. */
static int take_cntlid(const char *arg, uint32_t *scid)
{
	if (!arg) {
		err_msg("--cntlid: which secondary controller? (see list)");
		return -EINVAL;
	}
	return parse_num("cntlid", arg, NVME_U16_MAX, scid);
}

static int secondary_provision(int argc, char **argv, struct command *cmd,
			       struct plugin *plug)
{
	const char *desc =
		"Assign flexible VQ and VI resources to a secondary controller "
		"and bring it online or take it offline, in one request that "
		"the kernel checks whole before it changes anything: offline "
		"first, then the resources, then online (Virtualization "
		"Management). The resources of an online controller change "
		"only with --offline in the same request." PRIMARY_DESC;
	struct lm_fn_cfg fcfg = {};
	uint32_t scid;
	const char *pf;
	int ret;

	struct config {
		char *cntlid;
		char *nvq;
		char *nvi;
		bool online;
		bool offline;
	} cfg = {};

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg.cntlid, cntlid_desc),
		OPT_STRING("nvq", 'q', "NUM", &cfg.nvq,
			   "VQ resources to assign (the admin queue counts)"),
		OPT_STRING("nvi", 'i', "NUM", &cfg.nvi,
			   "VI resources (interrupt vectors) to assign"),
		OPT_FLAG("online", 'O', &cfg.online, "Bring it online"),
		OPT_FLAG("offline", 'F', &cfg.offline, "Take it offline"),
		OPT_END()
	};

	(void)cmd;
	(void)plug;
	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = take_cntlid(cfg.cntlid, &scid);
	if (ret)
		return ret;
	if (cfg.nvq) {
		ret = parse_num("nvq", cfg.nvq, NVME_U16_MAX, &fcfg.queues);
		if (ret)
			return ret;
		fcfg.flags |= LM_CFG_QUEUES;
	}
	if (cfg.nvi) {
		ret = parse_num("nvi", cfg.nvi, NVME_U16_MAX, &fcfg.irqs);
		if (ret)
			return ret;
		fcfg.flags |= LM_CFG_IRQS;
	}
	if (cfg.online && cfg.offline) {
		err_msg("--online and --offline exclude each other");
		return -EINVAL;
	}
	if (cfg.online || cfg.offline) {
		fcfg.flags |= LM_CFG_ONLINE;
		fcfg.online = cfg.online;
	}
	if (!fcfg.flags) {
		err_msg("nothing to provision: give --nvq, --nvi, --online or --offline");
		return -EINVAL;
	}
	return fn_set(pf, scid, &fcfg, "provision");
}

/* online, offline, enable-migration, disable-migration: -c only. */
static int one_setting(int argc, char **argv, const char *desc,
		       uint32_t flag, bool on, const char *what)
{
	struct lm_fn_cfg fcfg = { .flags = flag };
	uint32_t scid;
	const char *pf;
	int ret;

	struct config {
		char *cntlid;
	} cfg = {};

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg.cntlid, cntlid_desc),
		OPT_END()
	};

	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = take_cntlid(cfg.cntlid, &scid);
	if (ret)
		return ret;
	if (flag == LM_CFG_ONLINE)
		fcfg.online = on;
	else
		fcfg.migratable = on;
	return fn_set(pf, scid, &fcfg, what);
}

static int secondary_online(int argc, char **argv, struct command *cmd,
			    struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return one_setting(argc, argv,
		"Bring a secondary controller online (Virtualization "
		"Management, Secondary Online), with the resources it was "
		"assigned; the first one to go online enables the VFs." PRIMARY_DESC,
		LM_CFG_ONLINE, true, "online");
}

static int secondary_offline(int argc, char **argv, struct command *cmd,
			     struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return one_setting(argc, argv,
		"Take a secondary controller offline (Virtualization "
		"Management, Secondary Offline); its VF must have no driver." PRIMARY_DESC,
		LM_CFG_ONLINE, false, "offline");
}

static int secondary_enable_migration(int argc, char **argv,
				      struct command *cmd,
				      struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return one_setting(argc, argv,
		"Allow a secondary controller to be saved, restored and "
		"migrated; the primary controller must support NVMe live "
		"migration (Host Managed Live Migration)." PRIMARY_DESC,
		LM_CFG_MIGRATABLE, true, "enable-migration");
}

static int secondary_disable_migration(int argc, char **argv,
				       struct command *cmd,
				       struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return one_setting(argc, argv,
		"No longer allow a secondary controller to be migrated; it "
		"must be running." PRIMARY_DESC,
		LM_CFG_MIGRATABLE, false, "disable-migration");
}

/* attach-vfio, detach-vfio: -c, and -o for attach's answer. */
static int vfio_handoff(int argc, char **argv, const char *desc, bool attach)
{
	const char *what = attach ? "attach-vfio" : "detach-vfio";
	struct json_object *root;
	struct lm_fn_desc fn;
	struct primary p;
	char pci[32];
	uint32_t scid;
	const char *pf;
	bool json;
	int ret, group;

	struct config {
		char *cntlid;
		char *output_format;
	} cfg = { .output_format = "normal" };

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg.cntlid, cntlid_desc),
		OPT_FMT("output-format", 'o', &cfg.output_format, fmt_desc),
		OPT_END()
	};

	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = take_cntlid(cfg.cntlid, &scid);
	if (!ret)
		ret = parse_format(cfg.output_format, &json);
	if (ret)
		return ret;
	ret = primary_open(pf, &p);
	if (ret)
		return ret;
	ret = secondary_find(&p, scid, &fn);
	if (ret)
		goto out;
	ret = attach ? lm_fn_attach(p.ctx, fn.dev_id, fn.index) :
		       lm_fn_detach(p.ctx, fn.dev_id, fn.index);
	if (ret) {
		refused(&p, &fn, what, ret);
		goto out;
	}
	pci_name(&fn, pci, sizeof(pci));
	group = attach ? lm_fn_iommu_group(&fn) : -1;
	if (json) {
		root = json_create_object();
		json_object_add_value_string(root, "operation", what);
		json_object_add_value_int(root,
					  "secondary-controller-identifier",
					  fn.hw_id);
		json_object_add_value_int(root, "lm-function", fn.index);
		json_object_add_value_string(root, "vf", pci);
		if (group >= 0)
			json_object_add_value_int(root, "iommu-group", group);
		json_print_object(root, NULL);
		printf("\n");
		json_free_object(root);
	} else if (attach) {
		printf("%s: secondary controller 0x%x: %s on lm-vfio-pci", what,
		       fn.hw_id, pci);
		if (group >= 0)
			printf(", IOMMU group %d, /dev/vfio/%d", group, group);
		printf("\n");
	} else {
		printf("%s: secondary controller 0x%x: %s back from VFIO\n",
		       what, fn.hw_id, pci);
	}
out:
	primary_close(&p);
	return ret;
}

static int secondary_attach_vfio(int argc, char **argv, struct command *cmd,
				 struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return vfio_handoff(argc, argv,
		"Hand a secondary controller's VF to VFIO: the kernel binds it "
		"to the VFIO variant driver lm-vfio-pci, through which a VMM "
		"migrates it (VFIO migration v2). Migration must be enabled, "
		"the controller running and its VF bound to no driver. Prints "
		"the VF, its IOMMU group and the /dev/vfio file." PRIMARY_DESC,
		true);
}

static int secondary_detach_vfio(int argc, char **argv, struct command *cmd,
				 struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return vfio_handoff(argc, argv,
		"Take a secondary controller's VF back from VFIO: unbind it from "
		"lm-vfio-pci, waiting for its VMM to close it; the controller is "
		"reset if it was left suspended." PRIMARY_DESC,
		false);
}

/*
 * What save, restore and migrate need first: the controller able to
 * migrate, the secondary controller enabled for it, the character device
 * open. Nothing has changed when this fails.
 */
static int migration_open(struct primary *p, const struct lm_fn_desc *fn,
			  const char *what, struct lm_dev **dev)
{
	int ret;

	if (!p->desc.mig_caps) {
		err_msg("%s: %s: the primary controller cannot migrate: it does not support NVMe live migration (migration capabilities: none)",
			p->name, what);
		return -EOPNOTSUPP;
	}
	if (!fn->migratable) {
		err_msg("%s: %s: secondary controller 0x%x is not enabled for migration (see enable-migration)",
			p->name, what, fn->hw_id);
		return -EPERM;
	}
	if (*dev)
		return 0;
	ret = lm_dev_open(p->desc.id, dev);
	if (ret)
		err_msg("/dev/lm%u: %s", p->desc.id, strerror(-ret));
	return ret;
}

/* suspend and resume: the migration state a VMM sets around a save. */
static int set_state(int argc, char **argv, const char *desc, uint32_t state,
		     const char *what)
{
	struct lm_dev *dev = NULL;
	struct lm_fn_desc fn;
	struct primary p;
	uint32_t scid;
	const char *pf;
	int ret;

	struct config {
		char *cntlid;
	} cfg = {};

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg.cntlid, cntlid_desc),
		OPT_END()
	};

	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = take_cntlid(cfg.cntlid, &scid);
	if (ret)
		return ret;
	ret = primary_open(pf, &p);
	if (ret)
		return ret;
	ret = secondary_find(&p, scid, &fn) ?:
	      migration_open(&p, &fn, what, &dev);
	if (!ret) {
		ret = lm_dev_fn_set_state(dev, fn.index, state, NULL);
		if (ret)
			err_msg("%s: %s secondary controller 0x%x (lm%u/%u): %s",
				p.name, what, fn.hw_id, fn.dev_id, fn.index,
				strerror(-ret));
	}
	lm_dev_close(dev);
	primary_close(&p);
	return ret;
}

static int secondary_suspend(int argc, char **argv, struct command *cmd,
			     struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return set_state(argc, argv,
		"Suspend a secondary controller enabled for migration "
		"(Migration Send, Suspend): it processes no more commands "
		"until it is resumed, and a save then leaves it suspended, as "
		"a VMM stops its guest before it saves the devices."
		PRIMARY_DESC, LM_MIG_STATE_STOP, "suspend");
}

static int secondary_resume(int argc, char **argv, struct command *cmd,
			    struct plugin *plug)
{
	(void)cmd;
	(void)plug;
	return set_state(argc, argv,
		"Resume a suspended secondary controller (Migration Send, "
		"Resume): it processes commands again." PRIMARY_DESC,
		LM_MIG_STATE_RUNNING, "resume");
}

/* The summary of a save or a restore. */
static void print_xfer(bool json, const char *what,
		       const struct lm_fn_desc *fn, const char *file,
		       const struct lm_xfer_result *res)
{
	struct json_object *root;

	if (!json) {
		printf("%s secondary controller 0x%x (lm%u/%u): %llu bytes %s %s in %.1f ms\n",
		       !strcmp(what, "save") ? "saved" : "restored", fn->hw_id,
		       fn->dev_id, fn->index, (unsigned long long)res->bytes,
		       !strcmp(what, "save") ? "to" : "from", file,
		       res->duration_ns / 1e6);
		return;
	}
	root = json_create_object();
	json_object_add_value_string(root, "operation", what);
	json_object_add_value_int(root, "secondary-controller-identifier",
				  fn->hw_id);
	json_object_add_value_int(root, "lm-function", fn->index);
	json_object_add_value_uint64(root, "bytes", res->bytes);
	json_object_add_value_string(root, "file", file);
	json_object_add_value_uint64(root, "duration-us",
				     res->duration_ns / 1000);
	json_print_object(root, NULL);
	printf("\n");
	json_free_object(root);
}

/* A save goes to a file beside FILE that replaces it once it is whole. */
static int save_tmp_open(const char *file, char *tmp, size_t size)
{
	char dir[PATH_MAX], base[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", file);
	snprintf(base, sizeof(base), "%s", file);
	if (snprintf(tmp, size, "%s/.%s.XXXXXX", dirname(dir),
		     basename(base)) >= (int)size)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int save_tmp_commit(int fd, const char *tmp, const char *file)
{
	int ret = 0;

	if (fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, file))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* save and restore: the same options. */
struct xfer_config {
	char *cntlid;
	char *file;
	char *output_format;
};

static int xfer_args(int argc, char **argv, const char *desc,
		     struct xfer_config *cfg, const char **pf, uint32_t *scid,
		     bool *json)
{
	int ret;

	OPT_ARGS(opts) = {
		OPT_STRING("cntlid", 'c', "NUM", &cfg->cntlid, cntlid_desc),
		OPT_FILE("file", 'f', &cfg->file,
			 "The file of the state (lm's migration stream)"),
		OPT_FMT("output-format", 'o', &cfg->output_format, fmt_desc),
		OPT_END()
	};

	ret = parse_args(argc, argv, desc, opts, pf);
	if (ret)
		return ret;
	ret = parse_format(cfg->output_format, json);
	if (ret)
		return ret;
	ret = take_cntlid(cfg->cntlid, scid);
	if (ret)
		return ret;
	if (!cfg->file || !cfg->file[0]) {
		err_msg("--file: where is the state? (a file name)");
		return -EINVAL;
	}
	return 0;
}

static int xfer_failed(const struct primary *p, const struct lm_fn_desc *fn,
		       const char *what, const struct lm_xfer_result *res,
		       int err)
{
	err_msg("%s: %s secondary controller 0x%x (lm%u/%u): %s: %s", p->name,
		what, fn->hw_id, fn->dev_id, fn->index,
		res->failed_step ?: "?", strerror(-err));
	return err;
}

static int secondary_save(int argc, char **argv, struct command *cmd,
			  struct plugin *plug)
{
	const char *desc =
		"Save the state of a secondary controller enabled for "
		"migration to a file: suspend it, read its controller state "
		"(Migration Receive) and resume it as it was." PRIMARY_DESC;
	struct xfer_config cfg = { .output_format = "normal" };
	struct lm_xfer_result res = {};
	struct lm_dev *dev = NULL;
	struct lm_fn_desc fn;
	char tmp[PATH_MAX];
	struct primary p;
	const char *pf;
	uint32_t scid;
	int ret, fd;
	bool json;

	(void)cmd;
	(void)plug;
	ret = xfer_args(argc, argv, desc, &cfg, &pf, &scid, &json);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = primary_open(pf, &p);
	if (ret)
		return ret;
	ret = secondary_find(&p, scid, &fn) ?:
	      migration_open(&p, &fn, "save", &dev);
	if (ret)
		goto out;
	fd = save_tmp_open(cfg.file, tmp, sizeof(tmp));
	if (fd < 0) {
		ret = fd;
		err_msg("%s: %s", cfg.file, strerror(-ret));
		goto out;
	}
	ret = lm_fn_save(dev, fn.index, fd, NULL, NULL, &res);
	if (ret) {
		close(fd);
		unlink(tmp);
		xfer_failed(&p, &fn, "save", &res, ret);
		goto out;
	}
	ret = save_tmp_commit(fd, tmp, cfg.file);
	if (ret) {
		err_msg("%s: %s", cfg.file, strerror(-ret));
		goto out;
	}
	print_xfer(json, "save", &fn, cfg.file, &res);
out:
	lm_dev_close(dev);
	primary_close(&p);
	return ret;
}

static int secondary_restore(int argc, char **argv, struct command *cmd,
			     struct plugin *plug)
{
	const char *desc =
		"Restore a secondary controller enabled for migration from a "
		"file that save wrote: the kernel checks the whole stream, the "
		"controller the state (Migration Send), then the controller "
		"runs with it. A refused state leaves it reset, usable." PRIMARY_DESC;
	struct xfer_config cfg = { .output_format = "normal" };
	struct lm_xfer_result res = {};
	struct lm_dev *dev = NULL;
	struct lm_fn_desc fn;
	struct primary p;
	const char *pf;
	uint32_t scid;
	int ret, fd;
	bool json;

	(void)cmd;
	(void)plug;
	ret = xfer_args(argc, argv, desc, &cfg, &pf, &scid, &json);
	if (ret)
		return ret < 0 ? ret : 0;
	fd = open(cfg.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err_msg("%s: %s", cfg.file, strerror(-ret));
		return ret;
	}
	ret = primary_open(pf, &p);
	if (ret) {
		close(fd);
		return ret;
	}
	ret = secondary_find(&p, scid, &fn) ?:
	      migration_open(&p, &fn, "restore", &dev);
	if (!ret) {
		ret = lm_fn_restore(dev, fn.index, fd, NULL, NULL, &res);
		if (ret)
			xfer_failed(&p, &fn, "restore", &res, ret);
		else
			print_xfer(json, "restore", &fn, cfg.file, &res);
	}
	close(fd);
	lm_dev_close(dev);
	primary_close(&p);
	return ret;
}

static void print_migrate(bool json, const struct lm_fn_desc *src,
			  const struct lm_fn_desc *dst,
			  const struct lm_migrate_result *res)
{
	struct json_object *root;

	if (!json) {
		printf("migrated secondary controller 0x%x (lm%u/%u) to 0x%x (lm%u/%u): %u pre-copy rounds, %llu bytes while running, %llu bytes stopped, downtime %.1f ms, migration %.1f ms\n",
		       src->hw_id, src->dev_id, src->index, dst->hw_id,
		       dst->dev_id, dst->index, res->rounds,
		       (unsigned long long)res->precopy_bytes,
		       (unsigned long long)res->stop_copy_bytes,
		       res->downtime_ns / 1e6, res->duration_ns / 1e6);
		return;
	}
	root = json_create_object();
	json_object_add_value_int(root, "source", src->hw_id);
	json_object_add_value_int(root, "destination", dst->hw_id);
	json_object_add_value_int(root, "source-lm-function", src->index);
	json_object_add_value_int(root, "destination-lm-function", dst->index);
	json_object_add_value_int(root, "precopy-rounds", res->rounds);
	json_object_add_value_uint64(root, "precopy-bytes", res->precopy_bytes);
	json_object_add_value_uint64(root, "stop-copy-bytes",
				     res->stop_copy_bytes);
	json_object_add_value_uint64(root, "bytes",
				     res->precopy_bytes + res->stop_copy_bytes);
	json_object_add_value_uint64(root, "downtime-us",
				     res->downtime_ns / 1000);
	json_object_add_value_uint64(root, "duration-us",
				     res->duration_ns / 1000);
	json_print_object(root, NULL);
	printf("\n");
	json_free_object(root);
}

static int secondary_migrate(int argc, char **argv, struct command *cmd,
			     struct plugin *plug)
{
	const char *desc =
		"Migrate a secondary controller into another of the same "
		"primary controller, both enabled for migration: the "
		"destination takes the state (RESUMING), the source streams "
		"it while it runs (pre-copy rounds with user data change "
		"logging) unless --no-precopy, then stops, sends the rest, "
		"and the destination runs. The source is left stopped with "
		"the state that moved." PRIMARY_DESC;
	struct lm_migrate_opts mopts = {};
	struct lm_migrate_result res = {};
	struct lm_fn_desc src, dst;
	struct lm_dev *dev = NULL;
	uint32_t sid, did;
	struct primary p;
	const char *pf;
	bool json;
	int ret;

	struct config {
		char *source;
		char *destination;
		bool no_precopy;
		char *rounds;
		char *output_format;
	} cfg = {
		.output_format = "normal",
	};

	OPT_ARGS(opts) = {
		OPT_STRING("source", 's', "NUM", &cfg.source,
			   "Source secondary controller (SCID)"),
		OPT_STRING("destination", 'd', "NUM", &cfg.destination,
			   "Destination secondary controller (SCID)"),
		OPT_FLAG("no-precopy", 'P', &cfg.no_precopy,
			 "Stop the source at once: no pre-copy rounds"),
		OPT_STRING("rounds", 'r', "NUM", &cfg.rounds,
			   "At most this many pre-copy rounds (default 30)"),
		OPT_FMT("output-format", 'o', &cfg.output_format, fmt_desc),
		OPT_END()
	};

	(void)cmd;
	(void)plug;
	ret = parse_args(argc, argv, desc, opts, &pf);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = parse_format(cfg.output_format, &json);
	if (ret)
		return ret;
	if (!cfg.source || !cfg.destination) {
		err_msg("--source and --destination: which secondary controllers? (see list)");
		return -EINVAL;
	}
	ret = parse_num("source", cfg.source, NVME_U16_MAX, &sid) ?:
	      parse_num("destination", cfg.destination, NVME_U16_MAX, &did);
	if (ret)
		return ret;
	if (sid == did) {
		err_msg("secondary controller 0x%x is both source and destination",
			sid);
		return -EINVAL;
	}
	if (cfg.rounds) {
		ret = parse_num("rounds", cfg.rounds, UINT32_MAX,
				&mopts.max_rounds);
		if (ret)
			return ret;
		if (!mopts.max_rounds) {
			err_msg("--rounds: at least 1");
			return -EINVAL;
		}
		if (cfg.no_precopy) {
			err_msg("--rounds and --no-precopy exclude each other");
			return -EINVAL;
		}
	}
	if (cfg.no_precopy)
		mopts.flags |= LM_MIGRATE_NO_PRECOPY;

	ret = primary_open(pf, &p);
	if (ret)
		return ret;
	ret = secondary_find(&p, sid, &src) ?:
	      secondary_find(&p, did, &dst) ?:
	      migration_open(&p, &src, "migrate", &dev) ?:
	      migration_open(&p, &dst, "migrate", &dev);
	if (ret)
		goto out;
	ret = lm_fn_migrate(dev, src.index, dev, dst.index, &mopts, &res);
	if (ret)
		err_msg("%s: migrate 0x%x to 0x%x: %s: %s", p.name, sid, did,
			res.failed_step ?: "?", strerror(-ret));
	else
		print_migrate(json, &src, &dst, &res);
out:
	lm_dev_close(dev);
	primary_close(&p);
	return ret;
}
