#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM: with lmctl, provision two functions of a simulated
# controlling function and enable their migration, make the first busy,
# migrate it into the second with PRE_COPY while it runs, and again by
# stopping it at once; each time show the downtime and compare the two
# states (lm_sim's XXH64 digest of the whole state, read from debugfs).
#   demo.sh STATE_MIB BUSY_PAGES
. /lm/lib/tap.sh

MIB=$1
BUSY=$2
D=/sys/kernel/debug/lm_sim

insmod /lm/modules/lm.ko && insmod /lm/modules/lm_sim.ko devices=0 || exit 1

# Show a command, then run it.
say() {
	echo "\$ $*"
	"$@"
}

# Compare the stopped source with the destination; a TAP result.
compare() {
	src=$(cat $D/$SIM/fn0/digest)
	dst=$(cat $D/$SIM/fn1/digest)
	if [ "$src" = "$dst" ]; then
		echo "state digest: source $src, destination $dst: MATCH"
		tap_ok "demo: $1: the destination's state matches the source's"
	else
		echo "state digest: source $src, destination $dst: MISMATCH"
		tap_fail "demo: $1: the destination's state matches the source's"
	fi
}

downtime() {
	sed -n 's/^  downtime \([0-9.]*\) ms.*/\1/p' /tmp/migrate.txt
}

echo
echo "=== a simulated controlling function with two functions ==="
exec 3<>$D/new
echo 2 >&3
read -r SIM LM <&3
exec 3>&-
# A listener for the changes to come; give it a moment to subscribe.
lmctl monitor fn > /tmp/monitor.txt &
monitor=$!
sleep 1
say lmctl dev show $LM
say lmctl fn show $LM

echo
echo "=== provision both with $MIB MiB of state, enable their migration ==="
for f in 0 1; do
	say lmctl fn provision $LM/$f online off || exit 1
	say lmctl fn provision $LM/$f queues 4 irqs 4 memory ${MIB}M online on || exit 1
	say lmctl fn set $LM/$f migratable on || exit 1
done
say lmctl fn show $LM

echo
echo "=== $LM/0 gets busy: its state filled, $BUSY pages rewritten every 10 ms ==="
echo 12345 > $D/$SIM/fn0/fill
echo "$BUSY" > $D/$SIM/fn0/busy

echo
echo "=== live migration $LM/0 -> $LM/1, PRE_COPY rounds while it runs ==="
say lmctl fn migrate $LM/0 $LM/1 | tee /tmp/migrate.txt
pre=$(downtime)
compare "pre-copy"
say lmctl fn show $LM/0
say lmctl fn set $LM/0 state running

echo
echo "=== the same, stopping $LM/0 at once (no PRE_COPY) ==="
say lmctl fn migrate $LM/0 $LM/1 precopy off | tee /tmp/migrate.txt
plain=$(downtime)
compare "stop-and-copy"

echo
echo "downtime with PRE_COPY $pre ms, without $plain ms"
echo

sleep 0.5
kill $monitor
echo "=== what lmctl monitor saw ==="
cat /tmp/monitor.txt
echo
