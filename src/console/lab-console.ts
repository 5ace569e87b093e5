// The lab console: a page served on the admin port (GET /) and the lab's part of the admin API
// (/api/lab/...), as one fastify plugin that `ocsplab lab up` hands to the admin listener
// (extraRoutes). The admin listener's guard stands in front of every route here; nothing in this
// file decides who may call it. The page is a client of the admin API and nothing else: every
// button is one of these routes or /api/modes, so whatever the page does, a script can do.
//
// What never reaches the page: keys, pass phrases, the token. CA entries carry the certificate
// list from index.txt (serial, subject, status, dates, reason), the paths of index and
// certificate files, and nothing read from a key file.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { CaError, LockError, list, restore, revoke, type LabCa, type ListedEntry } from '../ca/index.js';
import { OPENSSL_REASONS } from '../index/line.js';
import { CLIENT_TYPES, POLICIES, QM_PROFILES, SSLCAUTHS } from '../mq/outcomes.js';
import { CIPHERSPEC_NAMES } from '../mq/cipherspec.js';
import type { AdminContext } from '../responder/admin-listener.js';
import type { LabEnv } from '../drill/lab-env.js';
import { renderHtml } from '../drill/report-html.js';
import { renderJson } from '../drill/report-json.js';
import { renderJunit } from '../drill/report-junit.js';
import { applySettings, checkSetting, cloneSettings, DEFAULT_SETTINGS, type Settings, type SideName } from '../drill/settings.js';
import { ConsoleDrill } from './drill-run.js';
import { LabQueueManager } from './lab-qm.js';
import { consolePage, CONSOLE_CSS, FAVICON_SVG } from './page.js';

export interface LabConsoleOptions {
  env: LabEnv;
  qm: LabQueueManager;
  drill: ConsoleDrill;
  /** Folder of scenario files the page may run (only files listed there, by name). */
  scenarioDir: string;
  /** Settings of the console's Connect, changed by PUT /api/lab/settings. */
  settings: Settings;
}

/** The settings the page edits, per side, in its order. */
export const EDITABLE: Record<SideName, readonly string[]> = {
  qm: ['OCSPAuthentication', 'SSLCAUTH', 'CipherSpec', 'profile'],
  client: ['OCSPAuthentication', 'CipherSpec', 'clientType'],
};

/** Revocation reasons offered (the CRL reason words openssl ca -crl_reason takes). */
const REASONS = OPENSSL_REASONS.slice(0, 8).filter((r) => r !== 'removeFromCRL');

const STATE_CHECK_MS = 500;

function httpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: code });
}

const SCRIPT = () => readFileSync(new URL('./client/console.js', import.meta.url), 'utf8');

/** The console's own CSP: nothing but this origin, no inline script or style. */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/** The drill report in its frame: the report's own inline styles, nothing else. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";

export function settingsChoices() {
  return { OCSPAuthentication: POLICIES, SSLCAUTH: SSLCAUTHS, CipherSpec: CIPHERSPEC_NAMES, profile: QM_PROFILES, clientType: CLIENT_TYPES };
}

/** The page's first settings: the drill's defaults, and for a lab with intermediate CAs those of
 *  scenarios/mq-chain-matrix.yaml (every CA trusted; each certificate's AIA names its issuer's
 *  responder, which an AUTHINFO or MQAIR URL for the leaf's CA would override for the whole chain). */
export function newConsoleSettings(lab: { chain: readonly { issuer?: string }[] }): Settings {
  const s = cloneSettings(DEFAULT_SETTINGS);
  if (lab.chain.some((c) => c.issuer)) {
    for (const side of [s.qm, s.client]) {
      side.trust = ['all'];
      side.OCSPCheckExtensions = true;
    }
    s.qm.AUTHINFO = [];
    s.client.OCSPResponderURL = 'none';
    s.qm.profile = 'distributed';
  }
  return s;
}

export function labConsole(o: LabConsoleOptions): FastifyPluginAsync<AdminContext> {
  const { env, qm, drill } = o;
  const lab = env.lab;
  const script = SCRIPT();

  /** The lab's CAs, root first on each side, and what each one's index says now. */
  const cas = () => {
    const served = new Set(env.responder.cas.map((c) => c.name));
    const roles = new Map<string, string>();
    for (const c of Object.values(lab.certs)) roles.set(`${c.ca}:${c.serial}`, c.name === 'qm' ? `queue manager ${lab.mq.qmgr}` : 'MQ client');
    for (const c of lab.chain) {
      roles.set(`${c.name}:${c.responder.signerSerial}`, 'OCSP signer');
      if (c.issuer && c.serial) roles.set(`${c.issuer}:${c.serial}`, `CA ${c.name}`);
    }
    return lab.chain.map((c: LabCa) => {
      let certs: Array<Omit<ListedEntry, 'subjectRaw'> & { role?: string }> = [];
      let error: string | undefined;
      try {
        certs = list(c.dir).map(({ subjectRaw: _raw, ...e }) => ({ ...e, ...(roles.has(`${c.name}:${e.serial}`) ? { role: roles.get(`${c.name}:${e.serial}`) } : {}) }));
      } catch (e) {
        error = (e as Error).message;
      }
      return { name: c.name, side: c.side, ...(c.issuer ? { issuer: c.issuer } : {}), served: served.has(c.name), index: c.index, cacert: c.cacert, certs, ...(error ? { error } : {}) };
    });
  };

  const scenarios = (): string[] => {
    try {
      return readdirSync(o.scenarioDir).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch {
      return [];
    }
  };

  const caDir = (name: string): LabCa => {
    const c = lab.chain.find((x) => x.name === name);
    if (!c) throw httpError(404, `no CA named ${name} in this lab (it has ${lab.chain.map((x) => x.name).join(', ')})`);
    return c;
  };

  const notDuringDrill = (what: string) => {
    if (drill.busy) throw httpError(409, `${what}: a drill is running (it resets the lab before every scenario); wait for it or stop it`);
  };

  return async (app: FastifyInstance, ctx: AdminContext) => {
    const { events } = ctx;
    app.setErrorHandler((e, _req, res) => {
      const code = e instanceof CaError ? 400 : e instanceof LockError ? 409 : ((e as { statusCode?: number }).statusCode ?? 500);
      return res.code(code).send({ error: (e as Error).message });
    });

    const pushCas = () => events.publish('lab-cas', cas());
    drill.onChange = (s) => events.publish('drill', s);
    // An index changed outside (openssl ca, ocsplab ca) shows within STATE_CHECK_MS: the files'
    // versions are compared while a page is open, and the new list is pushed.
    events.whileOpen(() => {
      const version = () => lab.chain.map((c) => {
        const st = statSync(c.index, { throwIfNoEntry: false });
        return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '-';
      }).join('|');
      let last = version();
      const t = setInterval(() => {
        const v = version();
        if (v === last) return;
        last = v;
        pushCas();
      }, STATE_CHECK_MS);
      return () => clearInterval(t);
    });
    events.onSnapshot(() => [
      ['lab-cas', cas()],
      ['lab-settings', o.settings],
      ['drill', drill.current()],
    ]);

    const page = (res: FastifyReply, type: string, body: string, csp = PAGE_CSP) => res.type(type).header('cache-control', 'no-store').header('content-security-policy', csp).send(body);
    app.get('/', async (_req, res) => page(res, 'text/html; charset=utf-8', consolePage({ title: `ocsplab lab — ${lab.mq.qmgr}` })));
    app.get('/assets/console.js', async (_req, res) => page(res, 'text/javascript; charset=utf-8', script));
    app.get('/assets/console.css', async (_req, res) => page(res, 'text/css; charset=utf-8', CONSOLE_CSS));
    app.get('/assets/favicon.svg', async (_req, res) => page(res, 'image/svg+xml', FAVICON_SVG));

    app.get('/api/lab', async () => ({
      lab: { dir: lab.dir, depth: lab.depth, qmgr: lab.mq.qmgr, channel: lab.mq.channel, keyType: lab.keyType },
      qm: { port: qm.port },
      cas: cas(),
      settings: o.settings,
      editable: EDITABLE,
      choices: settingsChoices(),
      reasons: REASONS,
      scenarios: scenarios(),
      drill: drill.current(),
    }));
    app.get('/api/lab/cas', async () => cas());

    app.post<{ Params: { ca: string }; Body: { serial?: string; reason?: string } }>('/api/lab/cas/:ca/revoke', async (req) => {
      notDuringDrill('revoke');
      const c = caDir(req.params.ca);
      const serial = String(req.body?.serial ?? '');
      const reason = req.body?.reason ? String(req.body.reason) : undefined;
      if (!/^[0-9A-Fa-f]{1,40}$/.test(serial)) throw httpError(400, 'serial must be hex, as index.txt writes it');
      if (reason !== undefined && !(REASONS as readonly string[]).includes(reason)) throw httpError(400, `reason must be one of ${REASONS.join(', ')}`);
      const changed = await revoke({ dir: c.dir, target: serial, ...(reason ? { reason } : {}) });
      // The store watches the file too; reloading now makes the very next OCSP request see it.
      if (env.responder.cas.some((x) => x.name === c.name)) env.responder.reload(c.name);
      pushCas();
      return { ca: c.name, serial: changed.serial, line: changed.line };
    });
    app.post<{ Params: { ca: string }; Body: { serial?: string } }>('/api/lab/cas/:ca/restore', async (req) => {
      notDuringDrill('restore');
      const c = caDir(req.params.ca);
      const serial = String(req.body?.serial ?? '');
      if (!/^[0-9A-Fa-f]{1,40}$/.test(serial)) throw httpError(400, 'serial must be hex, as index.txt writes it');
      const changed = await restore({ dir: c.dir, target: serial });
      if (env.responder.cas.some((x) => x.name === c.name)) env.responder.reload(c.name);
      pushCas();
      return { ca: c.name, serial: changed.serial, line: changed.line };
    });

    app.get('/api/lab/settings', async () => o.settings);
    // Body: {"qm": {"SSLCAUTH": "OPTIONAL"}, "client": {"clientType": "Java"}}; each value checked
    // as a drill's `set:` is.
    app.put<{ Body: Record<string, unknown> }>('/api/lab/settings', async (req) => {
      const body = req.body ?? {};
      const next = cloneSettings(o.settings);
      const problems: string[] = [];
      for (const [side, values] of Object.entries(body)) {
        if (side !== 'qm' && side !== 'client') {
          problems.push(`unknown side ${side} (qm or client)`);
          continue;
        }
        if (!values || typeof values !== 'object') {
          problems.push(`${side} must be an object of settings`);
          continue;
        }
        const checked: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
          const r = checkSetting(side, k, v);
          if ('error' in r) problems.push(r.error);
          else checked[k] = r.value;
        }
        applySettings(next, side, checked);
      }
      if (problems.length) throw httpError(400, problems.join('; '));
      notDuringDrill('settings');
      o.settings = next;
      // The queue manager runs with the current settings: restarted when one of its own changed.
      await qm.ensure(o.settings);
      events.publish('lab-settings', o.settings);
      return o.settings;
    });

    app.post('/api/lab/connect', async () => {
      notDuringDrill('connect');
      const v = await qm.connect(cloneSettings(o.settings));
      events.publish('lab-connect', v);
      return v;
    });
    // REFRESH SECURITY TYPE(SSL) on both sides: the CRLs they fetched are forgotten.
    app.post('/api/lab/refresh', async () => {
      await env.refresh('both');
      return { refreshed: 'both' };
    });

    app.get('/api/lab/scenarios', async () => scenarios());
    app.get('/api/lab/drill', async () => drill.current());
    app.post<{ Body: { file?: string; filter?: string } }>('/api/lab/drill', async (req, res) => {
      const name = String(req.body?.file ?? '');
      if (!scenarios().includes(name)) throw httpError(400, `file must be one of ${scenarios().join(', ') || '(none found)'} in ${o.scenarioDir}`);
      const filter = req.body?.filter ? String(req.body.filter).slice(0, 200) : undefined;
      const s = await drill.start(resolve(o.scenarioDir, name), filter);
      return res.code(202).send(s);
    });
    app.delete('/api/lab/drill', async () => {
      drill.stop();
      return drill.current();
    });
    const report = () => {
      const r = drill.report();
      if (!r) throw httpError(404, 'no drill has been run from the console yet');
      return r;
    };
    app.get('/api/lab/drill/report.html', async (_req, res) => page(res, 'text/html; charset=utf-8', renderHtml(report()), REPORT_CSP));
    app.get('/api/lab/drill/report.json', async (_req, res) =>
      res.type('application/json').header('content-disposition', 'attachment; filename="drill.json"').send(renderJson(report())),
    );
    app.get('/api/lab/drill/report.junit.xml', async (_req, res) =>
      res.type('application/xml').header('content-disposition', 'attachment; filename="drill.junit.xml"').send(renderJunit(report())),
    );
  };
}

/** Where scenario files are: ./scenarios when it exists, else the ones shipped with ocsplab. */
export function defaultScenarioDir(): string {
  const here = resolve('scenarios');
  try {
    if (statSync(here).isDirectory()) return here;
  } catch {
    /* fall through */
  }
  return join(new URL('../../../scenarios', import.meta.url).pathname);
}
