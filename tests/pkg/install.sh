#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lm's Debian packages on a fresh Debian 12: installed with dpkg into the
# base chroot of tests/pkg/chroot.sh, whose kernel headers are those of
# the kernel the test rig boots (scripts/kver.sh). DKMS builds the modules
# there for that kernel; docs/install.rst's named blocks run there (lmctl,
# lm-nvme-bind, a program built with pkg-config's flags for liblm), the
# program links statically too; then purging the packages leaves the
# chroot as it was: the same files, the same groups, dkms status empty.
# Also "make modules_install" of the modules built here.
#
#	tests/pkg/install.sh	(after "make modules" and tests/pkg/build.sh)
#
# What the VM test (tests/suites/pkg.sh) loads and runs, the modules DKMS
# built (with modules.dep) and the packaged lmctl, lm-nvme-bind, liblm and
# udev rules, goes to build/pkg/vm.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEBS=build/deb
OUT=build/pkg
VM_FILES=$OUT/vm
PKGS=(lm-dkms liblm1 liblm-dev lmctl)

n=0
ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

fail() {
	n=$((n + 1))
	echo "not ok $n $*"
	exit 1
}

# check NAME CMD...: CMD must succeed; its output is shown if not.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail "$name"
	fi
}

# check_prints NAME LINE CMD...: CMD must succeed and print LINE among
# its lines (stdout and stderr).
check_prints() {
	local name=$1 line=$2 out
	shift 2
	if out=$("$@" 2>&1) && grep -qxF -- "$line" <<< "$out"; then
		ok "$name"
	else
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail "$name"
	fi
}

root=""
cleanup() {
	[ -z "$root" ] || rm -rf -- "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CMD... in the chroot, in a mount namespace of its own with /proc (DKMS
# asks it how many CPUs there are), as a login would have it.
in_chroot() {
	# shellcheck disable=SC2016 # expanded by that shell
	unshare --mount --propagation private sh -c '
		mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
		"$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}

# Every path in the chroot but the kernel's and the temporary ones, with
# the type and mode of each; and the groups.
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./dev \
		-o -path ./var/log -o -path ./var/cache/debconf \) -prune -o \
		-printf '%y %m %u:%g %p\n' | LC_ALL=C sort)
	cut -d: -f1,3,4 "$root/etc/group"
}

KVER=${KVER:-$(scripts/kver.sh)}
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
for p in "${PKGS[@]}"; do
	[ -f "$DEBS/${p}_${version}_all.deb" ] || [ -f "$DEBS/${p}_${version}_$arch.deb" ] ||
		fail "no $p package in $DEBS (tests/pkg/build.sh)"
done

rm -rf "$OUT"
mkdir -p "$OUT" "$VM_FILES"

# "make modules_install": the modules of this tree, already built.
stage=$OUT/modules-install
make -s modules_install KVER="$KVER" DESTDIR="$PWD/$stage" > "$OUT/modules-install.log" 2>&1 ||
	{ cat "$OUT/modules-install.log"; fail "make modules_install"; }
for m in lm/lm lm-sim/lm_sim nvme-lm/nvme-lm lm-vfio/lm-vfio-pci; do
	kos=("$stage/lib/modules/$KVER/updates/drivers/$m.ko"*)
	[ -f "${kos[0]}" ] ||
		fail "make modules_install: no updates/drivers/$m.ko"
done
grep -qE "^updates/drivers/lm-sim/lm_sim\.ko[.a-z]*: updates/drivers/lm/lm\.ko" \
	"$stage/lib/modules/$KVER/modules.dep" ||
	fail "make modules_install: depmod did not record lm_sim's need of lm"
ok "make modules_install: the modules in updates/, depmod run"

start=$SECONDS
tarball=$(bash tests/pkg/chroot.sh "$KVER")
root=$(mktemp -d "$PWD/$OUT/root.XXXXXX")
zstd -dc "$tarball" | tar -C "$root" --numeric-owner -xf -
ok "the base chroot, Debian 12 with linux-headers-$KVER ($((SECONDS - start)) s)"

before=$(snapshot)
mkdir -p "$root/tmp/debs"
for p in "${PKGS[@]}"; do
	cp "$DEBS/${p}_${version}"_*.deb "$root/tmp/debs/"
done
rm -f "$root"/tmp/debs/*-dbgsym_*.deb
start=$SECONDS
# shellcheck disable=SC2016 # expanded in the chroot
in_chroot nice -n 10 sh -c 'dpkg -i /tmp/debs/*.deb' > "$OUT/dpkg-install.log" 2>&1 ||
	{ sed 's/^/#   /' "$OUT/dpkg-install.log"; fail "dpkg -i ${PKGS[*]}"; }
ok "dpkg -i ${PKGS[*]}: DKMS builds the modules ($((SECONDS - start)) s)"

check_prints "dkms status: lm/$version installed for $KVER" \
	"lm/$version, $KVER, x86_64: installed" in_chroot dkms status
# The guest gets the kernel's module directory as DKMS and depmod left it
# (the chroot has no module of the kernel's own): modprobe works there.
moddir=lib/modules/$KVER
mkdir -p "$VM_FILES/$moddir/updates/dkms"
cp "$root/$moddir/modules.dep" "$VM_FILES/$moddir/"
for m in lm lm_sim nvme-lm lm-vfio-pci; do
	kos=("$root/$moddir/updates/dkms/$m.ko"*)
	ko=${kos[0]}
	[ -f "$ko" ] || fail "no $m module in /$moddir/updates/dkms"
	[ "$m" != lm ] || lm_ko=${ko#"$root"}
	guest_ko=$VM_FILES/$moddir/updates/dkms/$m.ko
	case "$ko" in
	*.xz) xz -dc "$ko" > "$guest_ko" ;;
	*.zst) zstd -qdc "$ko" > "$guest_ko" ;;
	*) cp "$ko" "$guest_ko" ;;
	esac
	[ "$(modinfo -F vermagic "$guest_ko" | cut -d' ' -f1)" = "$KVER" ] ||
		fail "$m: not built for $KVER"
done
sed -i -E 's/\.ko\.(xz|zst)/.ko/g' "$VM_FILES/$moddir/modules.dep"
ok "lm, lm_sim, nvme-lm, lm-vfio-pci built for $KVER"
deps=$(in_chroot modprobe -S "$KVER" --show-depends lm_sim 2>&1) || true
sed 's/ *$//' <<< "$deps" | grep -qxF "insmod $lm_ko" ||
	{ printf '%s\n' "$deps" | sed 's/^/#   /'; fail "modprobe finds lm_sim and that it needs lm"; }
ok "modprobe finds lm_sim and that it needs lm"

check "the group lm exists" in_chroot getent group lm
check "the udev rules are installed" \
	test -f "$root/lib/udev/rules.d/60-lm.rules" -a -f "$root/lib/udev/rules.d/61-lm-nvme-bind.rules"

# docs/install.rst, run: its named code blocks are files of /tmp/doc, its
# named console blocks run there command by command ("$ COMMAND" lines,
# each followed by what it prints, stdout and stderr), as root.
DOC=docs/install.rst
doc_block() {
	awk -v want="$1" '
		/^\.\. code-block::/ { inblock = 1; inopts = 1; name = ""; next }
		inblock && inopts && /^   :name: / { name = $2; next }
		inblock && inopts && /^   :/ { next }
		inblock && inopts && /^[ \t]*$/ { inopts = 0; next }
		inblock && /^[ \t]*$/ { if (name == want) print ""; next }
		inblock && /^   / { if (name == want) print substr($0, 4); next }
		{ inblock = 0 }
	' "$DOC"
}
doc_console() {
	local name=$1 cmd="" want="" line
	flush() {
		[ -n "$cmd" ] || return 0
		# shellcheck disable=SC2016 # expanded in the chroot
		check_output "doc $name: $cmd" "$want" \
			in_chroot sh -c 'cd /tmp/doc && eval "$1"' sh "$cmd"
	}
	while IFS= read -r line; do
		case "$line" in
		"") ;;
		'$ '*) flush; cmd=${line#'$ '}; want="" ;;
		*) want+=$line$'\n' ;;
		esac
	done < <(doc_block "$name")
	flush
}
# check_output NAME WANT CMD...: CMD succeeds printing exactly WANT.
check_output() {
	local name=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1) && [ "$out" = "${want%$'\n'}" ]; then
		ok "$name"
	else
		printf '%s\n' "$out" | sed 's/^/#   got: /'
		printf '%s' "$want" | sed 's/^/#   want: /'
		fail "$name"
	fi
}
mkdir -p "$root/tmp/doc"
names=$(sed -n 's/^   :name: //p' "$DOC")
for name in $names; do
	case "$name" in
	install-*) ;;
	*) doc_block "$name" | sed '${/^$/d}' > "$root/tmp/doc/$name" ;;
	esac
done
for name in $names; do
	case "$name" in
	install-*) doc_console "$name" ;;
	esac
done
[ -f "$root/tmp/doc/user" ] || fail "$DOC built no program"
# shellcheck disable=SC2016 # expanded in the chroot
check "and statically, with pkg-config --static" \
	in_chroot sh -c 'cd /tmp/doc &&
		cc -Wall -Werror -static -o user-static user.c \
			$(pkg-config --cflags --libs --static liblm) &&
		./user-static | grep -qx "liblm '"$version"': stop_copy" &&
		! readelf -d user-static | grep -q NEEDED'

cp "$root/usr/sbin/lmctl" "$root/usr/sbin/lm-nvme-bind" "$VM_FILES/"
cp -L "$root/usr/lib/x86_64-linux-gnu/liblm.so.1" "$VM_FILES/liblm.so.1"
cp "$root"/lib/udev/rules.d/6?-lm*.rules "$VM_FILES/"
ok "the modules, lmctl, lm-nvme-bind, liblm and the udev rules in $VM_FILES for the VM"

rm -rf "$root/tmp/debs" "$root/tmp/doc"
check "dpkg --purge ${PKGS[*]}" in_chroot dpkg --purge lmctl liblm-dev liblm1 lm-dkms
status=$(in_chroot dkms status 2>&1)
[ -z "$status" ] || { printf '%s\n' "$status" | sed 's/^/#   /'; fail "dkms status empty"; }
ok "dkms status empty"
after=$(snapshot)
if [ "$before" != "$after" ]; then
	diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	fail "purging left the chroot changed"
fi
ok "purging left the chroot as it was"
