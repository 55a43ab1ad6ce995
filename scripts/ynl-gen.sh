#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate the kernel's netlink policy and op tables from the family's spec,
# docs/netlink/lm.yaml, with the kernel's own generator (ynl-gen-c.py from
# the linux-source-6.12 package, the same version as the kernel we build
# against).
#
#   scripts/ynl-gen.sh            regenerate drivers/lm/netlink-gen.[ch]
#   scripts/ynl-gen.sh --check    fail if they differ from the spec's output
set -euo pipefail
cd "$(dirname "$0")/.."

src=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
if [ -z "$src" ]; then
	echo "ynl-gen: linux-source-6.12 is not installed (make deps)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator finds its schema beside the spec's directory and names the
# spec relative to the tree holding MAINTAINERS: give it such a tree.
tar -xf "$src" -C "$tmp" --strip-components=1 \
	linux-source-6.12/tools/net/ynl \
	linux-source-6.12/Documentation/netlink/genetlink-c.yaml
mkdir -p "$tmp/tree/docs/netlink"
touch "$tmp/tree/MAINTAINERS"
cp "$tmp/Documentation/netlink/genetlink-c.yaml" "$tmp/tree/docs/"
cp docs/netlink/lm.yaml "$tmp/tree/docs/netlink/"

gen() {
	python3 "$tmp/tools/net/ynl/ynl-gen-c.py" --mode "$1" "$2" \
		--spec "$tmp/tree/docs/netlink/lm.yaml" -o "$3" >/dev/null
}

gen kernel --header "$tmp/netlink-gen.h"
gen kernel --source "$tmp/netlink-gen.c"
gen uapi --header "$tmp/uapi-lm.h"
# The generated sources include the header by the spec's name.
sed -i 's|#include "lm-nl.h"|#include "netlink-gen.h"|' "$tmp/netlink-gen.c"

if [ "${1:-}" = --check ]; then
	diff -u drivers/lm/netlink-gen.h "$tmp/netlink-gen.h"
	diff -u drivers/lm/netlink-gen.c "$tmp/netlink-gen.c"
	# The hand-written uAPI must define what the spec says, value for value.
	python3 scripts/uapi-check.py "$tmp/uapi-lm.h" include/uapi/linux/lm.h
else
	cp "$tmp/netlink-gen.h" "$tmp/netlink-gen.c" drivers/lm/
	cp "$tmp/uapi-lm.h" build/uapi-lm-from-spec.h 2>/dev/null || true
fi
