/*
 * qcow2fuzz.c: fuzz the qcow2 header parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is the start of an image the driver believes to be qcow2.
 */

#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "qemu_qcow2priv.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_auto(qemuQcow2Header) hdr = { 0 };

    if (qemuQcow2ParseHeader(data, size, &hdr, NULL)) {
        /* Names come out terminated and without embedded NULs. */
        if (hdr.backingFile)
            g_assert_cmpuint(strlen(hdr.backingFile), <=, 1023);
        if (hdr.backingFormat)
            g_assert_cmpuint(strlen(hdr.backingFormat), <, size);
    }
    return 0;
}
