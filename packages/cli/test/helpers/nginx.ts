import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback port (bound, read back, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A real nginx (Debian's package) in front of some upstreams, everything under its own prefix directory. */
export interface Nginx {
  readonly url: string;
  /** The access log: one line per request, `UPSTREAM STATUS METHOD URI`. */
  accessLog(): string[];
  stop(): Promise<void>;
}

/**
 * Writes `nginx.conf` into `prefix` (pid, logs and temp paths all inside it, `daemon off`), starts
 * `nginx -c CONF -p PREFIX` as a child and waits until it proxies `/healthz`.
 */
export async function startNginx(prefix: string, upstreams: readonly number[]): Promise<Nginx> {
  const port = await freePort();
  const p = (name: string) => path.join(prefix, name);
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 1024; }
http {
  log_format upstream '$upstream_addr $status $request_method $uri';
  access_log ${p('access.log')} upstream;
  client_body_temp_path ${p('client_body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
  upstream cairn {
${upstreams.map((u) => `    server 127.0.0.1:${u};`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 16m;
    location / {
      proxy_pass http://cairn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
  const confFile = p('nginx.conf');
  fs.writeFileSync(confFile, conf);
  const child: ChildProcess = spawn('nginx', ['-c', confFile, '-p', prefix, '-e', p('error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const orphan = () => child.kill('SIGTERM'); // the master stops its workers; SIGKILL would orphan them
  process.on('exit', orphan);
  void exited.then(() => process.off('exit', orphan));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${stderr}\n${fs.existsSync(p('error.log')) ? fs.readFileSync(p('error.log'), 'utf8') : ''}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not proxy /healthz within 15 s:\n${stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    accessLog: () => fs.readFileSync(p('access.log'), 'utf8').split('\n').filter(Boolean),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // graceful: finish requests, then exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
