/**
 * task.network and the network interface (docs/objects/network.md) with real
 * sources of frames: a NetworkInterface attached on a UdpFrameLink bound to
 * 127.0.0.1 (port 0), fed real Ethernet/IPv4/TCP, UDP and ARP frames from a
 * plain node:dgram socket, and a PcapReplayLink replaying a pcap file
 * written with writePcap. Frames reach the task bound to their TCP
 * destination port (as kind 'frame' mail from pid 0, bytes and length
 * intact), else the driver, else are dropped and counted (no route, too
 * big, runt, mailbox full). The driver transmits frames that arrive at the
 * socket; the errors of transmit and of registration; registrations die
 * with their task.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusyError, errno as E, type FrameLink, type Kernel, type NetworkInterface } from '../../src/index.js';
import { UdpFrameLink } from '../../src/devices/udp-link.js';
import { PcapReplayLink, writePcap } from '../../src/devices/pcap.js';
import { buildArpFrame, buildTcpFrame, buildUdpFrame, parseEthernetFrame } from '../../src/devices/ethernet.js';
import { kipcError } from '../support/errors.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { NET, NET_REGISTER, R2Agent, RECEIVE_DATA, mailboxOf, numberedFrame, type MailOut } from './fixtures/rou2exos-agent-client.js';
import { seededPattern } from '../support/patterns.js';
import { remote } from '../support/agent.js';
import { pollUntil } from '../support/sleep.js';
import { isBlockedOn, taskInfo } from '../support/blocked.js';

const watchdog = startWatchdog(90_000, 'network API tests');
after(() => watchdog.stop());

const T = { timeout: 60_000 };
const LOOPBACK = '127.0.0.1';

/** An Ethernet/IPv4/TCP frame to `port` whose TCP sequence number is `seq`, with `payloadBytes` of payload. */
function tcp(port: number, seq: number, payloadBytes = 32): Uint8Array {
  return buildTcpFrame({
    sourceMac: NET.hostMac,
    destinationMac: NET.guestMac,
    sourceIp: NET.hostIp,
    destinationIp: NET.guestIp,
    sourcePort: 40_000 + (seq % 1000),
    destinationPort: port,
    sequence: seq,
    payload: seededPattern(seq, payloadBytes),
  });
}

function udp(port: number, seq: number): Uint8Array {
  return buildUdpFrame({ sourceMac: NET.hostMac, destinationMac: NET.guestMac, sourceIp: NET.hostIp, destinationIp: NET.guestIp, sourcePort: 5353, destinationPort: port, payload: seededPattern(seq, 20) });
}

function arp(): Uint8Array {
  return buildArpFrame({ senderMac: NET.hostMac, senderIp: NET.hostIp, targetIp: NET.guestIp });
}

/** `frame` with an 802.1Q tag inserted after the MAC addresses. */
function vlanTagged(frame: Uint8Array, vlan: number): Uint8Array {
  const tagged = new Uint8Array(frame.length + 4);
  tagged.set(frame.subarray(0, 12), 0);
  tagged.set([0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 0xff], 12);
  tagged.set(frame.subarray(12), 16);
  return tagged;
}

/** A plain UDP socket on loopback that records what it receives. */
async function peer(): Promise<{ socket: Socket; port: number; received: Uint8Array[]; send(frame: Uint8Array, to: number): Promise<void>; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const received: Uint8Array[] = [];
  socket.on('message', (data) => received.push(new Uint8Array(data)));
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return {
    socket,
    port: socket.address().port,
    received,
    send: (frame, to) => new Promise((resolve, reject) => socket.send(frame, to, LOOPBACK, (e) => (e ? reject(e) : resolve()))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Runs `body` with a NetworkInterface on a fresh UdpFrameLink and a peer socket; detaches and closes them after. */
async function withUdpNetwork(
  kernel: Kernel,
  body: (net: { nic: NetworkInterface; link: UdpFrameLink; linkPort: number; sock: Awaited<ReturnType<typeof peer>> }) => Promise<void>,
): Promise<void> {
  const link = new UdpFrameLink({ bind: { port: 0 } });
  const nic = await kernel.attachNetwork(link);
  const sock = await peer();
  try {
    const { address, port } = link.address();
    assert.equal(address, LOOPBACK);
    assert.ok(port > 0);
    await body({ nic, link, linkPort: port, sock });
  } finally {
    await nic.detach();
    await sock.close();
  }
}

/** Waits until the kernel has taken in `n` frames in all. */
async function framesIn(kernel: Kernel, n: number): Promise<void> {
  await waitFor(() => kernel.snapshot().network.framesIn >= n, `${n} frames to come in (${kernel.snapshot().network.framesIn} so far)`);
  assert.equal(kernel.snapshot().network.framesIn, n);
}

async function drain(agent: R2Agent): Promise<MailOut[]> {
  return agent.run<MailOut[]>({ op: 'drain' });
}

function frameMail(frame: Uint8Array): MailOut {
  return { from: 0, kind: 'frame', data: frame };
}

test('becomeDriver / bindPort: BusyError while another live task holds it, InvalidArgumentError out of range, RangeError for port 0, NoSpaceError for the 17th port', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const a = await R2Agent.spawn(kernel, { personality: 'strat9' });
    const b = await R2Agent.spawn(kernel);
    await a.run({ op: 'becomeDriver' });
    await a.run({ op: 'becomeDriver' });
    await assert.rejects(b.run({ op: 'becomeDriver' }), remote('BusyError', E.EBUSY, 'EBUSY'));
    assert.equal(kernel.snapshot().network.driver, a.pid);
    await a.run({ op: 'bindPort', port: 80 });
    await a.run({ op: 'bindPort', port: 80 });
    await assert.rejects(b.run({ op: 'bindPort', port: 80 }), remote('BusyError', E.EBUSY, 'EBUSY'));
    assert.throws(() => kernel.task.network.bindPort(80), kipcError(BusyError, E.EBUSY, 'EBUSY'));
    for (const bad of [65536, -1, 1.5]) await assert.rejects(b.run({ op: 'bindPort', port: bad }), remote('InvalidArgumentError', E.EINVAL, 'EINVAL'), `port ${bad}`);
    await assert.rejects(b.run({ op: 'bindPort', port: 0 }), (e: unknown) => e instanceof Error && /RangeError/.test(e.message));
    assert.equal(kernel.snapshot().network.registerRefused, 3, 'EBUSY refusals counted');
    for (let p = 1; p <= 15; p++) await b.run({ op: 'bindPort', port: 1000 + p });
    assert.equal(kernel.snapshot().network.ports.length, 16);
    await assert.rejects(b.run({ op: 'bindPort', port: 2000 }), remote('NoSpaceError', E.ENOSPC, 'ENOSPC'));
    await assert.rejects(a.run({ op: 'bindPort', port: 2000 }), remote('NoSpaceError', E.ENOSPC, 'ENOSPC'));
    assert.equal(kernel.snapshot().network.registerRefused, 5);
    assert.deepEqual(kernel.snapshot().network.ports.find((e) => e.port === 80), { port: 80, pid: a.pid }, 'nothing overwritten');
  });
});

test('frames from a real UDP socket reach the task bound to their TCP destination port, else the driver: kind frame, from 0, length and bytes intact', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const web = await R2Agent.spawn(kernel); // rou2exOS, drives the ABI
    const alt = await R2Agent.spawn(kernel, { personality: 'strat9' }); // typed API
    const driver = await R2Agent.spawn(kernel);
    assert.equal(await web.sys(NET_REGISTER, 80), 0);
    await alt.run({ op: 'bindPort', port: 8080 });
    assert.equal(await driver.sys(NET_REGISTER, 0), 0);
    await withUdpNetwork(kernel, async ({ linkPort, sock }) => {
      assert.equal(kernel.snapshot().network.interfaceAttached, true);
      const fragment = tcp(80, 9, 40);
      fragment[20] = 0x00;
      fragment[21] = 0x10; // a later IPv4 fragment: no TCP header to route by
      const frames = {
        web1: tcp(80, 1),
        alt1: tcp(8080, 2, 100),
        unbound: tcp(9999, 3),
        arp: arp(),
        udp80: udp(80, 4),
        web2: tcp(80, 5, 1400),
        alt2: tcp(8080, 6, 1994), // 2048 bytes: the largest frame
        vlan80: vlanTagged(tcp(80, 7), 5),
        fragment,
      };
      assert.equal(frames.alt2.length, 2048);
      for (const f of Object.values(frames)) await sock.send(f, linkPort);
      await framesIn(kernel, 9);

      // The rou2exOS task through receive_data: the frame length, the frame bytes.
      for (const f of [frames.web1, frames.web2, frames.vlan80]) {
        assert.equal(await web.sys(RECEIVE_DATA, 0, 4096), f.length);
        assert.deepEqual(await web.read(4096, f.length), f);
      }
      assert.equal(await web.sys(RECEIVE_DATA, 0, 4096), 0);
      assert.deepEqual(await drain(alt), [frameMail(frames.alt1), frameMail(frames.alt2)]);
      assert.deepEqual(await drain(driver), [frames.unbound, frames.arp, frames.udp80, frames.fragment].map(frameMail));
      const net = kernel.snapshot().network;
      assert.deepEqual([net.framesIn, net.toPort, net.toDriver, net.dropped], [9, 5, 4, { noRoute: 0, mailboxFull: 0, tooBig: 0, runt: 0 }]);
      assert.equal(parseEthernetFrame(frames.web2).ipv4!.tcp!.sequence, 5, 'real TCP frames');
    });
    assert.equal(kernel.snapshot().network.interfaceAttached, false);
  });
});

test('drops are counted: a full mailbox (mailboxFull, not rerouted), frames over 2048 bytes (tooBig), runts, and no route without a driver', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const slow = await R2Agent.spawn(kernel);
    const driver = await R2Agent.spawn(kernel);
    assert.equal(await slow.sys(NET_REGISTER, 8080), 0);
    assert.equal(await driver.sys(NET_REGISTER, 0), 0);
    await withUdpNetwork(kernel, async ({ linkPort, sock }) => {
      const frames = Array.from({ length: 12 }, (_, i) => tcp(8080, 100 + i, i * 10));
      for (const f of frames) await sock.send(f, linkPort);
      await framesIn(kernel, 12);
      let net = kernel.snapshot().network;
      assert.deepEqual([net.toPort, net.toDriver, net.dropped.mailboxFull], [10, 0, 2], 'the last two found the mailbox full');
      assert.equal(mailboxOf(kernel, slow.pid)!.refused, 2, 'and the mailbox counted them');
      assert.equal(mailboxOf(kernel, driver.pid)!.depth, 0, 'a full port holder\'s frames do not go to the driver');

      await sock.send(tcp(80, 1, 2049 - 54), linkPort);
      await sock.send(tcp(8080, 2, 4000), linkPort);
      await sock.send(new Uint8Array(13).fill(1), linkPort);
      await sock.send(new Uint8Array(1), linkPort);
      await framesIn(kernel, 16);
      net = kernel.snapshot().network;
      assert.deepEqual(net.dropped, { noRoute: 0, mailboxFull: 2, tooBig: 2, runt: 2 });
      assert.equal(mailboxOf(kernel, driver.pid)!.depth, 0);

      assert.deepEqual(await drain(slow), frames.slice(0, 10).map(frameMail), 'the ten that fit, intact and in order');
      await driver.terminate();
      assert.equal(kernel.snapshot().network.driver, 0);
      for (const f of [tcp(9999, 1), arp(), udp(53, 2), tcp(80, 3)]) await sock.send(f, linkPort);
      await sock.send(tcp(8080, 4), linkPort);
      await framesIn(kernel, 21);
      net = kernel.snapshot().network;
      assert.deepEqual([net.toPort, net.toDriver, net.dropped], [11, 0, { noRoute: 4, mailboxFull: 2, tooBig: 2, runt: 2 }]);
      assert.deepEqual(await drain(slow), [frameMail(tcp(8080, 4))], 'bound ports still work without a driver');
    });
  });
});

test('the driver transmits frames with task.network.transmit: they arrive at the socket, in order and intact (to the last peer, or to a configured remote)', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const driver = await R2Agent.spawn(kernel);
    await driver.run({ op: 'becomeDriver' });
    await withUdpNetwork(kernel, async ({ link, linkPort, sock }) => {
      await sock.send(arp(), linkPort); // the link learns its peer from the first datagram
      await framesIn(kernel, 1);
      assert.deepEqual(link.lastPeer, { address: LOOPBACK, port: sock.port });
      assert.deepEqual(await drain(driver), [frameMail(arp())]);
      const out = [tcp(40000, 1), tcp(40000, 2, 1994), new Uint8Array(14).fill(0xab), tcp(40000, 3, 600)];
      await driver.run({ op: 'transmit', frame: out[0]! });
      await driver.run({ op: 'transmit', frame: out[1]!, wait: true });
      assert.equal(await driver.run({ op: 'tryTransmit', frame: out[2]! }), true);
      await driver.run({ op: 'transmit', frame: out[3]! });
      await waitFor(() => sock.received.length >= 4, 'the transmitted frames at the socket');
      assert.deepEqual(sock.received, out);
      assert.equal(kernel.snapshot().network.transmitted, 4);
      assert.equal(link.stats.transmitted, 4);
    });
    // A link with a remote sends there without having heard from it.
    const target = await peer();
    const link = new UdpFrameLink({ bind: { port: 0 }, remote: { address: LOOPBACK, port: target.port } });
    const nic = await kernel.attachNetwork(link);
    try {
      await driver.run({ op: 'transmit', frame: tcp(1234, 77) });
      await waitFor(() => target.received.length === 1, 'the frame at the remote');
      assert.deepEqual(target.received[0], tcp(1234, 77));
    } finally {
      await nic.detach();
      await target.close();
    }
  });
});

test('transmit errors: a non-driver gets PermissionError, bad lengths InvalidArgumentError, no interface BrokenPipeError; a second interface BusyError; detaching frees the transmit queue', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const driver = await R2Agent.spawn(kernel);
    const other = await R2Agent.spawn(kernel, { personality: 'strat9' });
    kernel.task.mailbox.tryReceive();
    const baseline = kernel.usage();
    await driver.run({ op: 'becomeDriver' });
    await assert.rejects(driver.run({ op: 'transmit', frame: tcp(80, 1) }), remote('BrokenPipeError', E.EPIPE, 'EPIPE'), 'no interface attached');
    await assert.rejects(driver.run({ op: 'tryTransmit', frame: tcp(80, 1) }), remote('BrokenPipeError', E.EPIPE, 'EPIPE'));
    await withUdpNetwork(kernel, async ({ link, linkPort, sock }) => {
      assert.ok(kernel.usage().pages > baseline.pages, 'the interface has a transmit queue');
      await assert.rejects(kernel.attachNetwork(new UdpFrameLink({ bind: { port: 0 } })), kipcError(BusyError, E.EBUSY, 'EBUSY'));
      await assert.rejects(other.run({ op: 'transmit', frame: tcp(80, 1) }), remote('PermissionError', E.EPERM, 'EPERM'));
      await assert.rejects(other.run({ op: 'tryTransmit', frame: tcp(80, 1) }), remote('PermissionError', E.EPERM, 'EPERM'));
      for (const length of [0, 1, 13, 2049, 4000]) {
        await assert.rejects(driver.run({ op: 'transmit', frame: new Uint8Array(length) }), remote('InvalidArgumentError', E.EINVAL, 'EINVAL'), `length ${length}`);
        await assert.rejects(other.run({ op: 'transmit', frame: new Uint8Array(length) }), remote('InvalidArgumentError', E.EINVAL, 'EINVAL'));
      }
      await sock.send(arp(), linkPort);
      await framesIn(kernel, 1);
      await driver.run({ op: 'transmit', frame: new Uint8Array(2048).fill(7) });
      await waitFor(() => sock.received.length === 1, 'the one valid frame');
      assert.deepEqual(sock.received[0], new Uint8Array(2048).fill(7));
      assert.equal(kernel.snapshot().network.transmitted, 1, 'refused transmits sent nothing');
      assert.equal(link.stats.transmitted, 1);
    });
    assert.equal(kernel.snapshot().network.interfaceAttached, false);
    await assert.rejects(driver.run({ op: 'transmit', frame: tcp(80, 1) }), remote('BrokenPipeError', E.EPIPE, 'EPIPE'), 'after detach');
    await drain(driver);
    assert.deepEqual(kernel.usage(), baseline, 'the transmit queue was freed');
    assert.throws(() => kernel.task.network.transmit(tcp(80, 1)), (e: unknown) => e instanceof Error && e.name === 'PermissionError');
  });
});

test('the transmit queue holds 64 frames: while the interface\'s thread is busy, tryTransmit is false beyond them (counted) and a waiting transmit sleeps until it drains; all go out in order', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const driver = await R2Agent.spawn(kernel);
    await driver.run({ op: 'becomeDriver' });
    kernel.task.mailbox.tryReceive();
    await withUdpNetwork(kernel, async ({ link, linkPort, sock }) => {
      await sock.send(arp(), linkPort);
      await framesIn(kernel, 1);
      await drain(driver);
      // The interface sends from init's event loop: while init's thread is blocked (here in a
      // sync receive), nothing leaves the queue. The agent mails init when it is done.
      const refusing = driver.start<boolean[]>({ op: 'transmitMany', count: 70, reportAt: 70 });
      const report = kernel.task.mailbox.receive({ timeout: 20_000 });
      assert.deepEqual([report.from, report.data[0]], [driver.pid, 64], '64 accepted');
      assert.deepEqual(await refusing, [...Array(64).fill(true), ...Array(6).fill(false)]);
      let net = kernel.snapshot().network;
      assert.deepEqual([net.transmitted, net.transmitRefused], [64, 6]);
      await waitFor(() => sock.received.length >= 64, 'the 64 queued frames at the socket');
      assert.deepEqual(sock.received, Array.from({ length: 64 }, (_, i) => numberedFrame(i)));

      // Again, with transmits that wait for room from the 65th on.
      sock.received.length = 0;
      const waiting = driver.start<boolean[]>({ op: 'transmitMany', count: 70, waitFrom: 64, reportAt: 64 });
      const full = kernel.task.mailbox.receive({ timeout: 20_000 });
      assert.equal(full.data[0], 64);
      const queue = kernel.snapshot().objects.find((o) => o.type === 'mailbox' && o.owner === 0)!;
      assert.equal(queue.depth, 64, 'the transmit queue is full');
      // Still without letting init's event loop run: the 65th transmit sleeps on the full queue.
      pollUntil(() => isBlockedOn(kernel.snapshot(), driver.pid, 'mailbox', 'writable', queue.id), 'the driver to sleep in its 65th transmit', 10_000);
      assert.equal(waiting.settled, false);
      assert.equal(kernel.snapshot().network.transmitted, 128, 'the waiting transmit is not counted yet');
      assert.deepEqual(await within(waiting, 10_000, 'the waiting transmits'), Array(70).fill(true));
      await waitFor(() => sock.received.length >= 70, 'all 70 frames at the socket');
      assert.deepEqual(sock.received, Array.from({ length: 70 }, (_, i) => numberedFrame(i)), 'in order, none lost');
      net = kernel.snapshot().network;
      assert.deepEqual([net.transmitted, net.transmitRefused], [134, 6]);
      assert.equal(link.stats.transmitted, 134);
    });
  });
});

test('detaching the interface while the driver waits for room in the full transmit queue: the wait ends with BrokenPipeError, the queue is freed, a new interface can attach', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const driver = await R2Agent.spawn(kernel);
    await driver.run({ op: 'becomeDriver' });
    kernel.task.mailbox.tryReceive();
    const baseline = kernel.usage();
    const sent: Uint8Array[] = [];
    // An in-memory link whose close settles at once.
    const link: FrameLink = { description: 'test link', open: async () => {}, transmit: (f) => void sent.push(f.slice()), close: () => Promise.resolve() };
    const nic = await kernel.attachNetwork(link);
    const waiting = driver.start<boolean[]>({ op: 'transmitMany', count: 70, waitFrom: 64, reportAt: 64 });
    assert.equal(kernel.task.mailbox.receive({ timeout: 20_000 }).data[0], 64, 'the queue filled while init\'s thread was busy');
    pollUntil(() => taskInfo(kernel, driver.pid)?.state === 'blocked', 'the driver to sleep in its 65th transmit', 10_000);
    const detached = nic.detach();
    await assert.rejects(within(waiting, 10_000, 'the waiting transmit'), remote('BrokenPipeError', E.EPIPE, 'EPIPE'));
    await detached;
    assert.ok(sent.length <= 64);
    assert.deepEqual(sent, Array.from({ length: sent.length }, (_, i) => numberedFrame(i)), 'whatever went out went in order');
    assert.deepEqual(kernel.usage(), baseline, 'the transmit queue and its frames are gone');
    assert.equal(kernel.snapshot().network.interfaceAttached, false);
    const again = await kernel.attachNetwork(link);
    await driver.run({ op: 'transmit', frame: numberedFrame(99) });
    await waitFor(() => sent.at(-1)?.[14] === 99, 'a frame through the new interface');
    await again.detach();
  });
});

test('registrations vanish with their task: a terminated driver is replaced, a dead task\'s port is free, and its frames go to the driver meanwhile', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const oldDriver = await R2Agent.spawn(kernel);
    const holder = await R2Agent.spawn(kernel, { personality: 'strat9' });
    const next = await R2Agent.spawn(kernel);
    await oldDriver.run({ op: 'becomeDriver' });
    await holder.run({ op: 'bindPort', port: 80 });
    await holder.run({ op: 'bindPort', port: 443 });
    await assert.rejects(next.run({ op: 'becomeDriver' }), remote('BusyError', E.EBUSY, 'EBUSY'));
    await withUdpNetwork(kernel, async ({ linkPort, sock }) => {
      await oldDriver.terminate();
      assert.equal(kernel.snapshot().network.driver, 0);
      await next.run({ op: 'becomeDriver' });
      assert.equal(kernel.snapshot().network.driver, next.pid);
      await holder.terminate();
      assert.deepEqual(kernel.snapshot().network.ports, [], 'the dead holder\'s ports are gone');
      await sock.send(tcp(80, 1), linkPort);
      await sock.send(tcp(443, 2), linkPort);
      await framesIn(kernel, 2);
      assert.deepEqual(await drain(next), [frameMail(tcp(80, 1)), frameMail(tcp(443, 2))], 'unbound now: to the new driver');
      const web = await R2Agent.spawn(kernel);
      assert.equal(await web.sys(NET_REGISTER, 80), 0, 'port 80 is free again');
      await sock.send(tcp(80, 3), linkPort);
      await framesIn(kernel, 3);
      assert.deepEqual(await drain(web), [frameMail(tcp(80, 3))]);
      assert.deepEqual(await drain(next), []);
      assert.equal(kernel.snapshot().network.dropped.noRoute, 0);
    });
  });
});

test('a pcap capture replayed fast (PcapReplayLink): every frame reaches the right task, in capture order', T, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kipc-r2-pcap-'));
  try {
    await withGuardedKernel(async (kernel) => {
      const ports = [80, 81, 82];
      const holders = await Promise.all(ports.map((_, i) => R2Agent.spawn(kernel, { personality: i === 1 ? 'strat9' : 'rou2exos' })));
      for (let i = 0; i < ports.length; i++) await holders[i]!.run({ op: 'bindPort', port: ports[i]! });
      const driver = await R2Agent.spawn(kernel);
      await driver.run({ op: 'becomeDriver' });
      // 40 frames, ten for each task (a mailbox's capacity: nothing has to be read during the replay).
      const frames: Uint8Array[] = [];
      const expected = new Map<number, number[]>([[-1, []], ...ports.map((p) => [p, []] as [number, number[]])]);
      for (let seq = 0; seq < 40; seq++) {
        const which = (seq * 7) % 4; // interleaved
        const frame = which < 3 ? tcp(ports[which]!, seq, 20 + seq * 13) : seq % 2 ? arp() : udp(ports[0]!, seq);
        frames.push(frame);
        expected.get(which < 3 ? ports[which]! : -1)!.push(seq);
      }
      const path = join(dir, 'replay.pcap');
      await writeFile(path, writePcap(frames.map((data, i) => ({ timestampMicros: 1_700_000_000_000_000 + i * 1000, data }))));
      const link = new PcapReplayLink(path, { pace: 'fast' });
      const nic = await kernel.attachNetwork(link);
      try {
        assert.deepEqual(await within(link.done, 20_000, 'the replay'), { frames: 40 });
        await framesIn(kernel, 40);
        for (let i = 0; i < ports.length; i++) {
          const got = await drain(holders[i]!);
          const want = expected.get(ports[i]!)!;
          assert.equal(got.length, want.length, `port ${ports[i]}`);
          assert.deepEqual(
            got.map((m) => parseEthernetFrame(m.data).ipv4!.tcp!.sequence),
            want,
            `port ${ports[i]}: the sequence numbers in capture order`,
          );
          assert.deepEqual(got, want.map((seq) => frameMail(frames[seq]!)), 'bytes intact');
        }
        const toDriver = await drain(driver);
        assert.deepEqual(toDriver, expected.get(-1)!.map((seq) => frameMail(frames[seq]!)));
        const net = kernel.snapshot().network;
        assert.deepEqual([net.toPort, net.toDriver, net.dropped.noRoute, net.dropped.mailboxFull], [30, 10, 0, 0]);
      } finally {
        await nic.detach();
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
