/*
 * xdrtest.c: XDR primitives, typed parameters and message framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <string.h>

#include "vsnetxdr.h"
#include "vsnetmessage.h"
#include "vserror.h"

static GByteArray *
testHex(const char *hex)
{
    GByteArray *buf = g_byte_array_new();
    size_t i;

    for (i = 0; hex[i]; ) {
        guint8 b;

        if (hex[i] == ' ') {
            i++;
            continue;
        }
        b = (g_ascii_xdigit_value(hex[i]) << 4) |
            g_ascii_xdigit_value(hex[i + 1]);
        g_byte_array_append(buf, &b, 1);
        i += 2;
    }
    return buf;
}


static void
testAssertBytes(GByteArray *got,
                const char *hex)
{
    g_autoptr(GByteArray) want = testHex(hex);

    g_assert_cmpmem(got->data, got->len, want->data, want->len);
}


static void
testStrings(void)
{
    static const struct {
        const char *str;
        const char *hex;
    } cases[] = {
        { "", "00000000" },
        { "a", "00000001 61000000" },
        { "abc", "00000003 61626300" },
        { "abcd", "00000004 61626364" },
        { "abcde", "00000005 61626364 65000000" },
        { "qemu:///system",
          "0000000e 71656d75 3a2f2f2f 73797374 656d0000" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) buf = g_byte_array_new();
        g_autofree char *back = NULL;
        vsNetXdrReader rd;

        vsNetXdrWriteString(buf, cases[i].str);
        testAssertBytes(buf, cases[i].hex);

        vsNetXdrReaderInit(&rd, buf->data, buf->len);
        back = vsNetXdrReadString(&rd, VS_NET_STRING_MAX, NULL);
        g_assert_cmpstr(back, ==, cases[i].str);
        g_assert_true(vsNetXdrReadEnd(&rd, NULL));
    }
}


static void
testOptString(void)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    vsNetXdrReader rd;

    vsNetXdrWriteOptString(buf, NULL);
    vsNetXdrWriteOptString(buf, "xy");
    testAssertBytes(buf, "00000000 00000001 00000002 78790000");

    vsNetXdrReaderInit(&rd, buf->data, buf->len);
    g_assert_true(vsNetXdrReadOptString(&rd, 10, &a, NULL));
    g_assert_null(a);
    g_assert_true(vsNetXdrReadOptString(&rd, 10, &b, NULL));
    g_assert_cmpstr(b, ==, "xy");
    g_assert_true(vsNetXdrReadEnd(&rd, NULL));
}


static void
testScalars(void)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    unsigned char uuid[16];
    unsigned char back[16];
    vsNetXdrReader rd;
    guint32 u;
    gint32 i;
    guint64 h;
    gint64 sh;
    double d;
    size_t k;

    for (k = 0; k < sizeof(uuid); k++)
        uuid[k] = (unsigned char)(0xf0 + k);

    vsNetXdrWriteU32(buf, 0xdeadbeef);
    vsNetXdrWriteI32(buf, -1);
    vsNetXdrWriteU64(buf, 10000002ULL);
    vsNetXdrWriteI64(buf, -2);
    vsNetXdrWriteDouble(buf, 1.5);
    vsNetXdrWriteOpaqueFixed(buf, uuid, sizeof(uuid));
    testAssertBytes(buf,
                    "deadbeef ffffffff 00000000 00989682 ffffffff fffffffe "
                    "3ff80000 00000000 "
                    "f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff");

    vsNetXdrReaderInit(&rd, buf->data, buf->len);
    g_assert_true(vsNetXdrReadU32(&rd, &u, NULL));
    g_assert_cmphex(u, ==, 0xdeadbeef);
    g_assert_true(vsNetXdrReadI32(&rd, &i, NULL));
    g_assert_cmpint(i, ==, -1);
    g_assert_true(vsNetXdrReadU64(&rd, &h, NULL));
    g_assert_cmpuint(h, ==, 10000002ULL);
    g_assert_true(vsNetXdrReadI64(&rd, &sh, NULL));
    g_assert_cmpint(sh, ==, -2);
    g_assert_true(vsNetXdrReadDouble(&rd, &d, NULL));
    g_assert_cmpfloat(d, ==, 1.5);
    g_assert_true(vsNetXdrReadOpaqueFixed(&rd, back, sizeof(back), NULL));
    g_assert_cmpmem(back, sizeof(back), uuid, sizeof(uuid));
    g_assert_true(vsNetXdrReadEnd(&rd, NULL));
}


static void
testCharArray(void)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();

    /* as NODE_GET_SECURITY_MODEL sends "none" and "0" */
    vsNetXdrWriteCharArray(buf, "none");
    vsNetXdrWriteCharArray(buf, "0");
    vsNetXdrWriteCharArray(buf, NULL);
    testAssertBytes(buf,
                    "00000005 0000006e 0000006f 0000006e 00000065 00000000 "
                    "00000002 00000030 00000000 00000000");
}


static void
testTypedParams(void)
{
    g_autoptr(vsTypedParamList) list = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) back = NULL;
    g_autoptr(GByteArray) buf = g_byte_array_new();
    vsNetXdrReader rd;
    size_t i;

    vsTypedParamListAddInt(list, "i", -5);
    vsTypedParamListAddUInt(list, "ui", 7);
    vsTypedParamListAddLLong(list, "l", -9000000000LL);
    vsTypedParamListAddULLong(list, "ul", 18000000000ULL);
    vsTypedParamListAddDouble(list, "d", 0.25);
    vsTypedParamListAddBoolean(list, "b", TRUE);
    vsTypedParamListAddString(list, "s", "sparse");
    vsNetXdrWriteTypedParams(buf, list);

    vsNetXdrReaderInit(&rd, buf->data, buf->len);
    back = vsNetXdrReadTypedParams(&rd, VS_NET_TYPED_PARAMS_MAX, NULL);
    g_assert_nonnull(back);
    g_assert_true(vsNetXdrReadEnd(&rd, NULL));
    g_assert_cmpuint(back->nparams, ==, list->nparams);
    for (i = 0; i < list->nparams; i++) {
        g_assert_cmpstr(back->params[i].field, ==, list->params[i].field);
        g_assert_cmpint(back->params[i].type, ==, list->params[i].type);
    }
    g_assert_cmpint(back->params[0].value.i, ==, -5);
    g_assert_cmpuint(back->params[1].value.ui, ==, 7);
    g_assert_cmpint(back->params[2].value.l, ==, -9000000000LL);
    g_assert_cmpuint(back->params[3].value.ul, ==, 18000000000ULL);
    g_assert_cmpfloat(back->params[4].value.d, ==, 0.25);
    g_assert_true(back->params[5].value.b);
    g_assert_cmpstr(back->params[6].value.s, ==, "sparse");

    /* the save example of docs/protocol.md, first entry */
    g_byte_array_set_size(buf, 0);
    g_clear_pointer(&list, vsTypedParamListFree);
    list = vsTypedParamListNew();
    vsTypedParamListAddInt(list, "parallel.channels", 2);
    vsNetXdrWriteTypedParams(buf, list);
    testAssertBytes(buf,
                    "00000001 00000011 70617261 6c6c656c 2e636861 6e6e656c "
                    "73000000 00000001 00000002");
}


static void
testDecodeErrors(void)
{
    static const struct {
        const char *name;
        const char *hex;
        int what;   /* 0 string, 1 opt string, 2 typed params, 3 u64 */
    } cases[] = {
        { "empty", "", 0 },
        { "short length", "0000", 0 },
        { "truncated body", "00000005 61626364", 0 },
        { "missing padding", "00000005 61626364 65", 0 },
        { "over limit", "00000011 00000000", 0 },
        { "embedded NUL", "00000003 61006200", 0 },
        { "huge length", "ffffffff", 0 },
        { "bad presence flag", "00000002", 1 },
        { "too many params", "00000041", 2 },
        { "count beyond data", "00000003 00000000 00000001 00000005", 2 },
        { "unknown param type",
          "00000001 00000001 61000000 00000008 00000000", 2 },
        { "param name too long",
          "00000001 00000050 "
          "61616161 61616161 61616161 61616161 61616161 "
          "61616161 61616161 61616161 61616161 61616161 "
          "61616161 61616161 61616161 61616161 61616161 "
          "61616161 61616161 61616161 61616161 61616161 "
          "00000001 00000001", 2 },
        { "truncated hyper", "00000000 0000", 3 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) buf = testHex(cases[i].hex);
        g_autoptr(GError) err = NULL;
        vsNetXdrReader rd;
        gboolean ok = TRUE;

        g_test_message("case: %s", cases[i].name);
        vsNetXdrReaderInit(&rd, buf->data, buf->len);
        switch (cases[i].what) {
        case 0: {
            g_autofree char *s = vsNetXdrReadString(&rd, 16, &err);
            ok = s != NULL;
            break;
        }
        case 1: {
            g_autofree char *s = NULL;
            ok = vsNetXdrReadOptString(&rd, 16, &s, &err);
            break;
        }
        case 2: {
            g_autoptr(vsTypedParamList) l =
                vsNetXdrReadTypedParams(&rd, VS_NET_TYPED_PARAMS_MAX, &err);
            ok = l != NULL;
            break;
        }
        case 3: {
            guint64 v;
            ok = vsNetXdrReadU64(&rd, &v, &err);
            break;
        }
        }
        g_assert_false(ok);
        g_assert_error(err, VS_ERROR_RPC, VS_ERR_RPC);
    }
}


static void
testTrailingBytes(void)
{
    g_autoptr(GByteArray) buf = testHex("00000001 00000002");
    g_autoptr(GError) err = NULL;
    vsNetXdrReader rd;
    guint32 v;

    vsNetXdrReaderInit(&rd, buf->data, buf->len);
    g_assert_true(vsNetXdrReadU32(&rd, &v, NULL));
    g_assert_false(vsNetXdrReadEnd(&rd, &err));
    g_assert_error(err, VS_ERROR_RPC, VS_ERR_RPC);
}


static void
testMessageLength(void)
{
    static const struct {
        guint32 len;
        gboolean ok;
    } cases[] = {
        { 0, FALSE },
        { 4, FALSE },
        { 27, FALSE },
        { 28, TRUE },
        { 1000, TRUE },
        { VS_NET_MESSAGE_MAX, TRUE },
        { VS_NET_MESSAGE_MAX + 1, FALSE },
        { 0xffffffff, FALSE },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) buf = g_byte_array_new();
        g_autoptr(GError) err = NULL;
        guint32 len = 0;

        vsNetXdrWriteU32(buf, cases[i].len);
        g_assert_cmpint(vsNetMessageDecodeLength(buf->data, &len, &err),
                        ==, cases[i].ok);
        if (cases[i].ok)
            g_assert_cmpuint(len, ==, cases[i].len);
        else
            g_assert_error(err, VS_ERROR_RPC, VS_ERR_RPC);
    }
}


static void
testMessageRoundTrip(void)
{
    g_autoptr(vsNetMessage) msg = vsNetMessageNew();
    g_autoptr(vsNetMessage) back = NULL;
    g_autoptr(GByteArray) wire = NULL;

    msg->header.prog = VS_NET_PROGRAM_REMOTE;
    msg->header.vers = 1;
    msg->header.proc = 66;
    msg->header.type = VS_NET_MESSAGE_CALL;
    msg->header.serial = 7;
    msg->header.status = VS_NET_MESSAGE_STATUS_OK;
    vsNetXdrWriteU32(msg->payload, 42);

    wire = vsNetMessageEncode(msg, NULL);
    testAssertBytes(wire,
                    "00000020 20008086 00000001 00000042 00000000 00000007 "
                    "00000000 0000002a");

    back = vsNetMessageDecode(wire->data, wire->len, NULL);
    g_assert_nonnull(back);
    g_assert_cmpmem(&back->header, sizeof(back->header),
                    &msg->header, sizeof(msg->header));
    g_assert_cmpmem(back->payload->data, back->payload->len,
                    msg->payload->data, msg->payload->len);

    /* a frame whose length word disagrees with the bytes is refused */
    g_assert_null(vsNetMessageDecode(wire->data, wire->len - 4, NULL));
    g_assert_null(vsNetMessageDecode(wire->data, 20, NULL));
}


static void
testKeepAlive(void)
{
    g_autoptr(vsNetMessage) ping = vsNetMessageNewKeepAlive(
        VS_NET_KEEPALIVE_PROC_PING);
    g_autoptr(GByteArray) wire = vsNetMessageEncode(ping, NULL);

    testAssertBytes(wire,
                    "0000001c 6b656570 00000001 00000001 00000002 00000000 "
                    "00000000");
}


static void
testErrorReply(void)
{
    vsNetMessageHeader call = {
        .prog = VS_NET_PROGRAM_REMOTE, .vers = 1, .proc = 9999,
        .type = VS_NET_MESSAGE_CALL, .serial = 3,
    };
    g_autoptr(vsNetMessage) reply = vsNetMessageNewReply(&call);
    vsNetXdrReader rd;
    g_autofree char *msg = NULL;
    g_autofree char *str1 = NULL;
    g_autofree char *str2 = NULL;
    g_autofree char *str3 = NULL;
    gint32 code, domain, level, int1, int2;
    guint32 dom, net;

    vsNetMessageSetError(reply, 39, 7, "unknown procedure: 9999");
    g_assert_cmpuint(reply->header.type, ==, VS_NET_MESSAGE_REPLY);
    g_assert_cmpuint(reply->header.status, ==, VS_NET_MESSAGE_STATUS_ERROR);
    g_assert_cmpint(reply->header.proc, ==, 9999);
    g_assert_cmpuint(reply->header.serial, ==, 3);

    vsNetXdrReaderInit(&rd, reply->payload->data, reply->payload->len);
    g_assert_true(vsNetXdrReadI32(&rd, &code, NULL));
    g_assert_true(vsNetXdrReadI32(&rd, &domain, NULL));
    g_assert_true(vsNetXdrReadOptString(&rd, 1000, &msg, NULL));
    g_assert_true(vsNetXdrReadI32(&rd, &level, NULL));
    g_assert_true(vsNetXdrReadU32(&rd, &dom, NULL));
    g_assert_true(vsNetXdrReadOptString(&rd, 1000, &str1, NULL));
    g_assert_true(vsNetXdrReadOptString(&rd, 1000, &str2, NULL));
    g_assert_true(vsNetXdrReadOptString(&rd, 1000, &str3, NULL));
    g_assert_true(vsNetXdrReadI32(&rd, &int1, NULL));
    g_assert_true(vsNetXdrReadI32(&rd, &int2, NULL));
    g_assert_true(vsNetXdrReadU32(&rd, &net, NULL));
    g_assert_true(vsNetXdrReadEnd(&rd, NULL));

    g_assert_cmpint(code, ==, 39);
    g_assert_cmpint(domain, ==, 7);
    g_assert_cmpstr(msg, ==, "unknown procedure: 9999");
    g_assert_cmpint(level, ==, 2);
    g_assert_cmpuint(dom, ==, 0);
    g_assert_cmpstr(str1, ==, "%s");
    g_assert_cmpstr(str2, ==, "unknown procedure: 9999");
    g_assert_null(str3);
    g_assert_cmpint(int1, ==, -1);
    g_assert_cmpint(int2, ==, -1);
    g_assert_cmpuint(net, ==, 0);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/rpc/xdr/strings", testStrings);
    g_test_add_func("/rpc/xdr/opt-string", testOptString);
    g_test_add_func("/rpc/xdr/scalars", testScalars);
    g_test_add_func("/rpc/xdr/char-array", testCharArray);
    g_test_add_func("/rpc/xdr/typed-params", testTypedParams);
    g_test_add_func("/rpc/xdr/decode-errors", testDecodeErrors);
    g_test_add_func("/rpc/xdr/trailing-bytes", testTrailingBytes);
    g_test_add_func("/rpc/message/length", testMessageLength);
    g_test_add_func("/rpc/message/round-trip", testMessageRoundTrip);
    g_test_add_func("/rpc/message/keepalive", testKeepAlive);
    g_test_add_func("/rpc/message/error-reply", testErrorReply);

    return g_test_run();
}
