/*
 * main.c: the ring 3 part of the test guest: fill RAM, verify it forever
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every 64-bit word the guest fills holds guestPattern(address, key), with
 * the key derived from the seed only, so verification needs no state but
 * the seed and the list of filled ranges, both of which live in the
 * guest's own memory and travel with a saved guest like the rest of RAM.
 *
 * All of this runs in 64-bit ring 3 with IOPL=3 and interrupts off. The
 * low 4 GiB are identity-mapped and user-accessible, so ring 3 reaches
 * every physical address, the UART and the PIT directly.
 */

#include "guest.h"

#define GUEST_MAX_REGIONS 32
/* keep chunk arithmetic (start of chunk + 1 MiB) clear of 32-bit wrap */
#define GUEST_ADDR_LIMIT 0xfff00000u

#define GUEST_DEFAULT_PAUSE_MS 200u

/* PIT channel 2, gated through port 0x61, times the TSC calibration */
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE_PORT 0x61
#define PIT_HZ 1193182u
#define GUEST_CALIBRATE_MS 50u

typedef struct _guestRegion guestRegion;
struct _guestRegion {
    uint32_t start;
    uint32_t end;       /* exclusive */
};

typedef struct _guestOptions guestOptions;
struct _guestOptions {
    uint32_t seed;
    int seedSet;
    uint32_t fill;      /* percent of each 1 MiB chunk */
    int verify;
    uint32_t pauseMs;
};

typedef struct _guestState guestState;
struct _guestState {
    guestOptions opts;
    guestRegion regions[GUEST_MAX_REGIONS];
    uint32_t nregions;
    uint32_t fillBytesPerChunk;
    uint64_t key;
    uint32_t tscPerMs;  /* 0 when calibration failed */
};

/* Outcome of one range operation; @bad is 0 while all is well. */
typedef struct _guestCheck guestCheck;
struct _guestCheck {
    uint32_t bytes;
    uint32_t bad;
    uint32_t expect;
    uint32_t got;
};

typedef void (*guestRangeFunc)(uint32_t start,
                               uint32_t end,
                               uint64_t key,
                               guestCheck *check);

static void __attribute__((noreturn))
guestStop(void)
{
    for (;;)
        __asm__ volatile("pause");
}


/*
 * A bijective 64-bit mixer (the MurmurHash3 finaliser): distinct
 * addresses give distinct words, so a page copied to the wrong place is
 * always caught, as is a page lost to zeros.
 */
static inline uint64_t
guestMix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}


static inline uint64_t
guestPattern(uint32_t addr, uint64_t key)
{
    return guestMix(addr ^ key);
}


static int
guestParseU32(const char *s, uint32_t len, uint32_t *val)
{
    uint32_t base = 10;
    uint32_t v = 0;
    uint32_t i = 0;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == len)
        return -1;

    for (; i < len; i++) {
        char c = s[i];
        uint32_t d;

        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return -1;

        if (v > (0xffffffffu - d) / base)
            return -1;
        v = v * base + d;
    }

    *val = v;
    return 0;
}


/* Whether the @len bytes at @word spell exactly @name. */
static int
guestWordIs(const char *word, uint32_t len, const char *name)
{
    uint32_t i;

    for (i = 0; i < len; i++) {
        if (word[i] != name[i])
            return 0;
    }
    return name[len] == '\0';
}


/*
 * Apply one "key=value" word. Words without a known key are skipped: the
 * loader puts the kernel's file name first.
 */
static int
guestParseToken(guestOptions *opts, const char *tok, uint32_t len)
{
    uint32_t klen = 0;
    const char *val;
    uint32_t vlen;
    uint32_t v;

    while (klen < len && tok[klen] != '=')
        klen++;
    if (klen == len)
        return 0;
    val = tok + klen + 1;
    vlen = len - klen - 1;

    if (guestWordIs(tok, klen, "seed")) {
        if (guestParseU32(val, vlen, &v) < 0)
            return -1;
        opts->seed = v;
        opts->seedSet = 1;
    } else if (guestWordIs(tok, klen, "fill")) {
        if (guestParseU32(val, vlen, &v) < 0 || v < 1 || v > 100)
            return -1;
        opts->fill = v;
    } else if (guestWordIs(tok, klen, "verify")) {
        if (guestParseU32(val, vlen, &v) < 0 || v > 1)
            return -1;
        opts->verify = (int)v;
    } else if (guestWordIs(tok, klen, "pause")) {
        if (guestParseU32(val, vlen, &v) < 0 || v > 60000)
            return -1;
        opts->pauseMs = v;
    }
    return 0;
}


static void
guestParseCmdline(guestOptions *opts, const char *cmdline)
{
    const char *p = cmdline;

    while (*p) {
        const char *tok;
        uint32_t len = 0;

        while (*p == ' ' || *p == '\t')
            p++;
        tok = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
            len++;
        }
        if (len == 0)
            continue;

        if (guestParseToken(opts, tok, len) < 0) {
            char word[64];
            uint32_t n = len < sizeof(word) - 1 ? len : sizeof(word) - 1;
            uint32_t i;

            for (i = 0; i < n; i++)
                word[i] = tok[i];
            word[n] = '\0';
            guestPrintf("VSGUEST ERROR invalid option '%s'\n", word);
            guestStop();
        }
    }
}


static uint32_t
guestStrEnd(uint32_t addr)
{
    const char *s = (const char *)(uintptr_t)addr;

    while (*s)
        s++;
    return (uint32_t)(uintptr_t)s + 1;
}


static uint32_t
guestMax(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}


/*
 * Lowest address the guest may fill: past 1 MiB, past its own image
 * (including .bss and stacks) and past everything the loader handed over.
 * QEMU stores the command line, the loader name and module descriptors
 * right after the kernel image, page aligned.
 */
static uint32_t
guestFillFloor(const guestMultibootInfo *mbi)
{
    uint32_t lowest = guestMax(GUEST_MIB, (uint32_t)(uintptr_t)guestImageEnd);
    uint32_t i;

    lowest = guestMax(lowest, (uint32_t)(uintptr_t)(mbi + 1));
    if (mbi->flags & GUEST_MBI_HAS_CMDLINE)
        lowest = guestMax(lowest, guestStrEnd(mbi->cmdline));
    if (mbi->flags & GUEST_MBI_HAS_LOADER_NAME)
        lowest = guestMax(lowest, guestStrEnd(mbi->bootLoaderName));
    if (mbi->flags & GUEST_MBI_HAS_MMAP)
        lowest = guestMax(lowest, mbi->mmapAddr + mbi->mmapLength);
    if (mbi->flags & GUEST_MBI_HAS_MODS) {
        const guestMultibootMod *mods =
            (const guestMultibootMod *)(uintptr_t)mbi->modsAddr;

        lowest = guestMax(lowest,
                          mbi->modsAddr + mbi->modsCount * sizeof(*mods));
        for (i = 0; i < mbi->modsCount; i++) {
            lowest = guestMax(lowest, mods[i].end);
            if (mods[i].cmdline)
                lowest = guestMax(lowest, guestStrEnd(mods[i].cmdline));
        }
    }

    return (lowest + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1);
}


static void
guestAddRegion(guestState *st,
               uint64_t base,
               uint64_t length,
               uint32_t lowest)
{
    uint64_t start = base;
    uint64_t end = base + length;

    if (start < lowest)
        start = lowest;
    if (end > GUEST_ADDR_LIMIT)
        end = GUEST_ADDR_LIMIT;
    start = (start + GUEST_PAGE_SIZE - 1) & ~(uint64_t)(GUEST_PAGE_SIZE - 1);
    end &= ~(uint64_t)(GUEST_PAGE_SIZE - 1);
    if (start >= end || st->nregions == GUEST_MAX_REGIONS)
        return;

    st->regions[st->nregions].start = (uint32_t)start;
    st->regions[st->nregions].end = (uint32_t)end;
    st->nregions++;
}


static void
guestFindRegions(guestState *st, const guestMultibootInfo *mbi)
{
    uint32_t lowest = guestFillFloor(mbi);

    if (mbi->flags & GUEST_MBI_HAS_MMAP) {
        uint32_t p = mbi->mmapAddr;
        uint32_t end = mbi->mmapAddr + mbi->mmapLength;

        while (p + sizeof(guestMmapEntry) <= end) {
            const guestMmapEntry *e = (const guestMmapEntry *)(uintptr_t)p;

            if (e->type == GUEST_MMAP_TYPE_RAM) {
                guestAddRegion(st,
                               ((uint64_t)e->baseHi << 32) | e->baseLo,
                               ((uint64_t)e->lengthHi << 32) | e->lengthLo,
                               lowest);
            }
            p += e->size + sizeof(e->size);
        }
    } else if (mbi->flags & GUEST_MBI_HAS_MEMORY) {
        /* memUpper counts KiB from 1 MiB up to the first hole */
        guestAddRegion(st, GUEST_MIB, (uint64_t)mbi->memUpper * 1024, lowest);
    }
}


static void
guestFillRange(uint32_t start, uint32_t end, uint64_t key, guestCheck *check)
{
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)start;
    uint32_t addr;

    for (addr = start; addr < end; addr += 8)
        *p++ = guestPattern(addr, key);
    check->bytes += end - start;
}


static void
guestVerifyRange(uint32_t start, uint32_t end, uint64_t key, guestCheck *check)
{
    const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)start;
    uint32_t addr;

    for (addr = start; addr < end; addr += 8) {
        uint64_t got = *p++;
        uint64_t expect = guestPattern(addr, key);

        if (got != expect) {
            /* name the first 32-bit half that differs */
            if ((uint32_t)got == (uint32_t)expect) {
                addr += 4;
                got >>= 32;
                expect >>= 32;
            }
            check->bad = addr;
            check->expect = (uint32_t)expect;
            check->got = (uint32_t)got;
            return;
        }
    }
    check->bytes += end - start;
}


/*
 * Run @func over the filled part of every region: in each 1 MiB-aligned
 * chunk, the first fillBytesPerChunk bytes. Stops at the first mismatch.
 */
static void
guestWalk(const guestState *st, guestRangeFunc func, guestCheck *check)
{
    uint32_t i;

    check->bytes = 0;
    check->bad = 0;

    for (i = 0; i < st->nregions; i++) {
        uint32_t addr = st->regions[i].start;
        uint32_t end = st->regions[i].end;

        while (addr < end) {
            uint32_t chunk = addr & ~(GUEST_MIB - 1);
            uint32_t stop = chunk + st->fillBytesPerChunk;

            if (stop > end)
                stop = end;
            if (addr < stop) {
                func(addr, stop, st->key, check);
                if (check->bad)
                    return;
            }
            addr = chunk + GUEST_MIB;
        }
    }
}


/*
 * Count TSC ticks over GUEST_CALIBRATE_MS of PIT channel 2 in one-shot
 * mode, whose output shows in bit 5 of port 0x61 once the count expires.
 */
static uint32_t
guestTscCalibrate(void)
{
    uint32_t latch = PIT_HZ / 1000 * GUEST_CALIBRATE_MS;
    uint8_t saved = guestInb(PIT_GATE_PORT);
    uint32_t polls = 0;
    uint64_t t0;
    uint64_t t1;

    /* gate on, speaker off */
    guestOutb(PIT_GATE_PORT, (uint8_t)((saved & ~0x02) | 0x01));
    /* channel 2, low then high byte, mode 0, binary */
    guestOutb(PIT_CMD, 0xb0);
    guestOutb(PIT_CH2, (uint8_t)(latch & 0xff));
    guestOutb(PIT_CH2, (uint8_t)(latch >> 8));
    t0 = guestRdtsc();

    while (!(guestInb(PIT_GATE_PORT) & 0x20)) {
        if (++polls > 10000000u) {
            guestOutb(PIT_GATE_PORT, saved);
            return 0;
        }
    }
    t1 = guestRdtsc();
    guestOutb(PIT_GATE_PORT, saved);

    return (uint32_t)((t1 - t0) / GUEST_CALIBRATE_MS);
}


static uint32_t
guestElapsedMs(const guestState *st, uint64_t since)
{
    if (!st->tscPerMs)
        return 0;
    return (uint32_t)((guestRdtsc() - since) / st->tscPerMs);
}


static void
guestPause(const guestState *st)
{
    uint64_t start = guestRdtsc();
    uint64_t ticks = (uint64_t)st->tscPerMs * st->opts.pauseMs;
    volatile uint32_t spin;

    if (!st->tscPerMs) {
        for (spin = 0; spin < st->opts.pauseMs * 100000u; spin++)
            ;
        return;
    }
    while (guestRdtsc() - start < ticks)
        __asm__ volatile("pause");
}


static uint32_t
guestRegionBytes(const guestState *st)
{
    uint32_t total = 0;
    uint32_t i;

    for (i = 0; i < st->nregions; i++)
        total += st->regions[i].end - st->regions[i].start;
    return total;
}


static void __attribute__((noreturn))
guestVerifyForever(guestState *st)
{
    uint32_t pass = 0;

    for (;;) {
        guestCheck check;

        guestWalk(st, guestVerifyRange, &check);
        pass++;
        if (check.bad) {
            guestPrintf("VSGUEST VERIFY BAD addr=0x%08x expect=0x%08x "
                        "got=0x%08x\n", check.bad, check.expect, check.got);
        } else {
            guestPrintf("VSGUEST VERIFY OK pass=%u\n", pass);
        }
        guestPause(st);
    }
}


/**
 * guestMain:
 * @magic: EAX as the loader left it
 * @mbiAddr: EBX as the loader left it, the multiboot information
 *
 * Entered in ring 3 from entry.S; never returns.
 */
void
guestMain(uint32_t magic, uint32_t mbiAddr)
{
    const guestMultibootInfo *mbi =
        (const guestMultibootInfo *)(uintptr_t)mbiAddr;
    guestState state;
    guestState *st = &state;
    guestCheck check;
    uint64_t start;

    guestSerialInit();
    /* the firmware leaves its last message without an end of line */
    guestPrintf("\n");

    if (magic != GUEST_MULTIBOOT_BOOT_MAGIC) {
        guestPrintf("VSGUEST ERROR not started by a multiboot loader "
                    "(magic=0x%08x)\n", magic);
        guestStop();
    }

    /* set field by field: an initialiser could turn into a memset() call */
    st->opts.seed = 0;
    st->opts.seedSet = 0;
    st->opts.fill = 100;
    st->opts.verify = 1;
    st->opts.pauseMs = GUEST_DEFAULT_PAUSE_MS;
    if (mbi->flags & GUEST_MBI_HAS_CMDLINE)
        guestParseCmdline(&st->opts, (const char *)(uintptr_t)mbi->cmdline);

    st->tscPerMs = guestTscCalibrate();
    if (!st->opts.seedSet) {
        uint64_t tsc = guestRdtsc();

        st->opts.seed = (uint32_t)guestMix(tsc);
    }
    st->key = guestMix(st->opts.seed ^ 0x9e3779b97f4a7c15ull);
    st->nregions = 0;
    st->fillBytesPerChunk = st->opts.fill * 256 / 100 * GUEST_PAGE_SIZE;

    guestFindRegions(st, mbi);
    if (st->nregions == 0) {
        guestPrintf("VSGUEST ERROR no usable RAM above the kernel\n");
        guestStop();
    }

    guestPrintf("VSGUEST BOOT mem=%u seed=0x%08x\n",
                guestRegionBytes(st) / GUEST_MIB, st->opts.seed);

    start = guestRdtsc();
    guestWalk(st, guestFillRange, &check);
    guestPrintf("VSGUEST FILLED bytes=%u ms=%u\n",
                check.bytes, guestElapsedMs(st, start));

    if (st->opts.verify)
        guestVerifyForever(st);
    guestStop();
}
