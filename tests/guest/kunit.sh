#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM (a kernel with KUnit): load the core's KUnit tests,
# which run as the module loads, and report each test case as one TAP
# result. KUnit keeps each suite's KTAP in debugfs with the cases indented
# one level, which the rig would not count.
. /lm/lib/tap.sh

KUNIT=/sys/kernel/debug/kunit

tap_run load-lm insmod /lm/modules/lm.ko || exit 1
tap_run load-lm_kunit insmod /lm/modules/lm_kunit.ko || exit 1

suites=0
for results in "$KUNIT"/lm_*/results; do
	[ -e "$results" ] || continue
	suites=$((suites + 1))
	suite=${results%/results}
	suite=${suite##*/}
	cases=0
	failed=0
	# "    ok N name", "    not ok N name", "    ok N name # SKIP why".
	while IFS='	' read -r verdict name reason; do
		cases=$((cases + 1))
		case "$verdict" in
		ok) tap_ok "$suite.$name" ;;
		skip) tap_skip "$suite.$name" "$reason" ;;
		*) tap_fail "$suite.$name"; failed=1 ;;
		esac
	done <<EOT
$(awk '
	/^    (not )?ok [0-9]+ / {
		line = substr($0, 5)
		verdict = line ~ /^not ok/ ? "fail" : "ok"
		sub(/^(not )?ok [0-9]+ /, "", line)
		reason = ""
		if (match(line, / # [Ss][Kk][Ii][Pp]/)) {
			reason = substr(line, RSTART + RLENGTH)
			sub(/^ */, "", reason)
			line = substr(line, 1, RSTART - 1)
			if (verdict == "ok")
				verdict = "skip"
		}
		printf "%s\t%s\t%s\n", verdict, line, reason
	}' "$results")
EOT
	[ "$cases" -gt 0 ] || tap_fail "$suite" "no test case results in $results"
	# The whole log of a suite with a failure, assertion messages included.
	[ "$failed" -eq 0 ] || sed 's/^/# /' "$results"
	grep -E "^# $suite: pass:" "$results"
done
[ "$suites" -gt 0 ] || tap_fail kunit-suites "no lm_* suite in $KUNIT"

tap_run unload-lm_kunit rmmod lm_kunit
tap_run unload-lm rmmod lm
tap_exit
