#!/usr/bin/env python3
"""virtsave's main job, end to end, with the real virsh.

Starts virtsaved under a private root, boots the bundled test guest (it
fills its RAM with a seeded pattern in ring 3 and verifies it over and
over), saves it with --bypass-cache --parallel-channels N, restores it the
same way, waits for the restored guest to report its memory intact, and
prints the save and restore throughput beside the O_DIRECT bandwidth of the
same file system, measured in the same run the way every virtsave
benchmark measures it (docs/benchmarks.md).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'tests', 'integration'))
import vstest  # noqa: E402

MiB = vstest.MiB


def log(msg):
    print(msg, flush=True)


def fail(msg):
    print('demo: %s' % msg, file=sys.stderr, flush=True)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', default='build', help='meson build directory')
    ap.add_argument('--memory', type=int, default=1024, help='guest MiB')
    ap.add_argument('--channels', type=int, default=4)
    ap.add_argument('--dir', default='/var/tmp',
                    help='where the private root and the image go')
    ap.add_argument('--keep', action='store_true',
                    help='keep the private root afterwards')
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    os.environ['VS_BUILD_ROOT'] = build
    for f in (vstest.virtsaved_binary(), vstest.guest_kernel()):
        if not os.path.exists(f):
            fail('%s is missing: build first (meson setup %s && ninja -C %s)'
                 % (f, args.build, args.build))
    if not shutil.which('virsh'):
        fail('virsh is not installed: run tools/install-deps')

    root = tempfile.mkdtemp(prefix='virtsave-demo-', dir=args.dir)
    images = os.path.join(root, 'images')
    os.makedirs(images)
    serial = os.path.join(root, 'guest-serial.log')
    image = os.path.join(images, 'guest.save')
    try:
        log('virtsave quick start: private root %s' % root)
        with vstest.Daemon(root=root, verbose=False) as daemon:
            log('virtsaved is listening on %s' % daemon.socket)
            run(daemon, args, serial, images, image)
    except RuntimeError as e:
        fail(str(e))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


def run(daemon, args, serial, images, image):
    """Boot, save, restore and check the guest; print the table."""
    def virsh(*words):
        return daemon.virsh(*words, timeout=None, check=True)

    xml = os.path.join(daemon.root, 'guest.xml')
    with open(xml, 'w') as f:
        f.write(vstest.domain_xml('vsdemo', serial, memory_mib=args.memory,
                                  vcpus=2, cmdline='seed=0x5eed1234',
                                  serial_append=True, balloon=False))
    virsh('define', xml)
    virsh('start', 'vsdemo')
    log('guest started (%d MiB, %s); waiting for it to fill its RAM'
        % (args.memory, vstest.accel()))
    vstest.guest_verified(serial)
    log('guest filled and verified its memory once')

    single = vstest.disk_bandwidth(images, args.memory * MiB)
    multi = vstest.disk_bandwidth(images, args.memory * MiB, args.channels)
    log('disk, O_DIRECT, %d MiB in %d MiB requests of random data:'
        % (args.memory, vstest.DISK_REQUEST // MiB))
    log('  ' + str(single))
    log('  ' + str(multi))

    before = vstest.serial_offset(serial)
    t0 = time.monotonic()
    virsh('save', 'vsdemo', image, '--bypass-cache',
          '--parallel-channels', str(args.channels))
    save_s = time.monotonic() - t0
    data_mib = vstest.allocated(image) / MiB
    log('saved to %s: %.0f MiB apparent, %.0f MiB on disk, %.2f s'
        % (image, os.path.getsize(image) / MiB, data_mib, save_s))
    log('domain state after save: %s'
        % virsh('domstate', 'vsdemo').stdout.strip())

    t0 = time.monotonic()
    virsh('restore', image, '--bypass-cache',
          '--parallel-channels', str(args.channels))
    restore_s = time.monotonic() - t0
    log('restored in %.2f s; waiting for the guest to check its memory'
        % restore_s)
    log('guest says: %s' % vstest.guest_verified(serial, before, 2))

    streams = '%d streams' % multi.streams
    log('')
    log('%-40s %8s %8s' % ('', 'MiB/s', 'vs disk'))
    log('%-40s %8.0f' % ('disk, O_DIRECT write, durable, 1 stream',
                         single.durable))
    log('%-40s %8.0f %8s' % ('disk, O_DIRECT write, durable, ' + streams,
                             multi.durable, '1.00'))
    log('%-40s %8.0f %8.2f' % ('virsh save (%d channels)' % args.channels,
                               data_mib / save_s,
                               data_mib / save_s / multi.durable))
    log('%-40s %8.0f' % ('disk, O_DIRECT read, 1 stream', single.read))
    log('%-40s %8.0f %8s' % ('disk, O_DIRECT read, ' + streams, multi.read,
                             '1.00'))
    log('%-40s %8.0f %8.2f' % ('virsh restore (%d channels)'
                               % args.channels, data_mib / restore_s,
                               data_mib / restore_s / multi.read))
    log('(save and restore times include pausing, QEMU start and stop;'
        ' %.0f MiB of guest data)' % data_mib)
    virsh('destroy', 'vsdemo')
    virsh('undefine', 'vsdemo')


if __name__ == '__main__':
    sys.exit(main())
