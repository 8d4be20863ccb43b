/**
 * Child process for the Unix-socket alternative: listens on the socket path
 * given as argv[2] and writes back every byte it reads; prints 'ready' once
 * listening. Ends when its client hangs up.
 */
import { createServer } from 'node:net';

const server = createServer((connection) => {
  connection.setNoDelay(true);
  connection.on('data', (chunk) => connection.write(chunk));
  connection.on('close', () => server.close());
  connection.on('error', () => server.close());
});
server.listen(process.argv[2], () => process.stdout.write('ready\n'));
