#!/bin/sh
# build.sh: build the virtsave test guest, vsguest.elf
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: build.sh OUTDIR [CC [LD [OBJCOPY]]]
#
# Needs only an x86-64 gcc, GNU ld and objcopy; no C library or libgcc is
# linked. The guest is 64-bit code, linked as a 64-bit ELF and then
# relabelled as a 32-bit ELF (same program headers and entry point) for
# QEMU's multiboot loader, which refuses 64-bit ELF files. Intermediate
# files go to OUTDIR/vsguest.p.

set -eu

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
    echo "usage: $0 OUTDIR [CC [LD [OBJCOPY]]]" >&2
    exit 2
fi

srcdir=$(cd "$(dirname "$0")" && pwd)
outdir=$1
cc=${2:-gcc}
ld=${3:-ld}
objcopy=${4:-objcopy}
objdir=$outdir/vsguest.p

# No SSE, MMX or x87 code anywhere: the guest never enables them, and on
# nested KVM they are unsafe in ring 0. Everything sits below 2 GiB, so
# the small code model with absolute addresses fits.
cflags="-m64 -mcmodel=small -ffreestanding -nostdlib -fno-pic -fno-pie
        -mno-sse -mno-sse2 -mno-mmx -mgeneral-regs-only -mno-red-zone
        -O2 -g0 -std=gnu11 -fno-stack-protector -fno-builtin
        -fno-asynchronous-unwind-tables -fno-unwind-tables
        -fcf-protection=none -Wall -Wextra -Werror"

mkdir -p "$objdir"

objs=
for src in entry.S cpu.c console.c main.c; do
    obj=$objdir/${src%.*}.o
    # shellcheck disable=SC2086
    $cc $cflags -c "$srcdir/$src" -o "$obj"
    objs="$objs $obj"
done

# shellcheck disable=SC2086
$ld -m elf_x86_64 -nostdlib -static --build-id=none -z max-page-size=0x1000 \
    -T "$srcdir/vsguest.ld" -o "$objdir/vsguest64.elf" $objs
"$objcopy" -O elf32-i386 "$objdir/vsguest64.elf" "$outdir/vsguest.elf.tmp"
mv "$outdir/vsguest.elf.tmp" "$outdir/vsguest.elf"
