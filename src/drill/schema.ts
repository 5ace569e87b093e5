// The shape of a drill file, and its validator. Every error names the file, the scenario and the
// field (as a path like `steps[2].responder.mode`), and all errors of a file are reported at once
// so a person fixes them in one pass.

import { checkMode, type Mode } from '../responder/modes.js';
import { isMessageId } from '../mq/catalog.js';
import { rowById } from '../mq/outcomes.js';
import { CA_NAME, SIDES, checkSetting, cloneSettings, applySettings, DEFAULT_SETTINGS, type CaName, type Settings, type SideName } from './settings.js';

/** A leaf (qm, client) or a CA of the lab whose certificate its issuer can revoke (qm-issuing). */
export type CertName = string;

export type Step =
  | { kind: 'responder'; ca: CaName | 'all'; mode: Mode }
  | { kind: 'revoke'; cert: CertName; reason?: string }
  | { kind: 'restore'; cert: CertName }
  | { kind: 'set'; side: SideName; values: Record<string, unknown> }
  | { kind: 'connect'; expect?: Expect }
  | { kind: 'wait'; ms: number }
  | { kind: 'shell'; cmd: string }
  /** REFRESH SECURITY TYPE(SSL) on the QM (or a new client process): the side's CRL cache is emptied. */
  | { kind: 'refresh'; side: SideName | 'both' };

export interface SideExpect {
  /** Message ids without the severity letter, e.g. AMQ9716. */
  messages?: string[];
  /** ordered (default): exactly these, in this order; set: exactly these, any order. */
  order?: 'ordered' | 'set';
  /** In order; a number, or a pattern of digits and x's ("575xxx": any digit where the x is). */
  validationErrors?: Array<number | string>;
  /** Nothing at all written to this side's AMQERR01.LOG. */
  nothing?: boolean;
}

export interface ExpectedEvent {
  reason: number;
  qualifier?: string;
}

export interface Expect {
  rc?: number;
  channelStarted?: boolean;
  client?: SideExpect;
  qm?: SideExpect;
  /** Exactly these channel events (an empty list: none). */
  events?: ExpectedEvent[];
  /** The outcome row the emulator reports having applied. */
  row?: string;
  /** Whether the outcome rests on an inferred row (the result's `inferred`, the reports' `*`). */
  inferred?: boolean;
  elapsedMs?: { min?: number; max?: number };
}

/** Where a scenario's expectation comes from: an outcome row id, or 'seen|doc|inferred: text'. */
export interface SourceRef {
  kind: 'seen' | 'doc' | 'inferred';
  text: string;
  row?: string;
}

export interface Scenario {
  id: string;
  title?: string;
  source?: SourceRef;
  steps: Step[];
  expect?: Expect;
}

export interface DrillFile {
  path: string;
  /** Lab directory as written (resolved against the file's directory by the loader). */
  lab: string;
  /** How deep the lab's chains are: 1 (each root issues its leaf), 2 or 3 (intermediate CAs). */
  labDepth: number;
  defaults: Settings;
  scenarios: Scenario[];
}

export class DrillSchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DrillSchemaError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Collects problems with their place; `at` prefixes a field path. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly file: string) {}
  add(scenario: string | undefined, field: string, msg: string): void {
    this.list.push(`${this.file}: ${scenario ? `scenario "${scenario}": ` : ''}${field}: ${msg}`);
  }
}

function only(p: Problems, sc: string | undefined, field: string, o: Obj, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) p.add(sc, field ? `${field}.${k}` : k, `unknown field (allowed: ${allowed.join(', ')})`);
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

const RC_NAMES: Record<string, number> = {
  MQRC_NONE: 0,
  MQRC_Q_MGR_NOT_AVAILABLE: 2059,
  MQRC_SSL_INITIALIZATION_ERROR: 2393,
  MQRC_JSSE_ERROR: 2397,
};

function sideSettings(p: Problems, sc: string | undefined, field: string, side: SideName, o: Obj, skip: string[] = []): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (v === null && k === 'certLabel') {
      out[k] = null;
      continue;
    }
    const r = checkSetting(side, k, v);
    if ('error' in r) p.add(sc, `${field}.${k}`, r.error);
    else out[k] = r.value;
  }
  return out;
}

/** A validation error as a drill file gives it: a number, or digits and x's (x: any digit). A
 *  pattern without an x is its number; one with a leading 0 could never match, so it is refused. */
function validationError(v: unknown): number | string | undefined {
  if (typeof v === 'number') return int(v);
  if (typeof v !== 'string') return undefined;
  const pat = v.trim().toLowerCase();
  if (!/^(0|[1-9x][0-9x]*)$/.test(pat)) return undefined;
  return pat.includes('x') ? pat : Number(pat);
}

function sideExpect(p: Problems, sc: string, field: string, v: unknown): SideExpect | undefined {
  if (!isObj(v)) {
    p.add(sc, field, 'must be a mapping (messages, order, validationErrors, nothing)');
    return undefined;
  }
  only(p, sc, field, v, ['messages', 'order', 'validationErrors', 'nothing']);
  const e: SideExpect = {};
  if (v.messages !== undefined) {
    if (!Array.isArray(v.messages)) p.add(sc, `${field}.messages`, 'must be a list of message ids like AMQ9716');
    else {
      e.messages = [];
      v.messages.forEach((m, i) => {
        const id = typeof m === 'string' ? m.toUpperCase().replace(/^(AMQ\d{4})[IWEST]$/, '$1') : '';
        if (!isMessageId(id)) p.add(sc, `${field}.messages[${i}]`, `${JSON.stringify(m)} is not a known message id (AMQnnnn)`);
        else e.messages!.push(id);
      });
    }
  }
  if (v.order !== undefined) {
    if (v.order !== 'ordered' && v.order !== 'set') p.add(sc, `${field}.order`, "must be 'ordered' or 'set'");
    else e.order = v.order;
  }
  if (v.validationErrors !== undefined) {
    if (!Array.isArray(v.validationErrors)) p.add(sc, `${field}.validationErrors`, 'must be a list of numbers or patterns like 575xxx');
    else {
      e.validationErrors = [];
      v.validationErrors.forEach((n, i) => {
        const ve = validationError(n);
        if (ve === undefined) p.add(sc, `${field}.validationErrors[${i}]`, `${JSON.stringify(n)} is neither a validation error number nor a pattern of digits and x's like 575xxx`);
        else e.validationErrors!.push(ve);
      });
    }
  }
  if (v.nothing !== undefined) {
    if (typeof v.nothing !== 'boolean') p.add(sc, `${field}.nothing`, 'must be true or false');
    else if (v.nothing && (e.messages?.length || e.validationErrors?.length)) p.add(sc, `${field}.nothing`, 'contradicts the messages or validationErrors given');
    else e.nothing = v.nothing;
  }
  return e;
}

function expectation(p: Problems, sc: string, field: string, v: unknown): Expect | undefined {
  if (!isObj(v)) {
    p.add(sc, field, 'must be a mapping');
    return undefined;
  }
  only(p, sc, field, v, ['rc', 'channelStarted', 'client', 'qm', 'events', 'row', 'inferred', 'elapsedMs']);
  const e: Expect = {};
  if (v.rc !== undefined) {
    const rc = typeof v.rc === 'string' ? RC_NAMES[v.rc] : int(v.rc);
    if (rc === undefined) p.add(sc, `${field}.rc`, `must be a reason code number or one of ${Object.keys(RC_NAMES).join(', ')}`);
    else e.rc = rc;
  }
  if (v.channelStarted !== undefined) {
    if (typeof v.channelStarted !== 'boolean') p.add(sc, `${field}.channelStarted`, 'must be true or false');
    else e.channelStarted = v.channelStarted;
  }
  for (const side of SIDES) if (v[side] !== undefined) e[side] = sideExpect(p, sc, `${field}.${side}`, v[side]);
  if (v.events !== undefined) {
    if (!Array.isArray(v.events)) p.add(sc, `${field}.events`, 'must be a list of {reason, qualifier}');
    else {
      e.events = [];
      v.events.forEach((ev, i) => {
        const f = `${field}.events[${i}]`;
        if (!isObj(ev) || int(ev.reason) === undefined) return p.add(sc, f, 'must be {reason: number, qualifier?: text}');
        only(p, sc, f, ev, ['reason', 'qualifier']);
        e.events!.push(typeof ev.qualifier === 'string' ? { reason: ev.reason as number, qualifier: ev.qualifier } : { reason: ev.reason as number });
      });
    }
  }
  if (v.row !== undefined) {
    if (typeof v.row !== 'string' || !rowById(v.row)) p.add(sc, `${field}.row`, `${JSON.stringify(v.row)} is not an outcome row id (src/mq/outcomes.ts)`);
    else e.row = v.row;
  }
  if (v.inferred !== undefined) {
    if (typeof v.inferred !== 'boolean') p.add(sc, `${field}.inferred`, 'must be true or false');
    else e.inferred = v.inferred;
  }
  if (v.elapsedMs !== undefined) {
    const b = v.elapsedMs;
    if (!isObj(b) || (b.min !== undefined && int(b.min) === undefined) || (b.max !== undefined && int(b.max) === undefined)) p.add(sc, `${field}.elapsedMs`, 'must be {min?: ms, max?: ms}, each a whole number of ms (0 or more)');
    else {
      only(p, sc, `${field}.elapsedMs`, b, ['min', 'max']);
      const { min, max } = b as { min?: number; max?: number };
      // An empty range can never pass: refused here rather than failing every run.
      if (min !== undefined && max !== undefined && min > max) p.add(sc, `${field}.elapsedMs`, `min ${min} ms is above max ${max} ms: no connect can pass`);
      else e.elapsedMs = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
  }
  return e;
}

const STEP_KINDS = ['responder', 'revoke', 'restore', 'set', 'connect', 'wait', 'shell', 'refresh'] as const;

function step(p: Problems, sc: string, field: string, v: unknown): Step | undefined {
  if (!isObj(v) || Object.keys(v).length !== 1) {
    p.add(sc, field, `a step is a mapping with one of: ${STEP_KINDS.join(', ')}`);
    return undefined;
  }
  const [kind, a] = Object.entries(v)[0]!;
  const f = `${field}.${kind}`;
  const certOf = (o: Obj): CertName | undefined => {
    if (typeof o.cert === 'string' && CA_NAME.test(o.cert)) return o.cert;
    p.add(sc, `${f}.cert`, "must be 'qm', 'client' or a CA of the lab (e.g. client-issuing)");
    return undefined;
  };
  switch (kind) {
    case 'responder': {
      if (!isObj(a)) return void p.add(sc, f, 'must be {ca, mode}');
      only(p, sc, f, a, ['ca', 'mode']);
      const ca = a.ca;
      const named = typeof ca === 'string' && CA_NAME.test(ca);
      if (!named) p.add(sc, `${f}.ca`, "must be a CA of the lab (qm-ca, client-ca; in a chain qm-root, client-issuing, ...) or all");
      let mode: Mode | undefined;
      try {
        mode = checkMode(a.mode);
      } catch (e) {
        p.add(sc, `${f}.mode`, (e as Error).message.split('\n')[0]!);
      }
      return mode && named ? { kind, ca: ca as CaName | 'all', mode } : undefined;
    }
    case 'revoke': {
      if (!isObj(a)) return void p.add(sc, f, 'must be {cert, reason?}');
      only(p, sc, f, a, ['cert', 'reason']);
      const cert = certOf(a);
      if (a.reason !== undefined && typeof a.reason !== 'string') p.add(sc, `${f}.reason`, 'must be an openssl reason word, e.g. keyCompromise');
      return cert ? { kind, cert, ...(typeof a.reason === 'string' ? { reason: a.reason } : {}) } : undefined;
    }
    case 'restore': {
      if (!isObj(a)) return void p.add(sc, f, 'must be {cert}');
      only(p, sc, f, a, ['cert']);
      const cert = certOf(a);
      return cert ? { kind, cert } : undefined;
    }
    case 'set': {
      if (!isObj(a) || (a.side !== 'qm' && a.side !== 'client')) return void p.add(sc, `${f}.side`, "must be 'qm' or 'client'");
      const values = sideSettings(p, sc, f, a.side, a, ['side']);
      return { kind, side: a.side, values };
    }
    case 'connect': {
      if (a !== null && !isObj(a)) return void p.add(sc, f, 'must be {} or {expect}');
      if (isObj(a)) only(p, sc, f, a, ['expect']);
      const ex = isObj(a) && a.expect !== undefined ? expectation(p, sc, `${f}.expect`, a.expect) : undefined;
      return ex ? { kind, expect: ex } : { kind };
    }
    case 'wait':
      if (int(a) === undefined || (a as number) > 600_000) return void p.add(sc, f, 'must be a number of ms (0-600000)');
      return { kind, ms: a as number };
    case 'shell':
      if (typeof a !== 'string' || !a.trim()) return void p.add(sc, f, 'must be a command line');
      return { kind, cmd: a };
    case 'refresh': {
      const side = isObj(a) ? a.side : a;
      if (isObj(a)) only(p, sc, f, a, ['side']);
      if (side !== 'qm' && side !== 'client' && side !== 'both') return void p.add(sc, `${f}.side`, "must be 'qm', 'client' or 'both'");
      return { kind, side };
    }
    default:
      p.add(sc, field, `unknown step "${kind}" (steps: ${STEP_KINDS.join(', ')})`);
      return undefined;
  }
}

function sourceRef(p: Problems, sc: string, v: unknown): SourceRef | undefined {
  if (typeof v !== 'string') return void p.add(sc, 'source', "must be an outcome row id or 'seen|doc|inferred: text'");
  const row = rowById(v);
  if (row) return { kind: row.source.kind, text: v, row: v };
  const m = /^(seen|doc|inferred)\s*:\s*(.+)$/s.exec(v);
  if (m) return { kind: m[1] as SourceRef['kind'], text: m[2]!.trim() };
  p.add(sc, 'source', `${JSON.stringify(v)} is neither an outcome row id nor 'seen|doc|inferred: text'`);
  return undefined;
}

function scenario(p: Problems, v: unknown, i: number, seen: Set<string>): Scenario | undefined {
  const where = `scenarios[${i}]`;
  if (!isObj(v)) return void p.add(undefined, where, 'must be a mapping with id, steps, expect');
  const id = typeof v.id === 'string' && v.id.trim() ? v.id.trim() : undefined;
  if (!id) return void p.add(undefined, `${where}.id`, 'is required (a short unique name)');
  if (seen.has(id)) p.add(id, 'id', 'is used by an earlier scenario');
  seen.add(id);
  only(p, id, '', v, ['id', 'title', 'source', 'steps', 'expect']);
  const sc: Scenario = { id, steps: [] };
  if (v.title !== undefined) {
    if (typeof v.title !== 'string') p.add(id, 'title', 'must be text');
    else sc.title = v.title;
  }
  if (v.source !== undefined) sc.source = sourceRef(p, id, v.source);
  if (v.steps !== undefined && !Array.isArray(v.steps)) p.add(id, 'steps', 'must be a list');
  else (v.steps as unknown[] | undefined)?.forEach((s, j) => {
    const st = step(p, id, `steps[${j}]`, s);
    if (st) sc.steps.push(st);
  });
  if (v.expect !== undefined) sc.expect = expectation(p, id, 'expect', v.expect);
  const connects = sc.steps.some((s) => s.kind === 'connect');
  if (!sc.expect && !sc.steps.some((s) => s.kind === 'connect' && s.expect)) p.add(id, 'expect', connects ? 'is required unless a connect step has its own expect' : 'is required');
  return sc;
}

/** Checks a parsed drill document; throws DrillSchemaError listing every problem. */
export function validateDrill(doc: unknown, file: string): DrillFile {
  const p = new Problems(file);
  if (!isObj(doc)) throw new DrillSchemaError([`${file}: the file must be a mapping with lab, defaults and scenarios`]);
  only(p, undefined, '', doc, ['lab', 'labDepth', 'defaults', 'scenarios', 'title']);
  const labDepth = doc.labDepth ?? 1;
  if (labDepth !== 1 && labDepth !== 2 && labDepth !== 3) p.add(undefined, 'labDepth', 'must be 1, 2 or 3');
  const lab = typeof doc.lab === 'string' && doc.lab.trim() ? doc.lab : undefined;
  if (!lab) p.add(undefined, 'lab', 'is required: the lab directory (generated on first use)');
  const defaults = cloneSettings(DEFAULT_SETTINGS);
  if (doc.defaults !== undefined) {
    if (!isObj(doc.defaults)) p.add(undefined, 'defaults', 'must be a mapping with qm and client');
    else {
      only(p, undefined, 'defaults', doc.defaults, ['qm', 'client']);
      for (const side of SIDES) {
        const d = doc.defaults[side];
        if (d === undefined) continue;
        if (!isObj(d)) p.add(undefined, `defaults.${side}`, 'must be a mapping of settings');
        else applySettings(defaults, side, sideSettings(p, undefined, `defaults.${side}`, side, d));
      }
    }
  }
  const scenarios: Scenario[] = [];
  if (!Array.isArray(doc.scenarios) || doc.scenarios.length === 0) p.add(undefined, 'scenarios', 'must be a non-empty list');
  else {
    const ids = new Set<string>();
    doc.scenarios.forEach((s, i) => {
      const sc = scenario(p, s, i, ids);
      if (sc) scenarios.push(sc);
    });
  }
  if (p.list.length) throw new DrillSchemaError(p.list);
  return { path: file, lab: lab!, labDepth: labDepth as number, defaults, scenarios };
}
