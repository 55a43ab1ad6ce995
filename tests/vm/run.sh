#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a throwaway QEMU guest (TCG, q35) booted on the Debian
# kernel (or another one, e.g. the debug kernel) with a busybox initramfs,
# and count the TAP results it prints.
# See tests/vm/README.md; "run.sh --help" lists the options.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VM_DIR="$LM_VM_ROOT/tests/vm"
QEMU=qemu-system-x86_64
qemu_given=0

usage() {
	cat <<'EOF'
usage: tests/vm/run.sh [options] -- GUEST_COMMAND [ARGS...]
  --name NAME        label of the run, names build/vm/NAME.log (default vm)
  --kver KVER        guest kernel version (default: scripts/kver.sh)
  --kdir DIR         boot the kernel tests/debug-kernel/build.sh built in DIR
                     (DIR/bzImage, and DIR/modules for --kmod) instead
  --kernel IMAGE     boot IMAGE instead (--kmod then needs --kdir)
  --qemu BINARY      run the guest on BINARY (e.g. qemu/build.sh's
                     DIR/bin/qemu-system-x86_64) instead of Debian's
                     qemu-system-x86_64
  --module FILE.ko   copy a project module to /lm/modules/ (not loaded)
  --kmod NAME        load a module of the guest kernel, with its deps, at boot
                     (nothing to load if it is built in)
  --bin FILE         copy an executable and its shared libraries to /lm/bin/
  --file SRC:DST     copy a file or directory to DST in the guest
  --qemu-arg ARG     extra QEMU argument, passed in order
  --append TEXT      extra kernel command line text
  --mem MB           guest memory (default 4096)
  --smp N            guest CPUs (default 2)
  --timeout SEC      kill the guest after SEC seconds (default 1200)
  --results FILE     write "passed failed skipped" of this run to FILE
  --interactive      boot to a shell on the console, count nothing
  --pack FILE        only build the initramfs, into FILE, and boot nothing
                     (the image of a nested guest, booted by a QEMU in the
                     guest: /init runs the command there just the same)
The repeatable options are --module, --kmod, --bin, --file, --qemu-arg and
--append.
EOF
}

# Options.
name=vm
kver=""
kdir=""
kernel=""
# Where the guest kernel's modules are installed (modprobe -d), "" for /.
mod_root=""
modules=()
kmods=()
bins=()
files=()
qemu_args=()
append=""
mem=4096
smp=2
timeout=1200
results=""
interactive=0
pack=""
cmd=()

need_arg() {
	[ "$2" -ge 2 ] || lm_vm_die "option $1 needs an argument"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--name) need_arg "$1" $#; name=$2; shift 2 ;;
		--kver) need_arg "$1" $#; kver=$2; shift 2 ;;
		--kdir) need_arg "$1" $#; kdir=$2; shift 2 ;;
		--kernel) need_arg "$1" $#; kernel=$2; shift 2 ;;
		--qemu) need_arg "$1" $#; QEMU=$2; qemu_given=1; shift 2 ;;
		--module) need_arg "$1" $#; modules+=("$2"); shift 2 ;;
		--kmod) need_arg "$1" $#; kmods+=("$2"); shift 2 ;;
		--bin) need_arg "$1" $#; bins+=("$2"); shift 2 ;;
		--file) need_arg "$1" $#; files+=("$2"); shift 2 ;;
		--qemu-arg) need_arg "$1" $#; qemu_args+=("$2"); shift 2 ;;
		--append) need_arg "$1" $#; append+=" $2"; shift 2 ;;
		--mem) need_arg "$1" $#; mem=$2; shift 2 ;;
		--smp) need_arg "$1" $#; smp=$2; shift 2 ;;
		--timeout) need_arg "$1" $#; timeout=$2; shift 2 ;;
		--results) need_arg "$1" $#; results=$2; shift 2 ;;
		--interactive) interactive=1; shift ;;
		--pack) need_arg "$1" $#; pack=$2; shift 2 ;;
		-h | --help) usage; exit 0 ;;
		--) shift; cmd=("$@"); break ;;
		*) usage >&2; lm_vm_die "unknown argument: $1" ;;
		esac
	done

	[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] ||
		lm_vm_die "--name: use letters, digits, '.', '_', '-': $name"
	local v
	for v in "$mem" "$smp" "$timeout"; do
		[[ "$v" =~ ^[1-9][0-9]*$ ]] ||
			lm_vm_die "--mem, --smp, --timeout take a positive integer: $v"
	done
	if [ ${#cmd[@]} -eq 0 ] && [ "$interactive" -eq 0 ]; then
		usage >&2
		lm_vm_die "no guest command (after --)"
	fi
	if [ -n "$kdir" ]; then
		[ -z "$kver" ] || lm_vm_die "--kver and --kdir exclude each other"
		pick_kdir_kernel
	elif [ -n "$kernel" ]; then
		[ -z "$kver" ] || lm_vm_die "--kver and --kernel exclude each other"
		[ ${#kmods[@]} -eq 0 ] ||
			lm_vm_die "--kmod needs the kernel's modules: use --kdir"
		kver=$(basename -- "$kernel")
	else
		if [ -z "$kver" ]; then
			kver=$("$LM_VM_ROOT/scripts/kver.sh") ||
				lm_vm_die "scripts/kver.sh found no usable kernel"
		fi
		kernel=/boot/vmlinuz-$kver
		[ -d "/lib/modules/$kver" ] || lm_vm_die "no /lib/modules/$kver"
	fi
	[ -r "$kernel" ] || lm_vm_die "no kernel image $kernel"
	if [ "$qemu_given" -eq 1 ]; then
		[ -n "$QEMU" ] || lm_vm_die "--qemu: no binary given (did qemu/build.sh fail?)"
		[ -f "$QEMU" ] && [ -x "$QEMU" ] ||
			lm_vm_die "--qemu $QEMU: not an executable file"
	fi
}

# The kernel of a tests/debug-kernel/build.sh directory: its image (unless
# --kernel names another) and its modules, installed under DIR/modules.
pick_kdir_kernel() {
	local releases
	[ -d "$kdir/modules/lib/modules" ] ||
		lm_vm_die "--kdir $kdir: no modules/lib/modules (not a debug-kernel build?)"
	releases=("$kdir"/modules/lib/modules/*)
	[ ${#releases[@]} -eq 1 ] && [ -d "${releases[0]}" ] ||
		lm_vm_die "--kdir $kdir: expected one kernel release in modules/lib/modules"
	kver=$(basename -- "${releases[0]}")
	mod_root=$kdir/modules
	[ -n "$kernel" ] || kernel=$kdir/bzImage
}

check_host_tools() {
	local t
	for t in "$QEMU" busybox cpio zstd xz modprobe ldd awk tail; do
		command -v "$t" >/dev/null || lm_vm_die "missing host tool: $t"
	done
}

# Temporary state, removed on exit whatever happens.
tmp=""
qemu_pid=""
tail_pid=""

cleanup() {
	# Only our own children, by pid: an interrupted run must not leave a
	# QEMU behind burning CPU until its timeout.
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$tail_pid" ] && kill -0 "$tail_pid" 2>/dev/null; then
		kill -TERM "$tail_pid" 2>/dev/null || true
		wait "$tail_pid" 2>/dev/null || true
	fi
	[ -z "$tmp" ] || rm -rf -- "$tmp"
}

# The --kmod modules and their dependencies as module files of $kver, in
# load order, each once (modprobe repeats shared dependencies); a module
# built into the kernel needs nothing. The empty config (-C /dev/null)
# keeps the host's modprobe.d options and blacklists out of the guest.
kmod_files() {
	local m out line root=()
	declare -A seen=()
	[ -z "$mod_root" ] || root=(-d "$mod_root")
	for m in "${kmods[@]}"; do
		out=$(modprobe -C /dev/null "${root[@]}" -S "$kver" \
			--show-depends "$m" 2>&1) ||
			lm_vm_die "--kmod $m: $out"
		while read -r -a line; do
			[ ${#line[@]} -gt 0 ] || continue
			case "${line[0]}" in
			insmod)
				[ -z "${seen[${line[1]}]:-}" ] || continue
				seen[${line[1]}]=1
				echo "${line[1]}"
				;;
			builtin) ;;	# part of the kernel image already
			*) lm_vm_die "--kmod $m: unexpected modprobe output: ${line[*]}" ;;
			esac
		done <<< "$out"
	done
}

# Fill the initramfs tree $1.
build_tree() {
	local root=$1 f ko kos base src dst lib

	mkdir -p "$root"/{bin,dev,etc,lm/bin,lm/lib,lm/modules,lm/kmods}
	cp /bin/busybox "$root/bin/busybox"
	cp "$VM_DIR/init" "$root/init"
	chmod 755 "$root/init"
	cp "$VM_DIR/guest-tap.sh" "$root/lm/lib/tap.sh"
	cp "$VM_DIR/guest-nvme.sh" "$root/lm/lib/nvme.sh"
	# The kernel opens the initial console before /init mounts devtmpfs.
	mknod -m 600 "$root/dev/console" c 5 1

	if [ ${#cmd[@]} -gt 0 ]; then
		{
			echo "# generated by tests/vm/run.sh"
			echo "exec $(lm_vm_shell_quote "${cmd[@]}")"
		} > "$root/lm/cmd"
	fi
	[ "$interactive" -eq 0 ] || touch "$root/lm/interactive"

	for f in "${modules[@]}"; do
		[ -f "$f" ] || lm_vm_die "--module $f: no such file"
		cp -- "$f" "$root/lm/modules/"
	done

	: > "$root/lm/kmods.list"
	if [ ${#kmods[@]} -gt 0 ]; then
		# Not a process substitution: a failure must stop the run.
		kos=$(kmod_files) || exit
		while read -r ko; do
			[ -n "$ko" ] || continue
			base=$(basename -- "$ko")
			base=${base%.xz}
			base=${base%.zst}
			base=${base%.gz}
			lm_vm_put_kmod "$ko" "$root/lm/kmods/$base"
			echo "$base" >> "$root/lm/kmods.list"
		done <<< "$kos"
	fi

	for f in "${bins[@]}"; do
		src=$f
		# A bare name is looked up on PATH, like the shell would.
		[[ "$src" == */* ]] || src=$(command -v -- "$src") ||
			lm_vm_die "--bin $f: not found on PATH"
		if [ ! -f "$src" ] || [ ! -x "$src" ]; then
			lm_vm_die "--bin $f: not an executable file"
		fi
		cp -L -- "$src" "$root/lm/bin/"
		while read -r lib; do
			[ -z "$lib" ] || lm_vm_put_at_path "$root" "$lib"
		done < <(lm_vm_shared_libs "$src")
	done

	for f in "${files[@]}"; do
		[[ "$f" == *:* ]] || lm_vm_die "--file $f: expected SRC:DST"
		src=${f%:*}
		dst=${f##*:}
		[[ "$dst" == /* ]] || lm_vm_die "--file $f: DST must be absolute"
		[ -e "$src" ] || lm_vm_die "--file $f: no such file: $src"
		mkdir -p -- "$root$(dirname -- "$dst")"
		if [ -d "$src" ]; then
			mkdir -p -- "$root$dst"
			cp -RL -- "$src/." "$root$dst/"
		else
			cp -L -- "$src" "$root$dst"
		fi
	done
}

# Pack the tree $1 into the newc cpio $2, zstd-compressed (CONFIG_RD_ZSTD):
# level 1 because the archive is built for every run and read once.
pack_tree() {
	(cd "$1" && find . -print0 |
		cpio --null --create --format=newc --owner=0:0 --quiet) |
		zstd -q -1 -T0 > "$2"
}

qemu_cmdline() {
	local initrd=$1
	# shellcheck disable=SC2054 # the commas are QEMU's, not array syntax
	QEMU_CMD=("$QEMU"
		-machine q35 -accel tcg,thread=multi -cpu max
		-m "$mem" -smp "$smp"
		-nographic -no-reboot
		# No network, and no default NIC in a PCI slot tests may want.
		-nic none
		-kernel "$kernel" -initrd "$initrd"
		# A large log buffer so that the dmesg check sees the whole run.
		-append "console=ttyS0 panic=-1 quiet loglevel=4 log_buf_len=8M$append"
		"${qemu_args[@]}")
}

# Run QEMU with its console in $log, streamed to stdout while it runs, and
# kill it after $timeout seconds. Sets vm_rc (QEMU's exit status) and
# timed_out.
run_vm() {
	local log=$1 deadline grace
	timed_out=0
	# Created here, not by QEMU's redirection, so that tail can open it
	# right away.
	: > "$log"
	"${QEMU_CMD[@]}" </dev/null >>"$log" 2>&1 &
	qemu_pid=$!
	# tail does one last read after QEMU is gone, so nothing is lost. The
	# firmware's terminal control sequences would clear the watcher's
	# screen and turn off line wrapping: drop them from the live view.
	tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$log" |
		sed -u -E "s/$LM_VM_ESC_RE//g" &
	tail_pid=$!

	deadline=$((SECONDS + timeout))
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			timed_out=1
			kill -TERM "$qemu_pid" 2>/dev/null || true
			# QEMU quits on SIGTERM; insist if it is stuck.
			grace=25
			while kill -0 "$qemu_pid" 2>/dev/null && [ "$grace" -gt 0 ]; do
				sleep 0.2
				grace=$((grace - 1))
			done
			kill -KILL "$qemu_pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	vm_rc=0
	wait "$qemu_pid" || vm_rc=$?
	qemu_pid=""
	wait "$tail_pid" || true
	tail_pid=""
}

# Why the end marker is missing, from the log and how QEMU ended.
incomplete_reason() {
	local log=$1 begun=$2
	if [ "$timed_out" -eq 1 ]; then
		echo "timed out after ${timeout}s"
	elif grep -q 'Kernel panic' "$log"; then
		echo "kernel panic: $(grep -m1 -a 'Kernel panic' "$log" | tr -d '\r')"
	elif [ "$vm_rc" -ne 0 ]; then
		echo "QEMU exited with status $vm_rc"
	elif [ "$begun" -eq 0 ]; then
		echo "the guest never started the command (boot failure?)"
	else
		echo "the guest stopped before the end marker"
	fi
}

main() {
	local log on counts passed failed skipped begun ended end_rc
	local cmd_done cmd_rc cmd_failed rc status=0

	parse_args "$@"
	check_host_tools
	# A results file of an earlier run must not survive a failed one.
	[ -z "$results" ] || rm -f -- "$results"

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/lm-vm.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	build_tree "$tmp/root"
	pack_tree "$tmp/root" "$tmp/initrd.img"
	rm -rf -- "$tmp/root"
	if [ -n "$pack" ]; then
		mv -- "$tmp/initrd.img" "$pack"
		return 0
	fi
	qemu_cmdline "$tmp/initrd.img"

	if [ "$interactive" -eq 1 ]; then
		# The console is the terminal; nothing to count.
		"${QEMU_CMD[@]}" || status=$?
		return "$status"
	fi

	mkdir -p "$LM_VM_ROOT/build/vm"
	log="$LM_VM_ROOT/build/vm/$name.log"
	on=""
	[ "$qemu_given" -eq 0 ] || on=" on $QEMU"
	echo "$name: booting $kver${kdir:+ from $kdir}$on (log: ${log#"$LM_VM_ROOT"/})"
	run_vm "$log"

	counts=$(lm_vm_count "$log")
	read -r passed failed skipped begun ended end_rc \
		cmd_done cmd_rc cmd_failed <<< "$counts"

	if [ "$ended" -eq 0 ]; then
		echo "$name: not ok vm-incomplete: $(incomplete_reason "$log" "$begun")" >&2
		failed=$((failed + 1))
		status=1
	fi
	rc=$end_rc
	[ "$cmd_done" -eq 0 ] || rc=$cmd_rc
	if [ "$cmd_done" -eq 1 ] && [ "$rc" -ne 0 ] && [ "$cmd_failed" -eq 0 ]; then
		echo "$name: not ok guest-command-exit: the guest command exited" \
			"with $rc without reporting a failure" >&2
		failed=$((failed + 1))
	fi

	[ -z "$results" ] || echo "$passed $failed $skipped" > "$results"
	echo "$name: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] || status=1
	return "$status"
}

main "$@"
