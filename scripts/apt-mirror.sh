# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The Debian mirror of the machine's own apt configuration, for scripts that
# add a suite or a source entry next to it (scripts/deps.sh, qemu/build.sh,
# nvme-cli/build.sh): no host name is ever written into this repository.
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

# The URI that serves the suite $1 (bookworm-security, say) to deb entries
# of the apt configuration, deb822 or one-line format; nothing if none does.
debian_suite_mirror() {
	local suite=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
		     {
			uri = ""; deb = 0; found = 0
			for (i = 1; i <= NF; i++) {
				n = split($i, w, /[ \t]+/)
				if (w[1] == "Types:")
					for (j = 2; j <= n; j++) deb = deb || w[j] == "deb"
				else if (w[1] == "URIs:")
					uri = w[2]
				else if (w[1] == "Suites:")
					for (j = 2; j <= n; j++) found = found || w[j] == suite
			}
			if (deb && found && uri != "") { print uri; exit }
		     }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == suite) { print $i; exit }
		     }' "$f"
	done
}

# apt-get, non-interactive, waiting for another apt's lock.
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}

# apt_source_list FILE ENTRY: FILE holds ENTRY (written if it does not), and
# apt's index of FILE alone is read (the others are left as they are). Says
# so through the caller's say().
apt_source_list() {
	local list=$1 entry=$2
	if [ "$(cat "$list" 2>/dev/null)" != "$entry" ]; then
		say "adding $list"
		echo "$entry" > "$list"
	fi
	say "reading the source index of $list"
	apt_get update -qq -o Dir::Etc::sourcelist="$list" \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >&2
}
