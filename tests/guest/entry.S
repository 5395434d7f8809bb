/*
 * entry.S: multiboot header, ring 0 start-up and the drop to ring 3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The loader enters here in 32-bit protected mode with flat segments,
 * paging off, interrupts off, EAX holding the boot magic and EBX the
 * physical address of the multiboot information. Everything in ring 0 is
 * kept as short as possible: on nested KVM ring 0 guest code is emulated
 * instruction by instruction, ring 3 runs natively.
 */

#define MB_HEADER_MAGIC 0x1badb002
/* bit 0: page-align modules, bit 1: ask for the memory map */
#define MB_HEADER_FLAGS 0x00000003

/* IOPL=3 (bits 12-13), reserved bit 1 set, IF clear */
#define USER_EFLAGS 0x00003002

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1b
#define SEL_UDATA 0x23
#define SEL_TSS   0x28

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
    movl $guestRing0StackTop, %esp
    /* keep the boot registers in callee-saved ones across the C call */
    movl %eax, %esi
    movl %ebx, %edi
    call guestCpuTablesInit

    lgdt guestGdtr
    ljmp $SEL_KCODE, $1f
1:
    movw $SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movw $SEL_TSS, %ax
    ltr %ax
    lidt guestIdtr

    /*
     * Build guestMain(magic, mbi) arguments on the ring 3 stack, so that
     * the stack is 16-byte aligned at the (never taken) call boundary.
     */
    movl $guestUserStackTop, %ecx
    movl %edi, -12(%ecx)
    movl %esi, -16(%ecx)
    movl $0, -20(%ecx)
    subl $20, %ecx

    /* data selectors of DPL 3 survive the privilege change of IRET */
    movw $SEL_UDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs

    pushl $SEL_UDATA
    pushl %ecx
    pushl $USER_EFLAGS
    pushl $SEL_UCODE
    pushl $guestMain
    iret
    .size _start, . - _start

/*
 * Exception stubs. Each pushes a zero in place of the error code for the
 * vectors where the CPU pushes none, then the vector number, so that the
 * common handler always sees the same frame. An NMI is not an error: its
 * stub returns at once.
 */
    .macro FAULT_STUB vec
    .balign 16
guestFaultStub\vec:
    .if \vec == 2
    iret
    .else
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushl $0
    .endif
    pushl $\vec
    jmp guestFaultCommon
    .endif
    .endm

    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    FAULT_STUB \vec
    .endr

guestFaultCommon:
    cld
    movw $SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movl %esp, %eax
    andl $-16, %esp
    subl $12, %esp
    pushl %eax
    call guestFaultReport

    .section .rodata
    .balign 4
    .globl guestFaultStubs
guestFaultStubs:
    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .long guestFaultStub\vec
    .endr

    .section .bss
    .balign 16
    .space 8192
guestRing0StackTop:
    .globl guestRing0StackTop
    .balign 16
    .space 65536
    .globl guestUserStackTop
guestUserStackTop:

    .section .note.GNU-stack, "", @progbits
