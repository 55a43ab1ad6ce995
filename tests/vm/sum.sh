#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sum the --results files of several tests/vm/run.sh runs:
#	tests/vm/sum.sh FILE...
# Prints exactly one line on stdout, "P passed, F failed, S skipped", and
# exits 1 if anything failed or a file is missing or malformed. Such a file
# means its run never finished, so it is counted as one failure (and named on
# stderr) rather than silently dropped.
set -euo pipefail

main() {
	local f line p f_ s passed=0 failed=0 skipped=0 bad=0

	if [ $# -eq 0 ]; then
		echo "usage: tests/vm/sum.sh RESULTS_FILE..." >&2
		exit 2
	fi
	for f in "$@"; do
		line=""
		[ ! -r "$f" ] || read -r line < "$f" || true
		if [[ "$line" =~ ^([0-9]+)\ ([0-9]+)\ ([0-9]+)$ ]]; then
			p=${BASH_REMATCH[1]}
			f_=${BASH_REMATCH[2]}
			s=${BASH_REMATCH[3]}
			passed=$((passed + 10#$p))
			failed=$((failed + 10#$f_))
			skipped=$((skipped + 10#$s))
		else
			echo "sum: $f: missing or malformed results" >&2
			failed=$((failed + 1))
			bad=1
		fi
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] && [ "$bad" -eq 0 ]
}

main "$@"
