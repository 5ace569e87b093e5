// Grouping log entries into connection attempts ("incidents") and deciding whether the client's and
// the queue manager's entries in one attempt belong together. Real AMQERR01.LOG files hold days of
// history, so a client log and a QM log are only read as one attempt when their timestamps are close
// and their channel names do not disagree ('????', MQ's unknown-channel marker, agrees with all).

import type { MqLogEntry, Side } from '../mq/errlog.js';

/** Entries further apart than this start a new attempt. Seed 003 row 3 spans 21 s (the QM waited
 *  out its OCSP connection); two hosts' clocks may also differ a little. */
export const INCIDENT_GAP_MS = 120_000;

export interface Placed {
  entry: MqLogEntry;
  /** Index of the input the entry came from. */
  input: number;
  side?: Side;
  /** The entry's own time, or the time of the nearest timed entry of the same input. */
  at?: Date;
}

/** Gives untimed entries (FFST boxes, Java links, reason lines) the time of their neighbours in the
 *  same input: the nearest earlier timed entry, else the nearest later one. */
export function inheritTimes(placed: Placed[]): void {
  const byInput = new Map<number, Placed[]>();
  for (const p of placed) byInput.set(p.input, [...(byInput.get(p.input) ?? []), p]);
  for (const list of byInput.values()) {
    list.sort((a, b) => a.entry.offset - b.entry.offset);
    let last: Date | undefined;
    for (const p of list) {
      p.at = p.entry.at ?? last;
      last = p.at;
    }
    let next: Date | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!;
      if (p.entry.at) next = p.entry.at;
      p.at ??= next;
    }
  }
}

/** Splits entries into attempts by time. Inputs with no time at all cannot be placed; they join the
 *  latest attempt, the one people usually paste a log for (the caller says so in a note). */
export function groupIncidents(placed: Placed[]): Placed[][] {
  const timed = placed.filter((p) => p.at).sort((a, b) => a.at!.getTime() - b.at!.getTime());
  const untimed = placed.filter((p) => !p.at);
  const groups: Placed[][] = [];
  for (const p of timed) {
    const g = groups[groups.length - 1];
    const prev = g?.[g.length - 1];
    if (g && prev && p.at!.getTime() - prev.at!.getTime() <= INCIDENT_GAP_MS) g.push(p);
    else groups.push([p]);
  }
  if (groups.length === 0) return untimed.length ? [untimed] : [];
  groups[groups.length - 1]!.push(...untimed);
  return groups;
}

export interface Correlation {
  /** Channel names each side's entries name ('????' left out). */
  channels: Record<Side, string[]>;
  channelsAgree: boolean;
  /** First QM entry time minus first client entry time, when both sides have times. */
  timeDeltaMs?: number;
  /** True when the two sides are read as one connection attempt, so rows must match both. */
  correlated: boolean;
  note: string;
}

const known = (c: string | undefined): c is string => !!c && !/^\?+$/.test(c);

export function correlate(group: Placed[]): Correlation | undefined {
  const of = (s: Side) => group.filter((p) => p.side === s);
  const client = of('client');
  const qm = of('qm');
  if (!client.length || !qm.length) return undefined;
  const channels = {
    client: [...new Set(client.map((p) => p.entry.channel).filter(known))],
    qm: [...new Set(qm.map((p) => p.entry.channel).filter(known))],
  };
  const channelsAgree = !channels.client.length || !channels.qm.length || channels.client.some((c) => channels.qm.includes(c));
  const firstAt = (l: Placed[]) => l.find((p) => p.entry.at)?.entry.at;
  const [ct, qt] = [firstAt(client), firstAt(qm)];
  const c: Correlation = { channels, channelsAgree, correlated: channelsAgree, note: '' };
  if (ct && qt) c.timeDeltaMs = qt.getTime() - ct.getTime();
  const when =
    c.timeDeltaMs !== undefined
      ? `within ${Math.round(Math.abs(c.timeDeltaMs) / 1000)} s of each other`
      : 'without timestamps on both sides, so by position only';
  const chl = channels.client[0] ?? channels.qm[0];
  c.note = channelsAgree
    ? `client and queue manager entries read as one attempt (${when}${chl ? `, channel ${chl}` : ''}); rows must fit both logs`
    : `the logs name different channels (client ${channels.client.join(', ')}, queue manager ${channels.qm.join(', ')}): ` +
      'probably not the same attempt, so each row needs to fit only the entries as a whole';
  return c;
}
