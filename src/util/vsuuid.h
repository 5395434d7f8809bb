/*
 * vsuuid.h: 16-byte UUIDs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#define VS_UUID_BUFLEN 16
#define VS_UUID_STRING_BUFLEN 37    /* 36 characters and a NUL */

void vsUUIDGenerate(unsigned char uuid[VS_UUID_BUFLEN]);

/* Accepts the 8-4-4-4-12 form and, like libvirt, the 32 hex digits with
 * dashes or spaces between byte pairs; case-insensitive. */
gboolean vsUUIDParse(const char *str, unsigned char uuid[VS_UUID_BUFLEN],
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Lower-case 8-4-4-4-12 form into @out; returns @out. */
char *vsUUIDFormat(const unsigned char uuid[VS_UUID_BUFLEN],
                   char out[VS_UUID_STRING_BUFLEN]);

gboolean vsUUIDIsNull(const unsigned char uuid[VS_UUID_BUFLEN]);
