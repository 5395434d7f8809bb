/*
 * rpcmessagefuzz.c: fuzz RPC message framing and XDR decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is what a client could write to the daemon's socket: a
 * length word, the message header and a payload. The payload is then
 * read as the argument shapes the remote layer decodes (strings, optional
 * strings, typed parameters, UUIDs, hypers, array counts), chosen from
 * the procedure number so that each corpus entry walks its own path.
 */

#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "vsnetxdr.h"
#include "vsnetmessage.h"


/* Decode the payload as a sequence of argument shapes. */
static void
fuzzPayload(const guint8 *data,
            size_t len,
            guint8 shape)
{
    vsNetXdrReader rd;
    size_t steps = 0;

    vsNetXdrReaderInit(&rd, data, len);
    while (vsNetXdrReaderRemaining(&rd) > 0 && steps++ < 64) {
        g_autofree char *s = NULL;
        g_autoptr(vsTypedParamList) params = NULL;
        unsigned char uuid[16];
        guint32 u;
        guint64 h;
        gboolean ok = FALSE;

        switch ((shape + steps) % 6) {
        case 0:
            ok = (s = vsNetXdrReadString(&rd, VS_NET_STRING_MAX, NULL)) != NULL;
            if (ok)
                g_assert_cmpuint(strlen(s), <=, len);
            break;
        case 1:
            ok = vsNetXdrReadOptString(&rd, VS_NET_STRING_MAX, &s, NULL);
            break;
        case 2:
            ok = (params = vsNetXdrReadTypedParams(&rd, VS_NET_TYPED_PARAMS_MAX,
                                                   NULL)) != NULL;
            break;
        case 3:
            ok = vsNetXdrReadOpaqueFixed(&rd, uuid, sizeof(uuid), NULL);
            break;
        case 4:
            ok = vsNetXdrReadU64(&rd, &h, NULL);
            break;
        case 5:
            ok = vsNetXdrReadArrayCount(&rd, 16384, 4, &u, NULL);
            if (ok)
                g_assert_cmpuint((guint64) u * 4, <=,
                                 vsNetXdrReaderRemaining(&rd));
            break;
        }
        if (!ok)
            return;
    }
    /* Trailing bytes are refused exactly when some are left. */
    g_assert(vsNetXdrReadEnd(&rd, NULL) ==
             (vsNetXdrReaderRemaining(&rd) == 0));
}


/**
 * LLVMFuzzerTestOneInput:
 * @data: one input, a framed message
 * @size: its length
 *
 * Returns: 0 always; a bug shows as a crash or a sanitizer report.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_autoptr(vsNetMessage) msg = NULL;
    g_autoptr(GByteArray) again = NULL;
    guint32 len;

    if (size < VS_NET_MESSAGE_LEN_SIZE ||
        !vsNetMessageDecodeLength(data, &len, NULL))
        return 0;
    if (!(msg = vsNetMessageDecode(data, MIN(size, (size_t) len), NULL)))
        return 0;

    fuzzPayload(msg->payload->data, msg->payload->len,
                (guint8) msg->header.proc);

    /* Whatever decodes must encode back to the same bytes. */
    again = vsNetMessageEncode(msg, NULL);
    g_assert_nonnull(again);
    g_assert_cmpmem(again->data, again->len, data, len);
    return 0;
}
