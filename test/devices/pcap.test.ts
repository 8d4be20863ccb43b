/**
 * pcap files and PcapReplayLink: writePcap/readPcap round trips in both
 * byte orders and both timestamp resolutions (checked against the header
 * bytes libpcap writes), snapped frames, rejected files (truncated header,
 * truncated record, pcapng, unknown magic, version), replay from a real file
 * at recorded pace (order, contents, elapsed time at least the recorded
 * offsets), scaled by speed, fast replay of many frames in order without
 * starving timers, close mid-replay, non-Ethernet captures, transmit drops.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE_ETHERNET, PcapReplayLink, readPcap, writePcap, type PcapFrameToWrite } from '../../src/devices/pcap.js';
import { buildUdpFrame } from '../../src/devices/ethernet.js';

const dir = mkdtempSync(join(tmpdir(), 'kipc-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 2024-01-01T00:00:00Z in microseconds. */
const EPOCH_2024_MICROS = 1_704_067_200_000_000;

function udpFrame(sequence: number, payloadBytes = 16): Uint8Array {
  const payload = new Uint8Array(payloadBytes);
  new DataView(payload.buffer).setUint32(0, sequence);
  return buildUdpFrame({
    sourceMac: '52:55:0a:00:02:02',
    destinationMac: '52:54:00:12:34:56',
    sourceIp: '10.0.2.2',
    destinationIp: '10.0.2.15',
    sourcePort: 9000,
    destinationPort: 9001,
    payload,
  });
}

/** The sequence number udpFrame put in a frame. */
const sequenceOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset).getUint32(14 + 20 + 8);

const sampleFrames: PcapFrameToWrite[] = [
  { timestampMicros: EPOCH_2024_MICROS + 123_456, data: udpFrame(0) },
  { timestampMicros: EPOCH_2024_MICROS + 1_000_001, data: udpFrame(1, 200) },
  { timestampMicros: EPOCH_2024_MICROS + 2_999_999, data: udpFrame(2, 1400), originalLength: 1500 },
];

for (const byteOrder of ['little', 'big'] as const) {
  for (const nanos of [false, true]) {
    test(`writePcap/readPcap round trip: ${byteOrder} endian, ${nanos ? 'nano' : 'micro'}second magic`, () => {
      const bytes = writePcap(sampleFrames, { byteOrder, nanos });
      const magic = nanos ? 'a1b23c4d' : 'a1b2c3d4';
      const magicBytes = byteOrder === 'big' ? magic : magic.match(/../g)!.reverse().join('');
      assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('hex'), magicBytes);
      const view = new DataView(bytes.buffer);
      const little = byteOrder === 'little';
      assert.equal(view.getUint16(4, little), 2, 'version major');
      assert.equal(view.getUint16(6, little), 4, 'version minor');
      assert.equal(view.getUint32(20, little), LINKTYPE_ETHERNET);
      // First record: seconds then the sub-second part in the file's unit.
      assert.equal(view.getUint32(24, little), EPOCH_2024_MICROS / 1e6);
      assert.equal(view.getUint32(28, little), nanos ? 123_456_000 : 123_456);
      assert.equal(bytes.length, 24 + sampleFrames.reduce((n, f) => n + 16 + f.data.length, 0));

      const capture = readPcap(bytes);
      assert.equal(capture.linkType, LINKTYPE_ETHERNET);
      assert.equal(capture.frames.length, sampleFrames.length);
      capture.frames.forEach((frame, i) => {
        const written = sampleFrames[i]!;
        assert.equal(frame.timestampMicros, written.timestampMicros, `frame ${i} timestamp`);
        assert.deepEqual(frame.data, written.data, `frame ${i} data`);
        assert.equal(frame.originalLength, written.originalLength ?? written.data.length, `frame ${i} original length`);
      });
    });
  }
}

test('readPcap: nanosecond timestamps keep their sub-microsecond part', () => {
  const bytes = writePcap([{ timestampMicros: 1_000_000.5, data: new Uint8Array(4) }], { nanos: true });
  assert.equal(new DataView(bytes.buffer).getUint32(28, true), 500, 'nanoseconds field');
  assert.equal(readPcap(bytes).frames[0]!.timestampMicros, 1_000_000.5);
});

test('readPcap: an empty capture and other link types', () => {
  const empty = readPcap(writePcap([], { linkType: 101 }));
  assert.deepEqual(empty, { linkType: 101, frames: [] });
});

test('readPcap rejects truncated, pcapng, unknown and wrong-version files', () => {
  const bytes = writePcap(sampleFrames);
  assert.throws(() => readPcap(bytes.subarray(0, 2)), /truncated file/);
  assert.throws(() => readPcap(bytes.subarray(0, 23)), /truncated file/);
  assert.throws(() => readPcap(bytes.subarray(0, 24 + 10)), /truncated record header of frame 0/);
  assert.throws(() => readPcap(bytes.subarray(0, bytes.length - 1)), /truncated data of frame 2/);
  const pcapng = Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a);
  assert.throws(() => readPcap(pcapng), /pcapng.*not supported/);
  assert.throws(() => readPcap(new TextEncoder().encode('GIF89a, not a capture at all')), /unknown magic number 0x47494638/);
  const version1 = bytes.slice(0, 24);
  version1[4] = 1;
  assert.throws(() => readPcap(version1), /unsupported version 1\.4/);
});

test('writePcap rejects bad timestamps and lengths', () => {
  assert.throws(() => writePcap([{ timestampMicros: -1, data: new Uint8Array(1) }]), RangeError);
  assert.throws(() => writePcap([{ timestampMicros: Number.NaN, data: new Uint8Array(1) }]), RangeError);
  assert.throws(() => writePcap([{ timestampMicros: 0, data: new Uint8Array(10), originalLength: 9 }]), RangeError);
});

/** Opens `link`, collecting each delivered frame (copied) and its arrival time in ms after `start`. */
async function record(link: PcapReplayLink, start: number): Promise<{ frames: Uint8Array[]; at: number[] }> {
  const frames: Uint8Array[] = [];
  const at: number[] = [];
  await link.open((frame) => {
    frames.push(frame.slice());
    at.push(performance.now() - start);
  });
  return { frames, at };
}

test('PcapReplayLink at recorded pace replays a file in order, no earlier than recorded', async () => {
  const offsetsMs = [0, 60, 60, 150, 300];
  const frames = offsetsMs.map((ms, i) => ({ timestampMicros: EPOCH_2024_MICROS + ms * 1000, data: udpFrame(i) }));
  const path = join(dir, 'recorded.pcap');
  writeFileSync(path, writePcap(frames));
  const link = new PcapReplayLink(path);
  assert.match(link.description, /recorded\.pcap \(recorded pace\)/);
  const start = performance.now();
  const got = await record(link, start);
  assert.deepEqual(await link.done, { frames: offsetsMs.length });
  assert.deepEqual(got.frames.map(sequenceOf), [0, 1, 2, 3, 4]);
  got.frames.forEach((f, i) => assert.deepEqual(f, frames[i]!.data));
  got.at.forEach((ms, i) => assert.ok(ms >= offsetsMs[i]!, `frame ${i} came at ${ms.toFixed(1)} ms, recorded at ${offsetsMs[i]} ms`));
  assert.deepEqual(link.stats, { frames: 5, delivered: 5, transmitDropped: 0 });
  await link.close();
});

test('PcapReplayLink speed scales the recorded gaps', async () => {
  const frames = [0, 400].map((ms, i) => ({ timestampMicros: EPOCH_2024_MICROS + ms * 1000, data: udpFrame(i) }));
  const link = new PcapReplayLink(writePcap(frames, { byteOrder: 'big', nanos: true }), { speed: 4 });
  assert.match(link.description, /recorded pace ×4/);
  const got = await record(link, performance.now());
  await link.done;
  assert.deepEqual(got.frames.map(sequenceOf), [0, 1]);
  assert.ok(got.at[1]! >= 100, `second frame after ${got.at[1]!.toFixed(1)} ms, at least 400/4`);
});

test('PcapReplayLink fast delivers every frame in order and lets timers run', async () => {
  const count = 2000;
  const frames = Array.from({ length: count }, (_, i) => ({ timestampMicros: EPOCH_2024_MICROS + i * 1_000_000, data: udpFrame(i) }));
  const link = new PcapReplayLink(writePcap(frames), { pace: 'fast' });
  let deliveredWhenTimerRan = -1;
  const sequences: number[] = [];
  await link.open((frame) => {
    sequences.push(sequenceOf(frame));
    // Each batch takes a few ms, so a 1 ms timer is due well before the replay ends.
    const until = performance.now() + 0.05;
    while (performance.now() < until);
  });
  assert.equal(sequences.length, 0, 'nothing is delivered before open() resolves');
  setTimeout(() => {
    deliveredWhenTimerRan = sequences.length;
  }, 0);
  assert.deepEqual(await link.done, { frames: count });
  assert.equal(sequences.length, count);
  assert.ok(sequences.every((s, i) => s === i), 'in order');
  assert.ok(deliveredWhenTimerRan >= 0 && deliveredWhenTimerRan < count, `a timer ran mid-replay (after ${deliveredWhenTimerRan} frames)`);
});

test('PcapReplayLink close stops a replay; done resolves with what was delivered', async () => {
  const frames = [0, 50, 60_000].map((ms, i) => ({ timestampMicros: EPOCH_2024_MICROS + ms * 1000, data: udpFrame(i) }));
  const link = new PcapReplayLink(writePcap(frames));
  const got: number[] = [];
  await link.open((f) => got.push(sequenceOf(f)));
  while (got.length < 2) await new Promise((r) => setTimeout(r, 10));
  await link.close();
  await link.close();
  assert.deepEqual(await link.done, { frames: 2 });
  assert.deepEqual(got, [0, 1]);
});

test('PcapReplayLink rejects non-Ethernet captures, missing files, bad options, second opens', async () => {
  const raw = new PcapReplayLink(writePcap([{ timestampMicros: 0, data: new Uint8Array(20) }], { linkType: 101 }));
  await assert.rejects(raw.open(() => {}), /link type 101 is not Ethernet/);
  await assert.rejects(raw.done, /link type 101/);
  await assert.rejects(new PcapReplayLink(join(dir, 'missing.pcap')).open(() => {}), /missing\.pcap.*ENOENT/);
  await assert.rejects(new PcapReplayLink(Uint8Array.of(1, 2, 3, 4, 5)).open(() => {}), /unknown magic number/);
  assert.throws(() => new PcapReplayLink(new Uint8Array(0), { speed: 0 }), RangeError);
  const link = new PcapReplayLink(writePcap([]));
  await link.open(() => {});
  await assert.rejects(link.open(() => {}), /already opened/);
  assert.deepEqual(await link.done, { frames: 0 });
});

test('PcapReplayLink transmit counts and drops; a throwing deliver ends the replay', async () => {
  const frames = [0, 1, 2].map((i) => ({ timestampMicros: i, data: udpFrame(i) }));
  const link = new PcapReplayLink(writePcap(frames), { pace: 'fast' });
  link.transmit(udpFrame(9));
  link.transmit(udpFrame(10));
  assert.equal(link.stats.transmitDropped, 2);
  let calls = 0;
  await link.open(() => {
    if (++calls === 2) throw new Error('kernel said no');
  });
  await assert.rejects(link.done, /kernel said no/);
  assert.equal(link.stats.delivered, 1);
});
