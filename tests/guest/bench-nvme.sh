#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the second bench VM (tests/bench/run.sh), on the project's QEMU's
# emulated NVMe controller with live migration: save + restore of a
# secondary controller's state through lmctl, bytes per second, against
# lm_sim saving and restoring a function of the same size in the same
# guest, as a ratio.
#   bench-nvme.sh ROUNDS
. /lm/lib/tap.sh
. /lm/lib/nvme.sh

ROUNDS=$1
DEVS=/sys/bus/pci/devices
D=/sys/kernel/debug/lm_sim
T=/tmp/bench-nvme
mkdir -p $T

nvme_find_pf && nvme_lm_bind && nvme_load_stock || exit 1
insmod /lm/modules/lm_sim.ko devices=0 || exit 1

# rounds FN_SRC FN_DST: ROUNDS saves of FN_SRC and restores into FN_DST;
# prints "BYTES MICROSECONDS", the stream bytes moved and the time the
# functions were stopped for it, summed over both directions.
rounds() {
	local i bytes=0 us=0 b u
	for i in $(seq "$ROUNDS"); do
		lmctl -j fn save $1 $T/state.lm > $T/save.json || return 1
		lmctl -j fn restore $2 $T/state.lm > $T/restore.json || return 1
		b=$(jq -r '.save.bytes' $T/save.json)
		u=$(jq -s -r '.[0].save.duration_us + .[1].restore.duration_us' \
			$T/save.json $T/restore.json)
		bytes=$((bytes + 2 * b))
		us=$(awk -v a="$us" -v b="$u" 'BEGIN { printf "%.1f", a + b }')
		[ -z "$FLR" ] || echo 1 > $DEVS/$FLR/reset
	done
	echo "$bytes $us"
}

# The NVMe state of a secondary controller the stock nvme driver set up
# (admin and I/O queues); its copy goes into the second one, which a
# function level reset then clears, as it would point at the first one's
# queues.
lmctl fn provision $PF/0 queues 4 irqs 2 online on &&
	lmctl fn provision $PF/1 queues 4 irqs 2 online on &&
	lmctl fn set $PF/0 migratable on && lmctl fn set $PF/1 migratable on || exit 1
VF0=$(lmctl -j fn show $PF/0 | jq -r '.fn[].pci')
FLR=$(lmctl -j fn show $PF/1 | jq -r '.fn[].pci')
echo nvme > $DEVS/$VF0/driver_override && echo $VF0 > /sys/bus/pci/drivers/nvme/bind
tap_wait_path /dev/nvme0n1 30
if set -- $(rounds $PF/0 $PF/1) && [ -n "${2:-}" ]; then
	NVME_BYTES=$1 NVME_US=$2
	tap_ok "bench: nvme-lm save + restore"
else
	tap_fail "bench: nvme-lm save + restore"
	tap_exit
fi
STATE=$(jq -r '.save.bytes' $T/save.json)

# lm_sim: the smallest state it holds (one page) or the NVMe stream's
# size, whichever is more.
MEM=$(( (STATE + 4095) / 4096 * 4096 ))
exec 3<>$D/new
echo "2 7 $MEM" >&3
read -r SIM LM <&3
exec 3>&-
echo 77 > $D/$SIM/fn0/fill
FLR=""
lmctl fn set $LM/0 migratable on && lmctl fn set $LM/1 migratable on || exit 1
if set -- $(rounds $LM/0 $LM/1) && [ -n "${2:-}" ]; then
	SIM_BYTES=$1 SIM_US=$2
	tap_ok "bench: lm_sim save + restore"
else
	tap_fail "bench: lm_sim save + restore"
	tap_exit
fi
SIM_STATE=$(jq -r '.save.bytes' $T/save.json)
echo 1 > $D/$SIM/remove

echo
echo "=== make bench: nvme-lm, measured side by side with lm_sim in this run ==="
echo "(d) save + restore of a secondary controller's state ($STATE-byte streams, $ROUNDS rounds):"
echo "    nvme-lm $(awk -v b="$NVME_BYTES" -v u="$NVME_US" 'BEGIN { printf "%.0f", b / (u / 1e6) }') bytes/s stopped,"
echo "    lm_sim of the same size ($SIM_STATE-byte streams) $(awk -v b="$SIM_BYTES" -v u="$SIM_US" 'BEGIN { printf "%.0f", b / (u / 1e6) }') bytes/s stopped:"
echo "    nvme-lm / lm_sim: $(awk -v a="$NVME_BYTES" -v b="$NVME_US" -v c="$SIM_BYTES" -v d="$SIM_US" 'BEGIN { printf "%.2f", (a / b) / (c / d) }')"
echo
tap_exit
