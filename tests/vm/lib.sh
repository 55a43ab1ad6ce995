# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the sourcing scripts
#
# Host-side helpers of the VM test rig, sourced by run.sh (and usable on
# their own, e.g. to recount a saved console log:
#	. tests/vm/lib.sh; lm_vm_count build/vm/NAME.log).

# Terminal control sequences (CSI ... letter, and ESC c/7/8), as a sed ERE.
LM_VM_ESC_RE=$'\033''(\[[0-9;?]*[A-Za-z]|[c78])'
# Bash only; the caller sets the shell options.

# Repository root, derived from this file's location (tests/vm/lib.sh).
LM_VM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

lm_vm_die() {
	echo "vm: $*" >&2
	exit 2
}

# Quote each argument so that a POSIX shell (busybox ash in the guest) reads
# it back as exactly one word: wrap in single quotes, and write each single
# quote inside as '\''.
lm_vm_shell_quote() {
	local a out=""
	for a in "$@"; do
		out+="'${a//\'/\'\\\'\'}' "
	done
	printf '%s\n' "${out% }"
}

# Count the TAP results in a guest console log.
#
# Prints one line of space-separated fields:
#	passed failed skipped begun ended end_rc cmd_done cmd_rc cmd_failed
# begun/ended: 1 if the LM-VM-BEGIN / LM-VM-END markers were seen; end_rc
# is the rc of the end marker; cmd_done/cmd_rc come from the guest's
# "# lm-vm: command exited rc=N" line, cmd_failed counts the "not ok" lines
# printed before it (i.e. by the guest command itself, not by the rig's own
# checks that follow it).
#
# Only lines between the markers that start exactly with "ok " or "not ok "
# count. The serial console carries kernel printk output too, and printk
# does not wait for a user-space line to end: a message can land in the
# middle of a result line ("no[   1.2] msg\r\nt ok 3 x"). Printk lines all
# start with a "[   seconds.micro] " stamp (CONFIG_PRINTK_TIME=y), so a stamp
# after a fragment that could begin a counted line makes the fragment wait
# for the next non-printk line, which carries the rest of it.
lm_vm_count() {
	awk '
	function could_start(s) {
		return s ~ /^(ok |not ok |LM-VM-)/ ||
		       index("not ok ", s) == 1 || index("ok ", s) == 1 ||
		       index("LM-VM-", s) == 1
	}
	BEGIN {
		passed = failed = skipped = 0
		begun = inside = ended = end_rc = 0
		cmd_done = cmd_rc = cmd_failed = 0
		pending = ""
	}
	{
		# Carriage returns of the serial line, and the terminal control
		# sequences the firmware sends (reset, clear screen) just before
		# the guest output starts.
		gsub(/\r/, "")
		gsub(/\033\[[0-9;?]*[A-Za-z]/, "")
		gsub(/\033[c78]/, "")
		line = pending $0
		pending = ""
		if (match(line, /\[ *[0-9]+\.[0-9]+\] /)) {
			pre = substr(line, 1, RSTART - 1)
			if (pre != "" && could_start(pre)) {
				pending = pre
				next
			}
			if (RSTART == 1)
				next
		}
		if (line == "LM-VM-BEGIN") {
			begun = inside = 1
			next
		}
		if (!inside)
			next
		if (line ~ /^LM-VM-END rc=[0-9]+$/) {
			sub(/^LM-VM-END rc=/, "", line)
			end_rc = line + 0
			ended = 1
			inside = 0
			next
		}
		if (line ~ /^# lm-vm: command exited rc=[0-9]+$/) {
			sub(/^.*rc=/, "", line)
			cmd_rc = line + 0
			cmd_done = 1
			next
		}
		if (line ~ /^not ok /) {
			failed++
			if (!cmd_done)
				cmd_failed++
		} else if (line ~ /^ok /) {
			if (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
				skipped++
			else
				passed++
		}
	}
	END {
		print passed, failed, skipped, begun, ended, end_rc, \
		      cmd_done, cmd_rc, cmd_failed
	}' "$1"
}

# Make a kernel module file usable by busybox insmod at $2: busybox only
# reads compressed modules when built with the matching "seamless"
# decompression, so decompress on the host whatever the compression.
lm_vm_put_kmod() {
	local src=$1 dst=$2
	case "$src" in
	*.ko.xz) xz -dc -- "$src" > "$dst" ;;
	*.ko.zst) zstd -q -dc -- "$src" > "$dst" ;;
	*.ko.gz) gzip -dc -- "$src" > "$dst" ;;
	*.ko) cp -- "$src" "$dst" ;;
	*) lm_vm_die "unexpected kernel module file name: $src" ;;
	esac
}

# Copy FILE to the same absolute path under the directory ROOT, following
# symlinks (the guest has no merged /usr, so a copy at the looked-up path is
# what the dynamic loader and the guest need).
lm_vm_put_at_path() {
	local root=$1 file=$2
	mkdir -p -- "$root$(dirname -- "$file")"
	cp -L -- "$file" "$root$file"
}

# Print the absolute paths of the shared libraries and dynamic loader that
# the ELF FILE needs, one per line, from ldd (nothing for a static binary).
lm_vm_shared_libs() {
	local out
	# ldd exits non-zero for "not a dynamic executable": nothing to copy.
	out=$(ldd -- "$1" 2>/dev/null) || return 0
	awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }
	' <<< "$out"
}
