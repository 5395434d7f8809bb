/*
 * cpu.c: descriptor tables and the fault report, the only ring 0 C code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GDT holds flat 64-bit code and data segments for ring 0 and ring 3
 * plus one TSS. The TSS supplies the ring 0 stack that the CPU switches to
 * when an exception interrupts ring 3, and an I/O permission bitmap that
 * opens every port below 0x400 to ring 3. IOPL=3 alone should do that,
 * but software-nested KVM ignores the guest's IOPL when ring 3 runs
 * natively and checks the bitmap instead. The IDT routes the 32 exception
 * vectors to stubs that print one line and stop, so that a broken guest
 * says so on the serial port instead of resetting.
 */

#include "guest.h"

#include <stddef.h>

/* ports 0x000-0x3ff: the PIT, port 0x61 and the UARTs */
#define GUEST_IOMAP_PORTS 0x400

typedef struct _guestTss guestTss;
struct _guestTss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomapBase;
    /* one bit per port, 0 = allowed; the byte after it must be all ones */
    uint8_t iomap[GUEST_IOMAP_PORTS / 8];
    uint8_t iomapEnd;
} __attribute__((packed));

typedef struct _guestTablePointer guestTablePointer;
struct _guestTablePointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/*
 * Base 0, limit 4 GiB, 4 KiB granularity; the code segments have L set
 * (64-bit), which makes base and limit moot.
 */
static uint64_t guestGdt[7] __attribute__((aligned(16))) = {
    0,
    0x00af9a000000ffffull,  /* ring 0 code */
    0x00cf92000000ffffull,  /* ring 0 data */
    0x00affa000000ffffull,  /* ring 3 code */
    0x00cff2000000ffffull,  /* ring 3 data */
    0,                      /* TSS, both halves filled at run time */
    0,
};

static uint64_t guestIdt[32 * 2] __attribute__((aligned(16)));
static guestTss guestTssArea __attribute__((aligned(16)));

/* Read by entry.S; the GDT pointer is used before any code here runs. */
guestTablePointer guestGdtr = { sizeof(guestGdt) - 1, (uint64_t)guestGdt };
guestTablePointer guestIdtr = { sizeof(guestIdt) - 1, (uint64_t)guestIdt };


/**
 * guestCpuTablesInit:
 *
 * Fill in the TSS descriptor and the IDT gates, whose link-time addresses
 * must be split into fields. Runs once in ring 0 before entry.S loads the
 * task register and the IDT.
 */
void
guestCpuTablesInit(void)
{
    uint64_t tss = (uint64_t)&guestTssArea;
    uint64_t limit = sizeof(guestTssArea) - 1;
    uint32_t i;

    guestTssArea.rsp[0] = (uint64_t)guestRing0StackTop;
    guestTssArea.iomapBase = offsetof(guestTss, iomap);
    guestTssArea.iomapEnd = 0xff;

    /* present, DPL 0, 64-bit available TSS, byte granularity */
    guestGdt[GUEST_SEL_TSS / 8] = (limit & 0xffff) |
                                  ((tss & 0xffffff) << 16) |
                                  (0x89ull << 40) |
                                  ((limit & 0xf0000) << 32) |
                                  ((tss & 0xff000000) << 32);
    guestGdt[GUEST_SEL_TSS / 8 + 1] = tss >> 32;

    for (i = 0; i < 32; i++) {
        uint64_t handler = guestFaultStubs[i];

        /* present, DPL 0, 64-bit interrupt gate, no IST */
        guestIdt[i * 2] = (handler & 0xffff) |
                          ((uint64_t)GUEST_SEL_KCODE << 16) |
                          (0x8eull << 40) |
                          ((handler & 0xffff0000) << 32);
        guestIdt[i * 2 + 1] = handler >> 32;
    }
}


/**
 * guestFaultReport:
 * @frame: vector, error code, then what the CPU pushed (RIP, CS, RFLAGS,
 *         RSP, SS)
 *
 * Print a VSGUEST FAULT line and stop this CPU for good.
 */
void
guestFaultReport(const uint64_t *frame)
{
    guestPrintf("VSGUEST FAULT vec=%u err=0x%08x rip=0x%08x\n",
                (unsigned int)frame[0], (unsigned int)frame[1],
                (unsigned int)frame[2]);

    for (;;)
        __asm__ volatile("cli; hlt");
}
