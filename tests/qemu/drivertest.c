/*
 * drivertest.c: the driver's entry points, as the remote layer calls them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs real QEMU with the test guest in a fresh root per test (see
 * testdriverutils.h); VS_TEST_ACCEL=tcg forces TCG.
 */

#include <config.h>

#include "testdriverutils.h"

#define UUID_A "7b0e7e2c-8d4f-4b7e-9a35-0f1e2d3c4b01"
#define UUID_B "7b0e7e2c-8d4f-4b7e-9a35-0f1e2d3c4b02"
#define UUID_C "7b0e7e2c-8d4f-4b7e-9a35-0f1e2d3c4b03"


static qemuDriver *
testDriverNew(testRoot *tr)
{
    g_autoptr(GError) err = NULL;
    qemuDriver *driver;

    if (!testRootInit(tr))
        return NULL;
    driver = qemuDriverNew(tr->root, &err);
    g_assert_no_error(err);
    return driver;
}


static void
testDriverFree(testRoot *tr,
               qemuDriver *driver)
{
    qemuDriverFree(driver);
    testRootClear(tr);
}


static void
testLookupErrors(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *msg = NULL;

    if (!driver)
        return;

    g_assert_null(qemuDriverLookupByName(driver, "nope", &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);
    msg = vsErrorFormatMessage(err);
    g_assert_cmpstr(msg, ==,
                    "Domain not found: no domain with matching name 'nope'");
    g_clear_error(&err);

    g_assert_true(vsUUIDParse(UUID_A, uuid, NULL));
    g_assert_null(qemuDriverLookupByUUID(driver, uuid, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);
    g_assert_cmpstr(err->message, ==,
                    "no domain with matching uuid '" UUID_A "'");
    g_clear_error(&err);

    g_assert_null(qemuDriverLookupByID(driver, 7, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);
    g_assert_cmpstr(err->message, ==, "no domain with matching id 7");
    g_clear_error(&err);

    g_assert_false(qemuDriverDestroy(driver, uuid, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);
    g_clear_error(&err);

    g_assert_null(qemuDriverListDomains(driver, 1 << 20, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INVALID_ARG);

    testDriverFree(&tr, driver);
}


static void
testDefineUndefine(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) a = NULL;
    g_autoptr(qemuDomainRef) again = NULL;
    g_autoptr(qemuDomainRef) found = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *clash = NULL;
    g_autofree char *file = NULL;
    g_autofree char *save = NULL;
    g_autofree char *desc = NULL;

    if (!driver)
        return;

    a = testDefine(driver, &tr, "vm-a", UUID_A);
    g_assert_cmpint(a->id, ==, -1);
    file = g_build_filename(tr.root, "etc", "qemu", "vm-a.xml", NULL);
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
    g_assert_cmpint(qemuDriverIsPersistent(driver, a->uuid, &err), ==, 1);
    g_assert_cmpint(qemuDriverIsActive(driver, a->uuid, &err), ==, 0);

    /* Same name and uuid: a redefinition. */
    again = testDefine(driver, &tr, "vm-a", UUID_A);
    g_assert_cmpint(qemuDriverNumOfDomains(driver, FALSE), ==, 1);

    /* Same name, another uuid; same uuid, another name. */
    clash = testDomainXML(&tr, "vm-a", UUID_B, NULL);
    g_assert_null(qemuDriverDefineXML(driver, clash, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==,
                    "domain 'vm-a' already exists with uuid " UUID_A);
    g_clear_error(&err);
    g_free(clash);
    clash = testDomainXML(&tr, "vm-other", UUID_A, NULL);
    g_assert_null(qemuDriverDefineXML(driver, clash, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==,
                    "domain 'vm-a' is already defined with uuid " UUID_A);
    g_clear_error(&err);

    /* Bad XML is the XML parser's error. */
    g_assert_null(qemuDriverDefineXML(driver, "<domain>", 0, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    /* Definitions survive the daemon. */
    qemuDriverFree(driver);
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    found = qemuDriverLookupByName(driver, "vm-a", &err);
    g_assert_no_error(err);
    g_assert_cmpmem(found->uuid, VS_UUID_BUFLEN, a->uuid, VS_UUID_BUFLEN);
    desc = qemuDriverGetXMLDesc(driver, a->uuid, 0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(desc, "<name>vm-a</name>"));
    g_assert_null(strstr(desc, " id="));

    /* A managed save image blocks undefine unless asked to go too. */
    save = g_build_filename(tr.root, "lib", "save", "vm-a.save", NULL);
    g_assert_true(g_file_set_contents(save, "x", -1, NULL));
    g_assert_false(qemuDriverUndefine(driver, a->uuid, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Refusing to undefine while domain managed save image exists");
    g_clear_error(&err);
    g_assert_true(qemuDriverUndefine(driver, a->uuid,
                                     VS_DOMAIN_UNDEFINE_MANAGED_SAVE, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(save, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
    g_assert_null(qemuDriverLookupByName(driver, "vm-a", &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);

    testDriverFree(&tr, driver);
}


static void
testAutostart(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) a = NULL;
    g_autoptr(GPtrArray) list = NULL;

    if (!driver)
        return;

    a = testDefine(driver, &tr, "auto", UUID_A);
    g_assert_cmpint(qemuDriverGetAutostart(driver, a->uuid, &err), ==, 0);
    g_assert_true(qemuDriverSetAutostart(driver, a->uuid, TRUE, &err));
    g_assert_cmpint(qemuDriverGetAutostart(driver, a->uuid, &err), ==, 1);
    list = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_AUTOSTART,
                                 &err);
    g_assert_cmpuint(list->len, ==, 1);
    g_clear_pointer(&list, g_ptr_array_unref);

    qemuDriverFree(driver);
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qemuDriverGetAutostart(driver, a->uuid, &err), ==, 1);
    g_assert_true(qemuDriverSetAutostart(driver, a->uuid, FALSE, &err));
    list = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_AUTOSTART,
                                 &err);
    g_assert_cmpuint(list->len, ==, 0);

    testDriverFree(&tr, driver);
}


/* A transient domain exists only while it runs. */
static void
testTransient(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) t = NULL;
    g_autoptr(qemuDomainRef) dup = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *desc = NULL;
    g_autofree char *idattr = NULL;

    if (!driver)
        return;

    xml = testDomainXML(&tr, "transient", UUID_C, NULL);
    t = qemuDriverCreateXML(driver, xml, VS_DOMAIN_START_PAUSED, &err);
    g_assert_no_error(err);
    g_assert_cmpint(t->id, >, 0);
    testAssertState(driver, t->uuid, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_USER);
    g_assert_cmpint(qemuDriverIsPersistent(driver, t->uuid, &err), ==, 0);

    desc = qemuDriverGetXMLDesc(driver, t->uuid, 0, &err);
    idattr = g_strdup_printf("id='%d'", t->id);
    g_assert_nonnull(strstr(desc, idattr));

    /* Twice: already running. */
    dup = qemuDriverCreateXML(driver, xml, 0, &err);
    g_assert_null(dup);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);

    g_assert_false(qemuDriverSetAutostart(driver, t->uuid, TRUE, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);
    g_assert_false(qemuDriverUndefine(driver, t->uuid, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);

    list = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_TRANSIENT |
                                 VS_CONNECT_LIST_DOMAINS_PAUSED, &err);
    g_assert_cmpuint(list->len, ==, 1);

    g_assert_true(qemuDriverDestroy(driver, t->uuid, 0, &err));
    g_assert_no_error(err);
    g_assert_null(qemuDriverLookupByName(driver, "transient", &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN);
    g_assert_cmpint(qemuDriverNumOfDomains(driver, TRUE), ==, 0);

    testDriverFree(&tr, driver);
}


static void
testLifecycle(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) a = NULL;
    g_autoptr(qemuDomainRef) b = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(qemuDomainRef) again = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *msg = NULL;
    vsTypedParamList *params = NULL;
    int type = -1;

    if (!driver)
        return;

    a = testDefine(driver, &tr, "life", UUID_A);
    b = testDefine(driver, &tr, "idle", UUID_B);

    g_assert_false(qemuDriverSuspend(driver, a->uuid, &err));
    g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID);
    msg = vsErrorFormatMessage(err);
    g_assert_cmpstr(msg, ==,
                    "Requested operation is not valid: domain is not running");
    g_clear_error(&err);

    started = qemuDriverStart(driver, a->uuid, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(started->id, >, 0);
    again = qemuDriverStart(driver, a->uuid, 0, &err);
    g_assert_null(again);
    g_assert_error(err, VS_ERROR_DOMAIN, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);

    list = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_ACTIVE, &err);
    g_assert_cmpuint(list->len, ==, 1);
    g_assert_cmpstr(((qemuDomainRef *) list->pdata[0])->name, ==, "life");
    g_clear_pointer(&list, g_ptr_array_unref);
    list = qemuDriverListDomains(driver, VS_CONNECT_LIST_DOMAINS_SHUTOFF |
                                 VS_CONNECT_LIST_DOMAINS_PERSISTENT, &err);
    g_assert_cmpuint(list->len, ==, 1);
    g_assert_cmpstr(((qemuDomainRef *) list->pdata[0])->name, ==, "idle");
    g_clear_pointer(&list, g_ptr_array_unref);
    g_assert_cmpint(qemuDriverNumOfDomains(driver, TRUE), ==, 1);
    g_assert_cmpint(qemuDriverNumOfDomains(driver, FALSE), ==, 1);

    g_assert_true(testWaitSerial(&tr, "life", "VSGUEST BOOT",
                                 TEST_GUEST_TIMEOUT_MS));

    /* No job runs now. */
    g_assert_true(qemuDriverGetJobStats(driver, a->uuid, 0, &type, &params,
                                        &err));
    g_assert_cmpint(type, ==, VS_DOMAIN_JOB_NONE);
    g_clear_pointer(&params, vsTypedParamListFree);

    /* The test guest ignores the power button: the request is all. */
    g_assert_true(qemuDriverShutdown(driver, a->uuid, 0, &err));
    g_assert_no_error(err);
    g_assert_true(qemuDriverReboot(driver, a->uuid, 0, &err));
    g_assert_no_error(err);
    testAssertState(driver, a->uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_BOOTED);

    /* Undefining a running domain makes it transient... */
    g_assert_true(qemuDriverUndefine(driver, a->uuid, 0, &err));
    g_assert_no_error(err);
    g_assert_cmpint(qemuDriverIsPersistent(driver, a->uuid, &err), ==, 0);
    g_assert_cmpint(qemuDriverIsActive(driver, a->uuid, &err), ==, 1);
    /* ... which is gone once it stops. */
    g_assert_true(qemuDriverDestroy(driver, a->uuid, 0, &err));
    g_assert_null(qemuDriverLookupByName(driver, "life", &err));
    g_clear_error(&err);

    testDriverFree(&tr, driver);
}


static void
testVersionCaps(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autofree char *caps = NULL;
    unsigned long long version = 0;

    if (!driver)
        return;

    g_assert_true(qemuDriverGetVersion(driver, &version, &err));
    g_assert_no_error(err);
    g_test_message("QEMU version %llu", version);
    g_assert_cmpuint(version, >=, 9001000);

    caps = qemuDriverGetCapabilities(driver, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(caps, "<os_type>hvm</os_type>"));
    g_assert_nonnull(strstr(caps, "<domain type='qemu'/>"));
    g_assert_nonnull(strstr(caps, "<emulator>/"));
    g_assert_nonnull(strstr(caps, "'>pc</machine>"));

    testDriverFree(&tr, driver);
}


/* A machine alias is pinned to the versioned type at definition time,
 * so that a QEMU upgrade cannot change the hardware of the guest (and
 * of its save images) under it. */
static void
testMachinePinned(void)
{
    testRoot tr = { 0 };
    qemuDriver *driver = testDriverNew(&tr);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuDomainRef) a = NULL;
    g_autofree char *xml = NULL;

    if (!driver)
        return;

    a = testDefine(driver, &tr, "vm-a", UUID_A);
    xml = qemuDriverGetXMLDesc(driver, a->uuid, VS_DOMAIN_XML_INACTIVE, &err);
    g_assert_no_error(err);
    g_assert_null(strstr(xml, "machine='pc'"));
    g_assert_nonnull(strstr(xml, "machine='pc-i440fx-"));

    testDriverFree(&tr, driver);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qemu/driver/lookup-errors", testLookupErrors);
    g_test_add_func("/qemu/driver/define-undefine", testDefineUndefine);
    g_test_add_func("/qemu/driver/autostart", testAutostart);
    g_test_add_func("/qemu/driver/transient", testTransient);
    g_test_add_func("/qemu/driver/lifecycle", testLifecycle);
    g_test_add_func("/qemu/driver/version-capabilities", testVersionCaps);
    g_test_add_func("/qemu/driver/machine-pinned", testMachinePinned);

    return g_test_run();
}
