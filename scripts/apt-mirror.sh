# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The Debian mirror of the machine's own apt configuration, for scripts that
# add a suite or a source entry next to it (scripts/deps.sh, qemu/build.sh):
# no host name is ever written into this repository.
#	. scripts/apt-mirror.sh; mirror=$(debian_mirror | head -n1)

# The URI that serves the "bookworm" suite in the existing apt configuration,
# deb822 (.sources) or one-line (.list) format.
debian_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		     /(^|\n)Suites:[^\n]*(^| )bookworm( |\n|$)/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); print a[2]; exit }
		     }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit }
		     }' "$f"
	done
}
