# SPDX-License-Identifier: GPL-2.0
#
# The devices of the project's QEMU, built --without-default-devices:
# qemu/build.sh copies this file into the source tree as
# configs/devices/x86_64-softmmu/lm.mak. Without default devices Kconfig
# takes no "default y" and no "imply", so everything a q35 guest of the rig
# gets from Debian's binary without asking is listed here too (the HPET, the
# standard VGA, the parallel port, vmport), to keep the guest's machine the
# same; then what the rig adds with -device.

# The machine and what it creates by default.
CONFIG_Q35=y
CONFIG_HPET=y
CONFIG_VGA_PCI=y
CONFIG_PARALLEL=y
CONFIG_VMPORT=y
CONFIG_VMMOUSE=y

# -device intel-iommu, pcie-root-port, nvme-subsys, nvme, nvme-ns
CONFIG_VTD=y
CONFIG_PCIE_PORT=y
CONFIG_NVME_PCI=y
