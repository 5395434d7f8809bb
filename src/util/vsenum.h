/*
 * vsenum.h: string tables for enums
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* Look @str up in @table of @n entries; returns its index or -1. */
int vsEnumFromString(const char * const *table, unsigned int n,
                     const char *str);
/* Returns the entry for @val, or NULL when @val is out of range. */
const char *vsEnumToString(const char * const *table, unsigned int n,
                           int val);

/*
 * VS_ENUM_DECL(vsFoo) declares vsFooTypeToString()/vsFooTypeFromString();
 * VS_ENUM_IMPL(vsFoo, VS_FOO_LAST, "a", "b") defines them and checks at
 * compile time that the table has exactly VS_FOO_LAST entries.
 */
#define VS_ENUM_DECL(name) \
    const char *name##TypeToString(int type); \
    int name##TypeFromString(const char *type)

#define VS_ENUM_IMPL(name, lastVal, ...) \
    static const char *const name##TypeList[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(name##TypeList) == (lastVal)); \
    const char * \
    name##TypeToString(int type) \
    { \
        return vsEnumToString(name##TypeList, \
                              G_N_ELEMENTS(name##TypeList), type); \
    } \
    int \
    name##TypeFromString(const char *type) \
    { \
        return vsEnumFromString(name##TypeList, \
                                G_N_ELEMENTS(name##TypeList), type); \
    }
