import { describe, expect, it } from 'vitest';
import {
  activeBindings,
  applyRegister,
  contactHeaderValues,
  DEFAULT_REGISTRAR_POLICY,
  nextExpiry,
  registerContacts,
  remainingSeconds,
} from '../../../src/pbx/registrar/bindings.js';
import type {
  Binding,
  RegisterContact,
  RegisterRequest,
  RegisterResult,
} from '../../../src/pbx/registrar/bindings.js';
import { parseContact } from '../../../src/sip/message/index.js';
import type { NameAddr } from '../../../src/sip/message/index.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const AOR = 'sip:101@pbx.example.com';
const DESK = 'sip:101@192.0.2.10:5060';
const SOFT = 'sip:101@198.51.100.7:49152;transport=tcp';

function request(overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    aor: AOR,
    contacts: [{ uri: DESK }],
    callId: 'call-desk@192.0.2.10',
    cseq: 1,
    source: { protocol: 'udp', address: '192.0.2.10', port: 5060 },
    userAgent: 'Yealink T46U',
    ...overrides,
  };
}

function ok(result: RegisterResult): { bindings: Binding[]; removed: Binding[] } {
  if (result.status !== 200) throw new Error(`expected 200, got ${JSON.stringify(result)}`);
  return result;
}

/** Registers `contacts` from scratch and returns the bindings. */
function registered(...requests: Partial<RegisterRequest>[]): Binding[] {
  let bindings: Binding[] = [];
  let now = T0;
  for (const r of requests) {
    bindings = ok(applyRegister(bindings, request(r), now)).bindings;
    now += 1000;
  }
  return bindings;
}

describe('applyRegister: adding and refreshing (RFC 3261 §10.3 step 7)', () => {
  it('adds a binding with the default interval and every detail of the request', () => {
    const { bindings, removed } = ok(applyRegister([], request(), T0));
    expect(removed).toEqual([]);
    expect(bindings).toEqual([
      {
        aor: AOR,
        contact: DESK,
        expiresAt: T0 + 3600_000,
        q: null,
        callId: 'call-desk@192.0.2.10',
        cseq: 1,
        instanceId: null,
        regId: null,
        source: { protocol: 'udp', address: '192.0.2.10', port: 5060 },
        userAgent: 'Yealink T46U',
        updatedAt: T0,
      },
    ]);
  });

  it('takes the contact expires parameter over the Expires header, the header over the default', () => {
    const byParam = ok(
      applyRegister(
        [],
        request({ contacts: [{ uri: DESK, expires: 120 }], expiresHeader: 600 }),
        T0,
      ),
    );
    expect(byParam.bindings[0]?.expiresAt).toBe(T0 + 120_000);
    const byHeader = ok(applyRegister([], request({ expiresHeader: 600 }), T0));
    expect(byHeader.bindings[0]?.expiresAt).toBe(T0 + 600_000);
  });

  it('shortens an interval above maxExpires, never lengthens one', () => {
    const { bindings } = ok(applyRegister([], request({ expiresHeader: 86_400 }), T0));
    expect(bindings[0]?.expiresAt).toBe(T0 + 3600_000);
    const policy = { ...DEFAULT_REGISTRAR_POLICY, defaultExpires: 7200 };
    expect(ok(applyRegister([], request(), T0, policy)).bindings[0]?.expiresAt).toBe(T0 + 3600_000);
  });

  it('answers 423 with Min-Expires for a non-zero interval below the minimum', () => {
    expect(applyRegister([], request({ expiresHeader: 30 }), T0)).toEqual({
      status: 423,
      minExpires: 60,
    });
    expect(applyRegister([], request({ contacts: [{ uri: DESK, expires: 1 }] }), T0)).toEqual({
      status: 423,
      minExpires: 60,
    });
    expect(applyRegister([], request({ expiresHeader: 60 }), T0).status).toBe(200);
  });

  it('never answers 423 for an interval of an hour or more, whatever the minimum', () => {
    const policy = { ...DEFAULT_REGISTRAR_POLICY, minExpires: 7200, maxExpires: 7200 };
    expect(applyRegister([], request({ expiresHeader: 3600 }), T0, policy).status).toBe(200);
    expect(applyRegister([], request({ expiresHeader: 3599 }), T0, policy)).toEqual({
      status: 423,
      minExpires: 7200,
    });
  });

  it('refreshes a binding with the same Call-ID and a higher CSeq', () => {
    const [first] = registered({});
    const { bindings } = ok(
      applyRegister([first as Binding], request({ cseq: 2, expiresHeader: 300 }), T0 + 60_000),
    );
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ cseq: 2, expiresAt: T0 + 360_000, updatedAt: T0 + 60_000 });
  });

  it('updates a binding from another Call-ID whatever its CSeq (a rebooted phone)', () => {
    const current = registered({ cseq: 50 });
    const { bindings } = ok(applyRegister(current, request({ callId: 'new-boot', cseq: 1 }), T0));
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ callId: 'new-boot', cseq: 1 });
  });

  it('matches contact URIs by RFC 3261 §19.1.4 equality, not by text', () => {
    const current = registered({});
    const same = 'sip:101@192.0.2.10:5060;unknownparam=1';
    const { bindings } = ok(
      applyRegister(current, request({ contacts: [{ uri: same }], cseq: 2 }), T0 + 1000),
    );
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.contact).toBe(same);
    const differentPort = 'sip:101@192.0.2.10:5062';
    const two = ok(
      applyRegister(current, request({ contacts: [{ uri: differentPort }], cseq: 2 }), T0 + 1000),
    );
    expect(two.bindings).toHaveLength(2);
  });

  it('replaces a binding with the same +sip.instance and reg-id even from a new address', () => {
    const instance = '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>';
    const current = registered({ contacts: [{ uri: DESK, instanceId: instance, regId: 1 }] });
    const moved = 'sip:101@203.0.113.9:6000';
    const { bindings } = ok(
      applyRegister(
        current,
        request({ contacts: [{ uri: moved, instanceId: instance, regId: 1 }], callId: 'other' }),
        T0 + 5000,
      ),
    );
    expect(bindings.map((b) => b.contact)).toEqual([moved]);
    const secondFlow = ok(
      applyRegister(
        current,
        request({ contacts: [{ uri: DESK, instanceId: instance, regId: 2 }], callId: 'other' }),
        T0 + 5000,
      ),
    );
    expect(secondFlow.bindings).toHaveLength(2);
  });

  it('keeps several devices per AOR, ordered by q then most recent', () => {
    const bindings = registered(
      { contacts: [{ uri: DESK, q: 0.5 }] },
      {
        contacts: [{ uri: SOFT }],
        callId: 'call-soft',
        source: { protocol: 'tcp', address: '198.51.100.7', port: 49152 },
      },
      { contacts: [{ uri: 'sip:101@192.0.2.11' }], callId: 'call-other' },
    );
    expect(bindings.map((b) => b.contact)).toEqual(['sip:101@192.0.2.11', SOFT, DESK]);
  });

  it('answers a query (no Contact) with the current bindings, unchanged', () => {
    const current = registered({}, { contacts: [{ uri: SOFT }], callId: 'call-soft' });
    const result = ok(applyRegister(current, request({ contacts: [], cseq: 9 }), T0 + 5000));
    expect(result.bindings).toHaveLength(2);
    expect(result.removed).toEqual([]);
  });

  it('drops expired bindings silently', () => {
    const current = registered({ expiresHeader: 60 });
    const later = T0 + 61_000;
    const result = ok(
      applyRegister(current, request({ contacts: [{ uri: SOFT }], callId: 'soft' }), later),
    );
    expect(result.bindings.map((b) => b.contact)).toEqual([SOFT]);
    expect(result.removed).toEqual([]);
  });
});

describe('applyRegister: removing', () => {
  it('removes one binding with expires 0 and reports it', () => {
    const current = registered({}, { contacts: [{ uri: SOFT }], callId: 'call-soft' });
    const result = ok(
      applyRegister(
        current,
        request({ contacts: [{ uri: SOFT, expires: 0 }], callId: 'call-soft', cseq: 2 }),
        T0 + 5000,
      ),
    );
    expect(result.bindings.map((b) => b.contact)).toEqual([DESK]);
    expect(result.removed.map((b) => b.contact)).toEqual([SOFT]);
  });

  it('removes with Expires: 0 on the request, and accepts removing an unknown contact', () => {
    const current = registered({});
    const result = ok(applyRegister(current, request({ expiresHeader: 0, cseq: 2 }), T0 + 1000));
    expect(result.bindings).toEqual([]);
    const unknown = ok(
      applyRegister(current, request({ contacts: [{ uri: SOFT, expires: 0 }], cseq: 2 }), T0),
    );
    expect(unknown.bindings).toHaveLength(1);
    expect(unknown.removed).toEqual([]);
  });

  it('removes every binding with Contact: * and Expires: 0 (RFC 3261 §10.2.2)', () => {
    const current = registered({}, { contacts: [{ uri: SOFT }], callId: 'call-soft' });
    const result = ok(
      applyRegister(current, request({ contacts: ['*'], expiresHeader: 0, cseq: 2 }), T0 + 5000),
    );
    expect(result.bindings).toEqual([]);
    expect(result.removed).toHaveLength(2);
  });

  it('answers 400 for Contact: * without Expires: 0 or with other contacts (§10.3 step 6)', () => {
    const current = registered({});
    for (const r of [
      { contacts: ['*' as const] },
      { contacts: ['*' as const], expiresHeader: 3600 },
      { contacts: ['*' as const, { uri: SOFT }], expiresHeader: 0 },
    ]) {
      expect(applyRegister(current, request({ ...r, cseq: 5 }), T0)).toMatchObject({ status: 400 });
    }
  });

  it('refuses Contact: * out of order: same Call-ID and a CSeq not higher (§10.3 step 6)', () => {
    const current = registered({ cseq: 5 });
    expect(
      applyRegister(current, request({ contacts: ['*'], expiresHeader: 0, cseq: 5 }), T0),
    ).toMatchObject({ status: 500 });
    expect(
      applyRegister(
        current,
        request({ contacts: ['*'], expiresHeader: 0, callId: 'other', cseq: 1 }),
        T0,
      ).status,
    ).toBe(200);
  });
});

describe('applyRegister: ordering and atomicity', () => {
  it('answers 500 for the same Call-ID with a CSeq lower or equal (§10.3 step 7)', () => {
    const current = registered({ cseq: 7 });
    expect(applyRegister(current, request({ cseq: 7 }), T0 + 1000)).toEqual({
      status: 500,
      reason: 'Out of order CSeq',
    });
    expect(applyRegister(current, request({ cseq: 3 }), T0 + 1000).status).toBe(500);
    expect(
      applyRegister(current, request({ cseq: 6, contacts: [{ uri: DESK, expires: 0 }] }), T0)
        .status,
    ).toBe(500);
  });

  it('applies all contacts of a request or none (§10.3 step 8)', () => {
    const current = registered({ cseq: 7 });
    const frozen = JSON.stringify(current);
    const result = applyRegister(
      current,
      request({ contacts: [{ uri: SOFT }, { uri: 'sip:101@192.0.2.12', expires: 10 }], cseq: 8 }),
      T0,
    );
    expect(result.status).toBe(423);
    expect(JSON.stringify(current)).toBe(frozen);
  });

  it('lets the last occurrence of a contact listed twice win', () => {
    const { bindings } = ok(
      applyRegister(
        [],
        request({
          contacts: [
            { uri: DESK, expires: 120 },
            { uri: DESK, expires: 300 },
          ],
        }),
        T0,
      ),
    );
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.expiresAt).toBe(T0 + 300_000);
  });

  it('answers 400 for a contact URI that does not parse', () => {
    expect(applyRegister([], request({ contacts: [{ uri: 'not a uri' }] }), T0)).toMatchObject({
      status: 400,
    });
  });
});

describe('applyRegister: maxBindingsPerAor', () => {
  const policy = { ...DEFAULT_REGISTRAR_POLICY, maxBindingsPerAor: 2 };
  const contact = (n: number): RegisterContact => ({ uri: `sip:101@192.0.2.${n}` });

  it('evicts the least recently refreshed binding of another registration', () => {
    let bindings: Binding[] = [];
    for (let n = 1; n <= 2; n++) {
      bindings = ok(
        applyRegister(
          bindings,
          request({ contacts: [contact(n)], callId: `c${n}` }),
          T0 + n,
          policy,
        ),
      ).bindings;
    }
    const result = ok(
      applyRegister(bindings, request({ contacts: [contact(3)], callId: 'c3' }), T0 + 3, policy),
    );
    expect(result.bindings.map((b) => b.contact).sort()).toEqual([
      'sip:101@192.0.2.2',
      'sip:101@192.0.2.3',
    ]);
    expect(result.removed.map((b) => b.contact)).toEqual(['sip:101@192.0.2.1']);
  });

  it('answers 403 when one request alone carries too many contacts', () => {
    expect(
      applyRegister([], request({ contacts: [contact(1), contact(2), contact(3)] }), T0, policy),
    ).toEqual({ status: 403, reason: 'Too many contacts' });
  });
});

describe('helpers', () => {
  it('activeBindings, nextExpiry and remainingSeconds', () => {
    const bindings = registered(
      { expiresHeader: 600 },
      { contacts: [{ uri: SOFT }], callId: 'soft', expiresHeader: 120 },
    );
    expect(nextExpiry(bindings)).toBe(T0 + 1000 + 120_000);
    expect(nextExpiry([])).toBeNull();
    expect(activeBindings(bindings, T0 + 121_000).map((b) => b.contact)).toEqual([DESK]);
    expect(activeBindings(bindings, T0 + 120_999)).toHaveLength(2);
    const desk = bindings.find((b) => b.contact === DESK) as Binding;
    expect(remainingSeconds(desk, T0 + 100)).toBe(600);
    expect(remainingSeconds(desk, T0 + 700_000)).toBe(0);
  });

  it('lists every binding with its remaining expires for the 200 (§10.3 step 8)', () => {
    const instance = '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>';
    const bindings = registered(
      { expiresHeader: 600 },
      { contacts: [{ uri: SOFT, q: 0.7, instanceId: instance, regId: 1 }], callId: 'soft' },
    );
    expect(contactHeaderValues(bindings, T0 + 100_000)).toEqual([
      `<${DESK}>;expires=500`,
      `<${SOFT}>;expires=3501;q=0.7;+sip.instance="${instance}";reg-id=1`,
    ]);
  });

  it('reads parsed Contact values into register contacts', () => {
    const parse = (v: string) => parseContact(v) as NameAddr | '*';
    expect(
      registerContacts([
        parse('<sip:101@192.0.2.10:5060>;expires=120;q=0.5'),
        parse('<sip:101@192.0.2.11>;+sip.instance="<urn:uuid:1234>";reg-id=2'),
        parse('<sip:101@192.0.2.12>;reg-id=2;expires=abc'),
        parse('*'),
      ]),
    ).toEqual([
      { uri: 'sip:101@192.0.2.10:5060', expires: 120, q: 0.5 },
      { uri: 'sip:101@192.0.2.11', instanceId: '<urn:uuid:1234>', regId: 2 },
      { uri: 'sip:101@192.0.2.12' },
      '*',
    ]);
  });
});
