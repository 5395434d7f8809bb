/*
 * vstypedparam.h: typed parameter lists, as libvirt's APIs pass them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdint.h>

/* Type numbers are libvirt's (virTypedParameterType): they go on the wire. */
typedef enum {
    VS_TYPED_PARAM_INT = 1,
    VS_TYPED_PARAM_UINT = 2,
    VS_TYPED_PARAM_LLONG = 3,
    VS_TYPED_PARAM_ULLONG = 4,
    VS_TYPED_PARAM_DOUBLE = 5,
    VS_TYPED_PARAM_BOOLEAN = 6,
    VS_TYPED_PARAM_STRING = 7,
} vsTypedParamType;

/* libvirt limits a field name to 80 bytes including the NUL. */
#define VS_TYPED_PARAM_FIELD_LENGTH 80

typedef struct _vsTypedParam vsTypedParam;
struct _vsTypedParam {
    char *field;
    vsTypedParamType type;
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        gboolean b;
        char *s;
    } value;
};

typedef struct _vsTypedParamList vsTypedParamList;
struct _vsTypedParamList {
    vsTypedParam *params;
    size_t nparams;
    size_t nalloc;
};

vsTypedParamList *vsTypedParamListNew(void);
void vsTypedParamListFree(vsTypedParamList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsTypedParamList, vsTypedParamListFree);

const char *vsTypedParamTypeToString(int type);

/* Adders take copies of @field and string values. */
void vsTypedParamListAddInt(vsTypedParamList *list, const char *field, int v);
void vsTypedParamListAddUInt(vsTypedParamList *list, const char *field,
                             unsigned int v);
void vsTypedParamListAddLLong(vsTypedParamList *list, const char *field,
                              long long v);
void vsTypedParamListAddULLong(vsTypedParamList *list, const char *field,
                               unsigned long long v);
void vsTypedParamListAddDouble(vsTypedParamList *list, const char *field,
                               double v);
void vsTypedParamListAddBoolean(vsTypedParamList *list, const char *field,
                                gboolean v);
void vsTypedParamListAddString(vsTypedParamList *list, const char *field,
                               const char *v);

const vsTypedParam *vsTypedParamListFind(const vsTypedParamList *list,
                                         const char *field);

/*
 * Getters return 1 if @field is present with a usable value (stored in
 * *@value), 0 if absent (*@value untouched), -1 with @error set
 * (VS_ERROR_NONE, VS_ERR_INVALID_ARG, libvirt's wording: "invalid type
 * 'ullong' for parameter 'x', expected 'int'") on a type mismatch.
 * The integer getters accept any of the four integer types when the
 * value fits the requested range ("value N for parameter 'x' is out of
 * range" otherwise), because some client bindings send every integer as
 * an unsigned long long.
 */
int vsTypedParamListGetInt(const vsTypedParamList *list, const char *field,
                           int *value, GError **error);
int vsTypedParamListGetULLong(const vsTypedParamList *list,
                              const char *field, unsigned long long *value,
                              GError **error);
int vsTypedParamListGetString(const vsTypedParamList *list,
                              const char *field, const char **value,
                              GError **error);

/*
 * Validate @list against @allowed, a NULL-terminated list of
 * "field", type pairs given as a vsTypedParamSpec array ending with
 * { NULL, 0 }: unknown fields are an error (VS_ERR_INVALID_ARG, "parameter
 * 'x' not supported"), as are duplicates and over-long field names.
 * Type mismatches are left to the getters.
 */
typedef struct {
    const char *field;
    vsTypedParamType type;
} vsTypedParamSpec;

gboolean vsTypedParamListValidate(const vsTypedParamList *list,
                                  const vsTypedParamSpec *allowed,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
