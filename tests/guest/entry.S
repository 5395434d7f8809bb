/*
 * entry.S: multiboot header, ring 0 start-up and the drop to ring 3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The loader enters _start in 32-bit protected mode with paging off,
 * interrupts off, EAX holding the boot magic and EBX the physical address
 * of the multiboot information. Ring 0 switches to long mode with an
 * identity map of the low 4 GiB, loads a GDT, TSS and IDT, and leaves for
 * 64-bit ring 3 with IOPL=3 and interrupts still off, never to return.
 *
 * Ring 0 is kept as short as possible: under software-nested KVM ring 0
 * guest code is emulated one instruction at a time, and only 64-bit user
 * mode runs natively (32-bit ring 3 code, paged or not, is emulated too).
 */

#include "guest.h"

#define MB_HEADER_MAGIC 0x1badb002
/* bit 0: page-align modules, bit 1: ask for the memory map */
#define MB_HEADER_FLAGS 0x00000003

#define CR0_PG      0x80000000
#define CR0_CD_NW   0x60000000
#define CR4_PAE     0x00000020
#define MSR_EFER    0xc0000080
#define EFER_LME    0x00000100

/* IOPL=3 (bits 12-13), reserved bit 1 set, IF clear */
#define USER_RFLAGS 0x00003002

/* page table entry bits: present, writable, user, 2 MiB page */
#define PTE_PWU     0x007
#define PTE_LARGE   0x080

    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_HEADER_FLAGS
    .long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

    .section .text.entry, "ax"
    .code32
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    /* EBX (multiboot info) stays put; EBP keeps the magic */
    movl %eax, %ebp
    movl $guestRing0StackTop, %esp

    lgdt guestGdtr
    movw $GUEST_SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss

    /*
     * Long mode: PAE, EFER.LME, then paging. Caching is switched on on
     * the way, since the firmware may have left CR0.CD and CR0.NW set.
     */
    movl $guestPml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    andl $~CR0_CD_NW, %eax
    orl $CR0_PG, %eax
    movl %eax, %cr0
    ljmp $GUEST_SEL_KCODE, $guestStart64
    .size _start, . - _start

    .code64
guestStart64:
    movl $guestRing0StackTop, %esp
    call guestCpuTablesInit
    movw $GUEST_SEL_TSS, %ax
    ltr %ax
    lidt guestIdtr

    /*
     * guestMain(magic, mbi) in RDI and RSI. The ring 3 stack starts as
     * if a call had just pushed a return address, as the ABI expects.
     */
    movl %ebp, %edi
    movl %ebx, %esi
    movw $GUEST_SEL_UDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushq $GUEST_SEL_UDATA
    movl $guestUserStackTop - 8, %eax
    pushq %rax
    pushq $USER_RFLAGS
    pushq $GUEST_SEL_UCODE
    movl $guestMain, %eax
    pushq %rax
    iretq

/*
 * Exception stubs. Each pushes a zero in place of the error code for the
 * vectors where the CPU pushes none, then the vector number, so that the
 * common handler always sees the same frame. None returns.
 */
    .macro FAULT_STUB vec
    .balign 16
guestFaultStub\vec:
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp guestFaultCommon
    .endm

    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    FAULT_STUB \vec
    .endr

guestFaultCommon:
    cld
    movq %rsp, %rdi
    andq $-16, %rsp
    call guestFaultReport

    .section .rodata
    .balign 8
    .globl guestFaultStubs
guestFaultStubs:
    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .quad guestFaultStub\vec
    .endr

/*
 * Identity map of the low 4 GiB in 2 MiB pages, all user-accessible:
 * ring 3 reaches every physical address under 4 GiB directly.
 */
    .section .data
    .balign 4096
guestPageDirs:
    page = 0
    .rept 2048
    .quad (page << 21) | PTE_LARGE | PTE_PWU
    page = page + 1
    .endr
guestPdpt:
    .quad guestPageDirs + 0x0000 + PTE_PWU
    .quad guestPageDirs + 0x1000 + PTE_PWU
    .quad guestPageDirs + 0x2000 + PTE_PWU
    .quad guestPageDirs + 0x3000 + PTE_PWU
    .fill 508, 8, 0
guestPml4:
    .quad guestPdpt + PTE_PWU
    .fill 511, 8, 0

    .section .bss
    .balign 16
    .space 8192
    .globl guestRing0StackTop
guestRing0StackTop:
    .space 65536
    .globl guestUserStackTop
guestUserStackTop:

    .section .note.GNU-stack, "", @progbits
