/*
 * lazyrestoretest.c: the checks a lazy restore makes before it maps a
 * save image
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <glib.h>
#include <string.h>

#include "qemu_lazyrestore.h"
#include "vserror.h"

#define MIB (1024ULL * 1024)

/* A domain without devices but %s; a virtio balloon is the default. */
#define BALLOON_XML \
    "<domain type='qemu'><name>b</name><memory unit='MiB'>64</memory>" \
    "<os><type arch='x86_64' machine='pc'>hvm</type></os>" \
    "<devices>%s</devices></domain>"

typedef struct {
    const char *name;
    uint64_t usedLength;
    uint64_t pageSize;
    uint64_t pagesOffset;
    uint64_t fileSize;
    uint64_t memory;
    const char *error;          /* NULL: accepted; else a substring */
} blockCase;

static const blockCase blockCases[] = {
    { "fits", 256 * MIB, 4096, MIB, 258 * MIB, 256 * MIB, NULL },
    { "ends-at-eof", 256 * MIB, 4096, MIB, 257 * MIB, 256 * MIB, NULL },
    { "larger-block", 256 * MIB, 4096, MIB, 258 * MIB, 255 * MIB,
      "but the domain has 267386880 bytes" },
    { "smaller-block", 255 * MIB, 4096, MIB, 258 * MIB, 256 * MIB,
      "holds 267386880 bytes" },
    { "unaligned", 256 * MIB, 4096, MIB + 512, 258 * MIB, 256 * MIB,
      "not aligned" },
    { "big-pages", 256 * MIB, 2 * MIB, 2 * MIB, 260 * MIB, 256 * MIB,
      "not aligned" },
    { "cut", 256 * MIB, 4096, MIB, 200 * MIB, 256 * MIB, "truncated" },
    { "past-eof", 256 * MIB, 4096, 300 * MIB, 200 * MIB, 256 * MIB,
      "truncated" },
};


static void
testBlock(gconstpointer data)
{
    const blockCase *tc = data;
    qemuSaveRamBlock blk = {
        .idstr = (char *) "pc.ram",
        .usedLength = tc->usedLength,
        .pageSize = tc->pageSize,
        .pagesOffset = tc->pagesOffset,
    };
    g_autoptr(GError) err = NULL;
    gboolean ok;

    ok = qemuLazyRestoreCheckBlock(&blk, tc->fileSize, tc->memory, &err);
    if (!tc->error) {
        g_assert_no_error(err);
        g_assert_true(ok);
        return;
    }
    g_assert_false(ok);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    if (!strstr(err->message, tc->error))
        g_error("'%s' does not contain '%s'", err->message, tc->error);
}


static void
testBalloon(void)
{
    g_autoptr(vsDomainDef) def = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *with = g_strdup_printf(BALLOON_XML, "");
    g_autofree char *without = g_strdup_printf(BALLOON_XML,
                                               "<memballoon model='none'/>");

    def = vsDomainDefParseString(with, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    g_assert_false(qemuLazyRestoreCheckDomain(def, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "memory balloon"));
    g_clear_error(&err);
    g_clear_pointer(&def, vsDomainDefFree);

    def = vsDomainDefParseString(without, VS_DOMAIN_DEF_PARSE_INACTIVE, &err);
    g_assert_no_error(err);
    g_assert_true(qemuLazyRestoreCheckDomain(def, &err));
    g_assert_no_error(err);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(blockCases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu/lazyrestore/block/%s",
                                                blockCases[i].name);
        g_test_add_data_func(path, &blockCases[i], testBlock);
    }
    g_test_add_func("/qemu/lazyrestore/balloon", testBalloon);
    return g_test_run();
}
