/*
 * guest.h: shared declarations of the virtsave test guest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* Segment selectors; cpu.c lays out the GDT to match. */
#define GUEST_SEL_KCODE 0x08    /* 64-bit ring 0 code */
#define GUEST_SEL_KDATA 0x10
#define GUEST_SEL_UCODE 0x1b    /* 64-bit ring 3 code, RPL 3 */
#define GUEST_SEL_UDATA 0x23    /* ring 3 data, RPL 3 */
#define GUEST_SEL_TSS   0x28    /* 16-byte descriptor */

#ifndef __ASSEMBLER__

# include <stdarg.h>
# include <stdint.h>

#define GUEST_MULTIBOOT_BOOT_MAGIC 0x2badb002u

#define GUEST_PAGE_SIZE 4096u
#define GUEST_MIB (1024u * 1024u)

/* Multiboot (version 1) information structure, as the loader hands it. */
typedef struct _guestMultibootInfo guestMultibootInfo;
struct _guestMultibootInfo {
    uint32_t flags;
    uint32_t memLower;
    uint32_t memUpper;
    uint32_t bootDevice;
    uint32_t cmdline;
    uint32_t modsCount;
    uint32_t modsAddr;
    uint32_t syms[4];
    uint32_t mmapLength;
    uint32_t mmapAddr;
    uint32_t drivesLength;
    uint32_t drivesAddr;
    uint32_t configTable;
    uint32_t bootLoaderName;
};

#define GUEST_MBI_HAS_MEMORY (1u << 0)
#define GUEST_MBI_HAS_CMDLINE (1u << 2)
#define GUEST_MBI_HAS_MODS (1u << 3)
#define GUEST_MBI_HAS_MMAP (1u << 6)
#define GUEST_MBI_HAS_LOADER_NAME (1u << 9)

/* One memory map entry; @size counts the bytes after the field itself. */
typedef struct _guestMmapEntry guestMmapEntry;
struct _guestMmapEntry {
    uint32_t size;
    uint32_t baseLo;
    uint32_t baseHi;
    uint32_t lengthLo;
    uint32_t lengthHi;
    uint32_t type;
} __attribute__((packed));

#define GUEST_MMAP_TYPE_RAM 1

/* One multiboot module descriptor. */
typedef struct _guestMultibootMod guestMultibootMod;
struct _guestMultibootMod {
    uint32_t start;
    uint32_t end;
    uint32_t cmdline;
    uint32_t reserved;
};

/* vsguest.ld: end of the loaded image, .bss and stacks included */
extern char guestImageEnd[];

/* entry.S */
extern const uint64_t guestFaultStubs[32];
extern char guestRing0StackTop[];

/*
 * I/O ports and the time stamp counter, usable from ring 3: IOPL=3 and
 * the TSS I/O bitmap open the ports, CR4.TSD is clear.
 */
static inline void
guestOutb(uint16_t port, uint8_t val)
{
    __asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t
guestInb(uint16_t port)
{
    uint8_t val;

    __asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint64_t
guestRdtsc(void)
{
    uint32_t lo;
    uint32_t hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* console.c */
void guestSerialInit(void);
void guestPrintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cpu.c (ring 0) */
void guestCpuTablesInit(void);
void guestFaultReport(const uint64_t *frame) __attribute__((noreturn));

/* main.c (ring 3) */
void guestMain(uint32_t magic, uint32_t mbiAddr) __attribute__((noreturn));

#endif /* __ASSEMBLER__ */
