#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the bench VM (tests/bench/run.sh): each measurement against its
# baseline in the same guest, and the ratios at the end.
#   bench.sh COPY_MIB MIGRATE_MIB BUSY_PAGES
. /lm/lib/tap.sh

COPY_MIB=$1
MIG_MIB=$2
BUSY=$3
D=/sys/kernel/debug/lm_sim
MIB=1048576
RUNS=3
PROFILE_MIB=256

insmod /lm/modules/lm.ko && insmod /lm/modules/lm_sim.ko devices=0 || exit 1

# The "key value" line of lm_bench's output.
value() {
	sed -n "s/^$1 //p" "$2"
}

# The median of three numbers.
median3() {
	printf '%s\n' "$@" | sort -n | sed -n 2p
}

echo
echo "=== (a) save + restore of $COPY_MIB MiB through liblm vs memcpy ==="
if lm_bench copy "$COPY_MIB" > /tmp/copy.out 2>&1; then
	grep -v ^ratio_ /tmp/copy.out
	tap_ok "bench: save + restore through liblm"
else
	tap_fail "bench: save + restore through liblm" "$(cat /tmp/copy.out)"
fi

echo
echo "=== (a') one lm_fn_migrate() of $PROFILE_MIB MiB, profiled: kernel time by pass ==="
if command -v perf > /dev/null; then
	rm -f /tmp/perf.ctl /tmp/perf.ack
	mkfifo /tmp/perf.ctl /tmp/perf.ack
	if LM_BENCH_PERF_CTL=/tmp/perf.ctl LM_BENCH_PERF_ACK=/tmp/perf.ack \
	   perf record -q -e cpu-clock -F 2000 -D -1 \
		--control fifo:/tmp/perf.ctl,/tmp/perf.ack -o /tmp/perf.data \
		-- lm_bench migrate "$PROFILE_MIB" > /tmp/prof.out 2>&1 &&
	   perf report -i /tmp/perf.data --no-children --sort sym --stdio -q \
		> /tmp/perf.txt 2>/dev/null; then
		cat /tmp/prof.out
		# Each symbol's share into the pass it belongs to.
		awk '{
			pct = $1; sub(/%/, "", pct); sym = $3
			if (sym ~ /xxh64/) k = "checksum (XXH64 of each record, saved and restored)"
			else if (sym ~ /^lm_sim_/) k = "driver: lm_sim saving and restoring pages (its copies inlined)"
			else if (sym ~ /^x[ad]s?_|^xa_|^__xa_/) k = "driver: lm_sim looking up its pages (xarray)"
			else if (sym ~ /memcpy|memmove|copy_user|_copy_to_iter|_copy_from_iter|copy_page|rep_movs/) k = "copies by the kernel (memcpy, to or from user space)"
			else if (sym ~ /clear_page/) k = "pages cleared by the allocator"
			else if (sym ~ /splice|pipe|lm_stream|folio/) k = "the core: stream, splice, pipe buffers"
			else if ($2 == "[.]") k = "user space (liblm, lm_bench)"
			else k = "the rest of the kernel"
			share[k] += pct
		} END { for (k in share) printf "  %5.1f%%  %s\n", share[k], k }' \
			/tmp/perf.txt | sort -rn
		echo "  (the busiest symbols:)"
		head -8 /tmp/perf.txt
		tap_ok "bench: profile of a migration"
	else
		tap_fail "bench: profile of a migration" "$(cat /tmp/prof.out)"
	fi
else
	echo "perf is not on this machine: no profile"
fi

echo
echo "=== (d) simultaneous migrations of different functions of one device ==="
if lm_bench parallel 8 1 2 4 8 16 32 64 > /tmp/par.out 2>&1; then
	grep -v ^ratio_ /tmp/par.out
	tap_ok "bench: simultaneous migrations (states matched)"
else
	tap_fail "bench: simultaneous migrations" "$(cat /tmp/par.out)"
fi

echo
echo "=== (b) netlink dump: per-function cost at 64 vs 4096 functions ==="
if lm_bench dump 64 4096 > /tmp/dump.out 2>&1; then
	grep -v ^ratio_ /tmp/dump.out
	tap_ok "bench: netlink dump"
else
	tap_fail "bench: netlink dump" "$(cat /tmp/dump.out)"
fi

echo
echo "=== (c) downtime of lmctl fn migrate, busy function ($MIG_MIB MiB, $BUSY pages per 10 ms) ==="
exec 3<>$D/new
echo "2 7 $((MIG_MIB * MIB))" >&3
read -r SIM LM <&3
exec 3>&-
echo 4242 > $D/$SIM/fn0/fill
echo "$BUSY" > $D/$SIM/fn0/busy
if ! lmctl fn set $LM/0 migratable on || ! lmctl fn set $LM/1 migratable on; then
	tap_fail "bench: lmctl fn migrate with and without PRE_COPY" "lmctl fn set failed"
	tap_exit
fi
pre="" stop=""
ok=1
for i in $(seq $RUNS); do
	for mode in on off; do
		lmctl -j fn migrate $LM/0 $LM/1 precopy $mode > /tmp/m.json || ok=0
		[ "$(cat $D/$SIM/fn0/digest)" = "$(cat $D/$SIM/fn1/digest)" ] || ok=0
		d=$(jq -r .migrate.downtime_us /tmp/m.json)
		echo "run $i, precopy $mode: downtime $d us, $(jq -r .migrate.rounds /tmp/m.json) rounds, stop-copy $(jq -r .migrate.stop_copy_bytes /tmp/m.json) bytes"
		if [ $mode = on ]; then pre="$pre $d"; else stop="$stop $d"; fi
		lmctl fn set $LM/0 state running || ok=0
	done
done
# shellcheck disable=SC2086 # the lists are words
pre=$(median3 $pre)
# shellcheck disable=SC2086
stop=$(median3 $stop)
echo 0 > $D/$SIM/fn0/busy
echo 1 > $D/$SIM/remove
if [ $ok = 1 ]; then
	tap_ok "bench: lmctl fn migrate with and without PRE_COPY (states matched)"
else
	tap_fail "bench: lmctl fn migrate with and without PRE_COPY"
fi

echo
echo "=== make bench: ratios, each measured side by side in this run ==="
echo "(a) throughput of save + restore of $COPY_MIB MiB of state through liblm,"
echo "    against memcpy() of $COPY_MIB MiB (1: as fast as the memcpy):"
echo "    the stream going straight from the saving to the restoring function"
echo "    (lm_fn_migrate() without pre-copy): $(value ratio_migrate_memcpy /tmp/copy.out)"
echo "    the stream stored in a file in memory between lm_fn_save() and"
echo "    lm_fn_restore(): $(value ratio_save_restore_memcpy /tmp/copy.out)"
echo "(d) aggregate throughput of 64 simultaneous migrations against one:"
echo "    $(value ratio_parallel_64 /tmp/par.out) with $(nproc) guest CPUs"
echo "(b) netlink dump, per-function cost at 4096 / at 64 functions: $(value ratio_dump_per_fn /tmp/dump.out)"
echo "(c) stop-copy downtime of lmctl fn migrate, without / with PRE_COPY: $(awk -v a="$stop" -v b="$pre" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }') (medians of $RUNS: $stop us / $pre us)"
echo

rmmod lm_sim
rmmod lm
tap_exit
