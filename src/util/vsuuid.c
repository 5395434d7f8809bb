/*
 * vsuuid.c: 16-byte UUIDs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vsuuid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("util.uuid");


/* Fill @buf from the kernel's generator; FALSE if it cannot deliver. */
static gboolean
vsUUIDFillRandom(unsigned char *buf,
                 size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return FALSE;
        }
        done += n;
    }

    return TRUE;
}


/**
 * vsUUIDGenerate:
 * @uuid: buffer of VS_UUID_BUFLEN bytes to fill
 *
 * Stores a random (version 4, RFC 9562 variant) UUID in @uuid. Bytes come
 * from getrandom(2); should the kernel refuse, GLib's generator (seeded
 * from the kernel) stands in, since a UUID needs uniqueness, not secrecy.
 */
void
vsUUIDGenerate(unsigned char uuid[VS_UUID_BUFLEN])
{
    size_t i;

    if (!vsUUIDFillRandom(uuid, VS_UUID_BUFLEN)) {
        VS_WARN("getrandom failed (%s), using GLib's generator for a UUID",
                g_strerror(errno));
        for (i = 0; i < VS_UUID_BUFLEN; i++)
            uuid[i] = g_random_int_range(0, 256);
    }

    /* Version in the high nibble of byte 6, variant 0b10 in byte 8. */
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
}


/**
 * vsUUIDParse:
 * @str: text form of a UUID
 * @uuid: buffer of VS_UUID_BUFLEN bytes for the result
 * @error: return location for a #GError
 *
 * Accepts 32 hexadecimal digits in either case, with any number of '-'
 * or ' ' between byte pairs (so the usual 8-4-4-4-12 form as well as the
 * plain one), and white space around them.
 *
 * Returns: TRUE on success; FALSE with @error set (VS_ERROR_NONE,
 * VS_ERR_INVALID_ARG) naming @str if it is malformed, leaving @uuid in
 * an unspecified state.
 */
gboolean
vsUUIDParse(const char *str,
            unsigned char uuid[VS_UUID_BUFLEN],
            GError **error)
{
    const char *p = str;
    size_t i = 0;

    while (g_ascii_isspace(*p))
        p++;

    while (i < VS_UUID_BUFLEN) {
        int hi;
        int lo;

        if (*p == '-' || *p == ' ') {
            p++;
            continue;
        }

        hi = g_ascii_xdigit_value(p[0]);
        lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);
        if (lo < 0)
            goto malformed;

        uuid[i++] = (hi << 4) | lo;
        p += 2;
    }

    while (g_ascii_isspace(*p))
        p++;
    if (*p != '\0')
        goto malformed;

    return TRUE;

 malformed:
    g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                _("malformed UUID '%s'"), str);
    return FALSE;
}


/**
 * vsUUIDFormat:
 * @uuid: the UUID
 * @out: buffer of VS_UUID_STRING_BUFLEN bytes
 *
 * Writes the lower-case 8-4-4-4-12 form of @uuid and a NUL into @out.
 *
 * Returns: (transfer none) @out.
 */
char *
vsUUIDFormat(const unsigned char uuid[VS_UUID_BUFLEN],
             char out[VS_UUID_STRING_BUFLEN])
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    size_t o = 0;

    for (i = 0; i < VS_UUID_BUFLEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = digits[uuid[i] >> 4];
        out[o++] = digits[uuid[i] & 0x0f];
    }
    out[o] = '\0';

    return out;
}


/**
 * vsUUIDIsNull:
 * @uuid: the UUID
 *
 * Returns: TRUE if all 16 bytes of @uuid are zero.
 */
gboolean
vsUUIDIsNull(const unsigned char uuid[VS_UUID_BUFLEN])
{
    static const unsigned char zero[VS_UUID_BUFLEN] = { 0 };

    return memcmp(uuid, zero, VS_UUID_BUFLEN) == 0;
}
