/*
 * remotefuzz.c: fuzz the REMOTE program's argument decoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A server with the remote program and the in-memory fake driver runs in
 * a thread, as in the remote tests. Each input is one call on an open
 * connection: the first two bytes pick the procedure, the rest is its
 * payload. Every call must be answered, with a reply to that call, and
 * the server must stay up; a hang shows as the receive timeout.
 */

#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fuzz.h"
#include "remote_dispatch.h"
#include "remote_protocol.h"
#include "vsnetxdr.h"
#include "vslog.h"
#include "vssocket.h"

/* Procedure numbers above the last one the daemon knows. */
#define FUZZ_PROC_RANGE 512

static char *fuzzPath;
static int fuzzFd = -1;
static guint32 fuzzSerial;


static gpointer
fuzzServerThread(gpointer opaque)
{
    vsNetServerRun(opaque);
    return NULL;
}


/* The server lives as long as the process: inputs share it. */
static void
fuzzServerStart(void)
{
    vsNetServerConfig cfg;
    vsNetServer *srv;
    remoteProgram *prog;
    char *dir = g_dir_make_tmp("remotefuzz-XXXXXX", NULL);

    g_assert_nonnull(dir);
    /* Bad arguments are logged as warnings: one per input. */
    g_assert_true(vsLogSetDefaultPriority("error", NULL));
    vsNetServerConfigInit(&cfg);
    cfg.maxWorkers = 2;
    cfg.prioWorkers = 2;
    cfg.keepaliveInterval = 0;
    fuzzPath = g_build_filename(dir, "sock", NULL);
    g_free(dir);
    srv = vsNetServerNew(&cfg, NULL);
    g_assert_nonnull(srv);
    prog = remoteProgramNew(qemuDriverNew(NULL, NULL), TRUE);
    remoteProgramRegister(prog, srv);
    g_assert_true(vsNetServerAddListener(srv, fuzzPath, 0700, NULL));
    g_thread_unref(g_thread_new("server", fuzzServerThread, srv));
}


static gboolean
fuzzReadFull(guint8 *buf,
             size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = recv(fuzzFd, buf + done, len - done, 0);

        if (n < 0 && errno == EINTR)
            continue;
        /* A timeout means the server hangs: that is a finding. */
        g_assert_false(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        if (n <= 0)
            return FALSE;
        done += n;
    }
    return TRUE;
}


/* Send one call and return its reply, or NULL if the server hung up. */
static vsNetMessage *
fuzzCall(gint32 proc,
         const guint8 *payload,
         size_t len)
{
    g_autoptr(vsNetMessage) msg = vsNetMessageNew();
    g_autoptr(GByteArray) wire = NULL;
    g_autofree guint8 *buf = NULL;
    guint8 lenbuf[4];
    guint32 total;
    vsNetMessage *reply;

    msg->header.prog = VS_NET_PROGRAM_REMOTE;
    msg->header.vers = VS_NET_PROGRAM_VERSION;
    msg->header.proc = proc;
    msg->header.type = VS_NET_MESSAGE_CALL;
    msg->header.serial = ++fuzzSerial;
    g_byte_array_append(msg->payload, payload, len);
    wire = vsNetMessageEncode(msg, NULL);
    g_assert_nonnull(wire);
    if (send(fuzzFd, wire->data, wire->len, MSG_NOSIGNAL) != (ssize_t) wire->len)
        return NULL;

    do {
        if (!fuzzReadFull(lenbuf, sizeof(lenbuf)))
            return NULL;
        g_assert_true(vsNetMessageDecodeLength(lenbuf, &total, NULL));
        g_free(buf);
        buf = g_malloc(total);
        memcpy(buf, lenbuf, sizeof(lenbuf));
        if (!fuzzReadFull(buf + sizeof(lenbuf), total - sizeof(lenbuf)))
            return NULL;
        reply = vsNetMessageDecode(buf, total, NULL);
        g_assert_nonnull(reply);
        if (reply->header.prog == VS_NET_PROGRAM_REMOTE)
            break;
        vsNetMessageFree(reply);
    } while (TRUE);

    g_assert_cmpuint(reply->header.type, ==, VS_NET_MESSAGE_REPLY);
    g_assert_cmpint(reply->header.proc, ==, proc);
    g_assert_cmpuint(reply->header.serial, ==, fuzzSerial);
    return reply;
}


static void
fuzzConnect(void)
{
    g_autoptr(GByteArray) args = g_byte_array_new();
    g_autoptr(vsNetMessage) reply = NULL;
    struct timeval tv = { .tv_sec = 10 };

    fuzzFd = vsSocketConnectUnix(fuzzPath, NULL);
    g_assert_cmpint(fuzzFd, >=, 0);
    g_assert_cmpint(setsockopt(fuzzFd, SOL_SOCKET, SO_RCVTIMEO,
                               &tv, sizeof(tv)), ==, 0);

    vsNetXdrWriteOptString(args, "qemu:///system");
    vsNetXdrWriteU32(args, 0);
    reply = fuzzCall(REMOTE_PROC_CONNECT_OPEN, args->data, args->len);
    g_assert_nonnull(reply);
    g_assert_cmpuint(reply->header.status, ==, VS_NET_MESSAGE_STATUS_OK);
}


/**
 * LLVMFuzzerTestOneInput:
 * @data: one input: a 16-bit procedure selector, then the payload
 * @size: its length
 *
 * Returns: 0 always; a bug shows as a crash, a sanitizer report or a
 * failed check on the reply.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    g_autoptr(vsNetMessage) reply = NULL;
    gint32 proc;

    if (size < 2)
        return 0;
    if (!fuzzPath)
        fuzzServerStart();
    if (fuzzFd < 0)
        fuzzConnect();

    proc = ((data[0] << 8) | data[1]) % FUZZ_PROC_RANGE;
    reply = fuzzCall(proc, data + 2, size - 2);
    /* CONNECT_CLOSE hangs up after its reply, as may a failed open. */
    if (!reply || proc == REMOTE_PROC_CONNECT_CLOSE ||
        proc == REMOTE_PROC_CONNECT_OPEN) {
        close(fuzzFd);
        fuzzFd = -1;
    }
    return 0;
}
