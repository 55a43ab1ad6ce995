#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# liblm as installed software: the shared library exports exactly the
# symbols of lib/liblm.map, each in its version node, with the soname's
# major version; "make install" into a staging directory gives a header,
# a pkg-config file and libraries that a program builds and links against
# with nothing but pkg-config's flags, shared and static, lmctl, and the
# host's files (udev rules, lm-nvme-bind, modprobe.d).
set -euo pipefail
cd "$(dirname "$0")/.."

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

fail() {
	echo "lib-check: $*" >&2
	exit 1
}

make -s lib cli
so=build/lib/liblm.so.1

[ "$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = liblm.so.1 ] ||
	fail "soname is not liblm.so.1"

# What the map declares global, and what the library exports.
# Each symbol as SYMBOL@@NODE, the node the map puts it in.
want_nodes=$(awk '/^LIBLM_[0-9.]+ *\{/ { node = $1 }
	/^[[:space:]]+lm_[a-z0-9_]+;/ { gsub(/[[:space:];]/, ""); print $0 "@@" node }' \
	lib/liblm.map | sort)
have_nodes=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort)
[ "$want_nodes" = "$have_nodes" ] || fail "exports or their version nodes differ from lib/liblm.map:
$(diff <(echo "$want_nodes") <(echo "$have_nodes"))"
want=$(sed 's/@@.*//' <<< "$want_nodes")
# The header declares exactly what is exported, each with its kernel-doc.
declared=$(grep -oE '^[a-z][^(]*[ *]lm_[a-z0-9_]+\(' lib/liblm.h |
	grep -oE 'lm_[a-z0-9_]+\($' | tr -d '(' | sort)
[ "$want" = "$declared" ] || fail "lib/liblm.h declares other functions than lib/liblm.map exports:
$(diff <(echo "$want") <(echo "$declared"))"
for sym in $want; do
	grep -q "^ \* $sym() - " lib/liblm.h || fail "$sym: no kernel-doc in liblm.h"
done

make -s install DESTDIR="$stage" PREFIX=/opt/lm >/dev/null
export PKG_CONFIG_PATH="$stage/opt/lm/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
[ "$(pkg-config --modversion liblm)" = 1.1.0 ] || fail "pkg-config: wrong version"

# shellcheck disable=SC2046 # pkg-config prints separate words
cc -Wall -Werror -DLIBLM_USER_VERSION='"1.1.0"' -o "$stage/user" tests/liblm-user.c \
	$(pkg-config --cflags --libs liblm)
LD_LIBRARY_PATH="$stage/opt/lm/lib" "$stage/user" | grep -qx '1.1.0 pre_copy' ||
	fail "a program built with pkg-config's flags does not run"
readelf -d "$stage/user" | grep -q 'NEEDED.*\[liblm.so.1\]' ||
	fail "the program does not need liblm.so.1"
# shellcheck disable=SC2046
cc -Wall -Werror -DLIBLM_USER_VERSION='"1.1.0"' -o "$stage/user-static" tests/liblm-user.c \
	$(pkg-config --cflags liblm) "$stage/opt/lm/lib/liblm.a" \
	$(pkg-config --libs --static liblm | sed 's/-llm//')
"$stage/user-static" | grep -qx '1.1.0 pre_copy' || fail "static link does not run"
! readelf -d "$stage/user-static" | grep -q 'liblm' || fail "static program needs liblm"
[ -x "$stage/opt/lm/sbin/lmctl" ] && [ -f "$stage/opt/lm/share/man/man8/lmctl-fn.8" ] &&
	[ -f "$stage/opt/lm/share/bash-completion/completions/lmctl" ] ||
	fail "lmctl, its man pages or completion not installed"
# The host's files: udev rules (the helper's at the prefix it was given),
# modprobe.d, the helper's configuration.
[ -x "$stage/opt/lm/sbin/lm-nvme-bind" ] && [ -f "$stage/etc/udev/rules.d/60-lm.rules" ] &&
	grep -q 'RUN+="/opt/lm/sbin/lm-nvme-bind --udev' "$stage/etc/udev/rules.d/61-lm-nvme-bind.rules" &&
	grep -qx 'CONF=/etc/lm/nvme-bind.conf' "$stage/opt/lm/sbin/lm-nvme-bind" &&
	[ -f "$stage/etc/modprobe.d/lm.conf" ] && [ -f "$stage/etc/lm/nvme-bind.conf" ] ||
	fail "the udev rules, lm-nvme-bind, its configuration or modprobe.d file not installed"
LD_LIBRARY_PATH="$stage/opt/lm/lib" "$stage/opt/lm/sbin/lmctl" -V | grep -qx 'lmctl 1.1.0' ||
	fail "installed lmctl does not run"
echo "lib-check: ok"
