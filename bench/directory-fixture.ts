/**
 * A large, realistic directory document for benchmarks: many extensions, each with the maximum
 * of exceptions, patterns of every shape, time conditions and every action type.
 */

const CALLER_IDS = [
  '06 00 00 00 {n}',
  '06* 07*',
  '+33 4 42 *',
  '*99',
  '04*98',
  '01 ?? ?? ?? ??',
  'anonymous',
  'internal',
  '0033 5 {n}*',
  '09 87 65 43 {n}',
  '02*, 03*',
  '+44 20 *',
  '08*',
  'external',
  '*',
];

const HOURS = ['all', 'office', 'outside-office', 'specific', 'all'] as const;

function pad2(n: number): string {
  return String(n % 100).padStart(2, '0');
}

function actionFor(i: number, j: number, extensions: number): Record<string, unknown> {
  const other = String(1000 + ((i + j + 1) % extensions));
  switch (j % 6) {
    case 0:
      return { type: 'voicemail' };
    case 1:
      return { type: 'mobile', bounce: j % 2 === 0 };
    case 2:
      return { type: 'extension', target: other, voicemail: j % 4 === 0 };
    case 3:
      return { type: 'external', number: `04 42 93 ${pad2(i)} ${pad2(j)}`, bounce: true };
    case 4:
      return { type: 'system', target: '8000' };
    default:
      return { type: 'busy' };
  }
}

export function largeDirectoryDocument(extensions = 1000, exceptionsEach = 15): object {
  const list = [];
  for (let i = 0; i < extensions; i++) {
    const number = String(1000 + i);
    const exceptions = [];
    for (let j = 0; j < exceptionsEach; j++) {
      const hours = HOURS[(i + j) % HOURS.length] ?? 'all';
      exceptions.push({
        callerId: (CALLER_IDS[j % CALLER_IDS.length] ?? '*').replaceAll('{n}', pad2(i + j)),
        hours,
        ...(hours === 'specific' ? { periods: { 'sat,sun': ['10:00-12:00'] } } : {}),
        ...(j % 7 === 3 ? { statuses: ['dnd', 'away'] } : {}),
        action: actionFor(i, j, extensions),
      });
    }
    list.push({
      number,
      name: `User ${number}`,
      password: `secret-${number}-pw`,
      mobile: `06 12 ${pad2(Math.floor(i / 100))} ${pad2(i)} 00`,
      voicemailPin: '1234',
      exceptions,
    });
  }
  return {
    country: 'FR',
    timezone: 'Europe/Paris',
    officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
    holidays: ['2026-12-25'],
    extensions: list,
    ringGroups: [
      {
        number: '8000',
        name: 'Accueil',
        strategy: 'ring-all',
        members: ['1000', '1001', '1002'],
        timeout: 20,
        fallback: { type: 'voicemail', mailbox: '1000' },
      },
    ],
  };
}

/** Callers as trunks and phones really send them: every written form, plus internal and withheld. */
export function mixedCallers(count: number): string[] {
  const callers: string[] = [];
  for (let k = 0; k < count; k++) {
    const national = `6${pad2(k)}${pad2(k * 7)}${pad2(k * 13)}${pad2(k * 3)}`;
    switch (k % 8) {
      case 0:
        callers.push(`0${national}`);
        break;
      case 1:
        callers.push(`+33${national}`);
        break;
      case 2:
        callers.push(`0033${national}`);
        break;
      case 3:
        callers.push(`+33 4 42 ${pad2(k)} ${pad2(k * 5)} ${pad2(k * 11)}`);
        break;
      case 4:
        callers.push(`01.${pad2(k)}.${pad2(k * 3)}.${pad2(k * 9)}.${pad2(k * 2)}`);
        break;
      case 5:
        callers.push(String(1000 + (k % 1000)));
        break;
      case 6:
        callers.push('anonymous');
        break;
      default:
        callers.push(`+44 20 7946 ${String(k % 10000).padStart(4, '0')}`);
    }
  }
  return callers;
}
