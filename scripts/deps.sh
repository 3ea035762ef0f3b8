#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what rtrace's build and tests need on Debian 12, only if missing,
# and prepare the cache ($RTRACE_CACHE, default /var/cache/rtrace):
#   kernels/<name>/{version,boot/vmlinuz-*,lib/modules/*}   unpacked test kernels
#   kselftest/   kselftest.h, kselftest_harness.h (+ what they include)
#   checkpatch/  checkpatch.pl, spelling.txt, const_structs.checkpatch
# Kernel versions come from Debian's meta packages; the ones used are printed.
# Quick and silent-ish when everything is in place.
set -e
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || SUDO=sudo
src=/usr/src/linux-source-6.12.tar.xz

pkgs="qemu-system-x86 busybox-static cpio sparse linux-source-6.12 kmod
      gcc make bc flex bison libelf-dev libssl-dev dwarves xz-utils
      python3 perl util-linux
      clang clang-14 libclang-rt-14-dev valgrind
      babeltrace2 protobuf-compiler"
for k in cloud rt 6.1; do
	pkgs="$pkgs $(meta_headers $k)"
done
# make check's install step builds the module through dkms (private tree).
pkgs="$pkgs dkms"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
updated=0
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	$SUDO apt-get update -qq
	updated=1
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The concrete package a meta package depends on (first alternative).
resolve() {
	dpkg-query -W -f='${Depends}' "$1" 2>/dev/null | sed 's/[ ,(|].*//'
}
resolve_apt() {
	apt-cache depends "$1" 2>/dev/null | awk '/Depends:/ { print $2; exit }'
}

mkdir -p "$RTRACE_CACHE/kernels"
for k in cloud rt 6.1; do
	hdr=$(resolve "$(meta_headers $k)")
	ver=${hdr#linux-headers-}
	[ -n "$ver" ] && [ -d "/usr/src/$hdr" ] || die "headers for $k not found ($hdr)"
	d=$RTRACE_CACHE/kernels/$k
	if [ "$(cat "$d/version" 2>/dev/null)" != "$ver" ] ||
	   [ ! -r "$d/boot/vmlinuz-$ver" ]; then
		img=$(resolve_apt "$(meta_image $k)")
		if [ "$img" != "linux-image-$ver" ] && [ $updated = 0 ]; then
			$SUDO apt-get update -qq
			updated=1
			img=$(resolve_apt "$(meta_image $k)")
		fi
		if [ "$img" != "linux-image-$ver" ]; then
			# The archive moved on: the image of the installed headers
			# is gone.  Upgrade the headers meta package to match.
			echo "deps: $(meta_image $k) is now $img; upgrading $(meta_headers $k)"
			DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
				--no-install-recommends "$(meta_headers $k)"
			hdr=$(resolve "$(meta_headers $k)")
			ver=${hdr#linux-headers-}
			# Image and headers must be the same build, or modules won't load.
			[ "$img" = "linux-image-$ver" ] ||
				die "$(meta_image $k) ($img) and $(meta_headers $k) ($hdr) disagree"
		fi
		echo "deps: fetching $img for kernel '$k'"
		tmp=$(mktemp -d)
		# As root, apt would drop to _apt, who cannot write into $tmp.
		sandbox=
		[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
		(cd "$tmp" && apt-get download -qq $sandbox "$img") ||
			die "apt-get download $img failed"
		rm -rf "$d"
		mkdir -p "$d"
		dpkg-deb -x "$tmp"/*.deb "$d"
		rm -rf "$tmp"
		[ -r "$d/boot/vmlinuz-$ver" ] || die "$img has no /boot/vmlinuz-$ver"
		# The .deb has no modules.dep: the VM runner needs it to find
		# the virtio modules' dependencies.
		/sbin/depmod -b "$d" "$ver"
		echo "$ver" > "$d/version"
	fi
	echo "deps: kernel $k = $ver"
done

# Headers and scripts taken from the kernel source, never committed.
stamp=$(stat -c '%s %Y' "$src")
extract() {	# dest-dir, members...
	local dest=$1
	shift
	[ "$(cat "$dest/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xJf "$src" -C "$dest" --strip-components=1 --wildcards "$@"
	echo "$stamp" > "$dest/.stamp"
}
extract "$RTRACE_CACHE/kselftest" \
	'linux-source-6.12/tools/testing/selftests/kselftest.h' \
	'linux-source-6.12/tools/testing/selftests/kselftest_harness.h'
extract "$RTRACE_CACHE/checkpatch" \
	'linux-source-6.12/scripts/checkpatch.pl' \
	'linux-source-6.12/scripts/spelling.txt' \
	'linux-source-6.12/scripts/const_structs.checkpatch'
echo "deps: linux-source $(dpkg-query -W -f='${Version}' linux-source-6.12)," \
	"qemu $(dpkg-query -W -f='${Version}' qemu-system-x86)," \
	"busybox $(dpkg-query -W -f='${Version}' busybox-static)"
