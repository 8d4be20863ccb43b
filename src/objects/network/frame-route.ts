/**
 * What the kernel reads of a frame to route it: the Ethernet header's size and
 * the TCP destination port of an Ethernet / IPv4 / TCP frame. The rest of
 * frame building and parsing lives with the simulated devices
 * (`src/devices/ethernet.ts`), which re-export these.
 */

/** Ethernet II header: destination MAC, source MAC, EtherType. */
export const ETHERNET_HEADER_BYTES = 14;
export const ETHERTYPE_IPV4 = 0x0800;
/** An 802.1Q tag: this EtherType, then 2 bytes of tag control, then the real EtherType. */
export const ETHERTYPE_VLAN = 0x8100;
export const VLAN_TAG_BYTES = 4;
/** IPv4 header without options. */
export const IPV4_HEADER_BYTES = 20;
export const IP_PROTOCOL_TCP = 6;

function getUint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/**
 * The TCP destination port of an Ethernet / IPv4 / TCP frame (first fragment,
 * any header options, an 802.1Q VLAN tag skipped), or undefined for any
 * other frame, a later fragment, or one too short to hold the port. Never
 * throws and never allocates: the kernel asks it of every frame it routes.
 */
export function tcpDestinationPortOf(frame: Uint8Array): number | undefined {
  let ip = ETHERNET_HEADER_BYTES;
  let etherType = frame.length >= ip ? getUint16(frame, 12) : 0;
  if (etherType === ETHERTYPE_VLAN && frame.length >= ip + VLAN_TAG_BYTES) {
    etherType = getUint16(frame, 16);
    ip += VLAN_TAG_BYTES;
  }
  if (etherType !== ETHERTYPE_IPV4 || frame.length < ip + IPV4_HEADER_BYTES) return undefined;
  if (frame[ip]! >>> 4 !== 4 || frame[ip + 9] !== IP_PROTOCOL_TCP) return undefined;
  if ((getUint16(frame, ip + 6) & 0x1fff) !== 0) return undefined;
  const headerLength = (frame[ip]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_BYTES) return undefined;
  const tcp = ip + headerLength;
  if (frame.length < tcp + 4) return undefined;
  return getUint16(frame, tcp + 2);
}
