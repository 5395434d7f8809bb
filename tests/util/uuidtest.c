/*
 * uuidtest.c: UUID generation, parsing and formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <string.h>

#include "vsuuid.h"
#include "vserror.h"

static const unsigned char testUUIDBytes[VS_UUID_BUFLEN] = {
    0xc7, 0xa5, 0xfd, 0xbd, 0xcd, 0xaf, 0x9f, 0x55,
    0x4a, 0xc5, 0x62, 0x8b, 0x9e, 0x1d, 0x94, 0x3c,
};


static void
testParseValid(void)
{
    static const char *const inputs[] = {
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c",
        "C7A5FDBD-CDAF-9F55-4AC5-628B9E1D943C",
        "c7a5fdbdcdaf9f554ac5628b9e1d943c",
        "c7-a5-fd-bd-cd-af-9f-55-4a-c5-62-8b-9e-1d-94-3c",
        "c7 a5 fd bd cd af 9f 55 4a c5 62 8b 9e 1d 94 3c",
        "  c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c\n",
        "c7a5fdbd--cdaf-9f55-4ac5-628b9e1d943c",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
        g_autoptr(GError) err = NULL;
        unsigned char uuid[VS_UUID_BUFLEN] = { 0 };

        g_test_message("input '%s'", inputs[i]);
        g_assert_true(vsUUIDParse(inputs[i], uuid, &err));
        g_assert_no_error(err);
        g_assert_cmpmem(uuid, sizeof(uuid), testUUIDBytes,
                        sizeof(testUUIDBytes));
    }
}


static void
testParseInvalid(void)
{
    static const char *const inputs[] = {
        "",
        "   ",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c0",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c-",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943g",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d9 43c",
        "c7a5fdbdXcdaf-9f55-4ac5-628b9e1d943c",
        "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c x",
        "0xc7a5fdbdcdaf9f554ac5628b9e1d943c",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *expect = g_strdup_printf("malformed UUID '%s'",
                                                  inputs[i]);
        unsigned char uuid[VS_UUID_BUFLEN] = { 0 };

        g_test_message("input '%s'", inputs[i]);
        g_assert_false(vsUUIDParse(inputs[i], uuid, &err));
        g_assert_error(err, VS_ERROR_NONE, VS_ERR_INVALID_ARG);
        g_assert_cmpstr(err->message, ==, expect);
    }

    /* NULL is an accepted error location. */
    {
        unsigned char uuid[VS_UUID_BUFLEN] = { 0 };

        g_assert_false(vsUUIDParse("nope", uuid, NULL));
    }
}


static void
testFormat(void)
{
    char buf[VS_UUID_STRING_BUFLEN];
    char *ret;

    memset(buf, 'x', sizeof(buf));
    ret = vsUUIDFormat(testUUIDBytes, buf);
    g_assert_true(ret == buf);
    g_assert_cmpstr(buf, ==, "c7a5fdbd-cdaf-9f55-4ac5-628b9e1d943c");
    g_assert_cmpuint(strlen(buf), ==, VS_UUID_STRING_BUFLEN - 1);
}


static void
testGenerate(void)
{
    unsigned char a[VS_UUID_BUFLEN];
    unsigned char b[VS_UUID_BUFLEN];
    unsigned char back[VS_UUID_BUFLEN];
    char str[VS_UUID_STRING_BUFLEN];
    g_autoptr(GError) err = NULL;

    vsUUIDGenerate(a);
    vsUUIDGenerate(b);
    g_assert_false(vsUUIDIsNull(a));
    g_assert_cmpint(memcmp(a, b, VS_UUID_BUFLEN), !=, 0);

    /* Version 4, variant 0b10. */
    g_assert_cmpint(a[6] >> 4, ==, 4);
    g_assert_cmpint(a[8] >> 6, ==, 2);

    /* Formatting then parsing gives the same bytes back. */
    vsUUIDFormat(a, str);
    g_assert_cmpint(str[14], ==, '4');
    g_assert_true(vsUUIDParse(str, back, &err));
    g_assert_cmpmem(a, sizeof(a), back, sizeof(back));
}


static void
testIsNull(void)
{
    unsigned char uuid[VS_UUID_BUFLEN] = { 0 };

    g_assert_true(vsUUIDIsNull(uuid));
    uuid[VS_UUID_BUFLEN - 1] = 1;
    g_assert_false(vsUUIDIsNull(uuid));
    g_assert_false(vsUUIDIsNull(testUUIDBytes));
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uuid/parse-valid", testParseValid);
    g_test_add_func("/uuid/parse-invalid", testParseInvalid);
    g_test_add_func("/uuid/format", testFormat);
    g_test_add_func("/uuid/generate", testGenerate);
    g_test_add_func("/uuid/is-null", testIsNull);
    return g_test_run();
}
