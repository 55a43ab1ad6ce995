#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: inside a VM booted from Debian's 6.12 kernel, live-migrate a busy
# simulated function into another one and show the stop-copy time and that
# the states match. Usage: tests/demo/run.sh [MEMORY_MIB [BUSY_PAGES]]
set -euo pipefail
cd "$(dirname "$0")/../.."

make -s modules demo-bin
mkdir -p build/results
exec bash tests/vm/run.sh --name demo --mem 2048 --timeout 900 \
	--module drivers/lm/lm.ko --module drivers/lm-sim/lm_sim.ko \
	--bin build/demo/lm_demo \
	--file tests/guest/demo.sh:/lm/demo.sh \
	-- sh /lm/demo.sh "${1:-256}" "${2:-64}"
