/*
 * vsinternal.h: definitions every virtsave source file uses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <glib/gi18n-lib.h>

/* Mark a string for translation without translating it where it stands. */
#ifndef N_
# define N_(s) (s)
#endif

#define VS_ROUND_UP(value, align) \
    ((((value) + (align) - 1) / (align)) * (align))
