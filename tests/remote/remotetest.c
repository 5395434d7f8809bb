/*
 * remotetest.c: the REMOTE program over a real socket, on a fake driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A server with the remote program runs in a thread; the test talks to
 * it as a libvirt client would, byte for byte, and checks replies and
 * error codes, domains and messages.
 */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "remote_dispatch.h"
#include "remote_protocol.h"
#include "vsnetxdr.h"
#include "vssocket.h"
#include "vserror.h"

typedef struct _testServer testServer;
struct _testServer {
    char *dir;
    char *path;
    qemuDriver *driver;
    remoteProgram *prog;
    vsNetServer *srv;
    GThread *thread;
};

static testServer server;

static const unsigned char testUUID[VS_UUID_BUFLEN] = {
    0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
    0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
};


static gpointer
testServerThread(gpointer opaque)
{
    vsNetServerRun(opaque);
    return NULL;
}


static void
testServerStart(void)
{
    vsNetServerConfig cfg;

    vsNetServerConfigInit(&cfg);
    cfg.maxWorkers = 2;
    cfg.prioWorkers = 2;
    server.dir = g_dir_make_tmp("remotetest-XXXXXX", NULL);
    server.path = g_build_filename(server.dir, "sock", NULL);
    server.driver = qemuDriverNew(NULL, NULL);
    server.srv = vsNetServerNew(&cfg, NULL);
    g_assert_nonnull(server.srv);
    server.prog = remoteProgramNew(server.driver, TRUE);
    remoteProgramRegister(server.prog, server.srv);
    g_assert_true(vsNetServerAddListener(server.srv, server.path, 0700, NULL));
    server.thread = g_thread_new("server", testServerThread, server.srv);
}


static void
testServerStop(void)
{
    vsNetServerQuit(server.srv);
    g_thread_join(server.thread);
    vsNetServerFree(server.srv);
    remoteProgramFree(server.prog);
    qemuDriverFree(server.driver);
    g_assert_false(g_file_test(server.path, G_FILE_TEST_EXISTS));
    rmdir(server.dir);
    g_free(server.path);
    g_free(server.dir);
}


static int
testConnect(void)
{
    int fd = vsSocketConnectUnix(server.path, NULL);

    g_assert_cmpint(fd, >=, 0);
    return fd;
}


static void
testSendRaw(int fd,
            guint32 prog,
            gint32 proc,
            guint32 serial,
            GByteArray *payload)
{
    g_autoptr(vsNetMessage) msg = vsNetMessageNew();
    g_autoptr(GByteArray) wire = NULL;

    msg->header.prog = prog;
    msg->header.vers = 1;
    msg->header.proc = proc;
    msg->header.type = VS_NET_MESSAGE_CALL;
    msg->header.serial = serial;
    if (payload)
        g_byte_array_append(msg->payload, payload->data, payload->len);
    wire = vsNetMessageEncode(msg, NULL);
    g_assert_cmpint(send(fd, wire->data, wire->len, MSG_NOSIGNAL), ==,
                    (ssize_t)wire->len);
}


static gboolean
testReadFull(int fd,
             guint8 *buf,
             size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = recv(fd, buf + done, len - done, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        done += n;
    }
    return TRUE;
}


/* Next message that is not keepalive, or NULL at end of stream. */
static vsNetMessage *
testRecv(int fd)
{
    for (;;) {
        g_autofree guint8 *buf = NULL;
        guint8 lenbuf[4];
        guint32 len;
        vsNetMessage *msg;

        if (!testReadFull(fd, lenbuf, 4))
            return NULL;
        g_assert_true(vsNetMessageDecodeLength(lenbuf, &len, NULL));
        buf = g_malloc(len);
        memcpy(buf, lenbuf, 4);
        g_assert_true(testReadFull(fd, buf + 4, len - 4));
        msg = vsNetMessageDecode(buf, len, NULL);
        g_assert_nonnull(msg);
        if (msg->header.prog != VS_NET_PROGRAM_KEEPALIVE)
            return msg;
        vsNetMessageFree(msg);
    }
}


static vsNetMessage *
testCall(int fd,
         gint32 proc,
         guint32 serial,
         GByteArray *payload)
{
    vsNetMessage *reply;

    testSendRaw(fd, VS_NET_PROGRAM_REMOTE, proc, serial, payload);
    reply = testRecv(fd);
    g_assert_nonnull(reply);
    g_assert_cmpuint(reply->header.type, ==, VS_NET_MESSAGE_REPLY);
    g_assert_cmpint(reply->header.proc, ==, proc);
    g_assert_cmpuint(reply->header.serial, ==, serial);
    return reply;
}


static void
testAssertOK(vsNetMessage *reply)
{
    g_assert_cmpuint(reply->header.status, ==, VS_NET_MESSAGE_STATUS_OK);
}


static void
testAssertError(vsNetMessage *reply,
                int code,
                int domain,
                const char *message)
{
    g_autofree char *text = NULL;
    vsNetXdrReader rd;
    gint32 c;
    gint32 d;

    g_assert_cmpuint(reply->header.status, ==, VS_NET_MESSAGE_STATUS_ERROR);
    vsNetXdrReaderInit(&rd, reply->payload->data, reply->payload->len);
    g_assert_true(vsNetXdrReadI32(&rd, &c, NULL));
    g_assert_true(vsNetXdrReadI32(&rd, &d, NULL));
    g_assert_true(vsNetXdrReadOptString(&rd, 100000, &text, NULL));
    g_assert_cmpint(c, ==, code);
    g_assert_cmpint(d, ==, domain);
    g_assert_cmpstr(text, ==, message);
}


static gint32
testRetInt(vsNetMessage *reply)
{
    vsNetXdrReader rd;
    gint32 v;

    testAssertOK(reply);
    vsNetXdrReaderInit(&rd, reply->payload->data, reply->payload->len);
    g_assert_true(vsNetXdrReadI32(&rd, &v, NULL));
    return v;
}


static void
testOpen(int fd,
         guint32 flags)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) reply = NULL;

    vsNetXdrWriteOptString(args, "qemu:///system");
    vsNetXdrWriteU32(args, flags);
    reply = testCall(fd, REMOTE_PROC_CONNECT_OPEN, 1, args);
    testAssertOK(reply);
}


static void
testWriteDomain(GByteArray *buf)
{
    vsNetXdrWriteString(buf, "t1");
    vsNetXdrWriteOpaqueFixed(buf, testUUID, VS_UUID_BUFLEN);
    vsNetXdrWriteI32(buf, -1);
}


static void
testDefine(int fd)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) reply = NULL;

    vsNetXdrWriteString(args,
                        "<domain type='kvm'><name>t1</name>"
                        "<uuid>11111111-2222-3333-4444-555555555555</uuid>"
                        "</domain>");
    reply = testCall(fd, REMOTE_PROC_DOMAIN_DEFINE_XML, 2, args);
    testAssertOK(reply);
}


static void
testHandshake(void)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) r1 = NULL;
    g_autoptr(vsNetMessage) r2 = NULL;
    g_autoptr(vsNetMessage) r3 = NULL;
    g_autoptr(vsNetMessage) r4 = NULL;
    g_autoptr(vsNetMessage) r5 = NULL;
    int fd = testConnect();

    r1 = testCall(fd, REMOTE_PROC_AUTH_LIST, 0, NULL);
    testAssertOK(r1);
    g_assert_cmpuint(r1->payload->len, ==, 8);

    vsNetXdrWriteI32(args, REMOTE_FEATURE_PROGRAM_KEEPALIVE);
    r2 = testCall(fd, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, 1, args);
    g_assert_cmpint(testRetInt(r2), ==, 1);

    g_byte_array_set_size(args, 0);
    vsNetXdrWriteI32(args, REMOTE_FEATURE_REMOTE_EVENT_CALLBACK);
    r3 = testCall(fd, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, 2, args);
    testAssertError(r3, VS_ERR_INTERNAL_ERROR, 7,
                    "internal error: hypervisor connection not open");

    g_byte_array_set_size(args, 0);
    vsNetXdrWriteString(args, "t1");
    r4 = testCall(fd, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 3, args);
    testAssertError(r4, VS_ERR_INTERNAL_ERROR, 7,
                    "internal error: hypervisor connection not open");

    testOpen(fd, 0);
    g_byte_array_set_size(args, 0);
    vsNetXdrWriteOptString(args, NULL);
    vsNetXdrWriteU32(args, 0);
    r5 = testCall(fd, REMOTE_PROC_CONNECT_OPEN, 4, args);
    testAssertError(r5, VS_ERR_INTERNAL_ERROR, 7,
                    "internal error: connection already open");
    close(fd);
}


static void
testBadInput(void)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) r1 = NULL;
    g_autoptr(vsNetMessage) r2 = NULL;
    g_autoptr(vsNetMessage) r3 = NULL;
    g_autoptr(vsNetMessage) r4 = NULL;
    g_autoptr(vsNetMessage) r5 = NULL;
    int fd = testConnect();

    testOpen(fd, 0);

    r1 = testCall(fd, 9999, 5, NULL);
    testAssertError(r1, VS_ERR_RPC, 7, "unknown procedure: 9999");

    vsNetXdrWriteU32(args, 1);
    r2 = testCall(fd, REMOTE_PROC_CONNECT_GET_TYPE, 6, args);
    testAssertError(r2, VS_ERR_RPC, 7, "Unable to decode message payload");

    g_byte_array_set_size(args, 0);
    vsNetXdrWriteU32(args, 100);
    vsNetXdrWriteU32(args, 0x61616161);
    r3 = testCall(fd, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 7, args);
    testAssertError(r3, VS_ERR_RPC, 7, "Unable to decode message payload");

    testSendRaw(fd, 0x12345678, 1, 8, NULL);
    r4 = testRecv(fd);
    g_assert_nonnull(r4);
    g_assert_cmpuint(r4->header.serial, ==, 8);
    testAssertError(r4, VS_ERR_RPC, 7, "Cannot find program 305419896 version 1");

    /* the connection still serves calls */
    r5 = testCall(fd, REMOTE_PROC_CONNECT_GET_TYPE, 9, NULL);
    testAssertOK(r5);
    close(fd);
}


/* A client that writes calls to an unknown program and never reads the
 * answers must be throttled: the daemon stops reading from it instead of
 * queueing error replies without limit. */
static void
testUnreadReplies(void)
{
    g_autoptr(vsNetMessage) msg = vsNetMessageNew();
    g_autoptr(vsNetMessage) reply = NULL;
    g_autoptr(GByteArray) wire = NULL;
    const size_t limit = 8 * 1024 * 1024;
    size_t sent = 0;
    size_t got = 0;
    int fd = testConnect();

    testOpen(fd, 0);
    msg->header.prog = 0x12345678;
    msg->header.vers = 1;
    msg->header.type = VS_NET_MESSAGE_CALL;
    wire = vsNetMessageEncode(msg, NULL);

    /* Send until the daemon has not taken a byte for half a second. */
    g_assert_true(vsSocketSetNonBlock(fd, TRUE, NULL));
    while (sent < limit) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        ssize_t n = send(fd, wire->data, wire->len, MSG_NOSIGNAL);

        if (n == (ssize_t)wire->len) {
            sent += n;
            continue;
        }
        g_assert_cmpint(n, <, 0);
        g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        if (poll(&pfd, 1, 500) == 0)
            break;
    }
    g_assert_cmpuint(sent, <, limit);

    /* Reading the answers lets the daemon read the rest. */
    g_assert_true(vsSocketSetNonBlock(fd, FALSE, NULL));
    while (got < sent / wire->len) {
        g_autoptr(vsNetMessage) err = testRecv(fd);

        g_assert_nonnull(err);
        g_assert_cmpuint(err->header.status, ==, VS_NET_MESSAGE_STATUS_ERROR);
        got++;
    }
    reply = testCall(fd, REMOTE_PROC_CONNECT_GET_TYPE, 9, NULL);
    testAssertOK(reply);
    close(fd);
}


static void
testLookupAndReadOnly(void)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) r1 = NULL;
    g_autoptr(vsNetMessage) r2 = NULL;
    g_autoptr(vsNetMessage) r3 = NULL;
    int fd = testConnect();
    int ro = testConnect();

    testOpen(fd, 0);
    testDefine(fd);

    vsNetXdrWriteString(args, "nosuch");
    r1 = testCall(fd, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 3, args);
    testAssertError(r1, VS_ERR_NO_DOMAIN, 10,
                    "Domain not found: no domain with matching name 'nosuch'");

    testOpen(ro, 1);
    g_byte_array_set_size(args, 0);
    testWriteDomain(args);
    r2 = testCall(ro, REMOTE_PROC_DOMAIN_DESTROY, 2, args);
    testAssertError(r2, VS_ERR_OPERATION_DENIED, 7,
                    "operation forbidden: read only access prevents virDomainDestroy");

    vsNetXdrWriteU32(args, 0);
    r3 = testCall(ro, REMOTE_PROC_DOMAIN_GET_STATE, 3, args);
    testAssertOK(r3);
    close(fd);
    close(ro);
}


static void
testSaveParams(void)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) reply = NULL;
    int fd = testConnect();

    testOpen(fd, 0);
    testDefine(fd);

    /* The remote layer decodes the parameters and hands them over as
     * they are: names and types are the driver's to check
     * (tests/qemu/saveunittest.c). An integer of another width, as
     * python3-libvirt 9.0 sends it, gets through; the inactive domain is
     * the driver's error. */
    vsTypedParamListAddString(params, "file", "/tmp/x");
    vsTypedParamListAddULLong(params, "parallel.channels", 2);
    testWriteDomain(args);
    vsNetXdrWriteTypedParams(args, params);
    vsNetXdrWriteU32(args, 0);
    reply = testCall(fd, REMOTE_PROC_DOMAIN_SAVE_PARAMS, 3, args);
    testAssertError(reply, VS_ERR_OPERATION_INVALID, 20,
                    "Requested operation is not valid: domain is not running");
    close(fd);
}


/* A job-info poll is answered while a save on the same connection runs. */
static void
testPipelinedJobInfo(void)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) start = NULL;
    g_autoptr(vsNetMessage) first = NULL;
    g_autoptr(vsNetMessage) second = NULL;
    g_autoptr(vsNetMessage) closed = NULL;
    vsNetXdrReader rd;
    gint32 type;
    guint64 elapsed;
    guint64 remaining;
    guint64 total;
    int fd = testConnect();

    testOpen(fd, 0);
    testDefine(fd);
    testWriteDomain(args);
    start = testCall(fd, REMOTE_PROC_DOMAIN_CREATE, 3, args);
    testAssertOK(start);

    g_byte_array_set_size(args, 0);
    testWriteDomain(args);
    vsNetXdrWriteString(args, "/tmp/slow-save");
    testSendRaw(fd, VS_NET_PROGRAM_REMOTE, REMOTE_PROC_DOMAIN_SAVE, 10, args);
    g_usleep(300 * 1000);

    g_byte_array_set_size(args, 0);
    testWriteDomain(args);
    testSendRaw(fd, VS_NET_PROGRAM_REMOTE, REMOTE_PROC_DOMAIN_GET_JOB_INFO,
                11, args);

    first = testRecv(fd);
    g_assert_cmpuint(first->header.serial, ==, 11);
    testAssertOK(first);
    vsNetXdrReaderInit(&rd, first->payload->data, first->payload->len);
    g_assert_true(vsNetXdrReadI32(&rd, &type, NULL));
    g_assert_true(vsNetXdrReadU64(&rd, &elapsed, NULL));
    g_assert_true(vsNetXdrReadU64(&rd, &remaining, NULL));
    g_assert_true(vsNetXdrReadU64(&rd, &total, NULL));
    g_assert_cmpint(type, ==, VS_DOMAIN_JOB_UNBOUNDED);
    g_assert_cmpuint(total, ==, 64ULL << 20);
    g_assert_cmpuint(rd.len, ==, 4 + 11 * 8);

    second = testRecv(fd);
    g_assert_cmpuint(second->header.serial, ==, 10);
    testAssertOK(second);

    g_byte_array_set_size(args, 0);
    g_clear_pointer(&first, vsNetMessageFree);
    first = testCall(fd, REMOTE_PROC_CONNECT_CLOSE, 12, NULL);
    testAssertOK(first);
    closed = testRecv(fd);
    g_assert_null(closed);
    close(fd);
}


int
main(int argc,
     char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    testServerStart();

    g_test_add_func("/remote/handshake", testHandshake);
    g_test_add_func("/remote/bad-input", testBadInput);
    g_test_add_func("/remote/unread-replies", testUnreadReplies);
    g_test_add_func("/remote/lookup-read-only", testLookupAndReadOnly);
    g_test_add_func("/remote/save-params", testSaveParams);
    g_test_add_func("/remote/pipelined-job-info", testPipelinedJobInfo);

    ret = g_test_run();
    testServerStop();
    return ret;
}
