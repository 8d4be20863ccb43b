/**
 * A frame link over a UDP socket: one Ethernet frame per datagram, nothing
 * added, exactly the framing of QEMU's `-netdev dgram` and
 * `-netdev socket,udp=...`. A guest started with
 *
 * ```sh
 * qemu-system-x86_64 ... -netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=5556,\
 *   remote.type=inet,remote.host=127.0.0.1,remote.port=5555 -device e1000,netdev=n0
 * ```
 *
 * talks to `new UdpFrameLink({ bind: { port: 5555 }, remote: { port: 5556, address: '127.0.0.1' } })`.
 * Without `remote`, frames go back to whoever sent the last datagram (and
 * are counted in `stats.transmitDropped` while nobody has).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import type { FrameLink } from './frame-link.js';

export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

export interface UdpEndpoint {
  address: string;
  port: number;
}

export interface UdpFrameLinkOptions {
  /** Where to receive; port 0 picks a free port (see `address()`). Address default 127.0.0.1. */
  bind: { port: number; address?: string };
  /** Where to send every transmitted frame. Without it: the sender of the last datagram received. */
  remote?: UdpEndpoint;
}

export interface UdpFrameLinkStats {
  /** Datagrams received and delivered. */
  received: number;
  /** Datagrams the socket sent (counted when the send completes). */
  transmitted: number;
  /** Frames not sent: no peer known yet, the link not open, or the send failed. */
  transmitDropped: number;
}

function checkPort(what: string, port: number, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`UdpFrameLink: ${what} port must be an integer in ${min}..65535, got ${port}`);
  }
}

function formatEndpoint(e: UdpEndpoint): string {
  return isIPv6(e.address) ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export class UdpFrameLink implements FrameLink {
  private readonly bindAddress: string;
  private readonly bindPort: number;
  private readonly remote: UdpEndpoint | undefined;
  private socket: Socket | undefined;
  private boundPort: number | undefined;
  private peer: UdpEndpoint | undefined;
  private opened = false;
  private closed = false;
  private received = 0;
  private transmitted = 0;
  private transmitDropped = 0;
  private lastErrorSeen: Error | undefined;

  /**
   * Checks the options; binds nothing until open(). Throws RangeError for a
   * bind port outside 0..65535, a remote port outside 1..65535, or a remote
   * IP address of the other family than the bind address (an IPv4 socket
   * cannot send to an IPv6 address).
   */
  constructor(options: UdpFrameLinkOptions) {
    this.bindAddress = options.bind.address ?? DEFAULT_BIND_ADDRESS;
    this.bindPort = options.bind.port;
    checkPort('bind', this.bindPort, 0);
    if (options.remote) {
      checkPort('remote', options.remote.port, 1);
      const remoteFamily = isIP(options.remote.address);
      const bindFamily = isIPv6(this.bindAddress) ? 6 : 4;
      if (remoteFamily !== 0 && remoteFamily !== bindFamily) {
        throw new RangeError(
          `UdpFrameLink: remote ${options.remote.address} is IPv${remoteFamily} but the bind address ${this.bindAddress} is IPv${bindFamily}`,
        );
      }
      this.remote = { address: options.remote.address, port: options.remote.port };
    }
  }

  /** `udp 127.0.0.1:5555 → 127.0.0.1:5556`, or `→ last peer` without a remote; the bound port once open. */
  get description(): string {
    const local = formatEndpoint({ address: this.bindAddress, port: this.boundPort ?? this.bindPort });
    return `udp ${local} → ${this.remote ? formatEndpoint(this.remote) : 'last peer'}`;
  }

  get stats(): UdpFrameLinkStats {
    return { received: this.received, transmitted: this.transmitted, transmitDropped: this.transmitDropped };
  }

  /** The sender of the last datagram received, if any. */
  get lastPeer(): UdpEndpoint | undefined {
    return this.peer && { ...this.peer };
  }

  /** The last socket error after binding (a failed send, ...), if any. Such errors never close the link. */
  get lastError(): Error | undefined {
    return this.lastErrorSeen;
  }

  /** The bound address and port (the real port when 0 was asked). Throws an Error unless open. */
  address(): UdpEndpoint {
    if (!this.socket) throw new Error(`${this.description}: not open`);
    const { address, port } = this.socket.address();
    return { address, port };
  }

  /**
   * Binds the socket and starts delivering every datagram as one frame.
   * Resolves once bound. Rejects with an Error naming the address when the
   * bind fails (address in use, not a local address, unresolvable name), and
   * for a second open or an open after close.
   */
  open(deliver: (frame: Uint8Array) => void): Promise<void> {
    if (this.opened) return Promise.reject(new Error(`${this.description}: already opened`));
    if (this.closed) return Promise.reject(new Error(`${this.description}: closed`));
    this.opened = true;
    const socket = createSocket({ type: isIPv6(this.bindAddress) ? 'udp6' : 'udp4' });
    return new Promise<void>((resolve, reject) => {
      const onBindError = (error: Error): void => {
        try {
          socket.close();
        } catch {
          // Already closed by the failed bind.
        }
        const where = formatEndpoint({ address: this.bindAddress, port: this.bindPort });
        reject(new Error(`UdpFrameLink: cannot bind udp ${where}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onBindError);
      socket.bind(this.bindPort, this.bindAddress, () => {
        socket.off('error', onBindError);
        if (this.closed) {
          socket.close();
          resolve();
          return;
        }
        this.socket = socket;
        this.boundPort = socket.address().port;
        socket.on('error', (error) => {
          this.lastErrorSeen = error;
        });
        socket.on('message', (datagram, from) => {
          this.peer = { address: from.address, port: from.port };
          this.received++;
          // A plain Uint8Array view: Buffer's slice() would not copy, a typed array's does.
          deliver(new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength));
        });
        resolve();
      });
    });
  }

  /**
   * Sends `frame` as one datagram to the remote (or the last peer). The
   * bytes are copied first, so the caller may reuse its buffer at once.
   * Never throws: a frame that cannot be sent is counted in
   * `stats.transmitDropped`.
   */
  transmit(frame: Uint8Array): void {
    const socket = this.socket;
    const to = this.remote ?? this.peer;
    if (!socket || !to) {
      this.transmitDropped++;
      return;
    }
    socket.send(Buffer.from(frame), to.port, to.address, (error) => {
      if (error) {
        this.transmitDropped++;
        this.lastErrorSeen = error;
      } else {
        this.transmitted++;
      }
    });
  }

  /** Closes the socket; resolves once it is closed. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
