/*
 * fuzz.h: the entry point every fuzz target provides
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* Called once per input by libFuzzer or by fuzzdriver.c; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
