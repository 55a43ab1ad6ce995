/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The secondary controllers of an NVMe primary controller bound to
 * nvme-lm: provisioning and live migration through the lm subsystem
 * (liblm).
 */
#undef CMD_INC_FILE
#define CMD_INC_FILE plugins/secondary/secondary-nvme

#if !defined(SECONDARY_NVME) || defined(CMD_HEADER_MULTI_READ)
#define SECONDARY_NVME

#include "cmd.h"

PLUGIN(NAME("secondary", "Secondary controllers of a primary controller bound to nvme-lm: provisioning and live migration", NVME_VERSION),
	COMMAND_LIST(
		ENTRY("list", "List the secondary controllers", secondary_list)
		ENTRY("provision", "Assign VQ and VI resources, bring online or take offline", secondary_provision)
		ENTRY("online", "Bring a secondary controller online", secondary_online)
		ENTRY("offline", "Take a secondary controller offline", secondary_offline)
		ENTRY("enable-migration", "Allow a secondary controller to be migrated", secondary_enable_migration)
		ENTRY("disable-migration", "No longer allow a secondary controller to be migrated", secondary_disable_migration)
		ENTRY("suspend", "Suspend a secondary controller", secondary_suspend)
		ENTRY("resume", "Resume a suspended secondary controller", secondary_resume)
		ENTRY("save", "Save a secondary controller's state to a file", secondary_save)
		ENTRY("restore", "Restore a secondary controller's state from a file", secondary_restore)
		ENTRY("migrate", "Migrate a secondary controller into another", secondary_migrate)
		ENTRY("attach-vfio", "Hand a secondary controller's VF to VFIO, lm-vfio-pci", secondary_attach_vfio)
		ENTRY("detach-vfio", "Take a secondary controller's VF back from VFIO", secondary_detach_vfio)
	)
);

#endif

#include "define_cmd.h"
