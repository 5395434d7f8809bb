#!/usr/bin/env python3
"""virtsave's main job, end to end, with the real virsh.

Starts virtsaved under a private root, boots the bundled test guest (it
fills its RAM with a seeded pattern in ring 3 and verifies it over and
over), saves it with --bypass-cache --parallel-channels N, restores it the
same way, waits for the restored guest to report its memory intact, and
prints the save and restore throughput beside the raw O_DIRECT bandwidth of
the same file system, measured in the same run.
"""

import argparse
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import time

MiB = 1024 * 1024


def log(msg):
    print(msg, flush=True)


def fail(msg):
    print('demo: %s' % msg, file=sys.stderr, flush=True)
    sys.exit(1)


def accel():
    try:
        fd = os.open('/dev/kvm', os.O_RDWR | os.O_CLOEXEC)
        os.close(fd)
        return 'kvm'
    except OSError:
        return 'qemu'


def domain_xml(name, kernel, mem_mib, serial, vcpus=2):
    dtype = accel()
    return f"""<domain type='{dtype}'>
  <name>{name}</name>
  <memory unit='MiB'>{mem_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <cmdline>seed=0x5eed1234</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <serial type='file'>
      <source path='{serial}' append='on'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
"""


class Daemon:
    def __init__(self, exe, root):
        self.root = root
        self.sock = os.path.join(root, 'run', 'virtsaved-sock')
        self.uri = 'qemu+unix:///system?socket=' + self.sock
        self.logf = open(os.path.join(root, 'virtsaved.stderr'), 'wb')
        self.proc = subprocess.Popen([exe, '--root', root],
                                     stdout=self.logf, stderr=self.logf)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail('virtsaved exited with status %d; see %s'
                     % (self.proc.returncode, self.logf.name))
            if os.path.exists(self.sock):
                r = self.virsh('version', check=False)
                if r.returncode == 0:
                    return
            time.sleep(0.05)
        fail('virsh could not connect to virtsaved within 30 s')

    def virsh(self, *args, check=True):
        r = subprocess.run(['virsh', '-q', '-c', self.uri] + list(args),
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            fail('virsh %s failed:\n%s%s' % (' '.join(args), r.stdout,
                                             r.stderr))
        return r

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def wait_serial(path, needle, after=0, timeout=120):
    """Wait until @needle appears in @path past byte offset @after."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, 'rb') as f:
                f.seek(after)
                data = f.read().decode('ascii', 'replace')
        except FileNotFoundError:
            data = ''
        for line in data.splitlines():
            if 'VSGUEST VERIFY BAD' in line or 'VSGUEST FAULT' in line:
                fail('the guest reported: %s' % line)
            if needle in line:
                return line
        time.sleep(0.1)
    fail('no "%s" from the guest within %d s (serial log %s)'
         % (needle, timeout, path))


def direct_bandwidth(directory, size):
    """Raw O_DIRECT write then read bandwidth (MiB/s) of @directory's file
    system for @size bytes, in 8 MiB requests, synced."""
    chunk = 8 * MiB
    size = max(chunk, size // chunk * chunk)
    buf = mmap.mmap(-1, chunk)
    buf.write(os.urandom(MiB) * (chunk // MiB))
    path = os.path.join(directory, 'bandwidth.probe')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT,
                 0o600)
    t0 = time.monotonic()
    for off in range(0, size, chunk):
        os.pwritev(fd, [buf], off)
    os.fsync(fd)
    wr = size / MiB / (time.monotonic() - t0)
    os.close(fd)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    t0 = time.monotonic()
    for off in range(0, size, chunk):
        os.preadv(fd, [buf], off)
    rd = size / MiB / (time.monotonic() - t0)
    os.close(fd)
    os.unlink(path)
    return wr, rd


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
    daemon_exe = os.path.join(build, 'src', 'daemon', 'virtsaved')
    kernel = os.path.join(build, 'tests', 'guest', 'vsguest.elf')
    for f in (daemon_exe, kernel):
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
    daemon = None
    try:
        log('virtsave quick start: private root %s' % root)
        daemon = Daemon(daemon_exe, root)
        log('virtsaved is listening on %s' % daemon.sock)
        xml = os.path.join(root, 'guest.xml')
        with open(xml, 'w') as f:
            f.write(domain_xml('vsdemo', kernel, args.memory, serial))
        daemon.virsh('define', xml)
        daemon.virsh('start', 'vsdemo')
        log('guest started (%d MiB, %s); waiting for it to fill its RAM'
            % (args.memory, accel()))
        wait_serial(serial, 'VSGUEST VERIFY OK pass=1', timeout=300)
        log('guest filled and verified its memory once')

        wr, rd = direct_bandwidth(images, args.memory * MiB)

        before = os.path.getsize(serial)
        t0 = time.monotonic()
        daemon.virsh('save', 'vsdemo', image, '--bypass-cache',
                     '--parallel-channels', str(args.channels))
        save_s = time.monotonic() - t0
        st = os.stat(image)
        log('saved to %s: %.0f MiB apparent, %.0f MiB on disk, %.2f s'
            % (image, st.st_size / MiB, st.st_blocks * 512 / MiB, save_s))
        state = daemon.virsh('domstate', 'vsdemo').stdout.strip()
        log('domain state after save: %s' % state)

        t0 = time.monotonic()
        daemon.virsh('restore', image, '--bypass-cache',
                     '--parallel-channels', str(args.channels))
        restore_s = time.monotonic() - t0
        log('restored in %.2f s; waiting for the guest to check its memory'
            % restore_s)
        line = wait_serial(serial, 'VSGUEST VERIFY OK', after=before,
                           timeout=300)
        log('guest says: %s' % line)

        data_mib = st.st_blocks * 512 / MiB
        log('')
        log('%-34s %10s %10s' % ('', 'MiB/s', 'vs disk'))
        log('%-34s %10.0f %10s' % ('disk, raw O_DIRECT write', wr, '1.00'))
        log('%-34s %10.0f %10.2f' % ('virsh save (%d channels)'
                                     % args.channels, data_mib / save_s,
                                     data_mib / save_s / wr))
        log('%-34s %10.0f %10s' % ('disk, raw O_DIRECT read', rd, '1.00'))
        log('%-34s %10.0f %10.2f' % ('virsh restore (%d channels)'
                                     % args.channels, data_mib / restore_s,
                                     data_mib / restore_s / rd))
        log('(save and restore times include pausing, QEMU start and stop;'
            ' %0.f MiB of guest data)' % data_mib)
        daemon.virsh('destroy', 'vsdemo')
        daemon.virsh('undefine', 'vsdemo')
    finally:
        if daemon:
            daemon.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
