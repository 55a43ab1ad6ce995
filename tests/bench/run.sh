#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: liblm and lmctl measured against baselines taken side by side
# in one VM run, printed as ratios. Not part of make check: the numbers are
# for reading, nothing is asserted about them.
#
#   tests/bench/run.sh [COPY_MIB [MIGRATE_MIB [BUSY_PAGES]]]
set -euo pipefail
cd "$(dirname "$0")/../.."

make -s modules lib cli bench-bin
mkdir -p build/results
# 1 GiB of state in each of two functions, and the saved stream between:
# more than the usual 3 GiB.
exec bash tests/vm/run.sh --name bench --mem 4096 --timeout 1800 \
	--module drivers/lm/lm.ko --module drivers/lm-sim/lm_sim.ko \
	--bin build/bench/lm_bench --bin build/cli/lmctl --bin jq \
	--file build/lib/liblm.so.1:/lm/lib/liblm.so.1 \
	--file tests/guest/bench.sh:/lm/bench.sh \
	-- sh /lm/bench.sh "${1:-1024}" "${2:-256}" "${3:-64}"
