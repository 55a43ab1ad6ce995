// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: how devices and functions are printed.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <stdio.h>

#include "json_print.h"
#include "lmctl.h"
#include "print.h"

/* By bit number, as include/uapi/linux/lm.h defines them. */
static const char *const mig_cap_names[] = {
	"stop_copy",	/* LM_MIG_STOP_COPY */
	"p2p",		/* LM_MIG_P2P */
	"pre_copy",	/* LM_MIG_PRE_COPY */
};

static const char *const prov_names[] = {
	"queues",	/* LM_PROV_QUEUES */
	"irqs",		/* LM_PROV_IRQS */
	"memory",	/* LM_PROV_MEMORY */
	"online",	/* LM_PROV_ONLINE */
};

void print_dev(const struct lm_dev_desc *d)
{
	char name[16];

	snprintf(name, sizeof(name), "lm%u", d->id);
	open_json_object(name);
	print_string(PRINT_FP, NULL, "%s:", name);
	print_uint(PRINT_JSON, "id", NULL, d->id);
	print_string(PRINT_ANY, "parent", " parent %s", d->parent);
	print_string(PRINT_ANY, "driver", " driver %s", d->driver);
	print_string(PRINT_ANY, "compat", " compat %s", d->compat);
	print_uint(PRINT_ANY, "num_fns", " fns %llu", d->num_fns);
	print_flags(PRINT_ANY, "mig_caps", " mig_caps %s", mig_cap_names,
		    ARRAY_SIZE(mig_cap_names), d->mig_caps);
	print_flags(PRINT_ANY, "prov_caps", " prov_caps %s", prov_names,
		    ARRAY_SIZE(prov_names), d->prov_caps);
	print_uint(PRINT_ANY, "stream_version", " stream_version %llu",
		   d->stream_version);
	print_nl();
	close_json_object();
}

void print_fn(const struct lm_fn_desc *f)
{
	char name[32], pci[24];

	snprintf(name, sizeof(name), "lm%u/%u", f->dev_id, f->index);
	open_json_object(name);
	print_string(PRINT_FP, NULL, "%s:", name);
	print_uint(PRINT_JSON, "dev_id", NULL, f->dev_id);
	print_uint(PRINT_JSON, "index", NULL, f->index);
	print_string(PRINT_ANY, "state", " state %s",
		     lm_mig_state_name(f->state));
	print_on_off(PRINT_ANY, "online", " online %s", f->online);
	print_on_off(PRINT_ANY, "migratable", " migratable %s",
		     f->migratable);
	print_on_off(PRINT_ANY, "vfio", " vfio %s", f->vfio);
	if (f->pci) {
		snprintf(pci, sizeof(pci), "%04x:%02x:%02x.%x",
			 f->pci_domain, (f->pci_bdf >> 8) & 0xff,
			 (f->pci_bdf >> 3) & 0x1f, f->pci_bdf & 7);
		print_string(PRINT_ANY, "pci", " pci %s", pci);
	}
	print_uint(PRINT_ANY, "vf", " vf %llu", f->vf);
	print_uint(PRINT_ANY, "hw_id", " hw_id %llu", f->hw_id);
	print_uint(PRINT_ANY, "queues", " queues %llu", f->queues);
	print_uint(PRINT_ANY, "irqs", " irqs %llu", f->irqs);
	print_size(PRINT_ANY, "memory", " memory %s", f->memory);
	print_nl();
	close_json_object();
}
