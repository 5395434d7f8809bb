/*
 * vsenum.c: string tables for enums
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vsenum.h"

/**
 * vsEnumFromString:
 * @table: the strings, indexed by enum value
 * @n: number of entries in @table
 * @str: the string to look up, may be NULL
 *
 * Returns: the index of @str in @table, or -1 when absent.
 */
int
vsEnumFromString(const char * const *table,
                 unsigned int n,
                 const char *str)
{
    unsigned int i;

    if (!str)
        return -1;

    for (i = 0; i < n; i++) {
        if (table[i] && g_str_equal(table[i], str))
            return i;
    }

    return -1;
}


/**
 * vsEnumToString:
 * @table: the strings, indexed by enum value
 * @n: number of entries in @table
 * @val: the enum value
 *
 * Returns: (transfer none) the string for @val, or NULL when out of range.
 */
const char *
vsEnumToString(const char * const *table,
               unsigned int n,
               int val)
{
    if (val < 0 || (unsigned int) val >= n)
        return NULL;

    return table[val];
}
