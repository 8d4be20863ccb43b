/**
 * Classic pcap files (the libpcap format tcpdump writes): reading and
 * writing them, and `PcapReplayLink`, a frame link that replays a capture's
 * Ethernet frames into a kernel.
 *
 * ```ts
 * const link = new PcapReplayLink('capture.pcap', { pace: 'recorded' });
 * await link.open((frame) => route(frame)); // the capture is read and checked
 * const { frames } = await link.done;       // every frame delivered
 * ```
 *
 * Both byte orders and both timestamp resolutions (magic 0xa1b2c3d4,
 * microseconds; 0xa1b23c4d, nanoseconds) are read. pcapng is not: convert
 * with `editcap -F pcap in.pcapng out.pcap` (or `tshark -F pcap`).
 */
import { readFile } from 'node:fs/promises';
import type { FrameLink } from './frame-link.js';

/** Link type of Ethernet frames (LINKTYPE_ETHERNET). */
export const LINKTYPE_ETHERNET = 1;

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Alexey Kuznetzov's modified pcap: a different record header, not supported. */
const MAGIC_MODIFIED_PCAP = 0xa1b2cd34;
/** pcapng's Section Header Block type (the same in both byte orders). */
const PCAPNG_BLOCK_TYPE = 0x0a0d0d0a;

const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const VERSION_MAJOR = 2;
const VERSION_MINOR = 4;
/** What tcpdump writes by default when asked for whole packets. */
const DEFAULT_SNAP_LENGTH = 262144;
const MICROS_PER_SECOND = 1_000_000;
const NANOS_PER_MICRO = 1000;

/** One captured frame. */
export interface PcapFrame {
  /**
   * When it was captured, in microseconds since the Unix epoch. From a
   * nanosecond file the sub-microsecond part is a fraction (its precision is
   * that of a double: about 0.25 µs for present-day dates).
   */
  timestampMicros: number;
  /** The captured bytes (a view into the file's bytes when read). */
  data: Uint8Array;
  /** The frame's length on the wire; larger than `data` when the capture cut it at the snap length. */
  originalLength: number;
}

export interface PcapCapture {
  /** LINKTYPE_* of every frame (LINKTYPE_ETHERNET = 1). */
  linkType: number;
  frames: PcapFrame[];
}

/**
 * Parses a classic pcap file. Frames' data are views into `bytes`.
 * Throws an Error naming the problem for a pcapng file, an unknown magic
 * number, an unsupported version, or a file truncated in its header or in
 * any record (a capture cut short is reported, not silently shortened).
 */
export function readPcap(bytes: Uint8Array): PcapCapture {
  if (bytes.length < 4) throw new Error(`pcap: truncated file: ${bytes.length} bytes, a pcap header is ${GLOBAL_HEADER_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBigEndian = view.getUint32(0, false);
  if (magicBigEndian === PCAPNG_BLOCK_TYPE) {
    throw new Error('pcap: this is a pcapng file, which is not supported; convert it with `editcap -F pcap in.pcapng out.pcap`');
  }
  let littleEndian: boolean;
  let nanos: boolean;
  if (magicBigEndian === MAGIC_MICROSECONDS || magicBigEndian === MAGIC_NANOSECONDS) {
    littleEndian = false;
    nanos = magicBigEndian === MAGIC_NANOSECONDS;
  } else {
    const magicLittleEndian = view.getUint32(0, true);
    if (magicLittleEndian !== MAGIC_MICROSECONDS && magicLittleEndian !== MAGIC_NANOSECONDS) {
      const modified = magicBigEndian === MAGIC_MODIFIED_PCAP || magicLittleEndian === MAGIC_MODIFIED_PCAP;
      throw new Error(
        modified
          ? 'pcap: modified (Kuznetzov) pcap format is not supported; convert it with `editcap -F pcap`'
          : `pcap: unknown magic number 0x${magicBigEndian.toString(16).padStart(8, '0')}: not a classic pcap file (expected a1b2c3d4 or a1b23c4d in either byte order)`,
      );
    }
    littleEndian = true;
    nanos = magicLittleEndian === MAGIC_NANOSECONDS;
  }
  if (bytes.length < GLOBAL_HEADER_BYTES) {
    throw new Error(`pcap: truncated file: ${bytes.length} bytes, a pcap header is ${GLOBAL_HEADER_BYTES}`);
  }
  const versionMajor = view.getUint16(4, littleEndian);
  const versionMinor = view.getUint16(6, littleEndian);
  if (versionMajor !== VERSION_MAJOR) {
    throw new Error(`pcap: unsupported version ${versionMajor}.${versionMinor} (expected ${VERSION_MAJOR}.x)`);
  }
  // The upper bits of the link-type word may hold FCS information.
  const linkType = view.getUint32(20, littleEndian) & 0xffff;
  const frames: PcapFrame[] = [];
  let offset = GLOBAL_HEADER_BYTES;
  while (offset < bytes.length) {
    const index = frames.length;
    if (bytes.length - offset < RECORD_HEADER_BYTES) {
      throw new Error(
        `pcap: truncated record header of frame ${index} at byte ${offset}: ${bytes.length - offset} bytes left, needs ${RECORD_HEADER_BYTES}`,
      );
    }
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedLength = view.getUint32(offset + 8, littleEndian);
    const originalLength = view.getUint32(offset + 12, littleEndian);
    const dataStart = offset + RECORD_HEADER_BYTES;
    if (bytes.length - dataStart < capturedLength) {
      throw new Error(
        `pcap: truncated data of frame ${index} at byte ${dataStart}: ${bytes.length - dataStart} bytes left, the record says ${capturedLength}`,
      );
    }
    frames.push({
      timestampMicros: seconds * MICROS_PER_SECOND + (nanos ? fraction / NANOS_PER_MICRO : fraction),
      data: bytes.subarray(dataStart, dataStart + capturedLength),
      originalLength,
    });
    offset = dataStart + capturedLength;
  }
  return { linkType, frames };
}

/** A frame to write; `originalLength` defaults to the data's length. */
export interface PcapFrameToWrite {
  timestampMicros: number;
  data: Uint8Array;
  originalLength?: number;
}

export interface WritePcapOptions {
  /** LINKTYPE_*; default LINKTYPE_ETHERNET. */
  linkType?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d); default false (microseconds). */
  nanos?: boolean;
  /** Byte order of every header field; default 'little' (what x86 tcpdump writes). */
  byteOrder?: 'little' | 'big';
  /** The snap length recorded in the header; default 262144, and at least the longest frame. */
  snapLength?: number;
}

/**
 * A classic pcap file holding `frames` in order. Throws RangeError for a
 * negative or non-finite timestamp, a timestamp past 2106 (32-bit seconds),
 * or an `originalLength` below the data's length.
 */
export function writePcap(frames: readonly PcapFrameToWrite[], options: WritePcapOptions = {}): Uint8Array {
  const littleEndian = (options.byteOrder ?? 'little') === 'little';
  const nanos = options.nanos ?? false;
  const linkType = options.linkType ?? LINKTYPE_ETHERNET;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffffffff) throw new RangeError(`pcap: bad link type ${linkType}`);
  const longest = frames.reduce((max, f) => Math.max(max, f.data.length), 0);
  const snapLength = Math.max(options.snapLength ?? DEFAULT_SNAP_LENGTH, longest);
  const total = GLOBAL_HEADER_BYTES + frames.reduce((sum, f) => sum + RECORD_HEADER_BYTES + f.data.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, nanos ? MAGIC_NANOSECONDS : MAGIC_MICROSECONDS, littleEndian);
  view.setUint16(4, VERSION_MAJOR, littleEndian);
  view.setUint16(6, VERSION_MINOR, littleEndian);
  // thiszone and sigfigs stay 0, as every writer leaves them.
  view.setUint32(16, snapLength, littleEndian);
  view.setUint32(20, linkType, littleEndian);
  let offset = GLOBAL_HEADER_BYTES;
  frames.forEach((frame, index) => {
    const micros = frame.timestampMicros;
    if (!Number.isFinite(micros) || micros < 0) throw new RangeError(`pcap: frame ${index} has a bad timestamp ${micros}`);
    let seconds = Math.floor(micros / MICROS_PER_SECOND);
    const subsecondMicros = micros - seconds * MICROS_PER_SECOND;
    let fraction = nanos ? Math.round(subsecondMicros * NANOS_PER_MICRO) : Math.floor(subsecondMicros);
    if (fraction >= (nanos ? MICROS_PER_SECOND * NANOS_PER_MICRO : MICROS_PER_SECOND)) {
      seconds += 1;
      fraction = 0;
    }
    if (seconds > 0xffffffff) throw new RangeError(`pcap: frame ${index} timestamp ${micros} µs does not fit 32-bit seconds`);
    const originalLength = frame.originalLength ?? frame.data.length;
    if (!Number.isInteger(originalLength) || originalLength < frame.data.length || originalLength > 0xffffffff) {
      throw new RangeError(`pcap: frame ${index} originalLength ${originalLength} must be an integer, at least its ${frame.data.length} captured bytes`);
    }
    view.setUint32(offset, seconds, littleEndian);
    view.setUint32(offset + 4, fraction, littleEndian);
    view.setUint32(offset + 8, frame.data.length, littleEndian);
    view.setUint32(offset + 12, originalLength, littleEndian);
    bytes.set(frame.data, offset + RECORD_HEADER_BYTES);
    offset += RECORD_HEADER_BYTES + frame.data.length;
  });
  return bytes;
}

// ---------------------------------------------------------------- replay

/** How a replay spaces its frames. */
export type ReplayPace = 'recorded' | 'fast';

export interface PcapReplayOptions {
  /**
   * 'recorded' (default): each frame is delivered at its recorded offset from
   * the first frame (divided by `speed`). 'fast': frames are delivered back
   * to back, yielding to the event loop every FAST_REPLAY_BATCH_FRAMES.
   */
  pace?: ReplayPace;
  /** With 'recorded' pace, how many times faster than recorded (2 = twice as fast). Default 1; must be > 0. */
  speed?: number;
}

export interface PcapReplayStats {
  /** Frames in the capture (0 until opened). */
  frames: number;
  /** Frames delivered so far. */
  delivered: number;
  /** Frames the driver transmitted into the replay (always dropped). */
  transmitDropped: number;
}

/** With 'fast' pace, frames delivered between two yields to the event loop. */
export const FAST_REPLAY_BATCH_FRAMES = 64;

/**
 * A frame link that replays the Ethernet frames of a classic pcap capture
 * (a file path or the file's bytes), in order, once. It cannot send:
 * `transmit` counts the frame in `stats.transmitDropped` and drops it.
 * `done` resolves with the number of frames delivered when the replay ends
 * (all frames, or fewer if closed first); it rejects if opening fails or if
 * `deliver` throws (which stops the replay).
 */
export class PcapReplayLink implements FrameLink {
  readonly description: string;
  /** Settles when the replay ends; see the class comment. */
  readonly done: Promise<{ frames: number }>;
  private readonly pace: ReplayPace;
  private readonly speed: number;
  private frames: PcapFrame[] = [];
  private delivered = 0;
  private transmitDropped = 0;
  private opened = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private settle!: (result: { frames: number }) => void;
  private fail!: (error: unknown) => void;

  /** Throws RangeError for a `speed` that is not a finite number above 0. */
  constructor(
    private readonly source: string | Uint8Array,
    options: PcapReplayOptions = {},
  ) {
    this.pace = options.pace ?? 'recorded';
    this.speed = options.speed ?? 1;
    if (this.pace !== 'recorded' && this.pace !== 'fast') throw new RangeError(`pcap replay: unknown pace ${String(this.pace)}`);
    if (!Number.isFinite(this.speed) || this.speed <= 0) throw new RangeError(`pcap replay: speed must be a finite number > 0, got ${this.speed}`);
    const what = typeof source === 'string' ? source : `<${source.length} bytes>`;
    const how = this.pace === 'fast' ? 'fast' : this.speed === 1 ? 'recorded pace' : `recorded pace ×${this.speed}`;
    this.description = `pcap ${what} (${how})`;
    this.done = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    // A failure is also reported by open()'s rejection: nobody has to watch `done`.
    this.done.catch(() => {});
  }

  get stats(): PcapReplayStats {
    return { frames: this.frames.length, delivered: this.delivered, transmitDropped: this.transmitDropped };
  }

  /**
   * Reads and checks the capture, then starts the replay (the first frame
   * comes in a later macrotask, never before this resolves). Rejects for an
   * unreadable file, a malformed capture (see readPcap), a link type other
   * than Ethernet, a second open, or an open after close.
   */
  async open(deliver: (frame: Uint8Array) => void): Promise<void> {
    if (this.opened) throw new Error(`${this.description}: already opened`);
    if (this.closed) throw new Error(`${this.description}: closed`);
    this.opened = true;
    try {
      const file = typeof this.source === 'string' ? await readFile(this.source) : this.source;
      // A plain Uint8Array view of a Buffer (no copy), so frames are plain views too.
      const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
      const capture = readPcap(bytes);
      if (capture.linkType !== LINKTYPE_ETHERNET) {
        throw new Error(`link type ${capture.linkType} is not Ethernet (${LINKTYPE_ETHERNET}); only Ethernet captures can be replayed`);
      }
      if (this.closed) return;
      this.frames = capture.frames;
    } catch (error) {
      const failure = new Error(`${this.description}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      this.fail(failure);
      throw failure;
    }
    if (this.pace === 'fast') this.immediate = setImmediate(() => this.replayFast(deliver));
    else this.timer = setTimeout(() => this.scheduleRecorded(deliver, performance.now()), 0);
  }

  transmit(_frame: Uint8Array): void {
    this.transmitDropped++;
  }

  /** Stops the replay; `done` resolves with the frames delivered so far. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.settle({ frames: this.delivered });
  }

  /** Delivers one frame; false (replay over) if `deliver` threw. */
  private deliverNext(deliver: (frame: Uint8Array) => void): boolean {
    try {
      deliver(this.frames[this.delivered]!.data);
    } catch (error) {
      this.closed = true;
      this.fail(error);
      return false;
    }
    this.delivered++;
    return true;
  }

  private finishIfDone(): boolean {
    if (this.delivered < this.frames.length) return false;
    this.closed = true;
    this.settle({ frames: this.delivered });
    return true;
  }

  private replayFast(deliver: (frame: Uint8Array) => void): void {
    this.immediate = undefined;
    for (let n = 0; n < FAST_REPLAY_BATCH_FRAMES && !this.closed; n++) {
      if (this.finishIfDone() || !this.deliverNext(deliver)) return;
    }
    if (!this.closed && !this.finishIfDone()) this.immediate = setImmediate(() => this.replayFast(deliver));
  }

  /**
   * Delivers every frame whose time has come, then sleeps until the next
   * one. Times are offsets from `startedAt` (not from the previous frame),
   * so timer lateness does not add up over a long capture. A timestamp
   * earlier than its predecessor's is delivered right after it.
   */
  private scheduleRecorded(deliver: (frame: Uint8Array) => void, startedAt: number): void {
    this.timer = undefined;
    if (this.closed || this.finishIfDone()) return;
    const firstMicros = this.frames[0]!.timestampMicros;
    const dueAt = (index: number): number => startedAt + (this.frames[index]!.timestampMicros - firstMicros) / 1000 / this.speed;
    while (!this.closed && this.delivered < this.frames.length && dueAt(this.delivered) <= performance.now()) {
      if (!this.deliverNext(deliver)) return;
    }
    if (this.closed || this.finishIfDone()) return;
    const wait = Math.max(0, dueAt(this.delivered) - performance.now());
    this.timer = setTimeout(() => this.scheduleRecorded(deliver, startedAt), Math.ceil(wait));
  }
}
