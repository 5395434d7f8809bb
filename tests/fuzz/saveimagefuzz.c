/*
 * saveimagefuzz.c: fuzz the save image header, data area and stream parsers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a whole image file. It goes through the same sequence the
 * daemon and the tool use: header, header checks, data area, and for the
 * uncompressed formats the mapped-ram walk and the stream end search.
 */

#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "qemu_saveimage.h"
#include "qemu_saveimagepriv.h"


static void
fuzzStream(const uint8_t *data,
           size_t size,
           const qemuSaveHeader *hdr)
{
    g_autoptr(qemuSaveMappedRamReport) report = NULL;
    uint64_t vmdesc = 0;
    size_t i;

    if (qemuSaveImageCheckMappedRamMem(data, size, hdr, &report, NULL)) {
        /* Everything reported must lie inside the input. */
        g_assert(report->ramEnd <= size);
        for (i = 0; i < report->nblocks; i++) {
            g_assert(report->blocks[i].pagesOffset +
                     report->blocks[i].usedLength <= size);
            g_assert(report->blocks[i].pagesPresent * report->blocks[i].pageSize <=
                     report->blocks[i].usedLength);
        }
    }

    if (qemuSaveImageCheckStreamEndMem(data, size, hdr, &vmdesc, NULL))
        g_assert(vmdesc < size);
}


/**
 * LLVMFuzzerTestOneInput:
 * @data: one input
 * @size: its length
 *
 * Returns: 0 always; a bug shows as a crash or a sanitizer report.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_autofree char *xml = NULL;
    g_autofree char *cookie = NULL;
    qemuSaveHeader hdr;

    if (!qemuSaveImageParseHeader(data, size, &hdr, NULL) ||
        !qemuSaveImageCheckHeader(&hdr, size, QEMU_SAVE_CHECK_ALLOW_PARTIAL,
                                  NULL))
        return 0;

    /* The checks guarantee the data area is inside the input. */
    if (qemuSaveImageParseData((const char *) data + QEMU_SAVE_HEADER_SIZE,
                               &hdr, &xml, &cookie, NULL))
        g_assert(strlen(xml) < hdr.dataLen);

    if (hdr.format == QEMU_SAVE_FORMAT_RAW ||
        hdr.format == QEMU_SAVE_FORMAT_SPARSE)
        fuzzStream(data, size, &hdr);

    return 0;
}
