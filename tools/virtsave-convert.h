/*
 * virtsave-convert.h: the "image convert" subcommand of virtsave
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

typedef struct _virtsaveCommand virtsaveCommand;

int virtsaveImageConvert(const virtsaveCommand *cmd,
                         int argc,
                         char **argv);
