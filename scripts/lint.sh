#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: checkpatch.pl --strict on the kernel-side sources, then a sparse
# (C=2) build and a W=1 build of every module for the cloud kernel, then
# check-writer and test-extend (a new source, exporter and subcommand).  Any
# checkpatch error/warning/check, compiler or sparse warning fails.  Prints TAP.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

cp_dir=$RTRACE_CACHE/checkpatch
[ -x "$cp_dir/scripts/checkpatch.pl" ] || scripts/deps.sh >&2
n=0 failed=0
result() {	# result STATUS NAME LOGFILE
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - lint: $2"
	else
		echo "not ok $n - lint: $2"
		sed 's/^/# /' "$3" | head -n 80
		failed=1
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
# Every kernel-side file, in every subdirectory of kmod/.
files=$( { find kmod -name '*.[ch]' ! -name '*.mod.c'; ls include/*.h uapi/linux/*.h \
	selftests/kmod/*.c bench/*.c; } 2>/dev/null | sort)
for f in $files; do
	# Per-file exceptions, each for a reason checkpatch cannot know:
	# version checks are what the compat header is for; uapi headers
	# cannot use BIT()/BIT_ULL() (not exported to userspace); source.h
	# declares one source per row of kmod/sources/table.h with a macro
	# that must end in ';' (an X-macro: the rows have no separator).
	ignore=FILE_PATH_CHANGES
	case $f in
	kmod/compat/compat.h)	ignore=$ignore,LINUX_VERSION_CODE,CONSTANT_COMPARISON ;;
	kmod/sources/source.h)	ignore=$ignore,TRAILING_SEMICOLON ;;
	uapi/*)			ignore=$ignore,BIT_MACRO ;;
	esac
	"$cp_dir/scripts/checkpatch.pl" --strict --no-tree --show-types \
		--ignore "$ignore" -f "$f" > "$tmp/cp" 2>&1
	st=$?
	grep -qE '^total: 0 errors, 0 warnings, 0 checks' "$tmp/cp" || st=1
	result $st "checkpatch --strict $f" "$tmp/cp"
done

# Compiler and sparse warnings come out on stderr with "warning:"/"error:".
lint_build() {	# lint_build NAME KBUILD-ARGS...
	local name=$1
	shift
	scripts/build-modules.sh cloud --suffix "$name" -- "$@" > /dev/null 2> "$tmp/b"
	local st=$?
	grep -E 'warning:|error:|sparse:' "$tmp/b" > "$tmp/w" && st=1
	[ $st = 0 ] || { cat "$tmp/w" "$tmp/b" | head -n 60 > "$tmp/w2"; mv "$tmp/w2" "$tmp/b"; }
	result $st "$name build of the modules for cloud (${*})" "$tmp/b"
}
# C=2 re-checks every file; W=1 in its own directory so flags never mix.
lint_build sparse C=2
lint_build w1 W=1

# The writer is untraceable: no __fentry__, no call outside the writer set
# and its allow-list, every writer function NOKPROBE.  --test proves the
# check rejects a writer that lost notrace.
scripts/check-writer build/cloud-w1/kmod/rtrace.ko > "$tmp/cw" 2>&1
result $? "check-writer build/cloud-w1/kmod/rtrace.ko" "$tmp/cw"
scripts/check-writer --test > "$tmp/cwt" 2>&1
st=$?
grep -q '^not ok' "$tmp/cwt" && st=1
result $st "check-writer --test (a writer without notrace is rejected)" "$tmp/cwt"

# A new source, exporter and subcommand are one file plus one row each:
# scripts/test-extend adds them to a copy of the tree and builds it.
scripts/test-extend cloud > "$tmp/ext" 2>&1
st=$?
grep -q '^not ok' "$tmp/ext" && st=1
result $st "test-extend (a new source, exporter and subcommand: one file and one row each)" "$tmp/ext"

echo "1..$n"
exit $failed
