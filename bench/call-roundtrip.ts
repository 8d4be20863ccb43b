/**
 * Benchmark 1: call/reply round trip between two worker threads.
 *
 * - kipc: a client task does sync `port.call` to an echo server task that
 *   `receive`s and `reply`s (both worker threads of one kernel).
 * - alternative: the same echo over `postMessage` between two workers joined
 *   by a MessageChannel, each side answering from its event loop.
 *
 * Both clients time their own rounds; the main thread only starts them.
 */
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, finishOpening, openBoth, type Side, workerUrl } from './harness.js';
import { ECHO_PATH, startEchoKernel } from './kipc-setup.js';
import { openPostMessagePingPong } from './pm-side.js';

function openKipc(): Promise<Side> {
  const echo = startEchoKernel();
  const control = createControl();
  const client = echo.kernel.spawn(workerUrl('kipc-caller'), { data: { path: ECHO_PATH, control: control.buffer } });
  echo.failure.watchTask(client, 'caller');
  const side = new DrivenSide(
    'port.call → receive + reply, worker ↔ worker',
    control,
    echo.failure,
    () => echo.close(),
    echo.parks,
  );
  return finishOpening(side, () => side.ready(1));
}

export const callRoundTrip: Benchmark = {
  name: 'roundtrip',
  title: 'call/reply round trip, worker ↔ worker',
  unit: 'µs',
  targets: [
    { kind: 'at-most', value: 2 },
    { kind: 'speedup', value: 15 },
  ],
  open: () => openBoth(openKipc, () => openPostMessagePingPong('postMessage ping-pong over a MessageChannel, worker ↔ worker')),
};
