/*
 * domainxmlfuzz.c: fuzz the domain XML parser and formatter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is domain XML as a client, a save image or a status file
 * would carry it. Whatever parses must format, the formatted XML must
 * parse again, and the second format must give the same text: otherwise
 * a domain would change each time the daemon writes and reads it back.
 * A copy of the definition must format like the original.
 */

#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "domain_conf.h"


/* Format @def with @formatFlags, reparse with @parseFlags and check that
 * the text is stable and the two definitions are ABI-compatible. */
static void
fuzzRoundTrip(const vsDomainDef *def,
              unsigned int formatFlags,
              unsigned int parseFlags)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vsDomainDef) again = NULL;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    first = vsDomainDefFormat(def, 3, formatFlags, &err);
    g_assert_no_error(err);
    g_assert_nonnull(first);

    again = vsDomainDefParseString(first, parseFlags, &err);
    if (!again) {
        g_printerr("formatted XML does not parse: %s\n%s\n",
                   err->message, first);
        g_assert_not_reached();
    }

    second = vsDomainDefFormat(again, 3, formatFlags, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(first, ==, second);

    if (!vsDomainDefCheckABIStability(def, again, &err)) {
        g_printerr("reparsed definition is not ABI-compatible: %s\n",
                   err->message);
        g_assert_not_reached();
    }
}


/* A copy, as the driver makes for a domain's next run, must format like
 * the original. */
static void
fuzzCopy(const vsDomainDef *def)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vsDomainDef) copy = vsDomainDefCopy(def, &err);
    g_autofree char *orig = NULL;
    g_autofree char *dup = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(copy);
    orig = vsDomainDefFormat(def, 3, VS_DOMAIN_DEF_FORMAT_STATUS, &err);
    g_assert_no_error(err);
    dup = vsDomainDefFormat(copy, 3, VS_DOMAIN_DEF_FORMAT_STATUS, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(orig, ==, dup);
}


/**
 * LLVMFuzzerTestOneInput:
 * @data: one input, domain XML
 * @size: its length
 *
 * Returns: 0 always; a bug shows as a crash or a sanitizer report.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_autofree char *xml = g_strndup((const char *) data, size);
    g_autoptr(vsDomainDef) def = NULL;
    g_autoptr(GError) err = NULL;

    if (!(def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                       &err))) {
        /* A rejection must say why. */
        g_assert_nonnull(err);
        g_assert_nonnull(err->message);
        g_assert_cmpuint(strlen(err->message), >, 0);
        return 0;
    }

    fuzzRoundTrip(def, VS_DOMAIN_DEF_FORMAT_INACTIVE,
                  VS_DOMAIN_DEF_PARSE_INACTIVE);
    fuzzRoundTrip(def, VS_DOMAIN_DEF_FORMAT_INACTIVE |
                  VS_DOMAIN_DEF_FORMAT_MIGRATABLE,
                  VS_DOMAIN_DEF_PARSE_INACTIVE);
    fuzzRoundTrip(def, VS_DOMAIN_DEF_FORMAT_STATUS,
                  VS_DOMAIN_DEF_PARSE_STATUS);
    fuzzCopy(def);

    return 0;
}
