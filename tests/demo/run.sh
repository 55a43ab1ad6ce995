#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: inside a VM booted from Debian's 6.12 kernel, provision two
# simulated functions with lmctl and live-migrate the busy one into the
# other; show the downtime and that the states match.
# Usage: tests/demo/run.sh [MEMORY_MIB [BUSY_PAGES]]
set -euo pipefail
cd "$(dirname "$0")/../.."

make -s modules lib cli
mkdir -p build/results
exec bash tests/vm/run.sh --name demo --mem 2048 --timeout 900 \
	--module drivers/lm/lm.ko --module drivers/lm-sim/lm_sim.ko \
	--bin build/cli/lmctl --file build/lib/liblm.so.1:/lm/lib/liblm.so.1 \
	--file tests/guest/demo.sh:/lm/demo.sh \
	-- sh /lm/demo.sh "${1:-256}" "${2:-64}"
