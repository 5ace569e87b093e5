// fillTemplate's optional parts: a sentence whose insert is unknown is left out, not printed with
// an empty number (AMQ9633 for a CRL missing from LDAP, where no source gives GSKit's number).

import t from 'tap';
import { MESSAGES, fillTemplate } from '../src/mq/catalog.js';

t.test('optional parts', async (t) => {
  t.equal(fillTemplate('a{? b {x}.?} c', { x: 5 } as never), 'a b 5. c');
  t.equal(fillTemplate('a{? b {x}.?} c', {}), 'a c');
  const text = fillTemplate(MESSAGES.AMQ9633.explanation, { details: 'D' });
  t.notMatch(text, /validation error was/, 'AMQ9633 without a number: no sentence');
  t.match(fillTemplate(MESSAGES.AMQ9633.explanation, { details: 'D', validationError: 575032 }), /are 'D'\.\n\nThe certificate validation error was 575032\.$/);
  t.match(fillTemplate('{channel}', {}), '????', "a missing channel is MQ's ????");
});
