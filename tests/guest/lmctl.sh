#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: liblm's API tests, then lmctl end to end against
# simulated devices. Every lmctl call is checked for its exit status (0,
# 1 for a refused request, 2 for a wrong command line) and its message;
# JSON output is parsed back with jq and compared with what the kernel and
# the simulated device say (sysfs, lm_sim's debugfs: state sizes and
# digests).
. /lm/lib/tap.sh

D=/sys/kernel/debug/lm_sim
T=/tmp/lmctl-test
mkdir -p $T

. /lm/lib/checks.sh

# new_sim NFNS CAPS MEMORY: a simulated device; sets SIM (simK) and LM (lmN).
new_sim() {
	exec 3<>$D/new
	echo "$*" >&3
	read -r SIM LM <&3
	exec 3>&-
}

digest() {
	cat $D/$SIM/fn$1/digest
}

# The state of a function as lmctl reports it.
fn_state() {
	lmctl -j fn show $LM/$1 | jq -r ".fn[\"$LM/$1\"].state"
}

tap_run load-lm insmod /lm/modules/lm.ko || exit 1
tap_run load-lm_sim insmod /lm/modules/lm_sim.ko devices=0 || exit 1

echo "# ==== liblm_api"
liblm_api

echo "# ==== lmctl"
MIB=1048576
new_sim 4 7 $((4 * MIB))
tap_diag "device $LM ($SIM)"
[ -n "$LM" ] || { tap_fail "create a simulated device"; tap_exit; }

# --- The command line: help, and words it does not know.
ok "help" lmctl help
holds "help: the grammar" -n "$(grep 'OBJECT { COMMAND | help }' $T/out)"
for obj in dev fn monitor; do
	ok "$obj help" lmctl $obj help
	holds "$obj help: usage" -n "$(grep "lmctl $obj" $T/out)"
done
for cmd in show provision set reset save restore migrate; do
	ok "fn $cmd help" lmctl fn $cmd help
	holds "fn $cmd help: usage" -n "$(grep "lmctl fn $cmd" $T/out)"
done
ok "-V" lmctl -V
holds "-V: version" -n "$(grep -E '^lmctl [0-9]+\.[0-9]+\.[0-9]+$' $T/out)"
fails "no object" 2 "Usage: lmctl" lmctl
fails "unknown object" 2 "unknown object 'frob'" lmctl frob
fails "unknown option" 2 "Usage: lmctl" lmctl -x dev show
fails "unknown dev command" 2 "dev: unknown keyword 'frob': try 'lmctl dev help'" \
	lmctl dev frob
fails "unknown fn command" 2 "fn: unknown keyword 'frob'" lmctl fn frob
fails "unknown monitor object" 2 "monitor: unknown keyword 'frob'" \
	lmctl monitor frob

# --- Handles.
fails "no such device" 1 "'lm4095': no such lm device" lmctl dev show lm4095
fails "no such parent" 1 "'0000:7f:1f.7': no such lm device" \
	lmctl dev show 0000:7f:1f.7
fails "malformed lmN" 2 "'lm01': invalid handle" lmctl dev show lm01
fails "empty handle" 2 "invalid handle" lmctl fn show /1
fails "no such function" 1 "'$LM/4': no such function: $LM has 4 \(0-3\)" \
	lmctl fn show $LM/4
fails "malformed function" 2 "invalid function number 'x'" lmctl fn show $LM/x
fails "function number overflow" 2 "invalid function number '4294967296'" \
	lmctl fn show $LM/4294967296
fails "device where a function is needed" 2 "'$LM': expected a function" \
	lmctl fn provision $LM queues 1
fails "function where a device is needed" 2 "'$LM/0': expected a device" \
	lmctl dev show $LM/0
fails "missing handle" 2 "fn reset: missing PF/FN" lmctl fn reset
fails "extra word" 2 "dev show: unknown keyword 'extra'" \
	lmctl dev show $LM extra

# --- dev show: JSON against sysfs.
S=/sys/class/lm/$LM
ok "dev show -j" lmctl -j dev show $LM
same "dev: id" "$(jqo ".dev[\"$LM\"].id")" "${LM#lm}"
same "dev: parent" "$(jqo ".dev[\"$LM\"].parent")" "lm_sim.${SIM#sim}"
same "dev: driver" "$(jqo ".dev[\"$LM\"].driver")" "$(cat $S/driver_name)"
same "dev: compat" "$(jqo ".dev[\"$LM\"].compat")" "$(cat $S/compat)"
same "dev: num_fns" "$(jqo ".dev[\"$LM\"].num_fns")" "$(cat $S/num_fns)"
same "dev: mig_caps" "$(jqo ".dev[\"$LM\"].mig_caps | join(\" \")")" \
	"$(cat $S/mig_caps)"
same "dev: prov_caps" "$(jqo ".dev[\"$LM\"].prov_caps | join(\",\")")" \
	"queues,irqs,memory,online"
same "dev: stream_version" "$(jqo ".dev[\"$LM\"].stream_version")" 1
ok "dev show by parent name" lmctl -j dev show "lm_sim.${SIM#sim}"
same "dev by parent: id" "$(jqo '.dev | keys[0]')" "$LM"
ok "dev show, all" lmctl -j dev show
same "dev show, all: ours once" "$(jqo ".dev | to_entries | map(select(.key == \"$LM\")) | length")" 1
ok "dev show, text" lmctl dev show $LM
same "dev show, text line" "$(cat $T/out)" \
	"$LM: parent lm_sim.${SIM#sim} driver lm_sim compat $(cat $S/compat) fns 4 mig_caps stop_copy,p2p,pre_copy prov_caps queues,irqs,memory,online stream_version 1"
ok "dev show -p" lmctl -p dev show $LM
cp $T/out $T/pretty
run lmctl -j dev show $LM
same "-p is -j, indented" "$(jq -cS . $T/pretty)" "$(jq -cS . $T/out)"
holds "-p: indented" "$(wc -l < $T/pretty)" -gt 5

# --- fn show.
ok "fn show -j PF" lmctl -j fn show $LM
same "fn show PF: every function" "$(jqo '.fn | keys | join(" ")')" \
	"$LM/0 $LM/1 $LM/2 $LM/3"
same "fn: state" "$(jqo ".fn[\"$LM/3\"].state")" running
same "fn: vf" "$(jqo ".fn[\"$LM/3\"].vf")" 4
same "fn: hw_id" "$(jqo ".fn[\"$LM/3\"].hw_id")" 4
same "fn: queues" "$(jqo ".fn[\"$LM/3\"].queues")" 2
same "fn: memory is the state's size" "$(jqo ".fn[\"$LM/3\"].memory")" \
	"$(stat -c %s $D/$SIM/fn3/state)"
same "fn: online" "$(jqo ".fn[\"$LM/3\"].online")" true
same "fn: migratable" "$(jqo ".fn[\"$LM/3\"].migratable")" false
same "fn: no pci address" "$(jqo ".fn[\"$LM/3\"] | has(\"pci\")")" false
ok "fn show -j PF/FN" lmctl -j fn show $LM/1
same "fn show PF/FN: one" "$(jqo '.fn | keys | join(" ")')" "$LM/1"
ok "fn show, all" lmctl -j fn show
same "fn show, all: ours" \
	"$(jqo "[.fn | keys[] | select(startswith(\"$LM/\"))] | length")" 4
ok "fn show, text" lmctl fn show $LM/1
same "fn show, text line" "$(cat $T/out)" \
	"$LM/1: state running online on migratable off vfio off vf 2 hw_id 2 queues 2 irqs 2 memory 4M"

# --- fn provision: the words first, then what the kernel refuses.
P="lmctl fn provision $LM/2"
fails "provision: not a number" 2 "queues: 'abc' is not a number" $P queues abc
fails "provision: negative" 2 "queues: '-1' is not a number" $P queues -1
fails "provision: u32 overflow" 2 "irqs: '4294967296' is out of range \(0-4294967295\)" \
	$P irqs 4294967296
fails "provision: not a size" 2 "memory: '12X' is not a size" $P memory 12X
fails "provision: size with fraction" 2 "memory: '1.5G' is not a size" \
	$P memory 1.5G
fails "provision: size overflow" 2 "memory: '99999999T' is out of range" \
	$P memory 99999999T
fails "provision: not on/off" 2 "online: expected on or off, not 'maybe'" \
	$P online maybe
fails "provision: twice" 2 "queues given twice" $P queues 1 queues 2
fails "provision: missing value" 2 "irqs: missing value" $P irqs
fails "provision: nothing" 2 "nothing to provision" $P
fails "provision: unknown key" 2 "fn provision: unknown keyword 'colour'" \
	$P colour blue
fails "provision: online resources refused" 1 \
	"fn provision $LM/2: Device or resource busy: .+" $P memory 8M
ok "provision: offline" $P online off
run lmctl -j fn show $LM/2
same "provision: online off" "$(jqo ".fn[\"$LM/2\"].online")" false
fails "provision: beyond the pool" 1 \
	"fn provision $LM/2: No space left on device: .+" $P queues 100000
fails "provision: unaligned memory" 1 \
	"fn provision $LM/2: Invalid argument: .+" $P memory 12345
ok "provision: resources and online" $P queues 8 irqs 4 memory 8M online on
run lmctl -j fn show $LM/2
same "provision: queues" "$(jqo ".fn[\"$LM/2\"].queues")" 8
same "provision: irqs" "$(jqo ".fn[\"$LM/2\"].irqs")" 4
same "provision: memory" "$(jqo ".fn[\"$LM/2\"].memory")" $((8 * MIB))
same "provision: the device's state size" \
	"$(stat -c %s $D/$SIM/fn2/state)" $((8 * MIB))
same "provision: online" "$(jqo ".fn[\"$LM/2\"].online")" true
ok "provision: fn3 offline" lmctl fn provision $LM/3 online off
# Beyond 32 bits: the attribute is 8 bytes then.
ok "provision: 6G" lmctl fn provision $LM/3 memory 6G
run lmctl -j fn show $LM/3
same "provision: 6G, seen" "$(jqo ".fn[\"$LM/3\"].memory")" 6442450944
same "provision: 6G, the device's" "$(stat -c %s $D/$SIM/fn3/state)" 6442450944
run lmctl fn show $LM/3
holds "provision: 6G in text" -n "$(grep ' memory 6G$' $T/out)"
ok "provision: lower-case suffix" lmctl fn provision $LM/3 memory 4096k
same "provision: 4096k" "$(stat -c %s $D/$SIM/fn3/state)" $((4 * MIB))
fails "set: offline function refused" 1 \
	"fn set $LM/3: Device or resource busy: .+" lmctl fn set $LM/3 migratable on
ok "provision: fn3 online" lmctl fn provision $LM/3 online on

# --- fn set: migratable (netlink) and state (the character device).
fails "set: not on/off" 2 "migratable: expected on or off, not 'yes'" \
	lmctl fn set $LM/0 migratable yes
fails "set: bad state" 2 "state: expected running, stop or running_p2p, not 'pre_copy'" \
	lmctl fn set $LM/0 state pre_copy
fails "set: nothing" 2 "nothing to set" lmctl fn set $LM/0
fails "set: state of a non-migratable function" 1 \
	"fn set $LM/0 state stop: Device or resource busy" lmctl fn set $LM/0 state stop
for f in 0 1 2; do
	ok "set: fn$f migratable" lmctl fn set $LM/$f migratable on
done
run lmctl -j fn show $LM/0
same "set: migratable seen" "$(jqo ".fn[\"$LM/0\"].migratable")" true
ok "set: state stop" lmctl fn set $LM/0 state stop
same "set: stopped" "$(fn_state 0)" stop
same "set: the device stopped" \
	"$(sed -n 's/^writer_running //p' $D/$SIM/fn0/stats)" 0
fails "set: migratable off needs RUNNING" 1 \
	"fn set $LM/0: Device or resource busy: .+" lmctl fn set $LM/0 migratable off
ok "set: state and migratable off in one" \
	lmctl fn set $LM/0 state running migratable off
same "set: running again" "$(fn_state 0)" running
run lmctl -j fn show $LM/0
same "set: migratable off" "$(jqo ".fn[\"$LM/0\"].migratable")" false
ok "set: migratable on and a state in one" \
	lmctl fn set $LM/0 migratable on state running_p2p
same "set: running_p2p" "$(fn_state 0)" running_p2p
ok "reset" lmctl fn reset $LM/0
same "reset: running" "$(fn_state 0)" running
fails "reset: extra word" 2 "fn reset: unknown keyword 'now'" \
	lmctl fn reset $LM/0 now

# --- Privilege: queries are for everyone, changes are not.
# nobody CMD...: CMD as user nobody, without capabilities.
nobody() {
	su -s /bin/sh nobody -c "$*"
}
ok "unprivileged: fn show" nobody lmctl -j fn show $LM/0
same "unprivileged: fn show output" "$(jqo ".fn[\"$LM/0\"].index")" 0
fails "unprivileged: set refused" 1 \
	"fn set $LM/0: Operation not permitted" nobody lmctl fn set $LM/0 migratable off
fails "unprivileged: no /dev/lmN" 1 "/dev/$LM: Permission denied" \
	nobody lmctl fn save $LM/0 /tmp/nobody.lms

# --- A device without migration: every migration request says so.
OLD_SIM=$SIM
OLD_LM=$LM
new_sim 1 0 $MIB
NOMIG="Operation not supported: $LM cannot migrate \\(mig_caps none\\)$"
fails "no migration: migratable on" 1 \
	"fn set $LM/0: Operation not supported: the device cannot migrate" \
	lmctl fn set $LM/0 migratable on
fails "no migration: state" 1 "fn set $LM/0 state stop: $NOMIG" \
	lmctl fn set $LM/0 state stop
fails "no migration: reset" 1 "fn reset $LM/0: $NOMIG" lmctl fn reset $LM/0
fails "no migration: save" 1 "fn save $LM/0: .+: $NOMIG" \
	lmctl fn save $LM/0 $T/nomig.lms
holds "no migration: no file" ! -e $T/nomig.lms
fails "no migration: restore" 1 "fn restore $LM/0: .+: $NOMIG" \
	lmctl fn restore $LM/0 /lm/lmctl.sh
# (fn migrate names both functions on stdout before it starts.)
run lmctl fn migrate $LM/0 $OLD_LM/1
if [ "$rc" -eq 1 ] && grep -qE "fn migrate $LM/0 $OLD_LM/1: .+: $NOMIG" $T/err; then
	tap_ok "no migration: migrate from it"
else
	tap_fail "no migration: migrate from it" "exit $rc: $(cat $T/err)"
fi
echo 1 > $D/$SIM/remove
SIM=$OLD_SIM
LM=$OLD_LM

# --- save and restore.
echo 777 > $D/$SIM/fn0/fill
SRC=$(digest 0)
ok "save to a file" lmctl -j fn save $LM/0 $T/fn0.lms
same "save: bytes are the file's" "$(jqo .save.bytes)" "$(stat -c %s $T/fn0.lms)"
same "save: file" "$(jqo .save.file)" "$T/fn0.lms"
same "save: fn" "$(jqo .save.fn)" "$LM/0"
holds "save: a whole state" "$(stat -c %s $T/fn0.lms)" -gt $((4 * MIB))
same "save: the source runs again" "$(fn_state 0)" running
same "save: the source's state is kept" "$(digest 0)" "$SRC"
holds "save: no temporary file left" -z "$(ls -A $T | grep '^\.')"
ok "restore from a file" lmctl fn restore $LM/1 $T/fn0.lms
same "restore: text" "$(cut -d' ' -f1,2 $T/out)" "$LM/1: restore"
same "restore: the states match" "$(digest 1)" "$SRC"
same "restore: running" "$(fn_state 1)" running

lmctl fn reset $LM/1
ok "save to stdout" sh -c "lmctl fn save $LM/0 - > $T/stdout.lms"
same "save to stdout: nothing else on it" \
	"$(stat -c %s $T/stdout.lms)" "$(stat -c %s $T/fn0.lms)"
ok "restore from stdin" sh -c "lmctl -j fn restore $LM/1 - < $T/stdout.lms"
same "restore from stdin: file -" "$(jqo .restore.file)" -
same "restore from stdin: states match" "$(digest 1)" "$SRC"
lmctl fn reset $LM/1
ok "restore from a pipe" sh -c "cat $T/fn0.lms | lmctl fn restore $LM/1 -"
same "restore from a pipe: states match" "$(digest 1)" "$SRC"
lmctl fn reset $LM/1
ok "save into a pipe" sh -c "lmctl fn save $LM/0 - | lmctl fn restore $LM/1 -"
same "save into a pipe: states match" "$(digest 1)" "$SRC"

printf precious > $T/keep
fails "save: refused" 1 \
	"fn save $LM/3: entering STOP_COPY: Device or resource busy" \
	lmctl fn save $LM/3 $T/keep
same "save: a failed save keeps the file" "$(cat $T/keep)" precious
holds "save: a failed save leaves no temporary file" \
	-z "$(ls -A $T | grep '^\.')"
fails "save: no such directory" 1 "No such file or directory" \
	lmctl fn save $LM/0 /nonexistent/fn0.lms
fails "save: missing FILE" 2 "missing FILE" lmctl fn save $LM/0
fails "save: extra word" 2 "fn save: unknown keyword 'more'" \
	lmctl fn save $LM/0 $T/x more
fails "restore: no such file" 1 "$T/nope: No such file or directory" \
	lmctl fn restore $LM/1 $T/nope
fails "restore: missing FILE" 2 "missing FILE" lmctl fn restore $LM/1

lmctl fn reset $LM/1
ONE=$(digest 1)
cp $T/fn0.lms $T/corrupt.lms
# Two bytes of the first record's payload: its checksum no longer holds.
printf '\001\002' | dd of=$T/corrupt.lms bs=1 seek=5000 conv=notrunc 2>/dev/null
fails "restore: corrupt stream" 1 \
	"fn restore $LM/1: writing the stream to the function: Bad message" \
	lmctl fn restore $LM/1 $T/corrupt.lms
same "restore: refused, the function runs" "$(fn_state 1)" running
head -c 100000 $T/fn0.lms > $T/short.lms
fails "restore: truncated stream" 1 \
	"fn restore $LM/1: leaving RESUMING: No data available" \
	lmctl fn restore $LM/1 $T/short.lms
same "restore: truncated, the function runs" "$(fn_state 1)" running
fails "restore: not a stream" 1 \
	"fn restore $LM/1: writing the stream to the function: Protocol error" \
	lmctl fn restore $LM/1 /lm/lmctl.sh
echo lm_sim-v9 > $D/$SIM/compat
fails "restore: another device model" 1 \
	"writing the stream to the function: Invalid cross-device link" \
	lmctl fn restore $LM/1 $T/fn0.lms
echo lm_sim-v1 > $D/$SIM/compat
same "restore: refused ones leave an empty state" "$(digest 1)" "$ONE"
ok "restore: and the good one after" lmctl fn restore $LM/1 $T/fn0.lms
same "restore: states match at last" "$(digest 1)" "$SRC"

# The progress bar, when stderr is a terminal; none otherwise.
ok "save: progress bar on a terminal" pty_run lmctl fn save $LM/0 $T/bar.lms
holds "save: the bar reaches 100%" -n "$(grep -F '[##############################] 100%' $T/out)"
run lmctl fn save $LM/0 $T/bar.lms
holds "save: no bar when stderr is no terminal" ! -s $T/err

# A signal cancels a save: the function is put back, no file is left.
OLD_SIM=$SIM
OLD_LM=$LM
new_sim 1 7 $((256 * MIB))
echo 99 > $D/$SIM/fn0/fill
lmctl fn set $LM/0 migratable on
lmctl fn save $LM/0 $T/big.lms 2> $T/err &
pid=$!
n=0
while ! ls -A $T | grep -q '^\.big\.lms\.' && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
kill -TERM $pid
wait $pid
same "save: SIGTERM fails it" $? 1
holds "save: SIGTERM, the message" \
	-n "$(grep "fn save $LM/0: interrupted; the function was put back" $T/err)"
same "save: SIGTERM, the function runs" "$(fn_state 0)" running
holds "save: SIGTERM, no file" ! -e $T/big.lms
holds "save: SIGTERM, no temporary file" -z "$(ls -A $T | grep '^\.')"
echo 1 > $D/$SIM/remove
SIM=$OLD_SIM
LM=$OLD_LM

# --- migrate: a busy function, with and without PRE_COPY.
echo 4242 > $D/$SIM/fn0/fill
echo 32 > $D/$SIM/fn0/busy
ok "migrate, busy, pre-copy" lmctl -j fn migrate $LM/0 $LM/1
cp $T/out $T/migrate.json
same "migrate: source" "$(jqo .migrate.source)" "$LM/0"
same "migrate: destination" "$(jqo .migrate.destination)" "$LM/1"
ROUNDS=$(jqo .migrate.rounds)
holds "migrate: pre-copy rounds" "$ROUNDS" -ge 1
same "migrate: each round listed" "$(jqo '.migrate.precopy_rounds | length')" "$ROUNDS"
same "migrate: rounds in order" "$(jqo '[.migrate.precopy_rounds[].round] | join(" ")')" \
	"$(seq -s ' ' 1 "$ROUNDS")"
same "migrate: bytes add up" "$(jqo '.migrate.precopy_bytes + .migrate.stop_copy_bytes')" \
	"$(jqo .migrate.bytes)"
same "migrate: rounds add up" "$(jqo '[.migrate.precopy_rounds[].bytes] | add')" \
	"$(jqo .migrate.precopy_bytes)"
holds "migrate: the first round is the whole state" \
	"$(jqo '.migrate.precopy_rounds[0].bytes')" -ge $((4 * MIB))
holds "migrate: stop-copy sends less than pre-copy" \
	"$(jqo .migrate.stop_copy_bytes)" -lt "$(jqo .migrate.precopy_bytes)"
holds "migrate: a downtime" "$(jqo .migrate.downtime_us)" -gt 0
holds "migrate: within the migration" \
	"$(jqo .migrate.downtime_us)" -le "$(jqo .migrate.duration_us)"
same "migrate: the source is stopped" "$(fn_state 0)" stop
same "migrate: the destination runs" "$(fn_state 1)" running
same "migrate: busy source and destination match" "$(digest 0)" "$(digest 1)"

ok "migrate: source back to running" lmctl fn set $LM/0 state running
ok "migrate, busy, no pre-copy" lmctl -j fn migrate $LM/0 $LM/1 precopy off
same "no pre-copy: no rounds" "$(jqo .migrate.rounds)" 0
same "no pre-copy: nothing while running" "$(jqo .migrate.precopy_bytes)" 0
holds "no pre-copy: all in stop-copy" "$(jqo .migrate.stop_copy_bytes)" -ge $((4 * MIB))
same "no pre-copy: states match" "$(digest 0)" "$(digest 1)"
lmctl fn set $LM/0 state running

ok "migrate, text" lmctl fn migrate $LM/0 $LM/1 rounds 2
holds "migrate, text: the downtime" -n "$(grep -E '^  downtime [0-9]+\.[0-9] ms, migration [0-9]+\.[0-9] ms$' $T/out)"
holds "migrate, text: rounds capped" -n "$(grep -E '^  [12] pre-copy rounds' $T/out)"
same "migrate, text: states match" "$(digest 0)" "$(digest 1)"
lmctl fn set $LM/0 state running

fails "migrate: to itself" 2 "$LM/0 is both source and destination" \
	lmctl fn migrate $LM/0 $LM/0
fails "migrate: missing destination" 2 "fn migrate: missing PF/FN" \
	lmctl fn migrate $LM/0
fails "migrate: bad precopy" 2 "precopy: expected on or off, not 'fast'" \
	lmctl fn migrate $LM/0 $LM/1 precopy fast
fails "migrate: zero rounds" 2 "rounds: at least 1" \
	lmctl fn migrate $LM/0 $LM/1 rounds 0
echo 0 > $D/$SIM/fn0/busy
ONE=$(digest 0)
run lmctl fn migrate $LM/0 $LM/3
if [ "$rc" -eq 1 ] && grep -q "fn migrate $LM/0 $LM/3: destination: entering RESUMING: Device or resource busy" $T/err; then
	tap_ok "migrate: destination not migratable"
else
	tap_fail "migrate: destination not migratable" "exit $rc: $(cat $T/err)"
fi
same "migrate: refused, the source runs on" "$(fn_state 0)" running
same "migrate: refused, the source's state kept" "$(digest 0)" "$ONE"

# --- monitor: what a migration looks like to a listener.
MON=$T/monitor.json
: > $MON
lmctl -j monitor fn >> $MON &
MON_PID=$!
# The monitor is listening once a change made after it started shows.
n=0
while ! grep -q "\"$LM/2\"" $MON; do
	lmctl fn set $LM/2 migratable off
	lmctl fn set $LM/2 migratable on
	n=$((n + 1))
	[ $n -lt 50 ] || break
	sleep 0.1
done
MARK=$(wc -l < $MON)
ok "monitor: migrate" lmctl fn migrate $LM/0 $LM/1
n=0
while [ "$(tail -n +$((MARK + 1)) $MON | grep -c "\"$LM/1\"")" -lt 2 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
kill -TERM $MON_PID
wait $MON_PID
same "monitor: ends on SIGTERM with 0" $? 0
tail -n +$((MARK + 1)) $MON > $T/events.json
tap_diag "$(cat $T/events.json)"
same "monitor: one JSON object per line" \
	"$(jq -c . $T/events.json | wc -l)" "$(wc -l < $T/events.json)"
same "monitor: the source's states" \
	"$(jq -r ".fn[\"$LM/0\"].state // empty" $T/events.json | tr '\n' ' ')" \
	"pre_copy stop_copy stop "
same "monitor: the destination's states" \
	"$(jq -r ".fn[\"$LM/1\"].state // empty" $T/events.json | tr '\n' ' ')" \
	"resuming running "
same "monitor: the event name" "$(jq -r .event $T/events.json | sort -u)" change

lmctl monitor > $T/monitor.txt &
MON_PID=$!
n=0
while ! grep -q "$LM/2" $T/monitor.txt && [ $n -lt 50 ]; do
	lmctl fn set $LM/2 migratable off
	lmctl fn set $LM/2 migratable on
	n=$((n + 1))
	sleep 0.1
done
MARK=$(wc -l < $T/monitor.txt)
new_sim 2 7 $MIB
NEW_LM=$LM
echo 1 > $D/$SIM/remove
n=0
while ! grep -q "^\[dev,del\] $NEW_LM:" $T/monitor.txt && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
kill -TERM $MON_PID
wait $MON_PID
tail -n +$((MARK + 1)) $T/monitor.txt > $T/events.txt
tap_diag "$(cat $T/events.txt)"
same "monitor, text: device added, then removed" \
	"$(grep -o "^\[dev,[a-z]*\] $NEW_LM: parent lm_sim\.[0-9]* driver lm_sim" $T/events.txt | cut -d' ' -f1)" \
	"[dev,add]
[dev,del]"
holds "monitor, text: a function change line" \
	-n "$(grep -E "^\[fn,change\] lm[0-9]+/2: state running online on migratable (on|off) " $T/monitor.txt)"

# --- Without the core: a clear message.
tap_run unload-lm_sim rmmod lm_sim
tap_run unload-lm rmmod lm
fails "without lm.ko" 1 "is lm.ko loaded\?" lmctl dev show
fails "without lm.ko: no device" 1 "'lm0': no such lm device" lmctl fn show lm0/0
tap_exit
