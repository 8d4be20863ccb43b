/**
 * UdpFrameLink over real loopback sockets: datagrams sent by a second
 * socket are delivered one frame each, in order and intact; transmit
 * reaches a configured remote, or else the last peer (and is counted as
 * dropped before any peer is known); the bound port when 0 was asked;
 * bind failures rejected clearly; close is idempotent and stops delivery.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { UdpFrameLink } from '../../src/devices/udp-link.js';
import { buildTcpFrame } from '../../src/devices/ethernet.js';
import { MAX_FRAME_BYTES } from '../../src/devices/frame-link.js';

const LOOPBACK = '127.0.0.1';
const T = { timeout: 30_000 };

/** A plain UDP socket bound to a free loopback port, collecting what it receives. */
async function peerSocket(): Promise<{ socket: Socket; port: number; received: { data: Buffer; from: RemoteInfo }[] }> {
  const socket = createSocket('udp4');
  const received: { data: Buffer; from: RemoteInfo }[] = [];
  socket.on('message', (data, from) => received.push({ data, from }));
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return { socket, port: socket.address().port, received };
}

function send(socket: Socket, bytes: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => socket.send(bytes, port, LOOPBACK, (e) => (e ? reject(e) : resolve())));
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function frame(sequence: number, payloadBytes = 32): Uint8Array {
  const payload = new Uint8Array(payloadBytes).fill(sequence & 0xff);
  return buildTcpFrame({
    sourceMac: '52:55:0a:00:02:02',
    destinationMac: '52:54:00:12:34:56',
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 40000,
    destinationPort: 80,
    sequence,
    payload,
  });
}

test('datagrams from a real socket are delivered one frame each, in order and intact', T, async () => {
  const link = new UdpFrameLink({ bind: { port: 0 } });
  const delivered: Uint8Array[] = [];
  await link.open((f) => delivered.push(f.slice()));
  const { port, address } = link.address();
  assert.equal(address, LOOPBACK);
  assert.ok(port > 0, 'a real port was picked');
  assert.equal(link.description, `udp 127.0.0.1:${port} → last peer`);
  const peer = await peerSocket();
  try {
    // Includes a jumbo frame past MAX_FRAME_BYTES: the link passes it on for the kernel to drop.
    const sent = [frame(0), frame(1, 1000), frame(2, 0), frame(3, 1458), frame(4, MAX_FRAME_BYTES)];
    for (const f of sent) await send(peer.socket, f, port);
    await until('5 frames', () => delivered.length === sent.length);
    assert.deepEqual(delivered, sent);
    assert.equal(link.stats.received, 5);
    assert.deepEqual(link.lastPeer, { address: LOOPBACK, port: peer.port });
  } finally {
    peer.socket.close();
    await link.close();
  }
});

test('transmit without a remote goes to the last peer; before any, it is dropped', T, async () => {
  const link = new UdpFrameLink({ bind: { port: 0, address: LOOPBACK } });
  await link.open(() => {});
  const first = await peerSocket();
  const second = await peerSocket();
  try {
    link.transmit(frame(100));
    assert.deepEqual(link.stats, { received: 0, transmitted: 0, transmitDropped: 1 });

    await send(first.socket, frame(1), link.address().port);
    await until('a datagram from the first peer', () => link.stats.received === 1);
    const reply = frame(101);
    link.transmit(reply);
    reply.fill(0); // the link copied it
    await until('the reply at the first peer', () => first.received.length === 1);
    assert.deepEqual(new Uint8Array(first.received[0]!.data), frame(101));
    assert.equal(first.received[0]!.from.port, link.address().port, 'sent from the bound socket');

    await send(second.socket, frame(2), link.address().port);
    await until('a datagram from the second peer', () => link.stats.received === 2);
    link.transmit(frame(102));
    link.transmit(frame(103));
    await until('two frames at the second peer', () => second.received.length === 2);
    assert.deepEqual(second.received.map((r) => new Uint8Array(r.data)), [frame(102), frame(103)]);
    assert.equal(first.received.length, 1, 'the first peer got nothing more');
    await until('transmit counted', () => link.stats.transmitted === 3);
    assert.deepEqual(link.stats, { received: 2, transmitted: 3, transmitDropped: 1 });
  } finally {
    first.socket.close();
    second.socket.close();
    await link.close();
  }
});

test('transmit with a remote goes there, whoever sent last', T, async () => {
  const remote = await peerSocket();
  const stranger = await peerSocket();
  const link = new UdpFrameLink({ bind: { port: 0 }, remote: { port: remote.port, address: LOOPBACK } });
  assert.equal(link.description, `udp 127.0.0.1:0 → 127.0.0.1:${remote.port}`);
  await link.open(() => {});
  assert.equal(link.description, `udp 127.0.0.1:${link.address().port} → 127.0.0.1:${remote.port}`);
  try {
    link.transmit(frame(1));
    await send(stranger.socket, frame(2), link.address().port);
    await until('a datagram from the stranger', () => link.stats.received === 1);
    link.transmit(frame(3));
    await until('two frames at the remote', () => remote.received.length === 2);
    assert.deepEqual(remote.received.map((r) => new Uint8Array(r.data)), [frame(1), frame(3)]);
    assert.equal(stranger.received.length, 0);
    await until('transmit counted', () => link.stats.transmitted === 2);
    assert.equal(link.stats.transmitDropped, 0);
  } finally {
    remote.socket.close();
    stranger.socket.close();
    await link.close();
  }
});

test('bind failures reject clearly; bad options throw; close is idempotent', T, async () => {
  const holder = await peerSocket();
  try {
    const link = new UdpFrameLink({ bind: { port: holder.port } });
    await assert.rejects(link.open(() => {}), (e: Error) => {
      assert.match(e.message, new RegExp(`cannot bind udp 127\\.0\\.0\\.1:${holder.port}: .*EADDRINUSE`));
      return true;
    });
    await link.close();
  } finally {
    holder.socket.close();
  }
  await assert.rejects(new UdpFrameLink({ bind: { port: 0, address: '192.0.2.1' } }).open(() => {}), /cannot bind udp 192\.0\.2\.1:0: /);
  assert.throws(() => new UdpFrameLink({ bind: { port: 70000 } }), RangeError);
  assert.throws(() => new UdpFrameLink({ bind: { port: 0 }, remote: { port: 0, address: LOOPBACK } }), RangeError);
  assert.throws(() => new UdpFrameLink({ bind: { port: 0 }, remote: { port: 5, address: '::1' } }), /IPv6/);

  const link = new UdpFrameLink({ bind: { port: 0 } });
  assert.throws(() => link.address(), /not open/);
  const delivered: Uint8Array[] = [];
  await link.open((f) => delivered.push(f));
  await assert.rejects(link.open(() => {}), /already opened/);
  const port = link.address().port;
  await link.close();
  await link.close();
  link.transmit(frame(0));
  assert.equal(link.stats.transmitDropped, 1, 'transmit after close is dropped');
  const peer = await peerSocket();
  await send(peer.socket, frame(0), port);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(delivered.length, 0, 'nothing delivered after close');
  peer.socket.close();
});
