// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl fn: the controlled functions: show, provision, set, reset, save,
 * restore, migrate.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_print.h"
#include "lmctl.h"
#include "print.h"
#include "progress.h"

static void fn_usage(void)
{
	fputs("Usage: lmctl fn show [ PF[/FN] ]\n"
	      "       lmctl fn provision PF/FN [ queues N ] [ irqs N ] [ memory SIZE ]\n"
	      "                                [ online { on | off } ]\n"
	      "       lmctl fn set PF/FN [ migratable { on | off } ]\n"
	      "                          [ state { running | stop | running_p2p } ]\n"
	      "       lmctl fn reset PF/FN\n"
	      "       lmctl fn save PF/FN { FILE | - }\n"
	      "       lmctl fn restore PF/FN { FILE | - }\n"
	      "       lmctl fn migrate PF/FN PF/FN [ precopy { on | off } ] [ rounds N ]\n"
	      "       lmctl fn attach PF/FN vfio\n"
	      "       lmctl fn detach PF/FN\n"
	      "       lmctl fn help\n"
	      "PF := { lmN | PCI address }   SIZE := N[K|M|G|T]\n",
	      stdout);
}

/* "help" as the only word left: print the usage; the command is done. */
static bool fn_help(const struct lmctl *lc)
{
	if (!lmctl_wants_help(lc))
		return false;
	fn_usage();
	return true;
}

static int fn_show_one(const struct lm_fn_desc *desc, void *arg)
{
	(void)arg;
	print_fn(desc);
	return 0;
}

static int cmd_fn_show(struct lmctl *lc)
{
	struct lmctl_handle h = {};
	struct lm_fn_desc desc;
	bool given = false;
	struct lm_ctx *ctx;
	int ret;

	if (fn_help(lc))
		return 0;
	if (lmctl_peek(lc)) {
		ret = lmctl_next_handle(lc, "fn show", HANDLE_DEV_OR_FN, &h);
		if (ret)
			return ret;
		given = true;
	}
	if (lmctl_peek(lc))
		return lmctl_unknown("fn show", lmctl_peek(lc), "lmctl fn help");
	ctx = lmctl_ctx(lc);
	if (!ctx)
		return EXIT_FAIL;

	if (h.has_fn) {
		ret = lm_fn_get(ctx, h.dev_id, h.fn, &desc);
		if (ret)
			return lmctl_fail(lc, ret, "fn show %s", h.name);
	}
	new_json_obj(lc->json, lc->pretty);
	open_json_object("fn");
	if (h.has_fn)
		ret = fn_show_one(&desc, NULL);
	else
		ret = lm_fn_list(ctx, given ? h.dev_id : LM_DEV_ANY,
				 fn_show_one, NULL);
	close_json_object();
	delete_json_obj();
	if (ret)
		return lmctl_fail(lc, ret, "fn show%s%s", given ? " " : "",
				  given ? h.name : "");
	return 0;
}

/* KEY VALUE pairs: each at most once. */
static int take_key(const char *cmd, const char *key, uint32_t bit,
		    uint32_t *seen)
{
	if (*seen & bit)
		return lmctl_err(EXIT_USAGE, "%s: %s given twice", cmd, key);
	*seen |= bit;
	return 0;
}

static int send_fn_set(struct lmctl *lc, const struct lmctl_handle *h,
		       const struct lm_fn_cfg *cfg, const char *cmd)
{
	struct lm_ctx *ctx = lmctl_ctx(lc);
	int ret;

	if (!ctx)
		return EXIT_FAIL;
	ret = lm_fn_set(ctx, h->dev_id, h->fn, cfg);
	if (ret)
		return lmctl_fail(lc, ret, "%s %s", cmd, h->name);
	return 0;
}

static int cmd_fn_provision(struct lmctl *lc)
{
	const char *cmd = "fn provision";
	struct lm_fn_cfg cfg = {};
	struct lmctl_handle h;
	const char *key, *val;
	uint32_t seen = 0;
	int ret;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, cmd, HANDLE_FN, &h);
	if (ret)
		return ret;
	while ((key = lmctl_next(lc))) {
		if (!strcmp(key, "help")) {
			fn_usage();
			return 0;
		}
		ret = lmctl_next_value(lc, key, &val);
		if (ret)
			return ret;
		if (!strcmp(key, "queues"))
			ret = take_key(cmd, key, LM_CFG_QUEUES, &seen) ?:
			      lmctl_parse_u32(key, val, &cfg.queues);
		else if (!strcmp(key, "irqs"))
			ret = take_key(cmd, key, LM_CFG_IRQS, &seen) ?:
			      lmctl_parse_u32(key, val, &cfg.irqs);
		else if (!strcmp(key, "memory"))
			ret = take_key(cmd, key, LM_CFG_MEMORY, &seen) ?:
			      lmctl_parse_size(key, val, &cfg.memory);
		else if (!strcmp(key, "online"))
			ret = take_key(cmd, key, LM_CFG_ONLINE, &seen) ?:
			      lmctl_parse_on_off(key, val, &cfg.online);
		else
			ret = lmctl_unknown(cmd, key, "lmctl fn help");
		if (ret)
			return ret;
	}
	if (!seen)
		return lmctl_err(EXIT_USAGE, "%s %s: nothing to provision: give queues, irqs, memory or online",
				 cmd, h.name);
	cfg.flags = seen;
	return send_fn_set(lc, &h, &cfg, cmd);
}

static const uint32_t settable_states[] = {
	LM_MIG_STATE_RUNNING,
	LM_MIG_STATE_STOP,
	LM_MIG_STATE_RUNNING_P2P,
};

/* The states "fn set state" takes: those that open no data file. */
static int parse_settable_state(const char *arg, uint32_t *state)
{
	unsigned int i;

	if (!lm_mig_state_parse(arg, state))
		for (i = 0; i < ARRAY_SIZE(settable_states); i++)
			if (*state == settable_states[i])
				return 0;
	return lmctl_err(EXIT_USAGE, "state: expected running, stop or running_p2p, not '%s'",
			 arg);
}

static int set_state(const struct lmctl_handle *h, uint32_t state)
{
	struct lm_dev *dev;
	char why[64];
	int ret = lmctl_open_dev(h, &dev);

	if (ret)
		return ret;
	ret = lm_dev_fn_set_state(dev, h->fn, state, NULL);
	if (ret)
		ret = lmctl_err(EXIT_FAIL, "fn set %s state %s: %s%s", h->name,
				lm_mig_state_name(state), strerror(-ret),
				lmctl_dev_reason(dev, ret, why, sizeof(why)));
	lm_dev_close(dev);
	return ret;
}

static int cmd_fn_set(struct lmctl *lc)
{
	const char *cmd = "fn set";
	struct lm_fn_cfg cfg = {};
	struct lmctl_handle h;
	const char *key, *val;
	bool has_state = false;
	uint32_t seen = 0, state = 0;
	int ret;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, cmd, HANDLE_FN, &h);
	if (ret)
		return ret;
	while ((key = lmctl_next(lc))) {
		if (!strcmp(key, "help")) {
			fn_usage();
			return 0;
		}
		ret = lmctl_next_value(lc, key, &val);
		if (ret)
			return ret;
		if (!strcmp(key, "migratable")) {
			ret = take_key(cmd, key, LM_CFG_MIGRATABLE, &seen) ?:
			      lmctl_parse_on_off(key, val, &cfg.migratable);
		} else if (!strcmp(key, "state")) {
			if (has_state)
				return lmctl_err(EXIT_USAGE, "%s: %s given twice",
						 cmd, key);
			has_state = true;
			ret = parse_settable_state(val, &state);
		} else {
			ret = lmctl_unknown(cmd, key, "lmctl fn help");
		}
		if (ret)
			return ret;
	}
	if (!seen && !has_state)
		return lmctl_err(EXIT_USAGE, "%s %s: nothing to set: give migratable or state",
				 cmd, h.name);
	cfg.flags = seen;

	/* Migration must be enabled to leave RUNNING, and RUNNING to disable it. */
	if (seen && cfg.migratable) {
		ret = send_fn_set(lc, &h, &cfg, cmd);
		if (ret)
			return ret;
	}
	if (has_state) {
		ret = set_state(&h, state);
		if (ret)
			return ret;
	}
	if (seen && !cfg.migratable)
		return send_fn_set(lc, &h, &cfg, cmd);
	return 0;
}

static int cmd_fn_reset(struct lmctl *lc)
{
	struct lmctl_handle h;
	struct lm_dev *dev;
	char why[64];
	int ret;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, "fn reset", HANDLE_FN, &h);
	if (ret)
		return ret;
	if (lmctl_peek(lc))
		return lmctl_unknown("fn reset", lmctl_peek(lc), "lmctl fn help");
	ret = lmctl_open_dev(&h, &dev);
	if (ret)
		return ret;
	ret = lm_dev_fn_reset(dev, h.fn);
	if (ret)
		ret = lmctl_err(EXIT_FAIL, "fn reset %s: %s%s", h.name,
				strerror(-ret),
				lmctl_dev_reason(dev, ret, why, sizeof(why)));
	lm_dev_close(dev);
	return ret;
}

/*
 * A save goes to a new file beside FILE that replaces it only once the
 * stream is whole: a failed save leaves FILE as it was.
 */
struct save_file {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
};

static int save_file_open(struct save_file *sf, const char *path)
{
	char dir[PATH_MAX], base[PATH_MAX];

	if (snprintf(sf->path, sizeof(sf->path), "%s", path) >=
	    (int)sizeof(sf->path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	if (snprintf(sf->tmp, sizeof(sf->tmp), "%s/.%s.XXXXXX", dirname(dir),
		     basename(base)) >= (int)sizeof(sf->tmp))
		return -ENAMETOOLONG;
	sf->fd = mkostemp(sf->tmp, O_CLOEXEC);
	return sf->fd < 0 ? -errno : 0;
}

static int save_file_commit(struct save_file *sf)
{
	int ret = 0;

	if (fsync(sf->fd))
		ret = -errno;
	if (close(sf->fd) && !ret)
		ret = -errno;
	sf->fd = -1;
	if (!ret && rename(sf->tmp, sf->path))
		ret = -errno;
	if (ret)
		unlink(sf->tmp);
	return ret;
}

static void save_file_abort(struct save_file *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	unlink(sf->tmp);
}

/* The summary of a save or restore, on stdout unless the stream is there. */
static void print_xfer(const struct lmctl *lc, const char *what,
		       const struct lmctl_handle *h, const char *file,
		       const struct lm_xfer_result *res)
{
	new_json_obj(lc->json, lc->pretty);
	open_json_object(what);
	print_string(PRINT_ANY, "fn", "%s:", h->name);
	print_string(PRINT_FP, NULL, " %s", what);
	print_bytes(PRINT_ANY, "bytes", " %s", res->bytes);
	print_string(PRINT_ANY, "file", !strcmp(what, "save") ? " to %s" :
								" from %s",
		     file);
	print_duration(PRINT_ANY, "duration_us", " in %.1f ms",
		       res->duration_ns);
	print_nl();
	close_json_object();
	delete_json_obj();
}

static int xfer_failed(const char *cmd, const struct lmctl_handle *h,
		       const struct lm_dev *dev,
		       const struct lm_xfer_result *res, int err,
		       bool cancelled)
{
	char why[64];

	if (cancelled)
		return lmctl_err(EXIT_FAIL, "%s %s: interrupted; the function was put back",
				 cmd, h->name);
	return lmctl_err(EXIT_FAIL, "%s %s: %s: %s%s", cmd, h->name,
			 res->failed_step ?: "?", strerror(-err),
			 lmctl_dev_reason(dev, err, why, sizeof(why)));
}

static int cmd_fn_save(struct lmctl *lc)
{
	struct save_file sf = { .fd = -1 };
	struct lm_xfer_result res = {};
	struct lmctl_handle h;
	struct progress prog;
	const char *file;
	struct lm_dev *dev;
	bool to_stdout, cancelled;
	int ret, fd;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, "fn save", HANDLE_FN, &h);
	if (ret)
		return ret;
	file = lmctl_next(lc);
	if (!file)
		return lmctl_err(EXIT_USAGE, "fn save %s: missing FILE (or - for stdout)",
				 h.name);
	if (lmctl_peek(lc))
		return lmctl_unknown("fn save", lmctl_peek(lc), "lmctl fn help");
	to_stdout = !strcmp(file, "-");
	if (to_stdout && isatty(STDOUT_FILENO))
		return lmctl_err(EXIT_USAGE, "fn save %s: not writing a binary stream to a terminal",
				 h.name);

	ret = lmctl_open_dev(&h, &dev);
	if (ret)
		return ret;
	if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		ret = save_file_open(&sf, file);
		if (ret) {
			lm_dev_close(dev);
			return lmctl_err(EXIT_FAIL, "fn save %s: %s: %s", h.name,
					 file, strerror(-ret));
		}
		fd = sf.fd;
	}

	progress_start(&prog, h.name);
	ret = lm_fn_save(dev, h.fn, fd, progress_cb, &prog, &res);
	cancelled = progress_end(&prog);
	if (ret) {
		if (!to_stdout)
			save_file_abort(&sf);
		ret = xfer_failed("fn save", &h, dev, &res, ret, cancelled);
		lm_dev_close(dev);
		return ret;
	}
	lm_dev_close(dev);
	if (!to_stdout) {
		ret = save_file_commit(&sf);
		if (ret)
			return lmctl_err(EXIT_FAIL, "fn save %s: %s: %s", h.name,
					 file, strerror(-ret));
		print_xfer(lc, "save", &h, file, &res);
	}
	return 0;
}

static int cmd_fn_restore(struct lmctl *lc)
{
	struct lm_xfer_result res = {};
	struct lmctl_handle h;
	struct progress prog;
	bool from_stdin, cancelled;
	struct lm_dev *dev;
	const char *file;
	int ret, fd;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, "fn restore", HANDLE_FN, &h);
	if (ret)
		return ret;
	file = lmctl_next(lc);
	if (!file)
		return lmctl_err(EXIT_USAGE, "fn restore %s: missing FILE (or - for stdin)",
				 h.name);
	if (lmctl_peek(lc))
		return lmctl_unknown("fn restore", lmctl_peek(lc),
				     "lmctl fn help");
	from_stdin = !strcmp(file, "-");
	if (from_stdin && isatty(STDIN_FILENO))
		return lmctl_err(EXIT_USAGE, "fn restore %s: not reading a binary stream from a terminal",
				 h.name);
	if (from_stdin) {
		fd = STDIN_FILENO;
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return lmctl_err(EXIT_FAIL, "fn restore %s: %s: %m",
					 h.name, file);
	}
	ret = lmctl_open_dev(&h, &dev);
	if (ret)
		goto out;

	progress_start(&prog, h.name);
	ret = lm_fn_restore(dev, h.fn, fd, progress_cb, &prog, &res);
	cancelled = progress_end(&prog);
	if (ret)
		ret = xfer_failed("fn restore", &h, dev, &res, ret, cancelled);
	lm_dev_close(dev);
	if (ret)
		goto out;
	print_xfer(lc, "restore", &h, from_stdin ? "-" : file, &res);
out:
	if (!from_stdin)
		close(fd);
	return ret;
}

static void print_round(const struct lm_migrate_round *r, void *arg)
{
	(void)arg;
	open_json_object(NULL);
	print_uint(PRINT_ANY, "round", "  round %llu:", r->round);
	print_bytes(PRINT_ANY, "bytes", " sent %s", r->bytes);
	print_bytes(PRINT_ANY, "initial_bytes", " (initial %s", r->initial_bytes);
	print_bytes(PRINT_ANY, "dirty_bytes", " dirty %s)", r->dirty_bytes);
	print_duration(PRINT_ANY, "duration_us", " in %.1f ms", r->duration_ns);
	print_nl();
	close_json_object();
	fflush(stdout);
}

static int cmd_fn_migrate(struct lmctl *lc)
{
	const char *cmd = "fn migrate";
	struct lm_migrate_opts opts = { .round = print_round };
	struct lm_migrate_result res = {};
	struct lm_dev *src = NULL, *dst = NULL;
	struct lmctl_handle hs, hd;
	const char *key, *val;
	struct progress prog;
	bool precopy = true, seen_precopy = false, seen_rounds = false;
	bool cancelled;
	char why[64];
	int ret;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, cmd, HANDLE_FN, &hs) ?:
	      lmctl_next_handle(lc, cmd, HANDLE_FN, &hd);
	if (ret)
		return ret;
	while ((key = lmctl_next(lc))) {
		if (!strcmp(key, "help")) {
			fn_usage();
			return 0;
		}
		ret = lmctl_next_value(lc, key, &val);
		if (ret)
			return ret;
		if (!strcmp(key, "precopy")) {
			ret = seen_precopy ?
				lmctl_err(EXIT_USAGE, "%s: %s given twice", cmd, key) :
				lmctl_parse_on_off(key, val, &precopy);
			seen_precopy = true;
		} else if (!strcmp(key, "rounds")) {
			ret = seen_rounds ?
				lmctl_err(EXIT_USAGE, "%s: %s given twice", cmd, key) :
				lmctl_parse_u32(key, val, &opts.max_rounds);
			if (!ret && !opts.max_rounds)
				ret = lmctl_err(EXIT_USAGE, "rounds: at least 1");
			seen_rounds = true;
		} else {
			ret = lmctl_unknown(cmd, key, "lmctl fn help");
		}
		if (ret)
			return ret;
	}
	if (hs.dev_id == hd.dev_id && hs.fn == hd.fn)
		return lmctl_err(EXIT_USAGE, "%s: %s is both source and destination",
				 cmd, hs.name);
	if (!precopy)
		opts.flags |= LM_MIGRATE_NO_PRECOPY;

	ret = lmctl_open_dev(&hs, &src) ?: lmctl_open_dev(&hd, &dst);
	if (ret)
		goto out;

	new_json_obj(lc->json, lc->pretty);
	open_json_object("migrate");
	print_string(PRINT_ANY, "source", "%s", hs.name);
	print_string(PRINT_ANY, "destination", " -> %s", hd.name);
	print_nl();
	open_json_array("precopy_rounds");
	progress_start(&prog, hs.name);
	opts.progress = progress_cb;
	opts.arg = &prog;
	/* The bar would mix with the rounds' lines: keep it for the signals. */
	prog.bar = false;
	ret = lm_fn_migrate(src, hs.fn, dst, hd.fn, &opts, &res);
	cancelled = progress_end(&prog);
	close_json_array();
	if (!ret) {
		print_uint(PRINT_ANY, "rounds", "  %llu pre-copy rounds",
			   res.rounds);
		print_bytes(PRINT_ANY, "precopy_bytes", ", %s sent while running",
			    res.precopy_bytes);
		print_bytes(PRINT_ANY, "stop_copy_bytes", ", %s in stop-copy",
			    res.stop_copy_bytes);
		print_bytes(PRINT_ANY, "bytes", ", %s in all",
			    res.precopy_bytes + res.stop_copy_bytes);
		print_nl();
		print_duration(PRINT_ANY, "downtime_us", "  downtime %.1f ms",
			       res.downtime_ns);
		print_duration(PRINT_ANY, "duration_us", ", migration %.1f ms",
			       res.duration_ns);
		print_nl();
	}
	close_json_object();
	delete_json_obj();
	if (ret && !lmctl_dev_reason(src, ret, why, sizeof(why))[0])
		lmctl_dev_reason(dst, ret, why, sizeof(why));
	if (ret)
		ret = cancelled ?
			lmctl_err(EXIT_FAIL, "%s %s %s: interrupted; both functions were put back",
				  cmd, hs.name, hd.name) :
			lmctl_err(EXIT_FAIL, "%s %s %s: %s: %s%s", cmd, hs.name,
				  hd.name, res.failed_step ?: "?",
				  strerror(-ret), why);
out:
	lm_dev_close(src);
	lm_dev_close(dst);
	return ret;
}

static int cmd_fn_attach(struct lmctl *lc)
{
	const char *cmd = "fn attach", *to;
	struct lmctl_handle h;
	struct lm_fn_desc d;
	struct lm_ctx *ctx;
	char pci[32], vfio[32];
	int ret, group;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, cmd, HANDLE_FN, &h);
	if (ret)
		return ret;
	to = lmctl_next(lc);
	if (!to)
		return lmctl_err(EXIT_USAGE, "%s %s: attach to what? (vfio)", cmd,
				 h.name);
	if (strcmp(to, "vfio"))
		return lmctl_err(EXIT_USAGE, "%s %s: '%s': a function attaches to vfio only",
				 cmd, h.name, to);
	if (lmctl_peek(lc))
		return lmctl_unknown(cmd, lmctl_peek(lc), "lmctl fn help");
	ctx = lmctl_ctx(lc);
	if (!ctx)
		return EXIT_FAIL;
	ret = lm_fn_attach(ctx, h.dev_id, h.fn);
	if (ret)
		return lmctl_fail(lc, ret, "%s %s", cmd, h.name);
	ret = lm_fn_get(ctx, h.dev_id, h.fn, &d);
	if (ret)
		return lmctl_fail(lc, ret, "%s %s: attached, but", cmd, h.name);

	snprintf(pci, sizeof(pci), "%04x:%02x:%02x.%x", d.pci_domain,
		 (d.pci_bdf >> 8) & 0xff, (d.pci_bdf >> 3) & 0x1f,
		 d.pci_bdf & 7);
	group = lm_fn_iommu_group(&d);
	new_json_obj(lc->json, lc->pretty);
	open_json_object("attach");
	print_string(PRINT_ANY, "fn", "%s:", h.name);
	print_string(PRINT_ANY, "pci", " %s", pci);
	print_string(PRINT_ANY, "driver", " on %s", "lm-vfio-pci");
	if (group >= 0) {
		snprintf(vfio, sizeof(vfio), "/dev/vfio/%d", group);
		print_uint(PRINT_ANY, "iommu_group", ", IOMMU group %llu",
			   group);
		print_string(PRINT_ANY, "vfio", ", %s", vfio);
	} else {
		print_string(PRINT_FP, NULL, "%s", ", in no IOMMU group");
	}
	print_nl();
	close_json_object();
	delete_json_obj();
	return 0;
}

static int cmd_fn_detach(struct lmctl *lc)
{
	const char *cmd = "fn detach";
	struct lmctl_handle h;
	struct lm_ctx *ctx;
	int ret;

	if (fn_help(lc))
		return 0;
	ret = lmctl_next_handle(lc, cmd, HANDLE_FN, &h);
	if (ret)
		return ret;
	if (lmctl_peek(lc))
		return lmctl_unknown(cmd, lmctl_peek(lc), "lmctl fn help");
	ctx = lmctl_ctx(lc);
	if (!ctx)
		return EXIT_FAIL;
	ret = lm_fn_detach(ctx, h.dev_id, h.fn);
	if (ret)
		return lmctl_fail(lc, ret, "%s %s", cmd, h.name);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct lmctl *lc);
} fn_cmds[] = {
	{ "show", cmd_fn_show },
	{ "list", cmd_fn_show },
	{ "provision", cmd_fn_provision },
	{ "set", cmd_fn_set },
	{ "reset", cmd_fn_reset },
	{ "save", cmd_fn_save },
	{ "restore", cmd_fn_restore },
	{ "migrate", cmd_fn_migrate },
	{ "attach", cmd_fn_attach },
	{ "detach", cmd_fn_detach },
};

int cmd_fn(struct lmctl *lc)
{
	const char *cmd = lmctl_next(lc);
	unsigned int i;

	if (!cmd)
		return cmd_fn_show(lc);
	if (!strcmp(cmd, "help")) {
		fn_usage();
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(fn_cmds); i++)
		if (!strcmp(cmd, fn_cmds[i].name))
			return fn_cmds[i].fn(lc);
	return lmctl_unknown("fn", cmd, "lmctl fn help");
}
