/**
 * Ethernet frame builders and parsers: checksums against published and
 * independently computed values (RFC 1071's worked example, the common
 * IPv4 header example with checksum 0xb861, and whole TCP/UDP/ICMP frames
 * computed by a separate Python implementation using struct and socket),
 * ARP layout, parsing back what was built, padding removal, corrupted
 * checksums detected, truncated frames rejected, and tcpDestinationPortOf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARP_REPLY,
  ARP_REQUEST,
  BROADCAST_MAC,
  ETHERNET_MIN_FRAME_BYTES,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ICMP_ECHO_REQUEST,
  IP_PROTOCOL_TCP,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  buildArpFrame,
  buildEthernetFrame,
  buildIcmpEchoFrame,
  buildIpv4Packet,
  buildTcpFrame,
  buildUdpFrame,
  formatIpv4,
  formatMac,
  internetChecksum,
  parseEthernetFrame,
  parseIpv4,
  parseMac,
  tcpDestinationPortOf,
} from '../../src/devices/ethernet.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const GUEST_MAC = '52:54:00:12:34:56';
const HOST_MAC = '52:55:0a:00:02:02';

test('internetChecksum matches RFC 1071 section 3 and the classic IPv4 header example', () => {
  // RFC 1071: the ones' complement sum of 0001 f203 f4f5 f6f7 is ddf2, so the checksum is 220d.
  assert.equal(internetChecksum(hex('0001 f203 f4f5 f6f7')), 0x220d);
  // 192.168.0.1 -> 192.168.0.199, UDP, total length 0x73: checksum b861.
  const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
  assert.equal(internetChecksum(header), 0xb861);
  header.set([0xb8, 0x61], 10);
  assert.equal(internetChecksum(header), 0, 'a header with its checksum sums to 0');
  // Odd length: the last byte is padded with zero.
  assert.equal(internetChecksum(hex('0001 f203 f4f5 f6')), internetChecksum(hex('0001 f203 f4f5 f600')));
});

test('buildIpv4Packet reproduces the classic header byte for byte', () => {
  const packet = buildIpv4Packet({
    sourceIp: '192.168.0.1',
    destinationIp: '192.168.0.199',
    protocol: 17,
    payload: new Uint8Array(0x73 - 20),
  });
  assert.equal(toHex(packet.subarray(0, 20)), '45000073000040004011b861c0a80001c0a800c7');
});

test('TCP SYN frame matches an independently computed frame (IPv4 22c0, TCP f759)', () => {
  const frame = buildTcpFrame({
    sourceMac: HOST_MAC,
    destinationMac: GUEST_MAC,
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 40000,
    destinationPort: 80,
    sequence: 1000,
    flags: TCP_SYN,
  });
  assert.equal(
    toHex(frame),
    '52540012345652550a00020208004500002800004000400622c00a0002020a00020f9c400050000003e8000000005002fffff7590000000000000000',
  );
  assert.equal(frame.length, ETHERNET_MIN_FRAME_BYTES, 'padded to the Ethernet minimum');
  const parsed = parseEthernetFrame(frame);
  assert.equal(parsed.destinationMac, GUEST_MAC);
  assert.equal(parsed.sourceMac, HOST_MAC);
  assert.equal(parsed.etherType, ETHERTYPE_IPV4);
  assert.equal(parsed.ipv4?.protocol, IP_PROTOCOL_TCP);
  assert.equal(parsed.ipv4?.headerChecksum, 0x22c0);
  assert.equal(parsed.ipv4?.headerChecksumValid, true);
  assert.equal(parsed.ipv4?.payload.length, 20, 'padding is not part of the IPv4 payload');
  assert.deepEqual(
    { ...parsed.ipv4?.tcp, payload: undefined },
    {
      sourcePort: 40000,
      destinationPort: 80,
      sequence: 1000,
      acknowledgment: 0,
      flags: TCP_SYN,
      window: 65535,
      checksum: 0xf759,
      checksumValid: true,
      payload: undefined,
    },
  );
});

test('UDP frame matches an independently computed frame (IPv4 22bb, UDP 8ed2)', () => {
  const frame = buildUdpFrame({
    sourceMac: GUEST_MAC,
    destinationMac: HOST_MAC,
    sourceIp: '10.0.2.15',
    destinationIp: '10.0.2.3',
    sourcePort: 5353,
    destinationPort: 53,
    payload: new TextEncoder().encode('hello'),
  });
  assert.equal(
    toHex(frame),
    '52550a00020252540012345608004500002100004000401122bb0a00020f0a00020314e90035000d8ed268656c6c6f00000000000000000000000000',
  );
  const udp = parseEthernetFrame(frame).ipv4?.udp;
  assert.equal(udp?.checksum, 0x8ed2);
  assert.equal(udp?.checksumValid, true);
  assert.equal(udp && new TextDecoder().decode(udp.payload), 'hello', 'the UDP length cuts the padding off');
});

test('ICMP echo request frame matches an independently computed frame (IPv4 22c9, ICMP 5435)', () => {
  const frame = buildIcmpEchoFrame({
    sourceMac: GUEST_MAC,
    destinationMac: HOST_MAC,
    sourceIp: '10.0.2.15',
    destinationIp: '10.0.2.2',
    identifier: 0x1234,
    sequence: 1,
    payload: new TextEncoder().encode('abcdefgh'),
  });
  assert.equal(
    toHex(frame),
    '52550a00020252540012345608004500002400004000400122c90a00020f0a0002020800543512340001616263646566676800000000000000000000',
  );
  const icmp = parseEthernetFrame(frame).ipv4?.icmp;
  assert.equal(icmp?.type, ICMP_ECHO_REQUEST);
  assert.equal(icmp?.identifier, 0x1234);
  assert.equal(icmp?.sequence, 1);
  assert.equal(icmp?.checksum, 0x5435);
  assert.equal(icmp?.checksumValid, true);
  assert.equal(icmp && new TextDecoder().decode(icmp.payload), 'abcdefgh');
});

test('ARP request and reply: layout and parse', () => {
  const request = buildArpFrame({ senderMac: GUEST_MAC, senderIp: '10.0.2.15', targetIp: '10.0.2.2' });
  assert.equal(
    toHex(request),
    'ffffffffffff' + '525400123456' + '0806' + '0001 0800 06 04 0001'.replace(/ /g, '') +
      '525400123456' + '0a00020f' + '000000000000' + '0a000202' + '00'.repeat(18),
  );
  const parsedRequest = parseEthernetFrame(request);
  assert.equal(parsedRequest.destinationMac, BROADCAST_MAC);
  assert.equal(parsedRequest.etherType, ETHERTYPE_ARP);
  assert.deepEqual(parsedRequest.arp, {
    operation: ARP_REQUEST,
    senderMac: GUEST_MAC,
    senderIp: '10.0.2.15',
    targetMac: '00:00:00:00:00:00',
    targetIp: '10.0.2.2',
  });
  const reply = buildArpFrame({ operation: ARP_REPLY, senderMac: HOST_MAC, senderIp: '10.0.2.2', targetMac: GUEST_MAC, targetIp: '10.0.2.15' });
  const parsedReply = parseEthernetFrame(reply);
  assert.equal(parsedReply.destinationMac, GUEST_MAC, 'a reply goes to the target');
  assert.equal(parsedReply.arp?.operation, ARP_REPLY);
  assert.equal(parsedReply.arp?.senderMac, HOST_MAC);
});

test('TCP with a payload: default flags, checksum verifies, a flipped byte is detected', () => {
  const payload = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
  const frame = buildTcpFrame({
    sourceMac: HOST_MAC,
    destinationMac: GUEST_MAC,
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 40001,
    destinationPort: 8080,
    sequence: 0xfffffff0,
    acknowledgment: 77,
    identification: 0xbeef,
    ttl: 3,
  });
  assert.equal(parseEthernetFrame(frame).ipv4?.tcp?.flags, TCP_SYN, 'no payload: SYN by default');
  const withData = buildTcpFrame({
    sourceMac: HOST_MAC,
    destinationMac: GUEST_MAC,
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 40001,
    destinationPort: 8080,
    sequence: 0xfffffff0,
    acknowledgment: 77,
    payload,
  });
  const parsed = parseEthernetFrame(withData);
  assert.equal(parsed.ipv4?.tcp?.flags, TCP_ACK | TCP_PSH);
  assert.equal(parsed.ipv4?.tcp?.sequence, 0xfffffff0);
  assert.equal(parsed.ipv4?.tcp?.checksumValid, true);
  assert.deepEqual(parsed.ipv4?.tcp?.payload, payload);
  const ip = parseEthernetFrame(frame).ipv4;
  assert.equal(ip?.ttl, 3);
  assert.equal(ip?.identification, 0xbeef);
  assert.equal(ip?.headerChecksumValid, true);

  const corrupted = withData.slice();
  corrupted[corrupted.length - 1]! ^= 0x01;
  assert.equal(parseEthernetFrame(corrupted).ipv4?.tcp?.checksumValid, false);
  assert.equal(parseEthernetFrame(corrupted).ipv4?.headerChecksumValid, true);
  const badHeader = withData.slice();
  badHeader[14 + 8]! ^= 0x01; // TTL
  assert.equal(parseEthernetFrame(badHeader).ipv4?.headerChecksumValid, false);
});

test('parsers reject truncated frames', () => {
  assert.throws(() => parseEthernetFrame(new Uint8Array(13)), /truncated Ethernet header/);
  const frame = buildUdpFrame({
    sourceMac: GUEST_MAC,
    destinationMac: HOST_MAC,
    sourceIp: '10.0.2.15',
    destinationIp: '10.0.2.3',
    sourcePort: 1,
    destinationPort: 2,
    payload: new Uint8Array(100),
  });
  assert.throws(() => parseEthernetFrame(frame.subarray(0, 14 + 19)), /truncated IPv4 header/);
  assert.throws(() => parseEthernetFrame(frame.subarray(0, frame.length - 1)), /truncated IPv4 packet/);
});

test('tcpDestinationPortOf: TCP frames only, never throws', () => {
  const tcp = buildTcpFrame({
    sourceMac: HOST_MAC,
    destinationMac: GUEST_MAC,
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 1234,
    destinationPort: 7,
  });
  assert.equal(tcpDestinationPortOf(tcp), 7);
  const udp = buildUdpFrame({ sourceMac: HOST_MAC, destinationMac: GUEST_MAC, sourceIp: '10.0.2.2', destinationIp: '10.0.2.15', sourcePort: 1, destinationPort: 7 });
  assert.equal(tcpDestinationPortOf(udp), undefined);
  assert.equal(tcpDestinationPortOf(buildArpFrame({ senderMac: GUEST_MAC, senderIp: '10.0.2.15', targetIp: '10.0.2.2' })), undefined);
  assert.equal(tcpDestinationPortOf(tcp.subarray(0, 14 + 20 + 3)), undefined, 'too short for the port');
  assert.equal(tcpDestinationPortOf(new Uint8Array(0)), undefined);
  const fragment = tcp.slice();
  fragment[14 + 7] = 0x10; // fragment offset 16 (in 8-byte units)
  assert.equal(tcpDestinationPortOf(fragment), undefined, 'a later fragment has no TCP header');
});

test('addresses: parse and format, malformed ones rejected', () => {
  assert.deepEqual(parseMac('52-54-00-AB-cd-ef'), Uint8Array.of(0x52, 0x54, 0x00, 0xab, 0xcd, 0xef));
  assert.equal(formatMac(Uint8Array.of(0x52, 0x54, 0x00, 0xab, 0xcd, 0xef)), '52:54:00:ab:cd:ef');
  assert.deepEqual(parseIpv4('10.0.2.255'), Uint8Array.of(10, 0, 2, 255));
  assert.equal(formatIpv4(Uint8Array.of(192, 168, 0, 1)), '192.168.0.1');
  assert.throws(() => parseMac('52:54:00:12:34'), RangeError);
  assert.throws(() => parseIpv4('10.0.2.256'), RangeError);
  assert.throws(() => parseIpv4('10.0.2'), RangeError);
  assert.throws(() => buildEthernetFrame({ destinationMac: GUEST_MAC, sourceMac: HOST_MAC, etherType: 0x10000, payload: new Uint8Array(0) }), RangeError);
  assert.equal(buildEthernetFrame({ destinationMac: GUEST_MAC, sourceMac: HOST_MAC, etherType: 0x88b5, payload: new Uint8Array(1), pad: false }).length, 15);
});
