// What the admin API drives under `ocsplab lab up`: the lab's responder, with modes set through
// the lab (LabEnv.setMode also keeps the LDAP modes, which act on the lab's LDAP server), and no
// change while a drill runs (it resets the lab before every scenario).

import type { LabEnv } from '../drill/lab-env.js';
import type { ResponderControl } from '../responder/control.js';
import { checkMode, ModeError, type Mode } from '../responder/modes.js';
import type { ConsoleDrill } from './drill-run.js';

export function labControl(env: LabEnv, drill: ConsoleDrill): ResponderControl {
  const base = env.responder.control();
  const set = async (target: string, mode: Mode | string): Promise<Mode> => {
    if (drill.busy) throw Object.assign(new Error('a drill is running (it resets the lab before every scenario); wait for it or stop it'), { statusCode: 409 });
    const m = checkMode(mode);
    const t = target === '*' || target === 'all' ? 'all' : target;
    if (t !== 'all' && !env.responder.cas.some((c) => c.name === t)) throw new ModeError(`no CA named "${t}" (served: ${env.responder.cas.map((c) => c.name).join(', ')})`);
    await env.setMode(t as Parameters<LabEnv['setMode']>[0], m);
    return m;
  };
  return { ...base, setMode: set, clearMode: (t) => set(t, 'up') };
}
