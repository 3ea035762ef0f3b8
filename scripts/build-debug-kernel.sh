#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the rtrace debug kernel once and cache it.
#
# Source: /usr/src/linux-source-6.12.tar.xz.  Config: `make tinyconfig`, then
# scripts/debug-kernel.config merged over it.  Result, keyed by a hash of
# the fragment's options (not its comments) and the source package version:
#   $RTRACE_CACHE/debug-kernel/<key>/bzImage
#   $RTRACE_CACHE/debug-kernel/<key>/build/   kernel tree, usable as KDIR for M= builds
#   $RTRACE_CACHE/debug-kernel/<key>/build-time
# usage: scripts/build-debug-kernel.sh [--print-dir] [-jN]
set -e
. "$(dirname "$0")/lib.sh"

dir=$(debug_kernel_dir)
jobs=-j$(nproc)
case $1 in
--print-dir)	echo "$dir"; exit 0 ;;
-j*)		jobs=$1 ;;
esac

# A line that is neither an option nor a comment would be left out of the
# key and the build without a word: refuse it.
bad=$(grep -n -v -e '^[[:space:]]*$' -e '^#' "$RTRACE_TOP/scripts/debug-kernel.config" |
	grep -v -e ':CONFIG_[A-Za-z0-9_]*=' || true)
[ -z "$bad" ] || die "scripts/debug-kernel.config: not an option or a comment: $bad"

if [ -r "$dir/bzImage" ]; then
	echo "debug kernel: cached $dir ($(cat "$dir/build/include/config/kernel.release"))"
	exit 0
fi
src=/usr/src/linux-source-6.12.tar.xz
[ -r "$src" ] || die "$src missing: run scripts/deps.sh"

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
[ -r "$dir/bzImage" ] && exit 0

start=$(date +%s)
if [ ! -f "$dir/build/Makefile" ]; then
	rm -rf "$dir/build" "$dir/build.tmp"
	mkdir -p "$dir/build.tmp"
	echo "debug kernel: unpacking $src"
	tar -xJf "$src" -C "$dir/build.tmp" --strip-components=1
	mv "$dir/build.tmp" "$dir/build"
fi
cd "$dir/build"
frag=$dir/options
debug_kernel_options > "$frag"
if [ ! -f .config ] || ! cmp -s "$frag" .rtrace-fragment; then
	make -s ARCH=x86_64 tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
	make -s ARCH=x86_64 olddefconfig
	cp "$frag" .rtrace-fragment
fi
# Every option the fragment asks for must have survived dependency resolution.
missing=0
while read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	grep -qxF "$line" .config || { echo "debug kernel: not set: $line" >&2; missing=1; }
done < "$frag"
[ $missing = 0 ] || die "config fragment not satisfied (see above)"

echo "debug kernel: building in $dir/build ($jobs)"
make -s ARCH=x86_64 "$jobs" bzImage modules_prepare
make -s ARCH=x86_64 "$jobs" modules
cp arch/x86/boot/bzImage "$dir/bzImage.tmp"
mv "$dir/bzImage.tmp" "$dir/bzImage"
end=$(date +%s)
# CPU time of the children (user, sys): wall time on an idle N-core
# machine is about (user + sys) / N; on a busy one wall says little.
# (Not `$(times)`: a command substitution's subshell has no children.)
times > "$dir/.times"
cpu=$(tail -n1 "$dir/.times")
echo "$((end - start)) s wall; children cpu $cpu" > "$dir/build-time"
echo "debug kernel: built $(cat include/config/kernel.release) in $((end - start)) s wall ($jobs), children cpu: $cpu"
