import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Whether Debian's nginx is installed (apt-get install nginx). */
export const nginxAvailable = () => spawnSync('nginx', ['-v']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type Upstream = { address: string; requests: number; fiveHundreds: number; seconds: number[] };

/**
 * nginx on loopback in front of the app instances, to the least busy without stickiness (so a
 * signed-in user's requests land on every instance), as a production proxy would pass them:
 * Host, X-Forwarded-For and -Proto, keep-alive to the upstreams, responses streamed. Its
 * access log names the instance that answered each request, for a report per instance.
 */
export async function startNginx(upstreams: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alliance-nginx-'));
  // nginx's workers run as nobody when the master is root: they must reach the temp folders.
  chmodSync(dir, 0o755);
  for (const temp of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(dir, temp));
    chmodSync(path.join(dir, temp), 0o777);
  }
  const port = await freePort();
  const servers = upstreams.map((url) => `server ${new URL(url).host};`).join(' ');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  log_format upstream '$upstream_addr $status $upstream_response_time';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/client;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { least_conn; ${servers} keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    /** Requests, 5xx and response times per instance, from the access log. */
    perUpstream(): Upstream[] {
      const byAddress = new Map<string, Upstream>(
        upstreams.map((upstream) => [new URL(upstream).host, { address: upstream, requests: 0, fiveHundreds: 0, seconds: [] }]),
      );
      for (const line of readFileSync(path.join(dir, 'access.log'), 'utf8').split('\n')) {
        const [address, status, seconds] = line.split(' ');
        const upstream = address ? byAddress.get(address) : undefined;
        if (!upstream) continue;
        upstream.requests += 1;
        if (Number(status) >= 500) upstream.fiveHundreds += 1;
        upstream.seconds.push(Number(seconds));
      }
      return [...byAddress.values()];
    },
    async stop() {
      child.kill('SIGQUIT');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
