#!/bin/busybox sh
# /init of the Linux test guest (see tests/guest/linux/README.md).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Options come from the kernel command line as lg.KEY=VALUE words:
#   lg.seed=N        pattern seed (default 1)
#   lg.mem=MIB       memory the checker fills and verifies (default 0: none)
#   lg.disk=DEV      block device the disk checker uses (e.g. vda)
#   lg.diskbase=MIB  leading MiB of DEV holding host-written blocks
#   lg.diskrw=MIB    MiB after those that the guest rewrites (default 8)
#   lg.net=ADDR/LEN  address for the first Ethernet link (none: no check)
#   lg.peer=ADDR     address pinged every second (e.g. 10.0.2.2)
#   lg.report=TTY    where LG* lines go (default ttyS0)
#   lg.ga=0          do not start qemu-ga even if a port is there

/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run

seed=1 mem=0 disk= diskbase=0 diskrw=8 net= peer= report=ttyS0 ga=1
for word in $(cat /proc/cmdline); do
    case "$word" in
        lg.seed=*) seed=${word#lg.seed=} ;;
        lg.mem=*) mem=${word#lg.mem=} ;;
        lg.disk=*) disk=${word#lg.disk=} ;;
        lg.diskbase=*) diskbase=${word#lg.diskbase=} ;;
        lg.diskrw=*) diskrw=${word#lg.diskrw=} ;;
        lg.net=*) net=${word#lg.net=} ;;
        lg.peer=*) peer=${word#lg.peer=} ;;
        lg.report=*) report=${word#lg.report=} ;;
        lg.ga=*) ga=${word#lg.ga=} ;;
    esac
done

out=/dev/$report
[ -c "$out" ] || out=/dev/console
say() {
    echo "$*" > "$out"
}

say "LGUEST BOOT kernel=$(uname -r) seed=$seed mem=$mem"

# Modules in dependency order, listed by the builder.
while read -r ko; do
    [ -n "$ko" ] || continue
    insmod "/lib/modules/$ko" 2> /dev/null ||
        say "LGUEST WARN cannot load $ko"
done < /lib/modules/order

# virtio-serial ports by name, as udev would link them.
mkdir -p /dev/virtio-ports
for f in /sys/class/virtio-ports/*/name; do
    [ -r "$f" ] || continue
    port=${f%/name}
    port=${port##*/}
    ln -sf "/dev/$port" "/dev/virtio-ports/$(cat "$f")"
done

if [ "$ga" != 0 ] && [ -x /usr/sbin/qemu-ga ] &&
   [ -e /dev/virtio-ports/org.qemu.guest_agent.0 ]; then
    mkdir -p /run/qga
    /usr/sbin/qemu-ga -m virtio-serial \
        -p /dev/virtio-ports/org.qemu.guest_agent.0 \
        -t /run/qga -f /run/qga/pid > /dev/null 2>&1 &
    say "LGUEST AGENT started"
fi

if [ -n "$net" ]; then
    ifc=
    for d in /sys/class/net/*; do
        d=${d##*/}
        [ "$d" = lo ] && continue
        ifc=$d
        break
    done
    ip link set lo up
    if [ -z "$ifc" ]; then
        say "LGNET ERROR no network interface"
    else
        ip link set "$ifc" up
        ip addr add "$net" dev "$ifc"
        say "LGNET UP if=$ifc addr=$net mac=$(cat /sys/class/net/$ifc/address)"
        (
            n=0
            while :; do
                n=$((n + 1))
                if ping -c 1 -W 2 "$peer" > /dev/null 2>&1; then
                    say "LGNET OK n=$n"
                else
                    say "LGNET FAIL n=$n"
                fi
                sleep 1
            done
        ) &
    fi
fi

if [ -n "$disk" ]; then
    if [ -b "/dev/$disk" ]; then
        /bin/lgcheck disk "/dev/$disk" "$seed" "$diskbase" "$diskrw" \
            > "$out" 2>&1 &
    else
        say "LGDISK ERROR no device /dev/$disk"
    fi
fi

if [ "$mem" != 0 ]; then
    /bin/lgcheck mem "$mem" "$seed" > "$out" 2>&1 &
fi

say "LGUEST READY"

# PID 1 must not exit; it reaps the children.
while :; do
    wait
    sleep 5
done
