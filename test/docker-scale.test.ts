// The docker-compose profile `scale`, checked without a Docker engine: two ocsplab replicas of
// qm-ca on the lab volume mounted read-only, nginx's cache in front (docker/nginx-cache.conf),
// `ocsplab presign --watch` into a volume and nginx serving it (docker/nginx-static.conf); only
// loopback ports reach the host. `docker-compose --profile scale config` validates the file, and
// `nginx -t` each configuration (with the service names and container paths mapped to loopback and
// a temporary prefix) where nginx is installed. The same topology runs for real, as host
// processes, in test/nginx-cache.test.ts and test/presign-nginx.test.ts.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findNginx, NGINX_INSTALL } from './helpers/nginx.js';
import { tempDir } from './helpers/openssl.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string) => readFileSync(`${root}/${f}`, 'utf8');

type Service = {
  build?: { target?: string };
  profiles?: string[];
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: unknown };
};
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const SCALE = ['ocsp-replica-1', 'ocsp-replica-2', 'ocsp-cache', 'presign', 'ocsp-static'];

t.test('the scale services: replicas on a read-only lab, a cache and a static server on loopback', async (t) => {
  for (const name of SCALE) {
    const s = compose.services[name];
    t.ok(s, `${name} is defined`);
    t.same(s?.profiles, ['scale'], `${name} runs with --profile scale only`);
  }
  for (const r of ['ocsp-replica-1', 'ocsp-replica-2']) {
    const s = compose.services[r]!;
    t.ok(s.volumes?.includes('lab:/lab:ro'), `${r}: the lab read-only`);
    t.same(s.ports ?? [], [], `${r}: nothing published`);
    const cmd = (s.command ?? []).join(' ');
    t.match(cmd, /^ocsp .*-nmin \d+.*--max-age \d+/, `${r}: a nextUpdate and a max-age cap`);
    t.match(cmd, /--host 0\.0\.0\.0 -port 2560/);
    t.ok(s.healthcheck?.test, `${r}: health-checked`);
  }
  const p = compose.services.presign!;
  t.match((p.command ?? []).join(' '), /^presign --out \/presigned --watch .*-nmin \d+/);
  t.ok(p.volumes?.includes('lab:/lab:ro') && p.volumes?.includes('presigned:/presigned'));
  const cache = compose.services['ocsp-cache']!;
  t.same(cache.ports, ['127.0.0.1:2580:8080']);
  t.ok(cache.volumes?.includes('./docker/nginx-cache.conf:/etc/nginx/nginx.conf:ro'));
  t.same(Object.keys(cache.depends_on ?? {}).sort(), ['ocsp-replica-1', 'ocsp-replica-2']);
  const st = compose.services['ocsp-static']!;
  t.same(st.ports, ['127.0.0.1:2581:8080']);
  t.ok(st.volumes?.includes('presigned:/presigned:ro') && st.volumes?.includes('./docker/nginx-static.conf:/etc/nginx/nginx.conf:ro'));
  t.ok(compose.volumes && 'presigned' in compose.volumes, 'a named volume for the pre-signed files');
  // nginx's upstreams are the replica services, on the port they listen on.
  const ups = [...read('docker/nginx-cache.conf').matchAll(/^\s*server ([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  t.same(ups, ['ocsp-replica-1:2560', 'ocsp-replica-2:2560']);
  t.match(read('docker/nginx-cache.conf'), /proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;/);
  t.match(read('docker/nginx-static.conf'), /root \/presigned\/get;/);
});

t.test('docker-compose --profile scale config validates the file', async (t) => {
  const cmd = [['docker', 'compose'], ['docker-compose']].find((c) => spawnSync(c[0]!, [...c.slice(1), 'version']).status === 0);
  if (!cmd) {
    if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail('docker-compose not installed: apt-get install docker-compose');
    else t.plan(0, 'docker-compose not installed: apt-get install docker-compose');
    return;
  }
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), '--profile', 'scale', 'config'], { cwd: root, encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'ocsplab-test' } });
  t.equal(r.status, 0, r.stderr);
  const names = Object.keys((parse(r.stdout) as { services: Record<string, unknown> }).services);
  t.ok(SCALE.every((n) => names.includes(n)), names.join(', '));
});

t.test('nginx -t accepts both configurations', async (t) => {
  const bin = await findNginx();
  if (!bin) {
    if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`nginx not installed: ${NGINX_INSTALL}`);
    else t.plan(0, `nginx not installed: ${NGINX_INSTALL}`);
    return;
  }
  const prefix = tempDir('ocsplab-nginx-t-');
  t.teardown(() => rmSync(prefix, { recursive: true, force: true }));
  mkdirSync(join(prefix, 'get'));
  for (const f of ['nginx-cache.conf', 'nginx-static.conf']) {
    const conf = read(`docker/${f}`)
      .replace(/ocsp-replica-\d/g, '127.0.0.1')
      .replace(/\/tmp\//g, `${prefix}/`)
      .replace(/\/var\/cache\/ocsp/g, `${prefix}/cache`)
      .replace(/\/presigned\//g, `${prefix}/`)
      .replace(/\/dev\/std(out|err)/g, `${prefix}/log`)
      .replace(/^worker_processes/m, `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes`);
    writeFileSync(join(prefix, f), conf);
    const r = spawnSync(bin, ['-t', '-p', prefix, '-c', join(prefix, f), '-e', join(prefix, 'log')], { encoding: 'utf8' });
    t.equal(r.status, 0, `${f}: ${r.stderr.trim()}`);
  }
});

t.test('every named volume our services write gets its owner from a directory uid 1001 owns in our image', async (t) => {
  // Docker creates a named volume's root as root:root 0755 when the image of the first container
  // to mount it has no directory there, and copies that directory's owner when it has one: our
  // services run as uid 1001, so a volume no image of ours prepares cannot be written (presign:
  // EACCES on /presigned).
  const df = read('Dockerfile');
  const stage = (target: string) => df.slice(df.indexOf(`AS ${target}`)).split(/\nFROM /)[0];
  const prepares = (target: string, path: string) =>
    [...stage(target).matchAll(/mkdir -p ([^&\n]+?) && chown 1001:0 ([^\n\\]+)/g)].some((m) => m[1].split(/\s+/).includes(path) && m[2].trim().split(/\s+/).includes(path));
  const named = new Set(Object.keys(compose.volumes ?? {}));
  const written = new Map<string, { writers: string[]; prepared: boolean }>();
  for (const [name, s] of Object.entries(compose.services)) {
    const target = s.build?.target;
    for (const v of s.volumes ?? []) {
      const [src, path, mode] = v.split(':');
      if (!named.has(src) || mode === 'ro' || !target) continue;
      const w = written.get(src) ?? { writers: [], prepared: false };
      w.writers.push(name);
      w.prepared ||= prepares(target, path);
      written.set(src, w);
    }
  }
  t.ok(written.has('presigned'), 'presign writes its volume');
  for (const [v, w] of written) t.ok(w.prepared, `volume ${v} (written by ${w.writers.join(', ')}): its mount point is made and chowned to 1001 in the writer's image stage`);
});
