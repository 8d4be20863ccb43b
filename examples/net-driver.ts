/**
 * A userland network driver on kipc's rou2exOS personality (docs/objects/network.md).
 *
 * The kernel's network interface is a UDP socket carrying one Ethernet frame
 * per datagram, the framing of QEMU's dgram netdev. The driver is a
 * rou2exOS task: it registers with net_register(0), blocks in
 * receive_data for frames, and answers ARP requests for its IPv4 address
 * and ICMP echo requests (ping) sent to it, transmitting the replies
 * through the typed API.
 *
 *   npm run example:net-driver             # a built-in peer sends an ARP request and 3 pings, prints the replies, exits
 *   npm run example:net-driver -- --serve  # keep answering on 127.0.0.1:5555 (e.g. for a QEMU guest:
 *     -netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=5556,remote.type=inet,remote.host=127.0.0.1,remote.port=5555)
 */
import { isMainThread } from 'node:worker_threads';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Kernel, attach, sys } from '../src/index.js';
import {
  ARP_REPLY,
  ARP_REQUEST,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  UdpFrameLink,
  buildArpFrame,
  buildIcmpEchoFrame,
  parseEthernetFrame,
} from '../src/devices/index.js';

/** The driver's own addresses (a guest on QEMU's default user network would use 10.0.2.x). */
const DRIVER_MAC = '52:54:00:12:34:56';
const DRIVER_IP = '10.0.2.15';
const PEER_MAC = '52:54:00:ab:cd:ef';
const PEER_IP = '10.0.2.2';
const LINK_PORT = 5555;
const FRAME_BUFFER = 0;

/** The driver task: a rou2exOS program speaking syscalls, transmitting with the typed API. */
function runDriver(): void {
  const task = attach();
  const memory = task.memory;
  if (task.syscall(sys.SYS_NET_REGISTER, 0) !== 0) throw new Error('driver: net_register(0) refused');
  task.mailbox.send(1, 'ready');
  for (;;) {
    const length = task.syscall(sys.SYS_RECEIVE_DATA, 1, FRAME_BUFFER);
    if (length < 0) throw new Error(`driver: receive_data failed with errno ${-length}`);
    const frame = parseEthernetFrame(memory.subarray(FRAME_BUFFER, FRAME_BUFFER + length));
    const reply = answer(frame);
    if (reply) task.network.transmit(reply, { wait: true });
  }
}

/** The reply to an ARP request for DRIVER_IP or a ping of DRIVER_IP; undefined for anything else. */
function answer(frame: ReturnType<typeof parseEthernetFrame>): Uint8Array | undefined {
  const arp = frame.arp;
  if (arp && arp.operation === ARP_REQUEST && arp.targetIp === DRIVER_IP) {
    return buildArpFrame({ operation: ARP_REPLY, senderMac: DRIVER_MAC, senderIp: DRIVER_IP, targetMac: arp.senderMac, targetIp: arp.senderIp });
  }
  const ip = frame.ipv4;
  const icmp = ip?.icmp;
  if (ip && icmp && icmp.type === ICMP_ECHO_REQUEST && ip.destinationIp === DRIVER_IP) {
    return buildIcmpEchoFrame({
      sourceMac: DRIVER_MAC,
      destinationMac: frame.sourceMac,
      sourceIp: DRIVER_IP,
      destinationIp: ip.sourceIp,
      type: ICMP_ECHO_REPLY,
      identifier: icmp.identifier,
      sequence: icmp.sequence,
      payload: icmp.payload,
    });
  }
  return undefined;
}

/** A peer on the wire (what a QEMU guest would be): sends an ARP request and pings, prints what comes back. */
async function runPeer(port: number): Promise<void> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const replies: string[] = [];
  const expected = 4;
  const done = new Promise<void>((resolve) => {
    socket.on('message', (datagram) => {
      const frame = parseEthernetFrame(new Uint8Array(datagram));
      if (frame.arp) replies.push(`ARP reply: ${frame.arp.senderIp} is at ${frame.arp.senderMac}`);
      else if (frame.ipv4?.icmp) replies.push(`ICMP echo reply from ${frame.ipv4.sourceIp}: seq=${frame.ipv4.icmp.sequence} ${new TextDecoder().decode(frame.ipv4.icmp.payload)}`);
      console.log(`peer <- ${replies.at(-1)}`);
      if (replies.length === expected) resolve();
    });
  });
  const send = (frame: Uint8Array): void => socket.send(frame, port, '127.0.0.1');
  console.log(`peer -> ARP who-has ${DRIVER_IP} tell ${PEER_IP}`);
  send(buildArpFrame({ senderMac: PEER_MAC, senderIp: PEER_IP, targetIp: DRIVER_IP }));
  for (let seq = 1; seq <= 3; seq++) {
    console.log(`peer -> ICMP echo request to ${DRIVER_IP} seq=${seq}`);
    send(
      buildIcmpEchoFrame({
        sourceMac: PEER_MAC,
        destinationMac: DRIVER_MAC,
        sourceIp: PEER_IP,
        destinationIp: DRIVER_IP,
        type: ICMP_ECHO_REQUEST,
        identifier: 0x4b49,
        sequence: seq,
        payload: new TextEncoder().encode(`hello kipc ${seq}`),
      }),
    );
  }
  const timeout = setTimeout(() => {
    console.error(`peer: only ${replies.length} of ${expected} replies arrived`);
    process.exitCode = 1;
    socket.close();
  }, 5000);
  await done;
  clearTimeout(timeout);
  socket.close();
}

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  const kernel = Kernel.create();
  const link = new UdpFrameLink({ bind: { port: serve ? LINK_PORT : 0, address: '127.0.0.1' } });
  const nic = await kernel.attachNetwork(link);
  console.log(`interface: ${link.description}`);
  const driver = kernel.spawn(new URL(import.meta.url), { personality: 'rou2exos' });
  kernel.task.mailbox.receive({ timeout: 10_000 });
  console.log(`driver task ${driver.pid} registered (rou2exOS personality), answering for ${DRIVER_IP} at ${DRIVER_MAC}`);
  if (serve) {
    console.log('serving; Ctrl+C to stop');
    return;
  }
  await runPeer(link.address().port);
  const net = kernel.snapshot().network;
  console.log(`kernel: ${net.framesIn} frames in, ${net.toDriver} to the driver, ${net.transmitted} transmitted, dropped ${JSON.stringify(net.dropped)}`);
  await driver.terminate();
  await nic.detach();
  await kernel.close();
}

if (isMainThread) await main();
else runDriver();
