/*
 * cpu.c: descriptor tables and the fault report, the only ring 0 C code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GDT holds flat 4 GiB code and data segments for ring 0 and ring 3
 * plus one TSS. The TSS only supplies the ring 0 stack that the CPU
 * switches to when an exception interrupts ring 3; with IOPL=3 its I/O
 * permission bitmap is never consulted. The IDT routes the 32 exception
 * vectors to stubs that print one line and stop, so that a broken guest
 * says so on the serial port instead of resetting.
 */

#include "guest.h"

typedef struct _guestTss guestTss;
struct _guestTss {
    uint32_t link;
    uint32_t esp0;
    uint32_t ss0;
    uint32_t unused[22];
    uint16_t trap;
    uint16_t iomapBase;
} __attribute__((packed));

typedef struct _guestTablePointer guestTablePointer;
struct _guestTablePointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

extern char guestRing0StackTop[];

/* base 0, limit 4 GiB, 4 KiB granularity, 32-bit */
static uint64_t guestGdt[6] __attribute__((aligned(8))) = {
    0,
    0x00cf9a000000ffffull,  /* ring 0 code */
    0x00cf92000000ffffull,  /* ring 0 data */
    0x00cffa000000ffffull,  /* ring 3 code */
    0x00cff2000000ffffull,  /* ring 3 data */
    0,                      /* TSS, filled at run time */
};

static uint64_t guestIdt[32] __attribute__((aligned(8)));
static guestTss guestTssArea __attribute__((aligned(16)));

guestTablePointer guestGdtr = { sizeof(guestGdt) - 1, 0 };
guestTablePointer guestIdtr = { sizeof(guestIdt) - 1, 0 };


static uint64_t
guestSegmentDescriptor(uint32_t base, uint32_t limit, uint32_t access)
{
    uint32_t lo = (base << 16) | (limit & 0xffff);
    uint32_t hi = (base & 0xff000000) | (limit & 0x000f0000) |
                  (access << 8) | ((base >> 16) & 0xff);

    return ((uint64_t)hi << 32) | lo;
}


static uint64_t
guestInterruptGate(uint32_t handler)
{
    /* present, DPL 0, 32-bit interrupt gate */
    uint32_t lo = ((uint32_t)GUEST_SEL_KCODE << 16) | (handler & 0xffff);
    uint32_t hi = (handler & 0xffff0000) | 0x8e00;

    return ((uint64_t)hi << 32) | lo;
}


/**
 * guestCpuTablesInit:
 *
 * Fill in the parts of the GDT, TSS and IDT that depend on link-time
 * addresses. Runs once in ring 0 before entry.S loads the tables.
 */
void
guestCpuTablesInit(void)
{
    uint32_t i;

    guestTssArea.ss0 = GUEST_SEL_KDATA;
    guestTssArea.esp0 = (uint32_t)guestRing0StackTop;
    guestTssArea.iomapBase = sizeof(guestTssArea);

    /* present, DPL 0, 32-bit available TSS, byte granularity */
    guestGdt[GUEST_SEL_TSS / 8] =
        guestSegmentDescriptor((uint32_t)&guestTssArea,
                               sizeof(guestTssArea) - 1, 0x89);

    for (i = 0; i < 32; i++)
        guestIdt[i] = guestInterruptGate(guestFaultStubs[i]);

    guestGdtr.base = (uint32_t)guestGdt;
    guestIdtr.base = (uint32_t)guestIdt;
}


/**
 * guestFaultReport:
 * @frame: vector, error code, then what the CPU pushed (EIP, CS, EFLAGS,
 *         and ESP, SS when the fault came from ring 3)
 *
 * Print a VSGUEST FAULT line and stop this CPU for good.
 */
void
guestFaultReport(const uint32_t *frame)
{
    guestPrintf("VSGUEST FAULT vec=%u err=0x%08x eip=0x%08x\n",
                frame[0], frame[1], frame[2]);

    for (;;)
        __asm__ volatile("cli; hlt");
}
