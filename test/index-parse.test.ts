// index.txt in every form `openssl ca` writes, and the errors a broken one gets.

import t from 'tap';
import { IndexDatabase, parseAttr } from '../src/index/database.js';
import { IndexLineError, decodeSubject, parseLine, parseRevocation } from '../src/index/line.js';

t.test('status, expiry forms, serial normalisation, unknown filename, escaped subject', async (t) => {
  const db = IndexDatabase.parse(
    [
      'V\t310802082027Z\t\t01\tunknown\t/C=AU/ST=Sydney/O=Pulsar Integration PL81NA Inc./CN=www.sd.pulsarintegration.PL81N.com',
      'R\t20510101000000Z\t210929080911Z\t0A1B\tunknown\t/CN=a\\/b\\+c/O=caf\\xC3\\xA9',
      'E\t200101000000Z\t\t00FF\tnewcerts/00FF.pem\t/CN=old',
      '',
    ].join('\n'),
  );
  t.equal(db.size, 3);
  const v = db.lookup('1')!;
  t.equal(v.status, 'V');
  t.equal(v.expiry.toISOString(), '2031-08-02T08:20:27.000Z');
  t.equal(v.filename, 'unknown');
  const r = db.lookup('a1b')!;
  t.equal(r.status, 'R');
  t.equal(r.expiry.toISOString(), '2051-01-01T00:00:00.000Z', 'GeneralizedTime expiry');
  t.equal(r.revocation?.time.toISOString(), '2021-09-29T08:09:11.000Z');
  t.equal(r.revocation?.reason, undefined, 'no reason word: no reason code');
  t.equal(decodeSubject(r.subject), '/CN=a/b+c/O=café');
  t.equal(db.lookup('0000ff')?.status, 'E', 'leading zeros and case ignored');
  t.equal(db.lookup('2'), undefined);
});

t.test('every reason word, case-insensitive, with hold instructions and compromise times', async (t) => {
  const cases: Array<[string, number | undefined, Record<string, unknown>]> = [
    ['unspecified', 0, {}],
    ['KEYCOMPROMISE', 1, {}],
    ['CACompromise', 2, {}],
    ['affiliationchanged', 3, {}],
    ['superseded', 4, {}],
    ['cessationOfOperation', 5, {}],
    ['certificateHold', 6, {}],
    ['removeFromCRL', 8, {}],
    ['holdInstruction,holdInstructionReject', 6, { holdInstruction: '1.2.840.10040.2.3' }],
    ['holdInstruction,1.2.840.10040.2.2', 6, { holdInstruction: '1.2.840.10040.2.2' }],
    ['keyTime,20260101000000Z', 1, { invalidityDate: new Date('2026-01-01T00:00:00Z') }],
    ['CAkeyTime,20250101000000Z', 2, { invalidityDate: new Date('2025-01-01T00:00:00Z') }],
  ];
  for (const [field, code, extra] of cases) {
    const r = parseRevocation(`261124000000Z,${field}`);
    t.equal(r.reason, code, field);
    for (const [k, v] of Object.entries(extra)) t.same((r as unknown as Record<string, unknown>)[k], v, `${field} ${k}`);
  }
  t.equal(parseRevocation('20510101000000Z').time.getUTCFullYear(), 2051, 'GeneralizedTime revocation time');
});

t.test('malformed lines name the file and line number', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['V\t310802082027Z\t\t01\tunknown', /expected 6 tab-separated fields, found 5/],
    ['X\t310802082027Z\t\t01\tunknown\t/CN=x', /status must be V, R or E/],
    ['V\t3108020820Z\t\t01\tunknown\t/CN=x', /bad expiry/],
    ['V\t310802082027Z\t\tXYZ\tunknown\t/CN=x', /bad serial "XYZ"/],
    ['R\t310802082027Z\t\t01\tunknown\t/CN=x', /status R without a revocation time/],
    ['R\t310802082027Z\t2109290809Z\t01\tunknown\t/CN=x', /bad time/],
    ['R\t310802082027Z\t210929080911Z,sneezed\t01\tunknown\t/CN=x', /unknown revocation reason "sneezed"/],
    ['R\t310802082027Z\t210929080911Z,keyTime\t01\tunknown\t/CN=x', /keyTime needs a compromise time/],
    ['R\t310802082027Z\t210929080911Z,holdInstruction,nonsense\t01\tunknown\t/CN=x', /unknown hold instruction/],
    ['V\t310802082027Z\t210929080911Z\t01\tunknown\t/CN=x', /status V with a revocation field/],
  ];
  for (const [line, re] of bad) {
    const text = `V\t310802082027Z\t\t05\tunknown\t/CN=ok\n${line}\n`;
    try {
      IndexDatabase.parse(text, '/ca/index.txt');
      t.fail(`accepted ${line}`);
    } catch (e) {
      t.type(e, IndexLineError);
      t.equal((e as IndexLineError).line, 2);
      t.match((e as Error).message, /^\/ca\/index\.txt:2: /);
      t.match((e as Error).message, re);
    }
  }
  t.throws(() => IndexDatabase.parse('V\t310802082027Z\t\t01\tunknown\t/CN=a\nV\t310802082027Z\t\t0001\tunknown\t/CN=b\n', 'i'), /i:2: serial 0001 already on line 1/);
  t.throws(() => parseLine('V\t310802082027Z\t\t01\tunknown\t/CN=x\textra'), /found 7/);
});

t.test('CRLF line endings and index.txt.attr', async (t) => {
  t.equal(IndexDatabase.parse('V\t310802082027Z\t\t01\tunknown\t/CN=a\r\n').lookup('1')?.subject, '/CN=a');
  t.equal(parseAttr('unique_subject = no\n').uniqueSubject, false);
  t.equal(parseAttr(undefined).uniqueSubject, true);
  t.same(parseAttr('unique_subject = yes\nfoo=bar\n').raw, { unique_subject: 'yes', foo: 'bar' });
});

t.test('incremental update gives the same answers as a full parse, over random edits', async (t) => {
  const line = (n: number, status = 'V', rev = '') => `${status}\t301231235959Z\t${rev}\t${n.toString(16).toUpperCase().padStart(2, '0')}\tunknown\t/CN=c${n}`;
  let rows = Array.from({ length: 300 }, (_, i) => line(i + 1));
  let text = rows.join('\n') + '\n';
  const db = IndexDatabase.parse(text, 'i');
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  let next = 1000;
  let incremental = 0;
  for (let step = 0; step < 400; step++) {
    const op = rand(6);
    const i = rand(rows.length);
    if (op === 0) rows[i] = rows[i].replace(/^V\t(\S+)\t\t/, 'R\t$1\t261124000000Z,keyCompromise\t');
    else if (op === 1) rows[i] = rows[i].replace(/^R\t(\S+)\t[^\t]+\t/, 'V\t$1\t\t');
    else if (op === 2) rows.push(line(next++));
    else if (op === 3) rows.splice(i, 1);
    else if (op === 4) rows.splice(i, 0, line(next++));
    else rows[i] = rows[i].replace(/^V\t(\S+)\t\t/, 'E\t$1\t\t');
    const nextText = rows.join('\n') + (rand(2) ? '\n' : '');
    const buf = Buffer.from(nextText, 'latin1');
    if (db.update(buf, 'i')) incremental++;
    else {
      // The caller parses in full when the update declines; mirror that.
      Object.assign(db, IndexDatabase.parse(buf, 'i'));
    }
    text = nextText;
  }
  const full = IndexDatabase.parse(text, 'i');
  t.equal(db.size, full.size);
  for (let n = 1; n < next; n++) t.equal(db.line(n.toString(16)), full.line(n.toString(16)), `serial ${n.toString(16)}`);
  t.ok(incremental > 200, `most edits applied incrementally (${incremental}/400)`);
});

t.test('a bad line in an incremental update throws with its line number and changes nothing', async (t) => {
  const good = 'V\t301231235959Z\t\t01\tunknown\t/CN=a\nV\t301231235959Z\t\t02\tunknown\t/CN=b\nV\t301231235959Z\t\t03\tunknown\t/CN=c\n';
  const db = IndexDatabase.parse(good, 'i');
  t.throws(() => db.update(Buffer.from(good.replace('\t02\t', '\tZZ\t'), 'latin1'), 'i'), /i:2: bad serial "ZZ"/);
  t.throws(() => db.update(Buffer.from(good.replace('\t03\t', '\t01\t'), 'latin1'), 'i'), /i:3: serial 01 already on line 1/);
  t.equal(db.lookup('2')?.status, 'V', 'unchanged after the failed updates');
  t.equal(db.lookup('3')?.subject, '/CN=c');
  t.ok(db.update(Buffer.from(good.replace('V\t301231235959Z\t\t02', 'R\t301231235959Z\t261124000000Z\t02'), 'latin1'), 'i'));
  t.equal(db.lookup('2')?.status, 'R');
});
