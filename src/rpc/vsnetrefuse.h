/*
 * vsnetrefuse.h: answering a connection the server will not serve
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* Connections being refused at once; more are closed without a word. */
#define VS_NET_REFUSE_MAX 32
/* How long a refused client has to send the header of its first call. */
#define VS_NET_REFUSE_TIMEOUT_MS 2000

void vsNetRefuse(int fd,
                 const char *message,
                 GMainContext *ctx,
                 gint *active);
