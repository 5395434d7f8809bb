/*
 * vstypedparam.c: typed parameter lists, as libvirt's APIs pass them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vstypedparam.h"

#include <limits.h>
#include <string.h>

#include "vserror.h"
#include "vsinternal.h"

/* Indexed by type number; libvirt's names, as its messages show them. */
static const char *const vsTypedParamTypeNames[] = {
    [VS_TYPED_PARAM_INT] = "int",
    [VS_TYPED_PARAM_UINT] = "uint",
    [VS_TYPED_PARAM_LLONG] = "llong",
    [VS_TYPED_PARAM_ULLONG] = "ullong",
    [VS_TYPED_PARAM_DOUBLE] = "double",
    [VS_TYPED_PARAM_BOOLEAN] = "boolean",
    [VS_TYPED_PARAM_STRING] = "string",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vsTypedParamTypeNames) ==
                VS_TYPED_PARAM_STRING + 1);


/**
 * vsTypedParamTypeToString:
 * @type: a vsTypedParamType number
 *
 * Returns: (transfer none) libvirt's name of @type ("int", "ullong",
 * "boolean", ...), or NULL for a number that is no type.
 */
const char *
vsTypedParamTypeToString(int type)
{
    if (type < VS_TYPED_PARAM_INT || type > VS_TYPED_PARAM_STRING)
        return NULL;

    return vsTypedParamTypeNames[type];
}


/* Like vsTypedParamTypeToString(), but printable for any number. */
static const char *
vsTypedParamTypeName(int type)
{
    const char *name = vsTypedParamTypeToString(type);

    return name ? name : "unknown";
}


/**
 * vsTypedParamListNew:
 *
 * Returns: (transfer full) an empty list, freed with vsTypedParamListFree().
 */
vsTypedParamList *
vsTypedParamListNew(void)
{
    return g_new0(vsTypedParamList, 1);
}


/**
 * vsTypedParamListFree:
 * @list: a list, or NULL
 *
 * Frees @list with its field names and string values.
 */
void
vsTypedParamListFree(vsTypedParamList *list)
{
    size_t i;

    if (!list)
        return;

    for (i = 0; i < list->nparams; i++) {
        g_free(list->params[i].field);
        if (list->params[i].type == VS_TYPED_PARAM_STRING)
            g_free(list->params[i].value.s);
    }
    g_free(list->params);
    g_free(list);
}


/* Append an entry named @field of @type; the caller fills in its value. */
static vsTypedParam *
vsTypedParamListAppend(vsTypedParamList *list,
                       const char *field,
                       vsTypedParamType type)
{
    vsTypedParam *param;

    if (list->nparams == list->nalloc) {
        list->nalloc = MAX(8, list->nalloc * 2);
        list->params = g_renew(vsTypedParam, list->params, list->nalloc);
    }

    param = &list->params[list->nparams++];
    memset(param, 0, sizeof(*param));
    param->field = g_strdup(field);
    param->type = type;
    return param;
}


/**
 * vsTypedParamListAddInt:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends an "int" parameter.
 */
void
vsTypedParamListAddInt(vsTypedParamList *list,
                       const char *field,
                       int v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_INT)->value.i = v;
}


/**
 * vsTypedParamListAddUInt:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends a "uint" parameter.
 */
void
vsTypedParamListAddUInt(vsTypedParamList *list,
                        const char *field,
                        unsigned int v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_UINT)->value.ui = v;
}


/**
 * vsTypedParamListAddLLong:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends an "llong" parameter.
 */
void
vsTypedParamListAddLLong(vsTypedParamList *list,
                         const char *field,
                         long long v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_LLONG)->value.l = v;
}


/**
 * vsTypedParamListAddULLong:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends a "ullong" parameter.
 */
void
vsTypedParamListAddULLong(vsTypedParamList *list,
                          const char *field,
                          unsigned long long v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_ULLONG)->value.ul = v;
}


/**
 * vsTypedParamListAddDouble:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends a "double" parameter.
 */
void
vsTypedParamListAddDouble(vsTypedParamList *list,
                          const char *field,
                          double v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_DOUBLE)->value.d = v;
}


/**
 * vsTypedParamListAddBoolean:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value
 *
 * Appends a "boolean" parameter, stored as TRUE or FALSE.
 */
void
vsTypedParamListAddBoolean(vsTypedParamList *list,
                           const char *field,
                           gboolean v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_BOOLEAN)->value.b =
        v ? TRUE : FALSE;
}


/**
 * vsTypedParamListAddString:
 * @list: the list
 * @field: parameter name (copied)
 * @v: its value (copied)
 *
 * Appends a "string" parameter.
 */
void
vsTypedParamListAddString(vsTypedParamList *list,
                          const char *field,
                          const char *v)
{
    vsTypedParamListAppend(list, field, VS_TYPED_PARAM_STRING)->value.s =
        g_strdup(v);
}


/**
 * vsTypedParamListFind:
 * @list: the list
 * @field: parameter name
 *
 * Returns: (transfer none) the first parameter named @field, or NULL.
 */
const vsTypedParam *
vsTypedParamListFind(const vsTypedParamList *list,
                     const char *field)
{
    size_t i;

    for (i = 0; i < list->nparams; i++) {
        if (g_str_equal(list->params[i].field, field))
            return &list->params[i];
    }

    return NULL;
}


static void
vsTypedParamSetTypeError(const vsTypedParam *param,
                         vsTypedParamType expected,
                         GError **error)
{
    g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                _("invalid type '%s' for parameter '%s', expected '%s'"),
                vsTypedParamTypeName(param->type), param->field,
                vsTypedParamTypeName(expected));
}


/*
 * Read any of the four integer types without loss: a negative value goes
 * to *@sval, any other to *@uval, and *@negative says which. FALSE for
 * the non-integer types.
 */
static gboolean
vsTypedParamGetInteger(const vsTypedParam *param,
                       gboolean *negative,
                       long long *sval,
                       unsigned long long *uval)
{
    switch (param->type) {
    case VS_TYPED_PARAM_INT:
        *negative = param->value.i < 0;
        *sval = param->value.i;
        break;
    case VS_TYPED_PARAM_LLONG:
        *negative = param->value.l < 0;
        *sval = param->value.l;
        break;
    case VS_TYPED_PARAM_UINT:
        *negative = FALSE;
        *uval = param->value.ui;
        return TRUE;
    case VS_TYPED_PARAM_ULLONG:
        *negative = FALSE;
        *uval = param->value.ul;
        return TRUE;
    case VS_TYPED_PARAM_DOUBLE:
    case VS_TYPED_PARAM_BOOLEAN:
    case VS_TYPED_PARAM_STRING:
    default:
        return FALSE;
    }

    if (!*negative)
        *uval = *sval;
    return TRUE;
}


static void
vsTypedParamSetRangeError(const vsTypedParam *param,
                          gboolean negative,
                          long long sval,
                          unsigned long long uval,
                          GError **error)
{
    g_autofree char *num = NULL;

    if (negative)
        num = g_strdup_printf("%lld", sval);
    else
        num = g_strdup_printf("%llu", uval);

    g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                _("value %s for parameter '%s' is out of range"),
                num, param->field);
}


/**
 * vsTypedParamListGetInt:
 * @list: the list
 * @field: parameter name
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Reads @field as an int; any integer type is accepted if its value
 * fits.
 *
 * Returns: 1 if found (value in *@value), 0 if absent, -1 with @error
 * set on a type mismatch or a value out of range.
 */
int
vsTypedParamListGetInt(const vsTypedParamList *list,
                       const char *field,
                       int *value,
                       GError **error)
{
    const vsTypedParam *param = vsTypedParamListFind(list, field);
    gboolean negative = FALSE;
    long long sval = 0;
    unsigned long long uval = 0;

    if (!param)
        return 0;

    if (!vsTypedParamGetInteger(param, &negative, &sval, &uval)) {
        vsTypedParamSetTypeError(param, VS_TYPED_PARAM_INT, error);
        return -1;
    }

    if (negative ? sval < INT_MIN : uval > INT_MAX) {
        vsTypedParamSetRangeError(param, negative, sval, uval, error);
        return -1;
    }

    *value = negative ? (int) sval : (int) uval;
    return 1;
}


/**
 * vsTypedParamListGetULLong:
 * @list: the list
 * @field: parameter name
 * @value: where to store the value
 * @error: return location for a #GError
 *
 * Reads @field as an unsigned long long; any integer type is accepted
 * if its value is not negative.
 *
 * Returns: 1 if found (value in *@value), 0 if absent, -1 with @error
 * set on a type mismatch or a negative value.
 */
int
vsTypedParamListGetULLong(const vsTypedParamList *list,
                          const char *field,
                          unsigned long long *value,
                          GError **error)
{
    const vsTypedParam *param = vsTypedParamListFind(list, field);
    gboolean negative = FALSE;
    long long sval = 0;
    unsigned long long uval = 0;

    if (!param)
        return 0;

    if (!vsTypedParamGetInteger(param, &negative, &sval, &uval)) {
        vsTypedParamSetTypeError(param, VS_TYPED_PARAM_ULLONG, error);
        return -1;
    }

    if (negative) {
        vsTypedParamSetRangeError(param, negative, sval, uval, error);
        return -1;
    }

    *value = uval;
    return 1;
}


/**
 * vsTypedParamListGetString:
 * @list: the list
 * @field: parameter name
 * @value: (transfer none) where to store the string, owned by @list
 * @error: return location for a #GError
 *
 * Returns: 1 if found (value in *@value), 0 if absent, -1 with @error
 * set if @field is not a string.
 */
int
vsTypedParamListGetString(const vsTypedParamList *list,
                          const char *field,
                          const char **value,
                          GError **error)
{
    const vsTypedParam *param = vsTypedParamListFind(list, field);

    if (!param)
        return 0;

    if (param->type != VS_TYPED_PARAM_STRING) {
        vsTypedParamSetTypeError(param, VS_TYPED_PARAM_STRING, error);
        return -1;
    }

    *value = param->value.s;
    return 1;
}


static gboolean
vsTypedParamSpecHas(const vsTypedParamSpec *allowed,
                    const char *field)
{
    size_t i;

    for (i = 0; allowed[i].field; i++) {
        if (g_str_equal(allowed[i].field, field))
            return TRUE;
    }

    return FALSE;
}


/**
 * vsTypedParamListValidate:
 * @list: the list
 * @allowed: the accepted fields, ending with { NULL, 0 }
 * @error: return location for a #GError
 *
 * Checks that every field of @list is in @allowed, appears once and has
 * a name shorter than VS_TYPED_PARAM_FIELD_LENGTH bytes. Types are not
 * checked here: the getters coerce or reject them.
 *
 * Returns: TRUE if @list is acceptable; FALSE with @error set
 * (VS_ERROR_NONE, VS_ERR_INVALID_ARG) for the first offending field.
 */
gboolean
vsTypedParamListValidate(const vsTypedParamList *list,
                         const vsTypedParamSpec *allowed,
                         GError **error)
{
    size_t i;
    size_t j;

    for (i = 0; i < list->nparams; i++) {
        const char *field = list->params[i].field;

        if (strlen(field) >= VS_TYPED_PARAM_FIELD_LENGTH) {
            g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                        _("parameter name '%s' is too long"), field);
            return FALSE;
        }

        if (!vsTypedParamSpecHas(allowed, field)) {
            g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                        _("parameter '%s' not supported"), field);
            return FALSE;
        }

        for (j = 0; j < i; j++) {
            if (g_str_equal(list->params[j].field, field)) {
                g_set_error(error, VS_ERROR_NONE, VS_ERR_INVALID_ARG,
                            _("parameter '%s' given more than once"), field);
                return FALSE;
            }
        }
    }

    return TRUE;
}
