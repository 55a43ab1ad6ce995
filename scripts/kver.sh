#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the version of the newest installed Debian 6.12 kernel of the generic
# amd64 flavour that has both its image and headers of exactly that version.
# Prints nothing (and exits 1) when there is none.
set -euo pipefail

for img in $(ls /boot/vmlinuz-6.12.* 2>/dev/null | sort -rV); do
	kver=${img#/boot/vmlinuz-}
	case "$kver" in
	*-rt-amd64 | *-cloud-amd64) continue ;;
	*-amd64) ;;
	*) continue ;;
	esac
	if [ -f "/usr/src/linux-headers-$kver/Makefile" ] &&
	   [ -d "/lib/modules/$kver/kernel" ]; then
		echo "$kver"
		exit 0
	fi
done
exit 1
