/**
 * Caller ID on forwarded calls (issue 13 §5): an outside caller, come in through a trunk of its
 * own, is forwarded to an external number; a SIPp carrier behind a trusted trunk that only
 * accepts its own numbers answers, and the test reads the From, P-Asserted-Identity and Privacy
 * of the INVITE it received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTSIDE_CALLERS,
  expectQuiet,
  lastCall,
  originTrunk,
  quietPort,
  sipp,
  sippUas,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

const CALLER = ['-key', 'caller', '+33491234567'];

function directory(trunkPort: number, originPort: number) {
  const forward = (number: string, presentCallerId?: string) => ({
    number,
    name: `Poste ${number}`,
    password: `secret-of-${number}`,
    exceptions: [
      {
        callerId: '*',
        action: {
          type: 'external',
          number: '04 42 93 06 98',
          ...(presentCallerId === undefined ? {} : { presentCallerId }),
        },
      },
    ],
  });
  return {
    ...OUTSIDE_CALLERS,
    extensions: [
      forward('120', 'company'),
      forward('121', 'extension'),
      forward('122', 'private'),
      forward('123'),
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: trunkPort,
        numberFormat: 'national',
        trusted: true,
        ownNumbersOnly: true,
        inbound: { '0442000000': '120', '0442000121': '121', '0442000122': '122' },
      },
      originTrunk(originPort, {
        '0442000220': '120',
        '0442000221': '121',
        '0442000222': '122',
        '0442000223': '123',
      }),
    ],
  };
}

/** The headers of the INVITE the carrier received, by lower-case name (last value kept). */
function inviteHeaders(messages: string): Map<string, string> {
  const start = messages.search(/^INVITE sip:/m);
  expect(start).toBeGreaterThanOrEqual(0);
  const head = messages.slice(start).split(/\r?\n\r?\n/)[0] ?? '';
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

describe('caller ID on forwarded calls, against a SIPp carrier', () => {
  let t: TestPbx;
  let trunkPort: number;
  let originPort: number;
  beforeAll(async () => {
    trunkPort = await quietPort();
    originPort = await quietPort();
    t = await startCallPbx(directory(trunkPort, originPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  async function forwarded(did: string): Promise<Map<string, string>> {
    const carrier = sippUas('uas-carrier.xml', trunkPort);
    await carrier.ready;
    const caller = await sipp(t, 'uac.xml', ['-s', did, ...CALLER], { localPort: originPort });
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const answered = await carrier.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    await expectQuiet(t);
    return inviteHeaders(answered.messages);
  }

  it("company: From and P-Asserted-Identity show the company's number, no Privacy", async () => {
    const h = await forwarded('0442000220');
    expect(h.get('from')).toMatch(/^<sip:0442000000@127\.0\.0\.1>;tag=/);
    expect(h.get('p-asserted-identity')).toBe('<sip:0442000000@127.0.0.1>');
    expect(h.has('privacy')).toBe(false);
    const call = await lastCall(t);
    expect(call.plan).toEqual([
      { do: 'dial', number: '+33442930698', presentation: 'company', timeout: null },
    ]);
    expect(call.trace).toContainEqual({
      code: 'caller-id-presented',
      extension: '120',
      presentation: 'company',
      number: '+33442000000',
    });
  });

  it("extension: the extension's own number of the trunk", async () => {
    const h = await forwarded('0442000221');
    expect(h.get('from')).toMatch(/^<sip:0442000121@127\.0\.0\.1>;tag=/);
    expect(h.get('p-asserted-identity')).toBe('<sip:0442000121@127.0.0.1>');
    expect(h.has('privacy')).toBe(false);
  });

  it('private: From anonymous, Privacy: id, the asserted identity one of the trunk’s numbers', async () => {
    const h = await forwarded('0442000222');
    expect(h.get('from')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/);
    expect(h.get('privacy')).toBe('id');
    // RFC 3325 §9.1 toward a trusted trunk; ownNumbersOnly: the company's, not the caller's.
    expect(h.get('p-asserted-identity')).toBe('<sip:0442000000@127.0.0.1>');
    expect([...h.values()].join('\n')).not.toContain('0491234567');
  });

  it("no choice: the caller's number and name, as before", async () => {
    const h = await forwarded('0442000223');
    expect(h.get('from')).toMatch(/^"Caller" <sip:0491234567@127\.0\.0\.1>;tag=/);
    expect(h.get('p-asserted-identity')).toBe('"Caller" <sip:0491234567@127.0.0.1>');
    expect(h.has('privacy')).toBe(false);
  });
});
