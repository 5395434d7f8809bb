/*
 * iohelper_copy.c: moving buffers from a source to a sink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The pipelined copy keeps the pipe and the disk busy at the same time: a
 * producer thread fills the buffers of a small ring from the source while
 * the calling thread drains filled ones into the sink. The serial copy
 * does one after the other with one buffer, the way a simple read-then-
 * write loop does; it exists so that benchmarks can compare the two.
 */

#include <config.h>

#include "iohelper.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("iohelper.copy");

typedef struct {
    char *data;
    size_t len;
} iohelperSlot;

/*
 * Slots [next, next + nfilled) (modulo nslots) hold data for the sink;
 * the producer fills the slot after them. The end of the data is a slot
 * of length 0.
 */
typedef struct {
    GMutex lock;
    GCond cond;
    iohelperSlot *slots;
    guint nslots;
    guint next;
    guint nfilled;
    size_t bufSize;
    gboolean cancelled;     /* the sink failed: the producer must stop */
    gboolean producerFailed;
    GError *producerError;
    iohelperSource *src;
    int cancelFd;
} iohelperRing;


/**
 * iohelperSourceFree:
 * @src: a source or NULL
 *
 * Frees @src with its own free function.
 */
void
iohelperSourceFree(iohelperSource *src)
{
    if (src)
        src->free(src);
}


/**
 * iohelperSinkFree:
 * @sink: a sink or NULL
 *
 * Frees @sink with its own free function.
 */
void
iohelperSinkFree(iohelperSink *sink)
{
    if (sink)
        sink->free(sink);
}


static gpointer
iohelperRingProduce(gpointer opaque)
{
    iohelperRing *ring = opaque;

    for (;;) {
        iohelperSlot *slot;
        GError *err = NULL;
        gssize n;

        g_mutex_lock(&ring->lock);
        while (ring->nfilled == ring->nslots && !ring->cancelled)
            g_cond_wait(&ring->cond, &ring->lock);
        if (ring->cancelled) {
            g_mutex_unlock(&ring->lock);
            return NULL;
        }
        slot = &ring->slots[(ring->next + ring->nfilled) % ring->nslots];
        g_mutex_unlock(&ring->lock);

        /* The slot is ours alone until it is counted as filled. */
        n = ring->src->fill(ring->src, slot->data, ring->bufSize, &err);

        g_mutex_lock(&ring->lock);
        if (n < 0) {
            ring->producerError = err;
            ring->producerFailed = TRUE;
        } else {
            slot->len = n;
            ring->nfilled++;
        }
        g_cond_broadcast(&ring->cond);
        g_mutex_unlock(&ring->lock);

        if (n <= 0)
            return NULL;
    }
}


static void
iohelperRingCancel(iohelperRing *ring)
{
    uint64_t one = 1;

    g_mutex_lock(&ring->lock);
    ring->cancelled = TRUE;
    g_cond_broadcast(&ring->cond);
    g_mutex_unlock(&ring->lock);

    /* Wakes a producer waiting for its pipe; an eventfd counter cannot
     * overflow from one write, so the result needs no check. */
    if (write(ring->cancelFd, &one, sizeof(one)) < 0)
        VS_DEBUG("cannot signal the producer: %s", g_strerror(errno));
}


/*
 * Drains filled slots into the sink until the empty end slot, a producer
 * failure (returns TRUE, the caller picks up the producer's error) or a
 * sink failure (returns FALSE with @error set).
 */
static gboolean
iohelperRingConsume(iohelperRing *ring,
                    iohelperSink *sink,
                    GError **error)
{
    for (;;) {
        iohelperSlot *slot;

        g_mutex_lock(&ring->lock);
        while (ring->nfilled == 0 && !ring->producerFailed)
            g_cond_wait(&ring->cond, &ring->lock);
        if (ring->nfilled == 0) {
            g_mutex_unlock(&ring->lock);
            return TRUE;
        }
        slot = &ring->slots[ring->next];
        g_mutex_unlock(&ring->lock);

        if (slot->len == 0)
            return TRUE;

        if (!sink->put(sink, slot->data, slot->len, error)) {
            iohelperRingCancel(ring);
            return FALSE;
        }

        g_mutex_lock(&ring->lock);
        ring->next = (ring->next + 1) % ring->nslots;
        ring->nfilled--;
        g_cond_broadcast(&ring->cond);
        g_mutex_unlock(&ring->lock);
    }
}


static void
iohelperRingClear(iohelperRing *ring)
{
    guint i;

    for (i = 0; i < ring->nslots; i++)
        g_aligned_free(ring->slots[i].data);
    g_free(ring->slots);
    g_clear_error(&ring->producerError);
    vsFdClose(&ring->cancelFd);
    g_mutex_clear(&ring->lock);
    g_cond_clear(&ring->cond);
}


/**
 * iohelperCopyPipelined:
 * @src: where the data comes from
 * @sink: where it goes
 * @bufSize: size of each buffer, a multiple of @bufAlign
 * @bufAlign: memory alignment of the buffers (O_DIRECT needs it)
 * @nbufs: number of buffers in the ring, at least 2
 * @error: return location for a #GError
 *
 * Copies everything @src produces into @sink, reading and writing at the
 * same time, then calls the sink's finish(). On failure the error is the
 * one that happened first in the data's path: a sink failure wins over
 * the producer's reaction to it.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
iohelperCopyPipelined(iohelperSource *src,
                      iohelperSink *sink,
                      size_t bufSize,
                      size_t bufAlign,
                      guint nbufs,
                      GError **error)
{
    iohelperRing ring = { 0 };
    GThread *thread = NULL;
    gboolean ok = FALSE;
    guint i;

    g_mutex_init(&ring.lock);
    g_cond_init(&ring.cond);
    ring.nslots = MAX(nbufs, 2);
    ring.bufSize = bufSize;
    ring.src = src;
    ring.slots = g_new0(iohelperSlot, ring.nslots);
    for (i = 0; i < ring.nslots; i++)
        ring.slots[i].data = vsAlignedAlloc0(bufSize, bufAlign);

    if ((ring.cancelFd = eventfd(0, EFD_CLOEXEC)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create an event descriptor"));
        goto cleanup;
    }
    src->cancelFd = ring.cancelFd;

    VS_DEBUG("pipelined copy: %u buffers of %zu bytes", ring.nslots, bufSize);
    thread = g_thread_try_new("iohelper-fill", iohelperRingProduce, &ring,
                              error);
    if (!thread)
        goto cleanup;

    ok = iohelperRingConsume(&ring, sink, error);
    g_thread_join(thread);

    if (ok && ring.producerFailed) {
        g_propagate_error(error, g_steal_pointer(&ring.producerError));
        ok = FALSE;
    }
    if (ok)
        ok = sink->finish(sink, error);

 cleanup:
    src->cancelFd = -1;
    iohelperRingClear(&ring);
    return ok;
}


/**
 * iohelperCopySerial:
 * @src: where the data comes from
 * @sink: where it goes
 * @bufSize: size of the one buffer, a multiple of @bufAlign
 * @bufAlign: memory alignment of the buffer
 * @error: return location for a #GError
 *
 * Copies everything @src produces into @sink with one buffer, filling it
 * and draining it in turn, then calls the sink's finish().
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
iohelperCopySerial(iohelperSource *src,
                   iohelperSink *sink,
                   size_t bufSize,
                   size_t bufAlign,
                   GError **error)
{
    VS_AUTOALIGNED char *buf = vsAlignedAlloc0(bufSize, bufAlign);

    src->cancelFd = -1;
    VS_DEBUG("serial copy: one buffer of %zu bytes", bufSize);

    for (;;) {
        gssize n = src->fill(src, buf, bufSize, error);

        if (n < 0)
            return FALSE;
        if (n == 0)
            break;
        if (!sink->put(sink, buf, n, error))
            return FALSE;
    }

    return sink->finish(sink, error);
}
