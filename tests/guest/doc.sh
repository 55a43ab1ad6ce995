# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Running a document's walk-through in the guest, installed as
# /lm/lib/doc.sh after /lm/lib/tap.sh and /lm/lib/checks.sh. The caller sets
# DOC (the reStructuredText file) and T (a scratch directory) and empties
# $T/doc-run. Each named console block ("$ COMMAND" lines, each followed by
# what it prints) runs command by command, its output compared line for
# line; each named text block holds kernel log lines that must have been
# logged since the step before; doc_all_run checks at the end that every
# named block ran. So the document shows nothing that does not work.

# shellcheck disable=SC3043 # busybox sh has "local"

# doc_block NAME: the lines of the code block named NAME in the document,
# without their indentation and without blank lines.
doc_block() {
	awk -v want="$1" '
		/^\.\. code-block::/ { inblock = 1; inopts = 1; name = ""; next }
		inblock && inopts && /^   :name: / { name = $2; next }
		inblock && inopts && /^   :/ { next }
		inblock && inopts && /^[ \t]*$/ { inopts = 0; next }
		inblock && /^[ \t]*$/ { next }
		inblock && /^   / { if (name == want) print substr($0, 4); next }
		{ inblock = 0 }
	' $DOC
}

# doc_take NAME: the block NAME in $T/block, counted as run; 1 if there is
# none.
doc_take() {
	doc_block "$1" > $T/block
	if [ ! -s $T/block ]; then
		tap_fail "doc $1" "no code block named $1 in $DOC"
		return 1
	fi
	echo "$1" >> $T/doc-run
}

# doc_check NAME CMD: run CMD in this shell (its variables stay set for the
# commands after it) and compare with $T/want, what the document says it
# prints: exit status 0, exactly that on stdout and nothing on stderr; or,
# for an lmctl error message ("lmctl: ..."), status 1, exactly that on
# stderr and nothing on stdout.
doc_check() {
	local name="$1" cmd="$2" rc good=no
	eval "$cmd" < /dev/null > $T/out 2> $T/err
	rc=$?
	if head -n 1 $T/want | grep -q '^lmctl: '; then
		[ $rc -eq 1 ] && cmp -s $T/want $T/err && [ ! -s $T/out ] && good=yes
	else
		[ $rc -eq 0 ] && cmp -s $T/want $T/out && [ ! -s $T/err ] && good=yes
	fi
	if [ $good = yes ]; then
		tap_ok "doc $name: $cmd"
	else
		tap_fail "doc $name: $cmd" "exit $rc
stdout:
$(cat $T/out)
stderr:
$(cat $T/err)
the document says:
$(cat $T/want)"
	fi
}

# doc_run NAME: the console block NAME, one test per command.
doc_run() {
	local name="$1" line cmd=""
	doc_take "$name" || return
	: > $T/want
	while IFS= read -r line; do
		case $line in
		'$ '*)
			[ -z "$cmd" ] || doc_check "$name" "$cmd"
			cmd=${line#\$ }
			: > $T/want
			;;
		*)
			if [ -z "$cmd" ]; then
				tap_fail "doc $name" "output before any command: $line"
				return
			fi
			printf '%s\n' "$line" >> $T/want
			;;
		esac
	done < $T/block
	[ -z "$cmd" ] || doc_check "$name" "$cmd"
}

# kmsg_mark: a mark in the kernel log, for doc_log.
KMSG_MARK=0
kmsg_mark() {
	KMSG_MARK=$((KMSG_MARK + 1))
	echo "lm-doc: mark $KMSG_MARK" > /dev/kmsg
}

# doc_log NAME: every line of the text block NAME was logged since the last
# kmsg_mark.
doc_log() {
	local name="$1" line
	doc_take "$name" || return
	dmesg | sed 's/^\[[^]]*\] //' |
		sed -n "/^lm-doc: mark $KMSG_MARK\$/,\$p" > $T/kmsg
	while IFS= read -r line; do
		if grep -qxF -- "$line" $T/kmsg; then
			tap_ok "doc $name: logged: $line"
		else
			tap_fail "doc $name: logged: $line" "the kernel logged since the mark:
$(cat $T/kmsg)"
		fi
	done < $T/block
}

# doc_monitor_start NAME: the one command of the console block NAME (a
# monitor) in the background, its output in $T/NAME.out.
doc_monitor_start() {
	local cmd
	doc_take "$1" || return
	cmd=$(sed -n 's/^\$ //p' $T/block)
	(eval "exec $cmd") < /dev/null > $T/$1.out 2>&1 &
	DOC_MONITOR_PID=$!
}

# doc_monitor_check NAME: stop it; the lines the block shows after the
# command came in that order (among others).
doc_monitor_check() {
	local name="$1" missing
	kill -TERM $DOC_MONITOR_PID
	wait $DOC_MONITOR_PID
	same "doc $name: ends on SIGTERM with 0" $? 0
	doc_block "$name" | grep -v '^\$ ' > $T/want
	missing=$(awk 'BEGIN { n = 0; i = 0 }
		       NR == FNR { want[n++] = $0; next }
		       i < n && $0 == want[i] { i++ }
		       END { if (!n) print "(nothing)"; else if (i < n) print want[i] }' \
		  $T/want $T/$name.out)
	if [ -z "$missing" ]; then
		tap_ok "doc $name: the changes as shown"
	else
		tap_fail "doc $name: the changes as shown" "not seen (in order): $missing
the monitor printed:
$(cat $T/$name.out)"
	fi
}

# doc_all_run: every named block of the document ran, and every console
# block has a name.
doc_all_run() {
	local unnamed
	awk '/^\.\. code-block::/ { opts = 1; next }
	     opts && /^   :name: / { print $2; next }
	     opts && /^   :/ { next }
	     { opts = 0 }' $DOC > $T/doc-names
	holds "doc: named blocks" -s $T/doc-names
	same "doc: every named block ran" \
		"$(grep -vxF -f $T/doc-run $T/doc-names | tr '\n' ' ')" ""
	unnamed=$(awk '/^\.\. code-block:: console/ { c = 1; named = 0; next }
		       c && /^   :name: / { named = 1; next }
		       c && /^   :/ { next }
		       c { if (!named) print FNR; c = 0 }' $DOC)
	same "doc: every console block has a name" "$unnamed" ""
}
