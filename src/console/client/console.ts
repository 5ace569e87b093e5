// The console's script, run in the browser (compiled by tsc with the rest; served as
// /assets/console.js). It is a client of the admin API only: it reads /api/lab and
// /api/mode-kinds once, then follows /api/events (Server-Sent Events) for every change, and each
// control is one admin API call. Text from the server is put in with textContent, never as HTML.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ModeKind {
  kind: string;
  arg?: { name: string; values?: string[]; example: string };
  applies: 'ocsp' | 'crl';
  effect: string;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function h(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...kids: Array<Node | string | undefined | false>): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) if (k !== undefined && k !== false) e.append(k);
  return e;
}

/** Re-renders a part of the page without losing the keyboard focus (by the element's data-key). */
function keepFocus(render: () => void): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active?.dataset.key;
  render();
  if (key) (document.querySelector(`[data-key="${CSS.escape(key)}"]`) as HTMLElement | null)?.focus();
}

function say(id: string, text: string, kind: 'ok' | 'err' | '' = ''): void {
  const e = $(id);
  e.textContent = text;
  e.className = `msg ${kind}`;
}

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    location.href = '/login';
    throw new Error('login needed');
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(data?.error ?? `${res.status} ${res.statusText}`);
  return data;
}

let kinds: ModeKind[] = [];
let lab: Json;
let state: Json;
let settings: Json;
const kindOf = (mode: string) => kinds.find((k) => k.kind === mode.split(' ')[0]);

// ------------------------------------------------------------------------------ responders

let responderTargets = '';

function targetLabel(t: string): string {
  return t === '*' ? 'every CA (all)' : t;
}

/** Each target's picker, to show the mode in force (on load and whenever it changes). */
const pickers = new Map<string, { show: (mode: string) => void; shown?: string }>();

/** The mode a target's picker shows: its OCSP mode, or its CRL mode when only that is set. */
function pickerMode(m: Json, ca: Json): string {
  const crl = m.crl ?? (ca?.crlMode && ca.crlMode !== 'up' ? ca.crlMode : undefined);
  return m.mode === 'up' && crl ? crl : m.mode;
}

function modePicker(target: string): HTMLElement {
  const id = `mode-${target === '*' ? 'all' : target}`;
  const select = h('select', { id, 'data-key': `${id}-kind`, 'aria-describedby': `${id}-effect` }) as HTMLSelectElement;
  for (const applies of ['ocsp', 'crl'] as const) {
    const group = h('optgroup', { label: applies === 'ocsp' ? 'OCSP' : 'CRL (held beside the OCSP mode)' });
    for (const k of kinds.filter((x) => x.applies === applies)) group.append(h('option', { value: k.kind, text: k.arg ? `${k.kind} <${k.arg.name}>` : k.kind }));
    select.append(group);
  }
  const arg = h('input', { type: 'text', id: `${id}-arg`, 'data-key': `${id}-arg`, size: '7', 'aria-label': `value for the mode of ${targetLabel(target)}`, hidden: true }) as HTMLInputElement;
  const argList = h('select', { id: `${id}-argsel`, 'data-key': `${id}-argsel`, 'aria-label': `value for the mode of ${targetLabel(target)}`, hidden: true }) as HTMLSelectElement;
  const effect = h('p', { class: 'effect', id: `${id}-effect` });
  const sync = () => {
    const k = kinds.find((x) => x.kind === select.value);
    effect.textContent = k?.effect ?? '';
    arg.hidden = !k?.arg || !!k.arg.values;
    argList.hidden = !k?.arg?.values;
    if (k?.arg && !k.arg.values && !arg.value) arg.placeholder = k.arg.example;
    if (k?.arg?.values) argList.replaceChildren(...k.arg.values.map((v) => h('option', { value: v, text: v })));
  };
  select.addEventListener('change', sync);
  // The mode in force, as the picker's choice: "slow 1500" selects slow with 1500 in its field.
  const show = (mode: string) => {
    const [kind, ...rest] = mode.split(' ');
    const k = kinds.find((x) => x.kind === kind);
    if (!k) return;
    select.value = k.kind;
    arg.value = '';
    sync();
    const value = rest.join(' ');
    if (k.arg?.values) argList.value = value || k.arg.example;
    else if (k.arg) arg.value = value;
  };
  pickers.set(target, { show });
  const set = h('button', { type: 'button', 'data-key': `${id}-set`, 'aria-label': `Set the mode of ${targetLabel(target)}`, text: 'Set' });
  const up = h('button', { type: 'button', 'data-key': `${id}-up`, 'aria-label': `Put ${targetLabel(target)} back up`, text: 'Up' });
  const apply = async (mode: string) => {
    try {
      await api('PUT', `/api/modes/${encodeURIComponent(target)}`, { mode });
      say('mode-msg', `${targetLabel(target)}: ${mode}`, 'ok');
    } catch (e) {
      say('mode-msg', `${targetLabel(target)}: ${(e as Error).message}`, 'err');
    }
  };
  set.addEventListener('click', () => {
    const k = kinds.find((x) => x.kind === select.value)!;
    const value = k.arg ? (k.arg.values ? argList.value : arg.value.trim() || k.arg.example) : '';
    void apply(value ? `${k.kind} ${value}` : k.kind);
  });
  up.addEventListener('click', () => void apply('up'));
  sync();
  return h('div', { class: 'picker' }, h('label', { for: id, class: 'sr', text: `Mode for ${targetLabel(target)}` }), select, ' ', arg, argList, ' ', set, ' ', up, effect);
}

function renderResponders(): void {
  if (!state || !kinds.length) return;
  const targets = state.modes.map((m: Json) => m.target);
  const tbody = $('responder-rows');
  if (targets.join('|') !== responderTargets) {
    responderTargets = targets.join('|');
    pickers.clear();
    tbody.replaceChildren(
      ...targets.map((t: string) =>
        h('tr', { 'data-target': t }, h('th', { scope: 'row', text: targetLabel(t) }), h('td', { class: 'now' }), h('td', { class: 'ports' }), h('td', {}, modePicker(t))),
      ),
    );
  }
  for (const m of state.modes) {
    const row = tbody.querySelector(`tr[data-target="${CSS.escape(m.target)}"]`)!;
    const ca = state.cas.find((c: Json) => c.name === m.target);
    const now = row.querySelector('.now')!;
    const k = kindOf(m.mode);
    const picker = pickers.get(m.target);
    const inForce = pickerMode(m, ca);
    if (picker && picker.shown !== inForce) {
      picker.shown = inForce;
      picker.show(inForce);
    }
    const badge = (text: string) => h('span', { class: `badge ${text === 'up' ? 'up' : text === 'down' ? 'down' : 'fault'}`, text });
    now.replaceChildren(
      h('div', {}, 'OCSP ', badge(m.mode)),
      ...(m.crl || ca?.crlMode && ca.crlMode !== 'up' ? [h('div', {}, 'CRL ', badge(m.crl ?? ca.crlMode))] : []),
      h('p', { class: 'effect', text: m.mode === 'up' ? (m.target === '*' ? 'No mode for every CA; each CA as set.' : 'Answering from index.txt.') : (k?.effect ?? '') }),
    );
    row.querySelector('.ports')!.replaceChildren(
      ...(ca ? ca.urls.map((u: Json) => h('div', { class: 'mono' }, `${u.url} `, h('span', { class: `badge ${u.open ? 'open' : 'closed'}`, text: u.open ? 'open' : 'closed' }))) : [h('span', { class: 'hint', text: 'all ports' })]),
      ...(ca ? [h('div', { class: 'hint', text: `${ca.entries} index lines` })] : []),
    );
  }
}

// ------------------------------------------------------------------------------ certificates

function renderCas(cas: Json[]): void {
  keepFocus(() => {
    $('ca-list').replaceChildren(
      ...cas.map((ca) => {
        const rows = ca.certs.map((c: Json) => {
          const key = `${ca.name}-${c.serial}`;
          let action: HTMLElement;
          if (c.status === 'Valid') {
            const sel = h('select', { 'data-key': `${key}-reason`, 'aria-label': `Reason for revoking ${ca.name} serial ${c.serial}` }, h('option', { value: '', text: '(no reason)' }), ...lab.reasons.map((r: string) => h('option', { value: r, text: r }))) as HTMLSelectElement;
            const b = h('button', { type: 'button', class: 'danger', 'data-key': `${key}-revoke`, 'aria-label': `Revoke ${ca.name} serial ${c.serial}`, text: 'Revoke' });
            b.addEventListener('click', () => void certAction(ca.name, 'revoke', { serial: c.serial, ...(sel.value ? { reason: sel.value } : {}) }));
            action = h('span', {}, sel, ' ', b);
          } else if (c.status === 'Revoked') {
            const b = h('button', { type: 'button', 'data-key': `${key}-restore`, 'aria-label': `Restore ${ca.name} serial ${c.serial}`, text: 'Restore' });
            b.addEventListener('click', () => void certAction(ca.name, 'restore', { serial: c.serial }));
            action = b;
          } else action = h('span', { class: 'hint', text: 'expired' });
          return h(
            'tr',
            { 'data-serial': c.serial },
            h('td', { class: 'mono', text: c.serial }),
            h('td', { text: c.role ?? '' }),
            h('td', { text: c.subject }),
            h('td', {}, h('span', { class: `badge ${c.status}`, text: c.status })),
            h('td', { text: c.expires.slice(0, 10) }),
            h('td', { text: c.revoked ? c.revoked.replace('T', ' ').slice(0, 19) : '' }),
            h('td', { text: c.reason ? (c.detail ? `${c.reason} (${c.detail})` : c.reason) : '' }),
            h('td', {}, action),
          );
        });
        return h(
          'div',
          { class: 'ca', 'data-ca': ca.name },
          h('h3', {}, `${ca.name} `, h('span', { class: 'hint', text: `${ca.side} side${ca.issuer ? `, issued by ${ca.issuer}` : ', root'}${ca.served ? '' : ', not served'} · ${ca.index}` })),
          ca.error ? h('p', { class: 'msg err', text: ca.error }) : undefined,
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ...['Serial', 'Role', 'Subject', 'Status', 'Expires', 'Revoked', 'Reason', 'Action'].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, ...rows),
          ),
        );
      }),
    );
  });
}

async function certAction(ca: string, what: 'revoke' | 'restore', body: Json): Promise<void> {
  try {
    const r = await api('POST', `/api/lab/cas/${encodeURIComponent(ca)}/${what}`, body);
    say('ca-msg', `${ca} serial ${r.serial}: ${what === 'revoke' ? 'revoked' : 'restored'}`, 'ok');
  } catch (e) {
    say('ca-msg', `${ca} serial ${body.serial}: ${(e as Error).message}`, 'err');
  }
}

// ------------------------------------------------------------------------------ connect

function renderSettingsForm(): void {
  for (const side of ['qm', 'client'] as const) {
    const fs = $(`set-${side}`);
    const legend = fs.querySelector('legend')!;
    fs.replaceChildren(
      legend,
      ...lab.editable[side].map((key: string) => {
        const id = `set-${side}-${key}`;
        const sel = h('select', { id, 'data-key': id, name: key }, ...(lab.choices[key] as string[]).map((v) => h('option', { value: v, text: v }))) as HTMLSelectElement;
        sel.value = String(settings[side][key]);
        sel.addEventListener('change', async () => {
          try {
            await api('PUT', '/api/lab/settings', { [side]: { [key]: sel.value } });
            say('connect-msg', `${side === 'qm' ? 'queue manager' : 'client'} ${key} = ${sel.value}`, 'ok');
          } catch (e) {
            say('connect-msg', (e as Error).message, 'err');
            sel.value = String(settings[side][key]);
          }
        });
        return h('label', { for: id }, h('span', { text: key }), sel);
      }),
    );
  }
}

function syncSettings(): void {
  for (const side of ['qm', 'client'] as const) {
    for (const key of lab.editable[side]) {
      const sel = document.getElementById(`set-${side}-${key}`) as HTMLSelectElement | null;
      if (sel && document.activeElement !== sel) sel.value = String(settings[side][key]);
    }
  }
}

function renderConnect(v: Json): void {
  const ok = v.rc === 0;
  const sides = v.sides.map((s: Json) =>
    h(
      'div',
      { class: 'side', 'data-side': s.side },
      h('h3', { text: `${s.side === 'qm' ? `Queue manager ${v.qm.qmgr}` : 'Client'} — AMQERR01.LOG` }),
      h('p', { class: 'hint', text: [s.messageIds.length ? s.messageIds.join(', ') : 'nothing logged', s.ocsp ? `OCSP ${s.ocsp.url}: ${s.ocsp.outcome}${s.ocsp.detail ? ` (${s.ocsp.detail})` : ''}, ${Math.round(s.ocsp.ms)} ms` : ''].filter(Boolean).join(' · ') }),
      h('pre', { tabindex: '0', 'aria-label': `${s.side} log`, text: s.log || '(nothing written)' }),
    ),
  );
  $('connect-result').replaceChildren(
    h('p', { class: `rc ${ok ? 'ok' : 'bad'}`, id: 'connect-rc', text: `MQCONNX ended with reason code ${v.rc}${v.reason ? ` ${v.reason.name}` : ''}` }),
    h('p', { class: 'hint', text: `${v.reason?.meaning ?? ''} Channel ${v.channelStarted ? 'started' : 'not started'}; outcome row ${v.rowId}${v.inferred ? ' (inferred)' : ''}; ${v.elapsedMs} ms; connect #${v.n} to ${v.qm.qmgr} on port ${v.qm.port}.` }),
    h('div', { class: 'logs' }, ...sides),
  );
}

// ------------------------------------------------------------------------------ live feed

const FEED_ROWS = 200;
const window1s: Array<{ at: number; seen: number; shown: number }> = [];

function onFeed(b: Json): void {
  const now = Date.now();
  window1s.push({ at: now, seen: b.seen, shown: b.events.length });
  while (window1s.length && window1s[0].at < now - 1000) window1s.shift();
  const seen = window1s.reduce((n, w) => n + w.seen, 0);
  const shown = window1s.reduce((n, w) => n + w.shown, 0);
  $('feed-note').textContent =
    seen > shown
      ? `Under load: sampled — ${shown.toLocaleString()} of ${seen.toLocaleString()} requests of the last second are shown.`
      : `${seen.toLocaleString()} request${seen === 1 ? '' : 's'} in the last second, every one shown.`;
  if (($('feed-pause') as HTMLInputElement).checked) return;
  const tbody = $('feed-rows');
  for (const e of b.events) {
    const t = new Date(e.at);
    const time = `${t.toLocaleTimeString([], { hour12: false })}.${String(t.getMilliseconds()).padStart(3, '0')}`;
    const status = e.status as string;
    const cls = /^(good|served|not-modified)$/.test(status) ? 'good' : /revoked/.test(status) ? 'revoked' : 'unknown';
    tbody.prepend(
      h(
        'tr',
        { class: 'fresh', 'data-kind': e.kind, 'data-ca': e.ca, 'data-serial': e.serial ?? '' },
        h('td', { class: 'mono', text: time }),
        h('td', { text: `${e.kind.toUpperCase()} ${e.method}` }),
        h('td', { text: e.ca || '—' }),
        h('td', { class: 'mono', text: e.serial ?? '' }),
        h('td', {}, h('span', { class: `badge ${cls}`, text: status })),
        h('td', { text: e.mode }),
        h('td', { text: e.ms.toFixed(2) }),
        h('td', { text: e.answer === 'fixed' ? '—' : e.answer }),
      ),
    );
  }
  while (tbody.children.length > FEED_ROWS) tbody.lastElementChild!.remove();
}

// ------------------------------------------------------------------------------ drill

let frameTimer: number | undefined;
let lastDone = -1;

function renderDrill(d: Json): void {
  const running = d.state === 'running';
  ($('drill-run') as HTMLButtonElement).disabled = running;
  ($('drill-stop') as HTMLButtonElement).disabled = !running;
  ($('connect-run') as HTMLButtonElement).disabled = running;
  const done = d.rows.filter((r: Json) => ['pass', 'fail', 'error', 'skip'].includes(r.status)).length;
  const passed = d.rows.filter((r: Json) => r.status === 'pass').length;
  const text =
    d.state === 'idle'
      ? 'No drill run from the console yet.'
      : running
        ? `Running ${d.file.split('/').pop()}${d.filter ? ` (filter “${d.filter}”)` : ''}: ${done}/${d.total} done, ${passed} passed…`
        : d.state === 'error'
          ? `Stopped by an error: ${d.error}`
          : `${d.state === 'stopped' ? 'Stopped' : 'Done'}: ${passed}/${d.total} passed${d.counts ? `, ${d.counts.fail} failed, ${d.counts.error} errors${d.counts.skip ? `, ${d.counts.skip} skipped (a tool not installed: see the row)` : ''}` : ''} in ${((d.elapsedMs ?? 0) / 1000).toFixed(1)} s.`;
  say('drill-progress', text, d.state === 'done' ? (d.passed ? 'ok' : 'err') : d.state === 'error' ? 'err' : '');
  $('drill-rows').replaceChildren(
    ...d.rows.map((r: Json) =>
      h(
        'tr',
        { class: r.status, 'data-id': r.id },
        h('td', {}, h('b', { text: r.id }), r.title ? h('div', { class: 'hint', text: r.title }) : undefined),
        h('td', { text: r.expected ?? '' }),
        h('td', { text: r.actual ?? '' }),
        h('td', { text: r.ms === undefined ? '' : String(r.ms) }),
        h('td', { class: 'res' }, h('span', { class: `badge ${r.status}`, text: r.word })),
      ),
    ),
  );
  if (d.state !== 'idle') {
    $('drill-downloads').hidden = false;
    const frame = $('drill-frame') as HTMLIFrameElement;
    frame.hidden = false;
    // The report's own matrix, reloaded as it fills in (at most every 400 ms).
    if (done !== lastDone || !running) {
      lastDone = done;
      clearTimeout(frameTimer);
      frameTimer = window.setTimeout(() => (frame.src = `/api/lab/drill/report.html?n=${done}&s=${d.state}`), running ? 400 : 0);
    }
  }
}

// ------------------------------------------------------------------------------ start

function connectEvents(): void {
  const es = new EventSource('/api/events');
  const conn = $('conn');
  es.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'conn live';
  });
  es.addEventListener('error', () => {
    conn.textContent = 'disconnected: reconnecting…';
    conn.className = 'conn lost';
    // The browser gives up on a stream the server refused (a session logged out or expired):
    // ask once whether it is the session, and go to the login form if it is; else retry.
    if (es.readyState !== EventSource.CLOSED) return;
    void fetch('/api/lab', { headers: { accept: 'application/json' } }).then(
      (r) => {
        if (r.status === 401) location.href = '/login';
        else setTimeout(connectEvents, 2000);
      },
      () => setTimeout(connectEvents, 2000),
    );
  });
  es.addEventListener('state', (m) => {
    state = JSON.parse((m as MessageEvent).data);
    renderResponders();
  });
  es.addEventListener('feed', (m) => onFeed(JSON.parse((m as MessageEvent).data)));
  es.addEventListener('lab-cas', (m) => renderCas(JSON.parse((m as MessageEvent).data)));
  es.addEventListener('lab-settings', (m) => {
    settings = JSON.parse((m as MessageEvent).data);
    syncSettings();
  });
  es.addEventListener('lab-connect', (m) => renderConnect(JSON.parse((m as MessageEvent).data)));
  es.addEventListener('drill', (m) => renderDrill(JSON.parse((m as MessageEvent).data)));
}

async function start(): Promise<void> {
  [lab, kinds] = await Promise.all([api('GET', '/api/lab'), api('GET', '/api/mode-kinds')]);
  settings = lab.settings;
  $('lab-info').textContent = `lab ${lab.lab.dir} · queue manager ${lab.lab.qmgr} (channel ${lab.lab.channel}) on port ${lab.qm.port ?? '—'} · ${lab.cas.length} CAs`;
  renderSettingsForm();
  renderCas(lab.cas);
  const files = $('drill-file') as HTMLSelectElement;
  files.replaceChildren(...lab.scenarios.map((f: string) => h('option', { value: f, text: f })));
  if (lab.scenarios.includes('mq-ocsp-matrix.yaml')) files.value = 'mq-ocsp-matrix.yaml';
  renderDrill(lab.drill);
  ($('connect-form') as HTMLFormElement).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const b = $('connect-run') as HTMLButtonElement;
    b.disabled = true;
    say('connect-msg', 'Connecting…');
    try {
      renderConnect(await api('POST', '/api/lab/connect'));
      say('connect-msg', '');
    } catch (e) {
      say('connect-msg', (e as Error).message, 'err');
    } finally {
      b.disabled = false;
    }
  });
  $('refresh').addEventListener('click', async () => {
    try {
      await api('POST', '/api/lab/refresh');
      say('connect-msg', 'REFRESH SECURITY TYPE(SSL): both sides forgot their CRLs.', 'ok');
    } catch (e) {
      say('connect-msg', (e as Error).message, 'err');
    }
  });
  ($('drill-form') as HTMLFormElement).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const filter = ($('drill-filter') as HTMLInputElement).value.trim();
      renderDrill(await api('POST', '/api/lab/drill', { file: files.value, ...(filter ? { filter } : {}) }));
    } catch (e) {
      say('drill-progress', (e as Error).message, 'err');
    }
  });
  $('drill-stop').addEventListener('click', () => void api('DELETE', '/api/lab/drill').catch((e) => say('drill-progress', (e as Error).message, 'err')));
  $('feed-clear').addEventListener('click', () => $('feed-rows').replaceChildren());
  connectEvents();
}

start().catch((e) => {
  const conn = $('conn');
  conn.textContent = `failed to start: ${(e as Error).message}`;
  conn.className = 'conn lost';
});

export {};
