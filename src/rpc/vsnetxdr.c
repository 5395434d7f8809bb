/*
 * vsnetxdr.c: bounds-checked XDR (RFC 4506) encoding and decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <string.h>

#include "vsnetxdr.h"
#include "vserror.h"
#include "vsinternal.h"

#define VS_NET_XDR_UNIT 4


static gboolean
vsNetXdrNeed(const vsNetXdrReader *rd,
             size_t len,
             GError **error)
{
    if (len > rd->len - rd->pos) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("payload truncated: %zu bytes needed at offset %zu, %zu left"),
                    len, rd->pos, rd->len - rd->pos);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetXdrReaderInit:
 * @rd: the reader to set up
 * @data: (transfer none) payload bytes; must outlive @rd
 * @len: number of bytes in @data
 */
void
vsNetXdrReaderInit(vsNetXdrReader *rd,
                   const void *data,
                   size_t len)
{
    rd->data = data;
    rd->len = len;
    rd->pos = 0;
}


/**
 * vsNetXdrReaderRemaining:
 * @rd: a reader
 *
 * Returns: the number of bytes not consumed yet.
 */
size_t
vsNetXdrReaderRemaining(const vsNetXdrReader *rd)
{
    return rd->len - rd->pos;
}


/**
 * vsNetXdrReadU32:
 * @rd: a reader
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Reads one big-endian 4-byte unit (unsigned int, enum, bool).
 *
 * Returns: FALSE with @error set if fewer than 4 bytes are left.
 */
gboolean
vsNetXdrReadU32(vsNetXdrReader *rd,
                guint32 *value,
                GError **error)
{
    const guint8 *p;

    if (!vsNetXdrNeed(rd, 4, error))
        return FALSE;
    p = rd->data + rd->pos;
    *value = ((guint32)p[0] << 24) | ((guint32)p[1] << 16) |
             ((guint32)p[2] << 8) | (guint32)p[3];
    rd->pos += 4;
    return TRUE;
}


/**
 * vsNetXdrReadI32:
 * @rd: a reader
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if fewer than 4 bytes are left.
 */
gboolean
vsNetXdrReadI32(vsNetXdrReader *rd,
                gint32 *value,
                GError **error)
{
    guint32 u;

    if (!vsNetXdrReadU32(rd, &u, error))
        return FALSE;
    *value = (gint32)u;
    return TRUE;
}


/**
 * vsNetXdrReadU64:
 * @rd: a reader
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Reads an unsigned hyper (8 bytes, most significant word first).
 *
 * Returns: FALSE with @error set if fewer than 8 bytes are left.
 */
gboolean
vsNetXdrReadU64(vsNetXdrReader *rd,
                guint64 *value,
                GError **error)
{
    guint32 hi;
    guint32 lo;

    if (!vsNetXdrNeed(rd, 8, error))
        return FALSE;
    if (!vsNetXdrReadU32(rd, &hi, error) ||
        !vsNetXdrReadU32(rd, &lo, error))
        return FALSE;
    *value = ((guint64)hi << 32) | lo;
    return TRUE;
}


/**
 * vsNetXdrReadI64:
 * @rd: a reader
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if fewer than 8 bytes are left.
 */
gboolean
vsNetXdrReadI64(vsNetXdrReader *rd,
                gint64 *value,
                GError **error)
{
    guint64 u;

    if (!vsNetXdrReadU64(rd, &u, error))
        return FALSE;
    *value = (gint64)u;
    return TRUE;
}


/**
 * vsNetXdrReadDouble:
 * @rd: a reader
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Reads an IEEE-754 double in network byte order.
 *
 * Returns: FALSE with @error set if fewer than 8 bytes are left.
 */
gboolean
vsNetXdrReadDouble(vsNetXdrReader *rd,
                   double *value,
                   GError **error)
{
    guint64 u;

    G_STATIC_ASSERT(sizeof(double) == sizeof(guint64));

    if (!vsNetXdrReadU64(rd, &u, error))
        return FALSE;
    memcpy(value, &u, sizeof(*value));
    return TRUE;
}


/**
 * vsNetXdrReadOpaqueFixed:
 * @rd: a reader
 * @buf: where to copy the bytes
 * @len: the fixed size (a UUID is 16 bytes)
 * @error: return location for a #GError
 *
 * Reads fixed-length opaque data and its padding to a 4-byte boundary.
 *
 * Returns: FALSE with @error set if the data is truncated.
 */
gboolean
vsNetXdrReadOpaqueFixed(vsNetXdrReader *rd,
                        void *buf,
                        size_t len,
                        GError **error)
{
    size_t padded = VS_ROUND_UP(len, VS_NET_XDR_UNIT);

    if (!vsNetXdrNeed(rd, padded, error))
        return FALSE;
    memcpy(buf, rd->data + rd->pos, len);
    rd->pos += padded;
    return TRUE;
}


/**
 * vsNetXdrReadString:
 * @rd: a reader
 * @maxlen: largest length accepted
 * @error: return location for a #GError
 *
 * Reads a non-NULL string: a length, the bytes, padding to 4 bytes. A
 * string with an embedded NUL is refused: C callers could not see its
 * tail, which would make two different wire strings compare equal.
 *
 * Returns: (transfer full) the NUL-terminated string, or NULL with
 * @error set.
 */
char *
vsNetXdrReadString(vsNetXdrReader *rd,
                   size_t maxlen,
                   GError **error)
{
    guint32 len;
    size_t padded;
    char *str;

    if (!vsNetXdrReadU32(rd, &len, error))
        return NULL;
    if (len > maxlen) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("string length %u exceeds the limit of %zu"),
                    len, maxlen);
        return NULL;
    }
    padded = VS_ROUND_UP((size_t)len, VS_NET_XDR_UNIT);
    if (!vsNetXdrNeed(rd, padded, error))
        return NULL;
    if (memchr(rd->data + rd->pos, '\0', len)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("string at offset %zu contains a NUL byte"), rd->pos);
        return NULL;
    }

    str = g_malloc(len + 1);
    memcpy(str, rd->data + rd->pos, len);
    str[len] = '\0';
    rd->pos += padded;
    return str;
}


/**
 * vsNetXdrReadOptString:
 * @rd: a reader
 * @maxlen: largest length accepted
 * @value: (out) (transfer full) the string, or NULL when absent
 * @error: return location for a #GError
 *
 * Reads an optional string: a 0/1 presence flag, then a string if 1.
 *
 * Returns: FALSE with @error set on malformed input.
 */
gboolean
vsNetXdrReadOptString(vsNetXdrReader *rd,
                      size_t maxlen,
                      char **value,
                      GError **error)
{
    guint32 present;

    *value = NULL;
    if (!vsNetXdrReadU32(rd, &present, error))
        return FALSE;
    if (present == 0)
        return TRUE;
    if (present != 1) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("invalid presence flag %u for an optional string"),
                    present);
        return FALSE;
    }
    *value = vsNetXdrReadString(rd, maxlen, error);
    return *value != NULL;
}


/**
 * vsNetXdrReadArrayCount:
 * @rd: a reader
 * @max: the protocol's limit on the element count
 * @minElemSize: the smallest encoded size of one element (at least 4)
 * @count: where to store the count
 * @error: return location for a #GError
 *
 * Reads a variable array's element count. Besides the protocol limit the
 * count must be plausible for the bytes left, so that a forged count
 * cannot make the caller allocate memory the payload never backs.
 *
 * Returns: FALSE with @error set if the count is out of range.
 */
gboolean
vsNetXdrReadArrayCount(vsNetXdrReader *rd,
                       guint32 max,
                       size_t minElemSize,
                       guint32 *count,
                       GError **error)
{
    guint32 n;

    if (!vsNetXdrReadU32(rd, &n, error))
        return FALSE;
    if (n > max) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("array of %u elements exceeds the limit of %u"),
                    n, max);
        return FALSE;
    }
    if ((guint64)n * minElemSize > vsNetXdrReaderRemaining(rd)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("array of %u elements does not fit in %zu bytes"),
                    n, vsNetXdrReaderRemaining(rd));
        return FALSE;
    }
    *count = n;
    return TRUE;
}


static gboolean
vsNetXdrReadTypedParam(vsNetXdrReader *rd,
                       vsTypedParamList *list,
                       GError **error)
{
    g_autofree char *field = NULL;
    g_autofree char *str = NULL;
    gint32 type;
    gint32 i32;
    guint32 u32;
    gint64 i64;
    guint64 u64;
    double d;

    if (!(field = vsNetXdrReadString(rd, VS_TYPED_PARAM_FIELD_LENGTH - 1,
                                     error)))
        return FALSE;
    if (!vsNetXdrReadI32(rd, &type, error))
        return FALSE;

    switch ((vsTypedParamType) type) {
    case VS_TYPED_PARAM_INT:
        if (!vsNetXdrReadI32(rd, &i32, error))
            return FALSE;
        vsTypedParamListAddInt(list, field, i32);
        return TRUE;
    case VS_TYPED_PARAM_UINT:
        if (!vsNetXdrReadU32(rd, &u32, error))
            return FALSE;
        vsTypedParamListAddUInt(list, field, u32);
        return TRUE;
    case VS_TYPED_PARAM_LLONG:
        if (!vsNetXdrReadI64(rd, &i64, error))
            return FALSE;
        vsTypedParamListAddLLong(list, field, i64);
        return TRUE;
    case VS_TYPED_PARAM_ULLONG:
        if (!vsNetXdrReadU64(rd, &u64, error))
            return FALSE;
        vsTypedParamListAddULLong(list, field, u64);
        return TRUE;
    case VS_TYPED_PARAM_DOUBLE:
        if (!vsNetXdrReadDouble(rd, &d, error))
            return FALSE;
        vsTypedParamListAddDouble(list, field, d);
        return TRUE;
    case VS_TYPED_PARAM_BOOLEAN:
        if (!vsNetXdrReadI32(rd, &i32, error))
            return FALSE;
        vsTypedParamListAddBoolean(list, field, i32 != 0);
        return TRUE;
    case VS_TYPED_PARAM_STRING:
        if (!(str = vsNetXdrReadString(rd, VS_NET_STRING_MAX, error)))
            return FALSE;
        vsTypedParamListAddString(list, field, str);
        return TRUE;
    }

    g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                _("unknown type %d of typed parameter '%s'"), type, field);
    return FALSE;
}


/**
 * vsNetXdrReadTypedParams:
 * @rd: a reader
 * @max: the protocol's limit on the number of parameters
 * @error: return location for a #GError
 *
 * Reads a counted array of typed parameters (field name, type, value).
 *
 * Returns: (transfer full) the list, or NULL with @error set.
 */
vsTypedParamList *
vsNetXdrReadTypedParams(vsNetXdrReader *rd,
                        guint32 max,
                        GError **error)
{
    g_autoptr(vsTypedParamList) list = vsTypedParamListNew();
    guint32 count;
    guint32 i;

    /* smallest entry: empty name (4) + type (4) + 4-byte value */
    if (!vsNetXdrReadArrayCount(rd, max, 12, &count, error))
        return NULL;

    for (i = 0; i < count; i++) {
        if (!vsNetXdrReadTypedParam(rd, list, error))
            return NULL;
    }
    return g_steal_pointer(&list);
}


/**
 * vsNetXdrReadEnd:
 * @rd: a reader
 * @error: return location for a #GError
 *
 * A payload must be consumed exactly: trailing bytes mean the client and
 * the server disagree on the layout.
 *
 * Returns: FALSE with @error set if bytes are left over.
 */
gboolean
vsNetXdrReadEnd(const vsNetXdrReader *rd,
                GError **error)
{
    if (rd->pos != rd->len) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("%zu unexpected bytes after the arguments"),
                    rd->len - rd->pos);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetXdrWriteU32:
 * @buf: the buffer to append to
 * @value: the value
 */
void
vsNetXdrWriteU32(GByteArray *buf,
                 guint32 value)
{
    guint8 b[4] = {
        (guint8)(value >> 24), (guint8)(value >> 16),
        (guint8)(value >> 8), (guint8)value,
    };

    g_byte_array_append(buf, b, sizeof(b));
}


/**
 * vsNetXdrWriteI32:
 * @buf: the buffer to append to
 * @value: the value
 */
void
vsNetXdrWriteI32(GByteArray *buf,
                 gint32 value)
{
    vsNetXdrWriteU32(buf, (guint32)value);
}


/**
 * vsNetXdrWriteU64:
 * @buf: the buffer to append to
 * @value: the value
 */
void
vsNetXdrWriteU64(GByteArray *buf,
                 guint64 value)
{
    vsNetXdrWriteU32(buf, (guint32)(value >> 32));
    vsNetXdrWriteU32(buf, (guint32)value);
}


/**
 * vsNetXdrWriteI64:
 * @buf: the buffer to append to
 * @value: the value
 */
void
vsNetXdrWriteI64(GByteArray *buf,
                 gint64 value)
{
    vsNetXdrWriteU64(buf, (guint64)value);
}


/**
 * vsNetXdrWriteDouble:
 * @buf: the buffer to append to
 * @value: the value
 */
void
vsNetXdrWriteDouble(GByteArray *buf,
                    double value)
{
    guint64 u;

    memcpy(&u, &value, sizeof(u));
    vsNetXdrWriteU64(buf, u);
}


/**
 * vsNetXdrWriteOpaqueFixed:
 * @buf: the buffer to append to
 * @data: the bytes
 * @len: how many
 *
 * Appends fixed-length opaque data, zero-padded to 4 bytes.
 */
void
vsNetXdrWriteOpaqueFixed(GByteArray *buf,
                         const void *data,
                         size_t len)
{
    static const guint8 zeros[VS_NET_XDR_UNIT] = { 0 };
    size_t pad = VS_ROUND_UP(len, VS_NET_XDR_UNIT) - len;

    g_byte_array_append(buf, data, len);
    g_byte_array_append(buf, zeros, pad);
}


/**
 * vsNetXdrWriteString:
 * @buf: the buffer to append to
 * @str: a non-NULL string
 */
void
vsNetXdrWriteString(GByteArray *buf,
                    const char *str)
{
    size_t len = strlen(str);

    vsNetXdrWriteU32(buf, (guint32)len);
    vsNetXdrWriteOpaqueFixed(buf, str, len);
}


/**
 * vsNetXdrWriteOptString:
 * @buf: the buffer to append to
 * @str: a string or NULL
 */
void
vsNetXdrWriteOptString(GByteArray *buf,
                       const char *str)
{
    vsNetXdrWriteU32(buf, str ? 1 : 0);
    if (str)
        vsNetXdrWriteString(buf, str);
}


/**
 * vsNetXdrWriteCharArray:
 * @buf: the buffer to append to
 * @str: a string, or NULL for an empty array
 *
 * Appends a variable array of XDR chars holding @str and its NUL: XDR
 * widens each char to a 4-byte unit, so "ab" takes 4 + 3 * 4 bytes.
 */
void
vsNetXdrWriteCharArray(GByteArray *buf,
                       const char *str)
{
    size_t len;
    size_t i;

    if (!str) {
        vsNetXdrWriteU32(buf, 0);
        return;
    }

    len = strlen(str) + 1;
    vsNetXdrWriteU32(buf, (guint32)len);
    for (i = 0; i < len; i++)
        vsNetXdrWriteI32(buf, (gint32)(signed char)str[i]);
}


/**
 * vsNetXdrWriteTypedParams:
 * @buf: the buffer to append to
 * @list: the parameters, or NULL for an empty list
 */
void
vsNetXdrWriteTypedParams(GByteArray *buf,
                         const vsTypedParamList *list)
{
    size_t n = list ? list->nparams : 0;
    size_t i;

    vsNetXdrWriteU32(buf, (guint32)n);
    for (i = 0; i < n; i++) {
        const vsTypedParam *p = &list->params[i];

        vsNetXdrWriteString(buf, p->field);
        vsNetXdrWriteI32(buf, p->type);
        switch (p->type) {
        case VS_TYPED_PARAM_INT:
            vsNetXdrWriteI32(buf, p->value.i);
            break;
        case VS_TYPED_PARAM_UINT:
            vsNetXdrWriteU32(buf, p->value.ui);
            break;
        case VS_TYPED_PARAM_LLONG:
            vsNetXdrWriteI64(buf, p->value.l);
            break;
        case VS_TYPED_PARAM_ULLONG:
            vsNetXdrWriteU64(buf, p->value.ul);
            break;
        case VS_TYPED_PARAM_DOUBLE:
            vsNetXdrWriteDouble(buf, p->value.d);
            break;
        case VS_TYPED_PARAM_BOOLEAN:
            vsNetXdrWriteI32(buf, p->value.b ? 1 : 0);
            break;
        case VS_TYPED_PARAM_STRING:
            vsNetXdrWriteString(buf, p->value.s ? p->value.s : "");
            break;
        }
    }
}
