/*
 * errortest.c: libvirt error numbers, domains and message formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>

#include "vserror.h"

static void
testDomainNumbers(void)
{
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_NONE), ==, 0);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_RPC), ==, 7);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_CONF), ==, 9);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_QEMU), ==, 10);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_REMOTE), ==, 13);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_DOMAIN), ==, 20);
    g_assert_cmpint(vsErrorDomainToNumber(VS_ERROR_SYSTEM), ==, 0);
    g_assert_cmpint(vsErrorDomainToNumber(G_FILE_ERROR), ==, 0);
}


static void
testFormat(void)
{
    static const struct {
        int code;
        const char *detail;
        const char *expect;
    } cases[] = {
        { VS_ERR_OPERATION_FAILED, "image magic is incorrect",
          "operation failed: image magic is incorrect" },
        { VS_ERR_OPERATION_INVALID, "domain is not running",
          "Requested operation is not valid: domain is not running" },
        { VS_ERR_NO_DOMAIN, "no domain with matching name 'x'",
          "Domain not found: no domain with matching name 'x'" },
        { VS_ERR_INVALID_ARG, "bad",
          "invalid argument: bad" },
        { VS_ERR_SYSTEM_ERROR, "Failed to open file 'f': No such file",
          "Failed to open file 'f': No such file" },
        { VS_ERR_RPC, "unknown procedure: 9999",
          "unknown procedure: 9999" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = g_error_new_literal(VS_ERROR_QEMU,
                                                    cases[i].code,
                                                    cases[i].detail);
        g_autofree char *msg = vsErrorFormatMessage(err);

        g_assert_cmpstr(msg, ==, cases[i].expect);
    }
}


static void
testSystem(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;

    vsSetErrorSystem(&err, ENOENT, "Failed to open file '%s'", "/nope");
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    msg = vsErrorFormatMessage(err);
    g_assert_cmpstr(msg, ==, "Failed to open file '/nope': No such file or directory");

    /* A system-domain error never gets a code prefix, whatever its code. */
    g_clear_error(&err);
    g_set_error_literal(&err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                        "short read");
    g_clear_pointer(&msg, g_free);
    msg = vsErrorFormatMessage(err);
    g_assert_cmpstr(msg, ==, "short read");

    /* NULL error locations are accepted. */
    vsSetErrorSystem(NULL, EIO, "ignored");
    vsSetErrorErrno(NULL, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, EIO, "x");
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/domains", testDomainNumbers);
    g_test_add_func("/error/format", testFormat);
    g_test_add_func("/error/system", testSystem);
    return g_test_run();
}
