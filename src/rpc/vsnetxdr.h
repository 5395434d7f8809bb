/*
 * vsnetxdr.h: bounds-checked XDR (RFC 4506) encoding and decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything the remote protocol puts on the wire is built from these
 * primitives: big-endian 4-byte units, 8-byte hypers, length-prefixed
 * strings padded to 4 bytes, fixed opaque blocks and counted arrays.
 * Decoders never trust a length from the wire: each one is checked
 * against both the protocol limit and the bytes actually left.
 */

#pragma once

#include <glib.h>
#include <stdint.h>

#include "vstypedparam.h"

/* Protocol limits (see docs/protocol.md). */
#define VS_NET_STRING_MAX 4194304
#define VS_NET_TYPED_PARAMS_MAX 64

/* A cursor over a received payload; it never reads past @len. */
typedef struct _vsNetXdrReader vsNetXdrReader;
struct _vsNetXdrReader {
    const guint8 *data;
    size_t len;
    size_t pos;
};

void vsNetXdrReaderInit(vsNetXdrReader *rd, const void *data, size_t len);
size_t vsNetXdrReaderRemaining(const vsNetXdrReader *rd);

gboolean vsNetXdrReadU32(vsNetXdrReader *rd, guint32 *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadI32(vsNetXdrReader *rd, gint32 *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadU64(vsNetXdrReader *rd, guint64 *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadI64(vsNetXdrReader *rd, gint64 *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadDouble(vsNetXdrReader *rd, double *value,
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadOpaqueFixed(vsNetXdrReader *rd, void *buf, size_t len,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
char *vsNetXdrReadString(vsNetXdrReader *rd, size_t maxlen, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadOptString(vsNetXdrReader *rd, size_t maxlen,
                               char **value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadArrayCount(vsNetXdrReader *rd, guint32 max,
                                size_t minElemSize, guint32 *count,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
vsTypedParamList *vsNetXdrReadTypedParams(vsNetXdrReader *rd, guint32 max,
                                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetXdrReadEnd(const vsNetXdrReader *rd, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Encoders append to @buf; they cannot fail. */
void vsNetXdrWriteU32(GByteArray *buf, guint32 value);
void vsNetXdrWriteI32(GByteArray *buf, gint32 value);
void vsNetXdrWriteU64(GByteArray *buf, guint64 value);
void vsNetXdrWriteI64(GByteArray *buf, gint64 value);
void vsNetXdrWriteDouble(GByteArray *buf, double value);
void vsNetXdrWriteOpaqueFixed(GByteArray *buf, const void *data, size_t len);
void vsNetXdrWriteString(GByteArray *buf, const char *str);
void vsNetXdrWriteOptString(GByteArray *buf, const char *str);
void vsNetXdrWriteCharArray(GByteArray *buf, const char *str);
void vsNetXdrWriteTypedParams(GByteArray *buf, const vsTypedParamList *list);
