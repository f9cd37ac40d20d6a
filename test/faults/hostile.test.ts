import { readFileSync } from 'node:fs';
import http from 'node:http';
import { migrateToLatest } from '../../src/db/migrate';
import { seedReferenceData } from '../../src/db/seed';
import { enqueueMail } from '../../src/mail/outbox';
import { startSmtpServer } from '../helpers/smtp';
import { sleep, waitFor } from '../helpers/wait';
import { startApp, startCluster, type Cluster } from './harness';

// Hostile clients and a broken mail server, against the compiled app in its own process.

/** The app process's resident memory, in MB. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

type Answer = { status: number; headers: http.IncomingHttpHeaders; response: http.IncomingMessage };

/** A GET from a client at `address` (the app trusts X-Forwarded-For from loopback here) that reads nothing of the body. */
const getWithoutReading = (url: string, address: string) =>
  new Promise<Answer>((resolve, reject) => {
    const request = http.get(url, { headers: { 'X-Forwarded-For': address }, timeout: 20_000 }, (response) => {
      response.pause();
      resolve({ status: response.statusCode ?? 0, headers: response.headers, response });
    });
    request.on('timeout', () => request.destroy(new Error('no answer in 20 s')));
    request.on('error', reject);
  });

/** Reads a paused response to its end; rejects if the server cut it off. */
const readToEnd = (response: http.IncomingMessage) =>
  new Promise<number>((resolve, reject) => {
    let bytes = 0;
    response.on('data', (chunk: Buffer) => (bytes += chunk.length));
    response.on('end', () => {
      resolve(bytes);
    });
    response.on('aborted', () => {
      reject(new Error('cut off'));
    });
    response.on('error', reject);
    response.resume();
  });

/** Whether the server has ended this response without the client reading it: the socket is closed. */
const cutOff = (answer: Answer) =>
  new Promise<void>((resolve) => {
    answer.response.socket.once('close', () => {
      resolve();
    });
  });

/** Waits (5 s at most) until no export query is running on the cluster: every download's COPY or cursor has ended. */
const noExportQueryRunning = (cluster: Cluster) =>
  waitFor(
    async () =>
      Number(
        (
          await cluster.db.raw(
            "select count(*)::int as count from pg_stat_activity where application_name = 'alliance-tracker-exports' and state = 'active'",
          )
        ).rows[0].count,
      ) === 0,
    5000,
  );

/** Enough published actions that actions.csv (about 30 MB) cannot fit in the sockets' buffers. */
async function publishManyActions(cluster: Cluster) {
  await cluster.db.transaction(async (trx) => {
    await trx.raw(`insert into cycles (slug, title, kind, opens_on, due_on, closes_on, state)
      values ('fault-commitments', 'Fault commitments', 'commitments', '2030-01-01', '2030-06-01', '2030-12-01', 'closed')`);
    await trx.raw(`insert into reports (country_code, cycle_id, state, submitted_at, reviewed_at)
      select code, (select id from cycles where slug = 'fault-commitments'), 'accepted', now(), now() from countries`);
    await trx.raw(`insert into actions (country_code, target_code, title, description, responsible_body, pledged_in_report_id)
      select r.country_code, 'PT' || (1 + n % 4), 'Action ' || n || ' of ' || r.country_code, repeat('A long description. ', 10),
             'Ministry of Justice', r.id
      from reports r join cycles c on c.id = r.cycle_id and c.slug = 'fault-commitments' cross join generate_series(1, 2000) n`);
  });
}

describe('hostile clients and a broken mail server', () => {
  let cluster: Cluster;
  beforeEach(async () => {
    cluster = await startCluster();
    await migrateToLatest(cluster.db);
    await seedReferenceData(cluster.db);
  });
  afterEach(async () => {
    await cluster.destroy();
  });

  it('clients that never read hold no export connection for long: others get 429 or 503 with Retry-After at once, and every query ends', async () => {
    await publishManyActions(cluster);
    const app = await startApp(cluster.url, { TRUST_PROXY: 'loopback', DOWNLOAD_STALL_SECONDS: '4' });
    const file = `${app.url}/open-data/actions.csv`;
    try {
      // Four stalled downloads, two of them from one address: the four export connections are all held.
      const stalled = await Promise.all(
        ['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.3'].map((ip) => getWithoutReading(file, ip)),
      );
      expect(stalled.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      const closed = stalled.map(cutOff);

      const third = await getWithoutReading(file, '198.51.100.1');
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBeDefined();
      const waiting = await getWithoutReading(file, '198.51.100.4');
      expect(waiting.status).toBe(503);
      expect(waiting.headers['retry-after']).toBeDefined();
      const page = await fetch(`${app.url}/countries`);
      expect(page.status).toBe(200);

      // Past DOWNLOAD_STALL_SECONDS the stalled ones are cut off, their COPY cancelled.
      await Promise.all(closed);
      await noExportQueryRunning(cluster);
      const fresh = await getWithoutReading(file, '198.51.100.4');
      expect(fresh.status).toBe(200);
      expect(await readToEnd(fresh.response)).toBeGreaterThan(20_000_000);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('visitors who leave open-data downloads half read, in every format, leave the server up and every connection free', async () => {
    await publishManyActions(cluster);
    const app = await startApp(cluster.url, { TRUST_PROXY: 'loopback' });
    try {
      // Each reads the first bytes of a file tens of MB long, then goes away. An abandoned
      // .xlsx stopped the server before (the rejection of its end had no handler yet).
      for (const format of ['xlsx', 'csv', 'json', 'xlsx']) {
        const answer = await getWithoutReading(`${app.url}/open-data/actions.${format}`, '198.51.100.9');
        expect(answer.status).toBe(200);
        await new Promise((resolve) => answer.response.once('data', resolve).resume());
        answer.response.destroy();
        await sleep(200);
      }
      await noExportQueryRunning(cluster);
      expect(app.child.exitCode).toBeNull();
      const fresh = await getWithoutReading(`${app.url}/open-data/actions.xlsx`, '198.51.100.9');
      expect(fresh.status).toBe(200);
      expect(await readToEnd(fresh.response)).toBeGreaterThan(1_000_000);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('open-data files written ahead whose database connection is cut midway are written again, whole, and the process goes on', async () => {
    await publishManyActions(cluster);
    const app = await startApp(cluster.url, { OPEN_DATA_PREPARE_SECONDS: '1', LOG_LEVEL: 'info' });
    try {
      // Twice, once the writing ahead has a query running: its connection is terminated.
      for (let cut = 0; cut < 2; cut += 1) {
        await waitFor(
          async () =>
            Number(
              (
                await cluster.db.raw(
                  `select count(pg_terminate_backend(pid))::int as count from pg_stat_activity
                    where application_name = 'alliance-tracker-exports' and state = 'active'`,
                )
              ).rows[0].count,
            ) > 0,
          30_000,
        );
        await waitFor(() => app.output().split('open-data files could not be prepared').length - 1 > cut, 10_000);
      }
      // Tried again after the quiet period, to the end.
      await waitFor(() => app.output().includes('"msg":"open-data files prepared"'), 60_000);
      expect(app.child.exitCode).toBeNull();
      for (const format of ['csv', 'json', 'xlsx']) {
        const answer = await getWithoutReading(`${app.url}/open-data/actions.${format}`, '198.51.100.7');
        expect(answer.status).toBe(200);
        // Kept: its length known, and every byte of it sent.
        const length = Number(answer.headers['content-length']);
        expect(length).toBeGreaterThan(1_000_000);
        expect(await readToEnd(answer.response)).toBe(length);
      }
      // And whole: every published action in it, none cut off.
      const actions = Number((await cluster.db('actions').count<Array<{ count: string }>>('* as count'))[0]!.count);
      const csv = await (await fetch(`${app.url}/open-data/actions.csv`)).text();
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(actions + 1);
      expect((JSON.parse(await (await fetch(`${app.url}/open-data/actions.json`)).text()) as unknown[]).length).toBe(actions);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('sixty anonymous 4.9 MB uploads at once are refused before their bodies are read: the process grows by less than 100 MB', async () => {
    const app = await startApp(cluster.url);
    try {
      const before = rssMb(app.child.pid!);
      const body = Buffer.alloc(4.9 * 1024 * 1024, 'a');
      const boundary = 'hostileboundary';
      const multipart = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`),
        body,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      let peak = before;
      const watch = setInterval(() => (peak = Math.max(peak, rssMb(app.child.pid!))), 20);
      const statuses = await Promise.all(
        Array.from({ length: 60 }, () =>
          fetch(`${app.url}/exports/import?_csrf=guessed`, {
            method: 'POST',
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
            body: multipart,
            redirect: 'manual',
            signal: AbortSignal.timeout(30_000),
          }).then(
            (response) => response.status,
            () => 0, // the server closed the connection without reading the body: also a refusal
          ),
        ),
      );
      clearInterval(watch);
      expect(statuses.filter((status) => status !== 303 && status !== 403 && status !== 0)).toEqual([]);
      expect(peak - before).toBeLessThan(100);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('mail survives an SMTP outage and an app restart: every message is delivered, each once', async () => {
    const smtp = await startSmtpServer();
    const env = { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tracker.example.test' };
    const queue = async (count: number, from: number) => {
      for (let index = from; index < from + count; index += 1)
        await enqueueMail(cluster.db, {
          kind: 'password_reset',
          to: `person-${index}@example.org`,
          userId: null,
          language: 'en',
          params: { name: `Person ${index}`, link: `https://tracker.example.test/password-reset/t${index}`, minutes: 60 },
        });
    };
    const sent = async () => (await cluster.db('outbox').whereNotNull('sent_at').count<{ count: number }[]>('* as count').first())!.count;

    let app = await startApp(cluster.url, env);
    try {
      await queue(5, 0);
      await waitFor(async () => (await sent()) === 5, 15_000);
      expect(smtp.received).toHaveLength(5);

      // The mail server goes away: messages wait, with their error, and none is lost.
      await smtp.close();
      await queue(5, 5);
      await waitFor(
        async () =>
          (await cluster.db('outbox').where('attempts', '>', 0).whereNull('sent_at').count<{ count: number }[]>('* as count').first())!
            .count === 5,
        15_000,
      );
      expect((await cluster.db('outbox').whereNull('sent_at').first('last_error')).last_error).toMatch(/ECONNREFUSED|connect/i);

      // The app is killed and started again; the mail server comes back.
      app.child.kill('SIGKILL');
      await app.exited;
      const back = await startSmtpServer();
      app = await startApp(cluster.url, { ...env, SMTP_URL: back.url });
      await cluster.db('outbox').whereNull('sent_at').update({ next_attempt_at: cluster.db.fn.now() });
      await waitFor(async () => (await sent()) === 10, 20_000);
      await sleep(1000);
      const delivered = back.received.map((mail) => mail.messageId);
      expect(delivered).toHaveLength(5);
      expect(new Set([...smtp.received.map((mail) => mail.messageId), ...delivered]).size).toBe(10);
      await back.close();
    } finally {
      app.child.kill('SIGKILL');
    }
  });
});
