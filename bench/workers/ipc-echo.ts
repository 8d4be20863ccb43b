/**
 * Child process for the process benchmarks' alternative: over Node's IPC
 * channel (child_process.fork, `process.send`), answers every number with
 * number + 1; to a one-way stream of messages it answers only 'count'
 * with how many it has had; a negative number ends it.
 */
let received = 0;
process.on('message', (message: number | string | { payload: string }) => {
  if (typeof message === 'number') {
    if (message < 0) {
      process.disconnect();
      return;
    }
    process.send!(message + 1);
  } else if (message === 'count') {
    process.send!(received);
  } else {
    received++;
  }
});
