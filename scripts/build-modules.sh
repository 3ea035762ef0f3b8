#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rtrace.ko and the test modules for one kernel, out of tree, in
# build/<kernel>[-debug]/ so kernels never share objects.
#
# usage: scripts/build-modules.sh KERNEL|--kdir DIR [--debug-build] [-- KBUILD ARGS...]
#   KERNEL is cloud, rt, 6.1 or debug (see scripts/lib.sh); --kdir builds
#   against any prepared kernel tree into build/kdir[-debug]/.
#   --debug-build sets RTRACE_DEBUG=1; --suffix S builds in build/<kernel>-S/
#   (lint builds).  Extra args go to kbuild (W=1, C=2).
# Prints the build directory on the last line of stdout.
set -e
. "$(dirname "$0")/lib.sh"

name= kdir= debug=0 suffix=
while [ $# -gt 0 ]; do
	case $1 in
	--kdir)		kdir=$2; shift ;;
	--debug-build)	debug=1 ;;
	--suffix)	suffix=-$2; shift ;;
	--)		shift; break ;;
	-*)		die "unknown option $1" ;;
	*)		name=$1 ;;
	esac
	shift
done

# The test kernels' builds (VM runs, lint, benchmarks) carry no debug
# information or BTF: -g does not change the code, and it was a sixth of
# each build's CPU time (51 -> 43 CPU-s), paid about ten times per make
# check; pahole's BTF needs it.  Stack traces in
# the guests come from kallsyms.  An install (--kdir) keeps the kernel's
# flags.  CFLAGS_MODULE comes after the kernel's flags and KCFLAGS.
nodbg=
if [ -n "$kdir" ]; then
	out=$RTRACE_TOP/build/kdir
else
	nodbg="CFLAGS_MODULE=-g0 CONFIG_DEBUG_INFO_BTF_MODULES="
	[ -n "$name" ] || die "which kernel? (cloud, rt, 6.1, debug)"
	kernel_env "$name" || die "kernel '$name' not available: run scripts/deps.sh${name:+ (debug: scripts/build-debug-kernel.sh)}"
	kdir=$KDIR
	out=$RTRACE_TOP/build/$name
fi
[ $debug = 1 ] && out=$out-debug
out=$out$suffix
mkdir -p "$out" "$out/include"
# One build per directory at a time (several runners may share a kernel);
# readers of the .ko files take the same lock (selftests/vm/run).
exec 9>"$out/.lock"
flock 9

# Mirror the module sources (mtimes kept, so kbuild stays incremental):
# a file is copied when its content differs, sources deleted from the tree
# are deleted from the copy.  Checksums of both sides, compared as sorted
# lists: a handful of processes, where a test per file cost 2.7 CPU-s on
# every VM run, built or not.
dirs="kmod uapi include selftests/kmod bench"
sums() {	# "sha256  path" of the module sources under $1, sorted by path
	(cd "$1" && find $dirs Kbuild -type f \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' 2>/dev/null | LC_ALL=C sort | xargs -r sha256sum)
}
lines() {	# a list, one line per file; none for an empty list
	[ -z "$1" ] || printf '%s\n' "$1"
}
src_sums=$(sums "$RTRACE_TOP")
dst_sums=$(sums "$out")
# In the tree and not (or not so) in the copy: copy.
LC_ALL=C comm -23 <(lines "$src_sums" | LC_ALL=C sort) <(lines "$dst_sums" | LC_ALL=C sort) |
	while read -r _ f; do
		mkdir -p "$(dirname "$out/$f")"
		cp -p "$RTRACE_TOP/$f" "$out/$f"
	done
# In the copy and no longer in the tree: delete.
LC_ALL=C comm -13 <(lines "$src_sums" | awk '{ print $2 }') <(lines "$dst_sums" | awk '{ print $2 }') |
	while read -r f; do
		rm -f "$out/$f"
	done

# kbuild's no-op pass costs seconds on every VM run: skip it when the
# sources and the kernel tree are those of the last successful build.  Not
# for builds with kbuild arguments (lint's W=1, C=2): those must print their
# warnings every time.
stamp=$( { echo "$src_sums"
	   echo "$kdir $debug $nodbg"; stat -c %Y "$kdir/Makefile" "$kdir/Module.symvers" 2>/dev/null; } | sha256sum)
if [ $# -gt 0 ] || [ "$(cat "$out/.built" 2>/dev/null)" != "$stamp" ] ||
   [ ! -s "$out/modules.order" ] ||
   ! (cd "$out" && sed 's/\.o$/.ko/' modules.order | xargs ls >/dev/null 2>&1); then
	rm -f "$out/.built"
	make -C "$kdir" M="$out" RTRACE_DEBUG=$debug $nodbg "$@" modules >&2
	[ $# -gt 0 ] || echo "$stamp" > "$out/.built"
fi
echo "$out"
