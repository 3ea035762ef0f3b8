#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's "install" step (TAP): what README's "Real hosts" section
# promises, on the cloud kernel (KERNEL=NAME for another one).
#   1. dkms builds rtrace.ko from the tree 'make dkms-src' lays out, in a
#      private dkms tree (the host's /var/lib/dkms is not touched);
#   2. 'make install DESTDIR=stage PREFIX=/usr' installs the module (with
#      depmod), the CLI, the library, the headers and the udev rule;
#   3. a VM boots with nothing loaded, the staged files are copied into the
#      guest's root, 'modprobe rtrace' loads the installed module, and the
#      installed CLI records a command; 'modprobe rtrace group=GID' gives
#      /dev/rtrace mode 0660 with that group.
set -u -o pipefail
{
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"
K=${KERNEL:-cloud}
T=$RTRACE_TOP/build/install-test/$K
rm -rf "$T"
mkdir -p "$T"
n=0

ok() {	# ok STATUS NAME [LOG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - install: $2"
	else
		echo "not ok $n - install: $2"
		[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 20 "$3" | sed 's/^/# /'
	fi
}

echo "TAP version 13"
kernel_env "$K" || { echo "not ok 1 - install: kernel $K not available"; echo "1..1"; exit 1; }
[ -d "/lib/modules/$KVER/build" ] || [ "$K" = debug ] ||
	echo "# /lib/modules/$KVER/build missing: dkms finds headers there"

# 1. dkms, in a private tree
v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
if ! command -v dkms >/dev/null; then
	ok 0 "dkms build # SKIP dkms not installed (scripts/deps.sh installs it)"
else
	make -s dkms-src DESTDIR="$T/dkms-src" >"$T/dkms.log" 2>&1
	ok $? "make dkms-src lays out /usr/src/rtrace-$v" "$T/dkms.log"
	src=$T/dkms-src/usr/src
	mkdir -p "$T/dkms-tree" "$T/dkms-install"
	dk="dkms --dkmstree $T/dkms-tree --sourcetree $src --installtree $T/dkms-install"
	$dk add -m rtrace -v "$v" >>"$T/dkms.log" 2>&1 &&
		$dk build -m rtrace -v "$v" -k "$KVER" --kernelsourcedir "$KDIR" >>"$T/dkms.log" 2>&1
	ok $? "dkms add + build rtrace/$v for $KVER" "$T/dkms.log"
	ko=$(find "$T/dkms-tree/rtrace/$v/$KVER" -name 'rtrace.ko*' 2>/dev/null | head -n 1)
	vm=$( [ -n "$ko" ] && modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
	ok "$([ "$vm" = "$KVER" ]; echo $?)" "dkms built rtrace.ko for $KVER (vermagic '$vm')"
	others=$(find "$T/dkms-tree" -name '*.ko*' ! -name 'rtrace.ko*' | wc -l)
	ok "$([ "$others" = 0 ]; echo $?)" "dkms builds no test module ($others others)"
fi

# 2. make install into a staging root
stage=$T/stage
make -s install KDIR="$KDIR" DESTDIR="$stage" PREFIX=/usr >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr KDIR=<$K headers>" "$T/install.log"
for f in "lib/modules/$KVER/extra/rtrace.ko" "lib/modules/$KVER/modules.dep" usr/bin/rtrace \
	 usr/lib/librtrace.a usr/include/linux/rtrace.h usr/include/rtrace/rtrace.h \
	 usr/src/rtrace/include/rtrace_emit.h usr/src/rtrace/Module.symvers \
	 usr/share/rtrace/60-rtrace.rules; do
	[ -f "$stage/$f" ]
	ok $? "installs /$f"
done
grep -q 'extra/rtrace.ko' "$stage/lib/modules/$KVER/modules.dep" 2>/dev/null
ok $? "depmod listed extra/rtrace.ko"
n_test=$(find "$stage" -name 'rtrace_test*.ko' -o -name 'rtrace_bench*.ko' | wc -l)
ok "$([ "$n_test" = 0 ]; echo $?)" "no test or benchmark module installed ($n_test)"

# 3. run from the installed files in the VM
cat >"$T/guest.sh" <<'EOF'
set -u
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok - install: guest: $2"; else echo "not ok - install: guest: $2"; fi; }
krel=$(uname -r)
cp -a /stage/. /
grep -q rtrace /proc/modules
ok "$([ $? != 0 ]; echo $?)" "nothing loaded before modprobe"
modprobe rtrace
ok $? "modprobe rtrace (from /lib/modules/$krel/extra)"
st=$(stat -c '%a %u:%g' /dev/rtrace 2>/dev/null)
ok "$([ "$st" = "600 0:0" ]; echo $?)" "/dev/rtrace is root's by default ($st)"
/usr/bin/rtrace record -o /tmp/inst.dat -- /bin/true 2>/tmp/rec.err
ok $? "installed rtrace records a command"
/usr/bin/rtrace check /tmp/inst.dat >/tmp/check.out 2>&1
ok $? "and its capture checks clean: $(cat /tmp/check.out)"
modprobe -r rtrace
ok $? "modprobe -r rtrace"
modprobe rtrace group=4242
st=$(stat -c '%a %u:%g' /dev/rtrace 2>/dev/null)
ok "$([ "$st" = "660 0:4242" ]; echo $?)" "modprobe rtrace group=4242: /dev/rtrace $st"
modprobe -r rtrace
exit 0
EOF
if ! selftests/vm/run --kernel "$K" --no-load --add "$stage:/stage" --add "$T/guest.sh:/guest.sh" \
	-- 'sh /guest.sh' >"$T/vm.log" 2>&1; then
	cat "$T/vm.log"
	ok 1 "VM run"
else
	cat "$T/vm.log"
fi

}
