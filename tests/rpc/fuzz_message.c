/*
 * fuzz_message.c: fuzz target for RPC message framing and XDR decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built with clang -fsanitize=fuzzer, LLVMFuzzerTestOneInput is the
 * entry point. Built normally (gcc), main() replays the files named on
 * the command line, or with "--seconds N" feeds random and mutated
 * messages for N seconds: the 'fuzz' test suite runs it that way.
 */

#include <config.h>

#include <string.h>

#include "vsnetxdr.h"
#include "vsnetmessage.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);


/* Decode the payload as the argument shapes the remote layer uses. */
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
            break;
        }
        if (!ok)
            return;
    }
    if (!vsNetXdrReadEnd(&rd, NULL))
        return;
}


int
LLVMFuzzerTestOneInput(const guint8 *data,
                       size_t size)
{
    g_autoptr(vsNetMessage) msg = NULL;
    g_autoptr(GByteArray) again = NULL;
    guint32 len;

    if (size < VS_NET_MESSAGE_LEN_SIZE ||
        !vsNetMessageDecodeLength(data, &len, NULL))
        return 0;
    if (!(msg = vsNetMessageDecode(data, MIN(size, (size_t)len), NULL)))
        return 0;

    fuzzPayload(msg->payload->data, msg->payload->len,
                (guint8)msg->header.proc);

    /* whatever decodes must encode back to the same bytes */
    again = vsNetMessageEncode(msg, NULL);
    g_assert_nonnull(again);
    g_assert_cmpmem(again->data, again->len, data, len);
    return 0;
}


#ifndef VS_FUZZ_LIBFUZZER
/* A structurally valid message with random header and payload words. */
static GByteArray *
fuzzGenerate(GRand *rand)
{
    static const guint32 words[] = {
        0, 1, 2, 3, 4, 7, 16, 64, 65, 0x7fffffff, 0xffffffff, 4194304,
    };
    GByteArray *buf = g_byte_array_new();
    guint32 n = g_rand_int_range(rand, 0, 48);
    guint32 i;

    vsNetXdrWriteU32(buf, 0);
    vsNetXdrWriteU32(buf, VS_NET_PROGRAM_REMOTE);
    vsNetXdrWriteU32(buf, 1);
    vsNetXdrWriteU32(buf, g_rand_int_range(rand, 0, 500));
    vsNetXdrWriteU32(buf, g_rand_int_range(rand, 0, 7));
    vsNetXdrWriteU32(buf, g_rand_int(rand));
    vsNetXdrWriteU32(buf, 0);
    for (i = 0; i < n; i++) {
        if (g_rand_boolean(rand))
            vsNetXdrWriteU32(buf, words[g_rand_int_range(rand, 0,
                                                         G_N_ELEMENTS(words))]);
        else
            vsNetXdrWriteU32(buf, g_rand_int(rand));
    }
    /* sometimes lie about the length, sometimes tell the truth */
    if (g_rand_int_range(rand, 0, 8) == 0)
        i = g_rand_int(rand);
    else
        i = buf->len;
    buf->data[0] = i >> 24;
    buf->data[1] = i >> 16;
    buf->data[2] = i >> 8;
    buf->data[3] = i;
    /* and sometimes cut or flip bytes */
    if (g_rand_int_range(rand, 0, 4) == 0)
        g_byte_array_set_size(buf, g_rand_int_range(rand, 0, buf->len + 1));
    if (buf->len > 0 && g_rand_int_range(rand, 0, 4) == 0)
        buf->data[g_rand_int_range(rand, 0, buf->len)] ^= 1 << g_rand_int_range(rand, 0, 8);
    return buf;
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GRand) rand = NULL;
    double seconds = 0;
    gint64 deadline;
    guint64 runs = 0;
    int i;

    if (argc == 3 && g_str_equal(argv[1], "--seconds")) {
        seconds = g_ascii_strtod(argv[2], NULL);
    } else {
        for (i = 1; i < argc; i++) {
            g_autofree char *data = NULL;
            gsize len;

            if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
                g_printerr("cannot read '%s'\n", argv[i]);
                return 1;
            }
            LLVMFuzzerTestOneInput((const guint8 *)data, len);
        }
        if (argc > 1)
            return 0;
        seconds = 1;
    }

    rand = g_rand_new_with_seed(0x76697274);
    deadline = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
    while (g_get_monotonic_time() < deadline) {
        g_autoptr(GByteArray) buf = fuzzGenerate(rand);

        LLVMFuzzerTestOneInput(buf->data, buf->len);
        runs++;
    }
    g_print("%" G_GUINT64_FORMAT " inputs decoded\n", runs);
    return 0;
}
#endif
