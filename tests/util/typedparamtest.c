/*
 * typedparamtest.c: typed parameter lists, coercion and validation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <limits.h>
#include <string.h>

#include "vstypedparam.h"
#include "vserror.h"

typedef struct {
    const char *name;
    vsTypedParamType type;
    long long sval;              /* for INT and LLONG */
    unsigned long long uval;     /* for UINT and ULLONG */
    int intRet;                  /* expected return of GetInt */
    int intValue;
    const char *intError;
    int ullRet;                  /* expected return of GetULLong */
    unsigned long long ullValue;
    const char *ullError;
} testIntCase;

static const testIntCase testIntCases[] = {
    { "int", VS_TYPED_PARAM_INT, 4, 0, 1, 4, NULL, 1, 4, NULL },
    { "int-negative", VS_TYPED_PARAM_INT, -4, 0, 1, -4, NULL,
      -1, 0, "value -4 for parameter 'p' is out of range" },
    { "uint", VS_TYPED_PARAM_UINT, 0, 7, 1, 7, NULL, 1, 7, NULL },
    { "uint-big", VS_TYPED_PARAM_UINT, 0, UINT_MAX,
      -1, 0, "value 4294967295 for parameter 'p' is out of range",
      1, UINT_MAX, NULL },
    { "uint-int-max", VS_TYPED_PARAM_UINT, 0, INT_MAX,
      1, INT_MAX, NULL, 1, INT_MAX, NULL },
    { "llong", VS_TYPED_PARAM_LLONG, INT_MIN, 0, 1, INT_MIN, NULL,
      -1, 0, "value -2147483648 for parameter 'p' is out of range" },
    { "llong-low", VS_TYPED_PARAM_LLONG, (long long) INT_MIN - 1, 0,
      -1, 0, "value -2147483649 for parameter 'p' is out of range",
      -1, 0, "value -2147483649 for parameter 'p' is out of range" },
    { "llong-high", VS_TYPED_PARAM_LLONG, (long long) INT_MAX + 1, 0,
      -1, 0, "value 2147483648 for parameter 'p' is out of range",
      1, (unsigned long long) INT_MAX + 1, NULL },
    { "ullong-small", VS_TYPED_PARAM_ULLONG, 0, 8, 1, 8, NULL, 1, 8, NULL },
    { "ullong-max", VS_TYPED_PARAM_ULLONG, 0, ULLONG_MAX,
      -1, 0, "value 18446744073709551615 for parameter 'p' is out of range",
      1, ULLONG_MAX, NULL },
    { "double", VS_TYPED_PARAM_DOUBLE, 0, 0,
      -1, 0, "invalid type 'double' for parameter 'p', expected 'int'",
      -1, 0, "invalid type 'double' for parameter 'p', expected 'ullong'" },
    { "boolean", VS_TYPED_PARAM_BOOLEAN, 0, 0,
      -1, 0, "invalid type 'boolean' for parameter 'p', expected 'int'",
      -1, 0, "invalid type 'boolean' for parameter 'p', expected 'ullong'" },
    { "string", VS_TYPED_PARAM_STRING, 0, 0,
      -1, 0, "invalid type 'string' for parameter 'p', expected 'int'",
      -1, 0, "invalid type 'string' for parameter 'p', expected 'ullong'" },
};


static void
testAddCase(vsTypedParamList *list,
            const testIntCase *tc)
{
    switch (tc->type) {
    case VS_TYPED_PARAM_INT:
        vsTypedParamListAddInt(list, "p", tc->sval);
        break;
    case VS_TYPED_PARAM_UINT:
        vsTypedParamListAddUInt(list, "p", tc->uval);
        break;
    case VS_TYPED_PARAM_LLONG:
        vsTypedParamListAddLLong(list, "p", tc->sval);
        break;
    case VS_TYPED_PARAM_ULLONG:
        vsTypedParamListAddULLong(list, "p", tc->uval);
        break;
    case VS_TYPED_PARAM_DOUBLE:
        vsTypedParamListAddDouble(list, "p", 1.5);
        break;
    case VS_TYPED_PARAM_BOOLEAN:
        vsTypedParamListAddBoolean(list, "p", TRUE);
        break;
    case VS_TYPED_PARAM_STRING:
        vsTypedParamListAddString(list, "p", "x");
        break;
    }
}


static void
testIntCoercion(gconstpointer opaque)
{
    const testIntCase *tc = opaque;
    g_autoptr(vsTypedParamList) list = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    int iv = 12345;
    unsigned long long uv = 12345;

    testAddCase(list, tc);

    g_assert_cmpint(vsTypedParamListGetInt(list, "p", &iv, &err), ==,
                    tc->intRet);
    if (tc->intRet == 1) {
        g_assert_no_error(err);
        g_assert_cmpint(iv, ==, tc->intValue);
    } else {
        g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
        g_assert_cmpstr(err->message, ==, tc->intError);
        g_assert_cmpint(iv, ==, 12345);
        g_clear_error(&err);
    }

    g_assert_cmpint(vsTypedParamListGetULLong(list, "p", &uv, &err), ==,
                    tc->ullRet);
    if (tc->ullRet == 1) {
        g_assert_no_error(err);
        g_assert_cmpuint(uv, ==, tc->ullValue);
    } else {
        g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
        g_assert_cmpstr(err->message, ==, tc->ullError);
        g_assert_cmpuint(uv, ==, 12345);
    }
}


static void
testTypeNames(void)
{
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_INT), ==, "int");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_UINT), ==, "uint");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_LLONG), ==,
                    "llong");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_ULLONG), ==,
                    "ullong");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_DOUBLE), ==,
                    "double");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_BOOLEAN), ==,
                    "boolean");
    g_assert_cmpstr(vsTypedParamTypeToString(VS_TYPED_PARAM_STRING), ==,
                    "string");
    g_assert_null(vsTypedParamTypeToString(0));
    g_assert_null(vsTypedParamTypeToString(8));
    g_assert_null(vsTypedParamTypeToString(-1));
}


static void
testAddFind(void)
{
    g_autoptr(vsTypedParamList) list = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    g_autofree char *name = g_strdup("file");
    g_autofree char *value = g_strdup("/tmp/x.img");
    const vsTypedParam *p;
    const char *s = NULL;
    char field[16];
    size_t i;

    vsTypedParamListAddString(list, name, value);
    /* The list holds its own copies. */
    name[0] = 'X';
    value[0] = 'X';
    vsTypedParamListAddBoolean(list, "flag", 42);
    vsTypedParamListAddDouble(list, "ratio", 0.25);
    for (i = 0; i < 40; i++) {
        g_snprintf(field, sizeof(field), "n%zu", i);
        vsTypedParamListAddULLong(list, field, i);
    }
    g_assert_cmpuint(list->nparams, ==, 43);
    g_assert_cmpuint(list->nalloc, >=, list->nparams);

    g_assert_cmpint(vsTypedParamListGetString(list, "file", &s, &err), ==, 1);
    g_assert_cmpstr(s, ==, "/tmp/x.img");

    p = vsTypedParamListFind(list, "flag");
    g_assert_nonnull(p);
    g_assert_cmpint(p->type, ==, VS_TYPED_PARAM_BOOLEAN);
    g_assert_cmpint(p->value.b, ==, TRUE);

    p = vsTypedParamListFind(list, "ratio");
    g_assert_nonnull(p);
    g_assert_cmpfloat(p->value.d, ==, 0.25);

    p = vsTypedParamListFind(list, "n39");
    g_assert_nonnull(p);
    g_assert_cmpuint(p->value.ul, ==, 39);

    g_assert_null(vsTypedParamListFind(list, "missing"));
    s = "untouched";
    g_assert_cmpint(vsTypedParamListGetString(list, "missing", &s, &err),
                    ==, 0);
    g_assert_cmpstr(s, ==, "untouched");
    g_assert_no_error(err);

    g_assert_cmpint(vsTypedParamListGetString(list, "n1", &s, &err), ==, -1);
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==,
                    "invalid type 'ullong' for parameter 'n1', expected 'string'");

    /* The absent case of the integer getters leaves the value alone too. */
    {
        int iv = 9;
        unsigned long long uv = 9;

        g_assert_cmpint(vsTypedParamListGetInt(list, "missing", &iv, NULL),
                        ==, 0);
        g_assert_cmpint(vsTypedParamListGetULLong(list, "missing", &uv, NULL),
                        ==, 0);
        g_assert_cmpint(iv, ==, 9);
        g_assert_cmpuint(uv, ==, 9);
    }

    vsTypedParamListFree(NULL);
}


static void
testWireSpelling(void)
{
    g_autoptr(vsTypedParamList) list = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    int channels = 0;

    /* The example from libvirt clients sending every integer as ullong:
     * accepted when it fits an int. */
    vsTypedParamListAddULLong(list, "parallel.channels", 4);
    g_assert_cmpint(vsTypedParamListGetInt(list, "parallel.channels",
                                           &channels, &err), ==, 1);
    g_assert_cmpint(channels, ==, 4);
}


static const vsTypedParamSpec testSpec[] = {
    { "file", VS_TYPED_PARAM_STRING },
    { "dxml", VS_TYPED_PARAM_STRING },
    { "image_format", VS_TYPED_PARAM_STRING },
    { "parallel.channels", VS_TYPED_PARAM_INT },
    { NULL, 0 },
};


static void
testValidate(void)
{
    g_autoptr(vsTypedParamList) ok = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) empty = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) unknown = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) dup = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) longName = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) maxName = vsTypedParamListNew();
    g_autoptr(GError) err = NULL;
    char name[VS_TYPED_PARAM_FIELD_LENGTH + 1];
    vsTypedParamSpec maxSpec[] = { { name, VS_TYPED_PARAM_INT },
                                   { NULL, 0 } };

    vsTypedParamListAddString(ok, "file", "/x");
    vsTypedParamListAddULLong(ok, "parallel.channels", 2);
    g_assert_true(vsTypedParamListValidate(ok, testSpec, &err));
    g_assert_no_error(err);
    g_assert_true(vsTypedParamListValidate(empty, testSpec, &err));

    vsTypedParamListAddString(unknown, "file", "/x");
    vsTypedParamListAddString(unknown, "bogus", "y");
    g_assert_false(vsTypedParamListValidate(unknown, testSpec, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "parameter 'bogus' not supported");
    g_clear_error(&err);

    vsTypedParamListAddString(dup, "file", "/x");
    vsTypedParamListAddString(dup, "dxml", "<domain/>");
    vsTypedParamListAddString(dup, "file", "/y");
    g_assert_false(vsTypedParamListValidate(dup, testSpec, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "parameter 'file' given more than once");
    g_clear_error(&err);

    /* 79 bytes and a NUL fit; 80 do not, even when the spec names it. */
    memset(name, 'a', VS_TYPED_PARAM_FIELD_LENGTH - 1);
    name[VS_TYPED_PARAM_FIELD_LENGTH - 1] = '\0';
    vsTypedParamListAddInt(maxName, name, 1);
    g_assert_true(vsTypedParamListValidate(maxName, maxSpec, &err));
    g_assert_no_error(err);

    memset(name, 'a', VS_TYPED_PARAM_FIELD_LENGTH);
    name[VS_TYPED_PARAM_FIELD_LENGTH] = '\0';
    vsTypedParamListAddInt(longName, name, 1);
    g_assert_false(vsTypedParamListValidate(longName, maxSpec, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
    g_assert_true(g_str_has_suffix(err->message, "' is too long"));
    g_clear_error(&err);

    g_assert_false(vsTypedParamListValidate(unknown, testSpec, NULL));
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/typedparam/type-names", testTypeNames);
    g_test_add_func("/typedparam/add-find", testAddFind);
    g_test_add_func("/typedparam/wire-spelling", testWireSpelling);
    g_test_add_func("/typedparam/validate", testValidate);
    for (i = 0; i < G_N_ELEMENTS(testIntCases); i++) {
        g_autofree char *path = g_strdup_printf("/typedparam/int/%s",
                                                testIntCases[i].name);

        g_test_add_data_func(path, &testIntCases[i], testIntCoercion);
    }
    return g_test_run();
}
