# SPDX-License-Identifier: GPL-2.0
# Shared helpers for rtrace scripts (sourced, not executed).
#
#   RTRACE_CACHE   cache directory outside the tree (default /var/cache/rtrace)
#   kernel_env N   sets KNAME KVER KDIR VMLINUZ KMODDIR for kernel N
#                  (cloud, rt, 6.1, debug); returns 1 if it is not available

RTRACE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RTRACE_CACHE=${RTRACE_CACHE:-/var/cache/rtrace}
RTRACE_KERNELS_ALL="cloud rt 6.1 debug"

# Debian meta packages that name each test kernel; the point release is
# whatever the archive currently resolves them to.
meta_headers() {
	case $1 in
	cloud)	echo linux-headers-6.12-cloud-amd64 ;;
	rt)	echo linux-headers-6.12-rt-amd64 ;;
	6.1)	echo linux-headers-cloud-amd64 ;;
	*)	return 1 ;;
	esac
}

meta_image() {
	case $1 in
	cloud)	echo linux-image-6.12-cloud-amd64 ;;
	rt)	echo linux-image-6.12-rt-amd64 ;;
	6.1)	echo linux-image-cloud-amd64 ;;
	*)	return 1 ;;
	esac
}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# The debug kernel's options: the fragment's CONFIG_ lines and its
# "# CONFIG_... is not set" lines, without its comments and blank lines, so
# that editing a comment does not rebuild the kernel.
debug_kernel_options() {
	sed -n -e 's/[[:space:]]*$//' \
		-e '/^CONFIG_[A-Za-z0-9_]*=/p' \
		-e '/^# CONFIG_[A-Za-z0-9_]* is not set$/p' \
		"$RTRACE_TOP/scripts/debug-kernel.config"
}

# The options and the source version key the debug kernel's cache dir.
debug_kernel_dir() {
	local src=/usr/src/linux-source-6.12.tar.xz key
	key=$( { debug_kernel_options; \
		stat -c '%s %Y' "$src" 2>/dev/null; \
		dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null; } |
		sha256sum | cut -c1-16)
	echo "$RTRACE_CACHE/debug-kernel/$key"
}

kernel_env() {
	KNAME=$1
	case $KNAME in
	cloud|rt|6.1)
		local d=$RTRACE_CACHE/kernels/$KNAME
		[ -r "$d/version" ] || return 1
		KVER=$(cat "$d/version")
		KDIR=/usr/src/linux-headers-$KVER
		VMLINUZ=$d/boot/vmlinuz-$KVER
		KMODDIR=$d/lib/modules/$KVER
		;;
	debug)
		local d
		d=$(debug_kernel_dir)
		[ -r "$d/bzImage" ] || return 1
		KVER=$(cat "$d/build/include/config/kernel.release")
		KDIR=$d/build
		VMLINUZ=$d/bzImage
		KMODDIR=
		;;
	*)
		return 1
		;;
	esac
	[ -d "$KDIR" ] && [ -r "$VMLINUZ" ]
}
