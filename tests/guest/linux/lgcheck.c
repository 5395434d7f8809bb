/*
 * lgcheck: the user-space checker of the Linux test guest.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs inside the guest, started by its /init, with all heavy work in
 * user space. Two modes:
 *
 *   lgcheck mem MIB SEED
 *       fills MIB MiB of anonymous memory with a pattern computed from
 *       SEED and each word's index, then verifies all of it forever,
 *       printing "LGMEM PASS n=N" after every complete pass and
 *       "LGMEM BAD ..." for any word that differs.
 *
 *   lgcheck disk DEVICE SEED BASE_MIB RW_MIB
 *       the first BASE_MIB MiB of DEVICE hold generation 0 blocks written
 *       on the host (the backing file); the next RW_MIB MiB are rewritten
 *       in sweeps, generation 1, 2, ... With O_DIRECT, after each sweep
 *       every block of both areas is read back and checked, printing
 *       "LGDISK PASS n=N gen=G" or "LGDISK BAD ...".
 *
 * A disk block is LG_BLOCK bytes of 64-bit words: word j of block b in
 * generation g is lgBlockBase(seed, b, g) + j * LG_GOLDEN, mod 2^64.
 * tests/integration/linuxguest.py computes the same words on the host.
 */

#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LG_GOLDEN UINT64_C(0x9e3779b97f4a7c15)
#define LG_BLOCK (64 * 1024)
#define LG_BLOCK_WORDS (LG_BLOCK / 8)
#define LG_MIB (1024 * 1024)


static uint64_t
lgMix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}


static uint64_t
lgBlockBase(uint64_t seed,
            uint64_t block,
            uint64_t gen)
{
    return lgMix(seed ^ lgMix(block * LG_GOLDEN + gen));
}


/* Print one whole line with a single write(), so that the lines of
 * several processes sharing a serial port do not mix. */
static void __attribute__((format(printf, 1, 2)))
lgReport(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if (len > (int)sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    if (write(STDOUT_FILENO, line, len) < 0)
        return;
}


static int
lgParseU64(const char *text,
           uint64_t *value)
{
    char *end = NULL;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0')
        return -1;
    *value = v;
    return 0;
}


static int
lgRunMem(uint64_t mib,
         uint64_t seed)
{
    size_t words = (size_t)mib * (LG_MIB / 8);
    uint64_t *mem;
    uint64_t pass;
    size_t i;

    mem = mmap(NULL, words * 8, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
        lgReport("LGMEM ERROR cannot map %" PRIu64 " MiB: %s",
                 mib, strerror(errno));
        return 1;
    }

    for (i = 0; i < words; i++)
        mem[i] = lgMix(seed ^ (i * LG_GOLDEN));
    lgReport("LGMEM FILLED mib=%" PRIu64 " seed=0x%" PRIx64, mib, seed);

    for (pass = 1; ; pass++) {
        uint64_t bad = 0;

        for (i = 0; i < words; i++) {
            uint64_t want = lgMix(seed ^ (i * LG_GOLDEN));

            if (mem[i] != want) {
                if (bad < 8) {
                    lgReport("LGMEM BAD pass=%" PRIu64 " word=%zu"
                             " got=0x%016" PRIx64 " want=0x%016" PRIx64,
                             pass, i, mem[i], want);
                }
                bad++;
                mem[i] = want;
            }
        }
        if (bad)
            lgReport("LGMEM FAIL n=%" PRIu64 " bad=%" PRIu64, pass, bad);
        else
            lgReport("LGMEM PASS n=%" PRIu64, pass);
    }

    return 0;
}


static void
lgFillBlock(uint64_t *buf,
            uint64_t seed,
            uint64_t block,
            uint64_t gen)
{
    uint64_t base = lgBlockBase(seed, block, gen);
    size_t j;

    for (j = 0; j < LG_BLOCK_WORDS; j++)
        buf[j] = base + j * LG_GOLDEN;
}


static int
lgCheckBlock(const uint64_t *buf,
             uint64_t seed,
             uint64_t block,
             uint64_t gen)
{
    uint64_t base = lgBlockBase(seed, block, gen);
    size_t j;

    for (j = 0; j < LG_BLOCK_WORDS; j++) {
        if (buf[j] != base + j * LG_GOLDEN)
            return -1;
    }
    return 0;
}


static int
lgRunDisk(const char *device,
          uint64_t seed,
          uint64_t baseMib,
          uint64_t rwMib)
{
    uint64_t baseBlocks = baseMib * (LG_MIB / LG_BLOCK);
    uint64_t rwBlocks = rwMib * (LG_MIB / LG_BLOCK);
    uint64_t *buf = NULL;
    uint64_t gen;
    int fd;

    fd = open(device, O_RDWR | O_DIRECT | O_CLOEXEC);
    if (fd < 0) {
        lgReport("LGDISK ERROR cannot open %s: %s", device, strerror(errno));
        return 1;
    }
    if (posix_memalign((void **)&buf, 4096, LG_BLOCK) != 0) {
        lgReport("LGDISK ERROR out of memory");
        return 1;
    }

    for (gen = 1; ; gen++) {
        uint64_t bad = 0;
        uint64_t b;

        for (b = baseBlocks; b < baseBlocks + rwBlocks; b++) {
            lgFillBlock(buf, seed, b, gen);
            if (pwrite(fd, buf, LG_BLOCK, (off_t)(b * LG_BLOCK)) != LG_BLOCK) {
                lgReport("LGDISK ERROR write block %" PRIu64 ": %s",
                         b, strerror(errno));
                return 1;
            }
        }
        if (fdatasync(fd) < 0) {
            lgReport("LGDISK ERROR flush: %s", strerror(errno));
            return 1;
        }
        lgReport("LGDISK WROTE gen=%" PRIu64, gen);

        for (b = 0; b < baseBlocks + rwBlocks; b++) {
            uint64_t want = b < baseBlocks ? 0 : gen;

            if (pread(fd, buf, LG_BLOCK, (off_t)(b * LG_BLOCK)) != LG_BLOCK) {
                lgReport("LGDISK ERROR read block %" PRIu64 ": %s",
                         b, strerror(errno));
                return 1;
            }
            if (lgCheckBlock(buf, seed, b, want) < 0) {
                if (bad < 8) {
                    lgReport("LGDISK BAD gen=%" PRIu64 " block=%" PRIu64
                             " want_gen=%" PRIu64, gen, b, want);
                }
                bad++;
            }
        }
        if (bad)
            lgReport("LGDISK FAIL n=%" PRIu64 " bad=%" PRIu64, gen, bad);
        else
            lgReport("LGDISK PASS n=%" PRIu64, gen);
    }

    return 0;
}


int
main(int argc,
     char **argv)
{
    uint64_t a = 0;
    uint64_t b = 0;
    uint64_t c = 0;

    if (argc == 4 && strcmp(argv[1], "mem") == 0 &&
        lgParseU64(argv[2], &a) == 0 && lgParseU64(argv[3], &b) == 0 &&
        a > 0)
        return lgRunMem(a, b);

    if (argc == 6 && strcmp(argv[1], "disk") == 0 &&
        lgParseU64(argv[3], &a) == 0 && lgParseU64(argv[4], &b) == 0 &&
        lgParseU64(argv[5], &c) == 0 && c > 0)
        return lgRunDisk(argv[2], a, b, c);

    fprintf(stderr,
            "usage: lgcheck mem MIB SEED\n"
            "       lgcheck disk DEVICE SEED BASE_MIB RW_MIB\n");
    return 2;
}
