/**
 * Ethernet frames built and parsed byte by byte: Ethernet II carrying IPv4
 * (TCP, UDP, ICMP echo) or ARP, with real IPv4 header checksums and real
 * TCP/UDP/ICMP checksums (RFC 1071 ones' complement sums; TCP and UDP over
 * the IPv4 pseudo-header). Tests and examples use these to feed a frame link
 * and to read what a driver task transmitted; `tcpDestinationPortOf` is the
 * one question a frame router needs answered.
 *
 * ```ts
 * const frame = buildTcpFrame({
 *   sourceMac: '52:54:00:12:34:56', destinationMac: '52:54:00:65:43:21',
 *   sourceIp: '10.0.2.2', destinationIp: '10.0.2.15',
 *   sourcePort: 40000, destinationPort: 80, flags: TCP_SYN,
 * });
 * parseEthernetFrame(frame).ipv4?.tcp?.destinationPort; // 80
 * ```
 *
 * Addresses are text: MAC addresses as six hex pairs separated by `:` or
 * `-`, IPv4 addresses dotted quad. Builders throw RangeError for a malformed
 * address or an out-of-range field; parsers throw RangeError for a frame too
 * short for the headers it claims to carry.
 */
import {
  ETHERNET_HEADER_BYTES, ETHERTYPE_IPV4, ETHERTYPE_VLAN, VLAN_TAG_BYTES, IPV4_HEADER_BYTES, IP_PROTOCOL_TCP,
} from '../objects/network/frame-route.js';

export {
  ETHERNET_HEADER_BYTES, ETHERTYPE_IPV4, ETHERTYPE_VLAN, VLAN_TAG_BYTES, IPV4_HEADER_BYTES, IP_PROTOCOL_TCP,
  tcpDestinationPortOf,
} from '../objects/network/frame-route.js';

/** Shortest Ethernet frame on the wire without its FCS; builders pad up to it by default. */
export const ETHERNET_MIN_FRAME_BYTES = 60;
export const ETHERTYPE_ARP = 0x0806;

export const IP_PROTOCOL_ICMP = 1;
export const IP_PROTOCOL_UDP = 17;
const IPV4_DEFAULT_TTL = 64;
/** Don't Fragment, in the flags/fragment-offset word. */
const IPV4_FLAG_DONT_FRAGMENT = 0x4000;

/** TCP header without options. */
export const TCP_HEADER_BYTES = 20;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
const TCP_DEFAULT_WINDOW = 65535;

export const UDP_HEADER_BYTES = 8;

/** ICMP echo header: type, code, checksum, identifier, sequence. */
export const ICMP_ECHO_HEADER_BYTES = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

/** ARP for IPv4 over Ethernet. */
export const ARP_PACKET_BYTES = 28;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const ARP_HARDWARE_ETHERNET = 1;

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';

// ---------------------------------------------------------------- addresses

/** Six bytes of `text` (`52:54:00:12:34:56` or with `-`). Throws RangeError if malformed. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`not a MAC address: ${JSON.stringify(text)} (expected six hex pairs, e.g. 52:54:00:12:34:56)`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** Lower-case colon form of six bytes at `offset`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  return Array.from(bytes.subarray(offset, offset + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Four bytes of a dotted-quad IPv4 address. Throws RangeError if malformed. */
export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)} (expected a dotted quad, e.g. 10.0.2.15)`);
  }
  return Uint8Array.from(parts, Number);
}

/** Dotted-quad form of four bytes at `offset`. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return Array.from(bytes.subarray(offset, offset + 4)).join('.');
}

// ---------------------------------------------------------------- checksums

/**
 * The 16-bit ones' complement sum of `bytes` (big-endian words; an odd last
 * byte is padded with a zero), folded, added to `initial` (a partial sum
 * from this function, to chain a pseudo-header). Not complemented.
 */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const end = bytes.length - (bytes.length % 2);
  for (let i = 0; i < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (end < bytes.length) sum += bytes[end]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 1071 Internet checksum: the complement of the ones' complement sum. Over data that includes its correct checksum it is 0. */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff;
}

/** Partial sum of the IPv4 pseudo-header TCP and UDP checksums cover. */
function pseudoHeaderSum(source: Uint8Array, destination: Uint8Array, protocol: number, length: number): number {
  const pseudo = new Uint8Array(12);
  pseudo.set(source, 0);
  pseudo.set(destination, 4);
  pseudo[9] = protocol;
  pseudo[10] = length >>> 8;
  pseudo[11] = length & 0xff;
  return onesComplementSum(pseudo);
}

// ---------------------------------------------------------------- builders

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

function setUint16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value & 0xff;
}

function setUint32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, value >>> 0);
}

function getUint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

function getUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

export interface EthernetFrameFields {
  destinationMac: string;
  sourceMac: string;
  etherType: number;
  payload: Uint8Array;
  /** Pad with zeros to ETHERNET_MIN_FRAME_BYTES, as a NIC does. Default true. */
  pad?: boolean;
}

/** An Ethernet II frame (no FCS) around `payload`. */
export function buildEthernetFrame(fields: EthernetFrameFields): Uint8Array {
  checkUint('etherType', fields.etherType, 0xffff);
  const length = ETHERNET_HEADER_BYTES + fields.payload.length;
  const frame = new Uint8Array(fields.pad === false ? length : Math.max(length, ETHERNET_MIN_FRAME_BYTES));
  frame.set(parseMac(fields.destinationMac), 0);
  frame.set(parseMac(fields.sourceMac), 6);
  setUint16(frame, 12, fields.etherType);
  frame.set(fields.payload, ETHERNET_HEADER_BYTES);
  return frame;
}

export interface Ipv4PacketFields {
  sourceIp: string;
  destinationIp: string;
  protocol: number;
  payload: Uint8Array;
  /** Default 64. */
  ttl?: number;
  /** Default 0. */
  identification?: number;
  /** Set Don't Fragment. Default true. */
  dontFragment?: boolean;
}

/** An IPv4 packet (20-byte header, no options) with its header checksum. Throws RangeError past 65535 bytes. */
export function buildIpv4Packet(fields: Ipv4PacketFields): Uint8Array {
  const totalLength = IPV4_HEADER_BYTES + fields.payload.length;
  checkUint('IPv4 total length', totalLength, 0xffff);
  checkUint('protocol', fields.protocol, 0xff);
  const ttl = fields.ttl ?? IPV4_DEFAULT_TTL;
  checkUint('ttl', ttl, 0xff);
  const identification = fields.identification ?? 0;
  checkUint('identification', identification, 0xffff);
  const packet = new Uint8Array(totalLength);
  packet[0] = 0x45; // version 4, header length 5 words
  setUint16(packet, 2, totalLength);
  setUint16(packet, 4, identification);
  setUint16(packet, 6, fields.dontFragment === false ? 0 : IPV4_FLAG_DONT_FRAGMENT);
  packet[8] = ttl;
  packet[9] = fields.protocol;
  packet.set(parseIpv4(fields.sourceIp), 12);
  packet.set(parseIpv4(fields.destinationIp), 16);
  setUint16(packet, 10, internetChecksum(packet.subarray(0, IPV4_HEADER_BYTES)));
  packet.set(fields.payload, IPV4_HEADER_BYTES);
  return packet;
}

export interface TcpSegmentFields {
  sourceIp: string;
  destinationIp: string;
  sourcePort: number;
  destinationPort: number;
  /** Default 0. */
  sequence?: number;
  /** Default 0. */
  acknowledgment?: number;
  /** TCP_SYN | TCP_ACK ...; default TCP_ACK | TCP_PSH with a payload, TCP_SYN without. */
  flags?: number;
  /** Default 65535. */
  window?: number;
  payload?: Uint8Array;
}

/** A TCP segment (20-byte header, no options) with its checksum over the IPv4 pseudo-header. */
export function buildTcpSegment(fields: TcpSegmentFields): Uint8Array {
  const payload = fields.payload ?? new Uint8Array(0);
  checkUint('sourcePort', fields.sourcePort, 0xffff);
  checkUint('destinationPort', fields.destinationPort, 0xffff);
  const sequence = fields.sequence ?? 0;
  const acknowledgment = fields.acknowledgment ?? 0;
  checkUint('sequence', sequence, 0xffffffff);
  checkUint('acknowledgment', acknowledgment, 0xffffffff);
  const flags = fields.flags ?? (payload.length > 0 ? TCP_ACK | TCP_PSH : TCP_SYN);
  checkUint('flags', flags, 0xff);
  const window = fields.window ?? TCP_DEFAULT_WINDOW;
  checkUint('window', window, 0xffff);
  const segment = new Uint8Array(TCP_HEADER_BYTES + payload.length);
  setUint16(segment, 0, fields.sourcePort);
  setUint16(segment, 2, fields.destinationPort);
  setUint32(segment, 4, sequence);
  setUint32(segment, 8, acknowledgment);
  segment[12] = (TCP_HEADER_BYTES / 4) << 4;
  segment[13] = flags;
  setUint16(segment, 14, window);
  segment.set(payload, TCP_HEADER_BYTES);
  const pseudo = pseudoHeaderSum(parseIpv4(fields.sourceIp), parseIpv4(fields.destinationIp), IP_PROTOCOL_TCP, segment.length);
  setUint16(segment, 16, internetChecksum(segment, pseudo));
  return segment;
}

export interface UdpDatagramFields {
  sourceIp: string;
  destinationIp: string;
  sourcePort: number;
  destinationPort: number;
  payload?: Uint8Array;
}

/** A UDP datagram with its checksum over the IPv4 pseudo-header (a computed 0 is sent as 0xffff, RFC 768). */
export function buildUdpDatagram(fields: UdpDatagramFields): Uint8Array {
  const payload = fields.payload ?? new Uint8Array(0);
  checkUint('sourcePort', fields.sourcePort, 0xffff);
  checkUint('destinationPort', fields.destinationPort, 0xffff);
  const datagram = new Uint8Array(UDP_HEADER_BYTES + payload.length);
  checkUint('UDP length', datagram.length, 0xffff);
  setUint16(datagram, 0, fields.sourcePort);
  setUint16(datagram, 2, fields.destinationPort);
  setUint16(datagram, 4, datagram.length);
  datagram.set(payload, UDP_HEADER_BYTES);
  const pseudo = pseudoHeaderSum(parseIpv4(fields.sourceIp), parseIpv4(fields.destinationIp), IP_PROTOCOL_UDP, datagram.length);
  setUint16(datagram, 6, internetChecksum(datagram, pseudo) || 0xffff);
  return datagram;
}

export interface IcmpEchoFields {
  /** ICMP_ECHO_REQUEST (default) or ICMP_ECHO_REPLY. */
  type?: number;
  identifier: number;
  sequence: number;
  payload?: Uint8Array;
}

/** An ICMP echo request or reply with its checksum. */
export function buildIcmpEcho(fields: IcmpEchoFields): Uint8Array {
  const payload = fields.payload ?? new Uint8Array(0);
  const type = fields.type ?? ICMP_ECHO_REQUEST;
  if (type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) {
    throw new RangeError(`ICMP echo type must be ${ICMP_ECHO_REQUEST} (request) or ${ICMP_ECHO_REPLY} (reply), got ${type}`);
  }
  checkUint('identifier', fields.identifier, 0xffff);
  checkUint('sequence', fields.sequence, 0xffff);
  const message = new Uint8Array(ICMP_ECHO_HEADER_BYTES + payload.length);
  message[0] = type;
  setUint16(message, 4, fields.identifier);
  setUint16(message, 6, fields.sequence);
  message.set(payload, ICMP_ECHO_HEADER_BYTES);
  setUint16(message, 2, internetChecksum(message));
  return message;
}

/** The link and IP addresses of a frame carrying an IPv4 packet. */
export interface Ipv4FrameAddresses {
  sourceMac: string;
  destinationMac: string;
  sourceIp: string;
  destinationIp: string;
  /** Default 64. */
  ttl?: number;
  /** Default 0. */
  identification?: number;
}

function ipv4Frame(a: Ipv4FrameAddresses, protocol: number, payload: Uint8Array): Uint8Array {
  const packet = buildIpv4Packet({
    sourceIp: a.sourceIp,
    destinationIp: a.destinationIp,
    protocol,
    payload,
    ttl: a.ttl,
    identification: a.identification,
  });
  return buildEthernetFrame({ destinationMac: a.destinationMac, sourceMac: a.sourceMac, etherType: ETHERTYPE_IPV4, payload: packet });
}

/** Ethernet / IPv4 / TCP, every checksum filled in, padded to 60 bytes. */
export function buildTcpFrame(fields: Ipv4FrameAddresses & Omit<TcpSegmentFields, 'sourceIp' | 'destinationIp'>): Uint8Array {
  return ipv4Frame(fields, IP_PROTOCOL_TCP, buildTcpSegment(fields));
}

/** Ethernet / IPv4 / UDP, every checksum filled in, padded to 60 bytes. */
export function buildUdpFrame(fields: Ipv4FrameAddresses & Omit<UdpDatagramFields, 'sourceIp' | 'destinationIp'>): Uint8Array {
  return ipv4Frame(fields, IP_PROTOCOL_UDP, buildUdpDatagram(fields));
}

/** Ethernet / IPv4 / ICMP echo request or reply, every checksum filled in, padded to 60 bytes. */
export function buildIcmpEchoFrame(fields: Ipv4FrameAddresses & IcmpEchoFields): Uint8Array {
  return ipv4Frame(fields, IP_PROTOCOL_ICMP, buildIcmpEcho(fields));
}

export interface ArpFrameFields {
  /** ARP_REQUEST (default) or ARP_REPLY. */
  operation?: number;
  senderMac: string;
  senderIp: string;
  /** Default 00:00:00:00:00:00 (unknown, as in a request). */
  targetMac?: string;
  targetIp: string;
  /** Ethernet destination; default broadcast for a request, targetMac for a reply. */
  destinationMac?: string;
}

/** An Ethernet frame carrying an ARP request or reply for IPv4, padded to 60 bytes. */
export function buildArpFrame(fields: ArpFrameFields): Uint8Array {
  const operation = fields.operation ?? ARP_REQUEST;
  if (operation !== ARP_REQUEST && operation !== ARP_REPLY) {
    throw new RangeError(`ARP operation must be ${ARP_REQUEST} (request) or ${ARP_REPLY} (reply), got ${operation}`);
  }
  const targetMac = fields.targetMac ?? ZERO_MAC;
  const arp = new Uint8Array(ARP_PACKET_BYTES);
  setUint16(arp, 0, ARP_HARDWARE_ETHERNET);
  setUint16(arp, 2, ETHERTYPE_IPV4);
  arp[4] = 6; // hardware address length
  arp[5] = 4; // protocol address length
  setUint16(arp, 6, operation);
  arp.set(parseMac(fields.senderMac), 8);
  arp.set(parseIpv4(fields.senderIp), 14);
  arp.set(parseMac(targetMac), 18);
  arp.set(parseIpv4(fields.targetIp), 24);
  const destinationMac = fields.destinationMac ?? (operation === ARP_REQUEST ? BROADCAST_MAC : targetMac);
  return buildEthernetFrame({ destinationMac, sourceMac: fields.senderMac, etherType: ETHERTYPE_ARP, payload: arp });
}

// ---------------------------------------------------------------- parsers

export interface ParsedTcp {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  flags: number;
  window: number;
  checksum: number;
  /** The checksum over the pseudo-header, header and payload verifies. */
  checksumValid: boolean;
  payload: Uint8Array;
}

export interface ParsedUdp {
  sourcePort: number;
  destinationPort: number;
  checksum: number;
  /** True when it verifies, or when it is 0 (the sender computed none). */
  checksumValid: boolean;
  payload: Uint8Array;
}

export interface ParsedIcmp {
  type: number;
  code: number;
  checksum: number;
  checksumValid: boolean;
  /** Echo identifier and sequence (meaningful for echo request/reply). */
  identifier: number;
  sequence: number;
  payload: Uint8Array;
}

export interface ParsedIpv4 {
  sourceIp: string;
  destinationIp: string;
  protocol: number;
  ttl: number;
  identification: number;
  headerChecksum: number;
  headerChecksumValid: boolean;
  /** The packet's payload, cut to the header's total length (Ethernet padding removed). */
  payload: Uint8Array;
  tcp?: ParsedTcp;
  udp?: ParsedUdp;
  icmp?: ParsedIcmp;
}

export interface ParsedArp {
  operation: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export interface ParsedFrame {
  destinationMac: string;
  sourceMac: string;
  etherType: number;
  /** Everything after the Ethernet header (padding included). */
  payload: Uint8Array;
  /** Present for EtherType 0x0800. */
  ipv4?: ParsedIpv4;
  /** Present for EtherType 0x0806 with an IPv4-over-Ethernet ARP packet. */
  arp?: ParsedArp;
}

function needBytes(what: string, have: number, need: number): void {
  if (have < need) throw new RangeError(`truncated ${what}: ${have} bytes, needs ${need}`);
}

/**
 * Decodes an Ethernet II frame and, for IPv4 and ARP, the layers inside it.
 * Payloads are views into `frame`, not copies. Throws RangeError for a frame
 * shorter than the headers it claims to carry (an IPv4 total length past the
 * frame, a TCP data offset past the packet, ...). Checksums are verified,
 * not enforced: see the `...Valid` fields.
 */
export function parseEthernetFrame(frame: Uint8Array): ParsedFrame {
  needBytes('Ethernet header', frame.length, ETHERNET_HEADER_BYTES);
  const etherType = getUint16(frame, 12);
  const payload = frame.subarray(ETHERNET_HEADER_BYTES);
  const parsed: ParsedFrame = { destinationMac: formatMac(frame, 0), sourceMac: formatMac(frame, 6), etherType, payload };
  if (etherType === ETHERTYPE_IPV4) parsed.ipv4 = parseIpv4Packet(payload);
  if (etherType === ETHERTYPE_ARP) {
    const arp = parseArpPacket(payload);
    if (arp) parsed.arp = arp;
  }
  return parsed;
}

/** Decodes an IPv4 packet (trailing bytes past its total length are ignored). Throws RangeError if truncated or not version 4. */
export function parseIpv4Packet(bytes: Uint8Array): ParsedIpv4 {
  needBytes('IPv4 header', bytes.length, IPV4_HEADER_BYTES);
  const version = bytes[0]! >>> 4;
  if (version !== 4) throw new RangeError(`not an IPv4 packet: version ${version}`);
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_BYTES) throw new RangeError(`bad IPv4 header length: ${headerLength} bytes`);
  needBytes('IPv4 header with options', bytes.length, headerLength);
  const totalLength = getUint16(bytes, 2);
  if (totalLength < headerLength) throw new RangeError(`bad IPv4 total length ${totalLength}: shorter than its ${headerLength}-byte header`);
  needBytes('IPv4 packet', bytes.length, totalLength);
  const packet = bytes.subarray(0, totalLength);
  const protocol = packet[9]!;
  const payload = packet.subarray(headerLength);
  const source = packet.subarray(12, 16);
  const destination = packet.subarray(16, 20);
  const parsed: ParsedIpv4 = {
    sourceIp: formatIpv4(source),
    destinationIp: formatIpv4(destination),
    protocol,
    ttl: packet[8]!,
    identification: getUint16(packet, 4),
    headerChecksum: getUint16(packet, 10),
    headerChecksumValid: internetChecksum(packet.subarray(0, headerLength)) === 0,
    payload,
  };
  // Only the first fragment carries the transport header.
  const fragmentOffset = getUint16(packet, 6) & 0x1fff;
  if (fragmentOffset !== 0) return parsed;
  const pseudo = pseudoHeaderSum(source, destination, protocol, payload.length);
  if (protocol === IP_PROTOCOL_TCP) parsed.tcp = parseTcpSegment(payload, pseudo);
  if (protocol === IP_PROTOCOL_UDP) parsed.udp = parseUdpDatagram(payload, pseudo);
  if (protocol === IP_PROTOCOL_ICMP) parsed.icmp = parseIcmpMessage(payload);
  return parsed;
}

function parseTcpSegment(segment: Uint8Array, pseudo: number): ParsedTcp {
  needBytes('TCP header', segment.length, TCP_HEADER_BYTES);
  const dataOffset = (segment[12]! >>> 4) * 4;
  if (dataOffset < TCP_HEADER_BYTES) throw new RangeError(`bad TCP data offset: ${dataOffset} bytes`);
  needBytes('TCP header with options', segment.length, dataOffset);
  return {
    sourcePort: getUint16(segment, 0),
    destinationPort: getUint16(segment, 2),
    sequence: getUint32(segment, 4),
    acknowledgment: getUint32(segment, 8),
    flags: segment[13]!,
    window: getUint16(segment, 14),
    checksum: getUint16(segment, 16),
    checksumValid: internetChecksum(segment, pseudo) === 0,
    payload: segment.subarray(dataOffset),
  };
}

function parseUdpDatagram(datagram: Uint8Array, pseudo: number): ParsedUdp {
  needBytes('UDP header', datagram.length, UDP_HEADER_BYTES);
  const length = getUint16(datagram, 4);
  if (length < UDP_HEADER_BYTES) throw new RangeError(`bad UDP length ${length}: shorter than its header`);
  needBytes('UDP datagram', datagram.length, length);
  const checksum = getUint16(datagram, 6);
  return {
    sourcePort: getUint16(datagram, 0),
    destinationPort: getUint16(datagram, 2),
    checksum,
    checksumValid: checksum === 0 || internetChecksum(datagram.subarray(0, length), pseudo) === 0,
    payload: datagram.subarray(UDP_HEADER_BYTES, length),
  };
}

function parseIcmpMessage(message: Uint8Array): ParsedIcmp {
  needBytes('ICMP header', message.length, ICMP_ECHO_HEADER_BYTES);
  return {
    type: message[0]!,
    code: message[1]!,
    checksum: getUint16(message, 2),
    checksumValid: internetChecksum(message) === 0,
    identifier: getUint16(message, 4),
    sequence: getUint16(message, 6),
    payload: message.subarray(ICMP_ECHO_HEADER_BYTES),
  };
}

/** Decodes an ARP packet for IPv4 over Ethernet; undefined for other hardware/protocol types. Throws RangeError if truncated. */
export function parseArpPacket(bytes: Uint8Array): ParsedArp | undefined {
  needBytes('ARP packet', bytes.length, 8);
  const isIpv4OverEthernet =
    getUint16(bytes, 0) === ARP_HARDWARE_ETHERNET && getUint16(bytes, 2) === ETHERTYPE_IPV4 && bytes[4] === 6 && bytes[5] === 4;
  if (!isIpv4OverEthernet) return undefined;
  needBytes('ARP packet', bytes.length, ARP_PACKET_BYTES);
  return {
    operation: getUint16(bytes, 6),
    senderMac: formatMac(bytes, 8),
    senderIp: formatIpv4(bytes, 14),
    targetMac: formatMac(bytes, 18),
    targetIp: formatIpv4(bytes, 24),
  };
}

