/**
 * Runs the HTTP service until SIGTERM or SIGINT, then shuts down gracefully.
 * Usage: `npx tsx examples/http-service/main.ts [data file] [port]`
 * (defaults: `./data/http-service.db`, 3000).
 */
import { startService } from './service.js';

const [file = './data/http-service.db', port = '3000'] = process.argv.slice(2);
const service = await startService(file, Number(port));
console.log(`listening on ${service.port}`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: draining`);
  service.shutdown().then(
    () => console.log('stopped'),
    (error: unknown) => {
      console.error('shutdown failed', error);
      process.exitCode = 1;
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
