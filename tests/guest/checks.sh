# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Checks for shell-written guest tests that drive a command-line tool, on
# top of /lm/lib/tap.sh; installed in the guest as /lm/lib/checks.sh:
#
#	. /lm/lib/tap.sh
#	T=/tmp/mytest; mkdir -p $T	# where the last command's output goes
#	. /lm/lib/checks.sh
#	ok "show" lmctl -j dev show lm0
#	same "id" "$(jqo '.dev.lm0.id')" 0
#	fails "bad handle" 2 "invalid handle" lmctl dev show lm01

# shellcheck disable=SC3043 # busybox sh has "local"

# run CMD...: its stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$@" > $T/out 2> $T/err
	rc=$?
}

# ok NAME CMD...: CMD succeeds.
ok() {
	local name="$1"
	shift
	run "$@"
	if [ "$rc" -eq 0 ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc: $* : $(cat $T/err)"
	fi
}

# fails NAME RC PATTERN CMD...: CMD exits RC and its stderr matches the
# extended regular expression PATTERN; nothing on stdout.
fails() {
	local name="$1" want="$2" pattern="$3"
	shift 3
	run "$@"
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" $T/err &&
	   [ ! -s $T/out ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc (want $want): $*
stderr: $(cat $T/err)
stdout: $(head -c 300 $T/out)
wanted stderr matching: $pattern"
	fi
}

# same NAME GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "got '$2', want '$3'"
	fi
}

# holds NAME TEST-ARGS...: a test(1) expression holds.
holds() {
	local name="$1"
	shift
	if [ "$@" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "not true: $*"
	fi
}

# jqo FILTER: FILTER over the last command's stdout.
jqo() {
	jq -r "$1" $T/out
}
