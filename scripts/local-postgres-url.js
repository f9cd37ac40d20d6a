// Prints the URL of the machine's PostgreSQL at 127.0.0.1:5432 when it accepts the
// postgres user, else nothing: .ci/run then lets the tests start an embedded server.
const { Client } = require('pg');

const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
client
  .connect()
  .then(() => client.query('select 1'))
  .then(() => process.stdout.write(url))
  .catch(() => undefined)
  .finally(() => client.end().catch(() => undefined));
