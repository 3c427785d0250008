import { PIN_HASH } from '../../src/domain/credentials.js';
import { pinMatches } from '../../src/store/credentials.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { VoicemailRepository } from '../../src/store/voicemail-repository.js';
import { encodeWav } from '../../src/media/wav.js';
import { storeHistory } from '../../src/store/call-history-repository.js';
import { route } from '../../src/domain/route.js';
import { ensureBuilt } from '../e2e/harness.js';
import { as, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

describe('extension, tester, history, voicemail, admin', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  beforeAll(async () => {
    // Uploaded recordings are converted by a worker that runs from the build.
    await ensureBuilt();
    h = await startHarness();
    alice = await login(h.app, '101', 'change-me-101');
    bruno = await login(h.app, '102', 'change-me-102');
  }, 300_000);
  afterAll(async () => h.close());

  it('reads the extension and changes its status, telling live listeners', async () => {
    const events: unknown[] = [];
    const stop = h.context.events.subscribe((e) => events.push(e));
    const get = await as(h.app, alice)('GET', '/api/extensions/101');
    expect(get.json()).toMatchObject({
      number: '101',
      name: 'Alice Martin',
      mobile: '06 11 22 33 44',
      status: 'available',
      ringTimeout: 20,
      maxExceptions: 15,
      hasMobile: true,
      hasVoicemailPin: true,
      forwarding: { noAnswer: { type: 'voicemail' }, businessTrip: { type: 'voicemail' } },
    });
    const put = await as(h.app, alice)('PUT', '/api/extensions/101/status', { status: 'lunch' });
    expect(put.json().status).toBe('lunch');
    expect((await loadDirectory(h.db)).extensions.get('101')?.status).toBe('lunch');
    expect(events).toContainEqual({ type: 'status', extension: '101', status: 'lunch' });
    stop();
    const bad = await as(h.app, alice)('PUT', '/api/extensions/101/status?lang=en', {
      status: 'asleep',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0].path).toBe('status');
  });

  it('sets a status until a time or for a while, then back to the one before; the tester names it', async () => {
    await as(h.app, alice)('PUT', '/api/extensions/101/status', { status: 'available' });
    const events: unknown[] = [];
    const stop = h.context.events.subscribe((e) => events.push(e));
    const forAnHour = await as(h.app, alice)('PUT', '/api/extensions/101/status', {
      status: 'dnd',
      minutes: 60,
    });
    expect(forAnHour.statusCode).toBe(200);
    const view = forAnHour.json();
    expect(view).toMatchObject({
      status: 'available',
      effectiveStatus: { status: 'dnd', source: 'until' },
    });
    const until = Date.parse(view.effectiveStatus.until);
    expect(Math.abs(until - (Date.now() + 3_600_000))).toBeLessThan(60_000);
    expect(events).toContainEqual({ type: 'status', extension: '101', status: 'dnd' });
    stop();
    const stored = (await loadDirectory(h.db)).extensions.get('101');
    expect(stored?.temporaryStatus).toEqual({ status: 'dnd', until });
    expect(stored?.status).toBe('available');
    // A call now goes by DND and says until when; in two hours, by Available again.
    const now = await as(h.app, alice)('POST', '/api/extensions/101/simulate?lang=en', {
      from: '0491000000',
    });
    expect(now.json().trace[0]).toMatchObject({ code: 'status-until', status: 'dnd' });
    expect(now.json().trace[0].text).toMatch(
      /^101: status Do not disturb until .*, then Available again$/,
    );
    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const after = await as(h.app, alice)('POST', '/api/extensions/101/simulate', {
      from: '0491000000',
      at: later,
    });
    expect(after.json().trace.map((e: { code: string }) => e.code)).not.toContain('status-until');
    // A status chosen for good ends the temporary one.
    const back = await as(h.app, alice)('PUT', '/api/extensions/101/status', { status: 'away' });
    expect(back.json()).toMatchObject({
      status: 'away',
      effectiveStatus: { status: 'away', source: 'set', until: null },
    });
    expect((await loadDirectory(h.db)).extensions.get('101')?.temporaryStatus).toBeNull();
    // An end already passed, or both an end and a duration, are refused with the field named.
    const past = await as(h.app, alice)('PUT', '/api/extensions/101/status?lang=en', {
      status: 'lunch',
      until: '2020-01-01T14:00',
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().problems).toEqual([
      {
        path: 'until',
        message: 'Until: "2020-01-01T14:00" has already passed: choose a time to come.',
      },
    ]);
    const both = await as(h.app, alice)('PUT', '/api/extensions/101/status', {
      status: 'lunch',
      until: '2099-01-01T14:00',
      minutes: 30,
    });
    expect(both.json().problems[0].message).toBe(
      'Jusqu’à : indiquez une heure de fin ou une durée, pas les deux.',
    );
    await as(h.app, alice)('PUT', '/api/extensions/101/status', { status: 'available' });
  });

  it('changes the language and the voicemail PIN', async () => {
    const lang = await as(h.app, alice)('PUT', '/api/extensions/101/profile', {
      language: 'en',
      voicemailPin: '4321',
    });
    expect(lang.json()).toMatchObject({ language: 'en', hasVoicemailPin: true });
    const pin = (await loadDirectory(h.db)).extensions.get('101')?.voicemailPin ?? null;
    expect(pin).toEqual({ hash: expect.stringMatching(PIN_HASH) as string });
    expect(pin !== null && (await pinMatches(pin, '4321'))).toBe(true);
    // Now Alice's messages are in English without ?lang.
    const msg = await as(h.app, alice)('GET', '/api/extensions/102');
    expect(msg.json().message).toBe('You have no access to extension 102.');
    await as(h.app, alice)('PUT', '/api/extensions/101/profile', { language: 'fr' });
  });

  it('sets forwarding by status, checking each action', async () => {
    const r = await as(h.app, alice)('PUT', '/api/extensions/101/forwarding', {
      away: { type: 'extension', target: '100', voicemail: false },
      businessTrip: { type: 'mobile', bounce: true },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().forwarding).toMatchObject({
      away: { type: 'extension', target: '100', voicemail: false },
      businessTrip: { type: 'mobile', bounce: true },
      noAnswer: { type: 'voicemail' },
    });
    const bad = await as(h.app, alice)('PUT', '/api/extensions/101/forwarding?lang=en', {
      dnd: { type: 'system', target: '999' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0].path).toBe('forwarding.dnd.target');
    const reset = await as(h.app, alice)('PUT', '/api/extensions/101/forwarding', {
      away: null,
      businessTrip: null,
    });
    expect(reset.json().forwarding.away).toEqual({ type: 'voicemail' });
  });

  it('offers the pickers’ targets', async () => {
    const r = await as(h.app, alice)('GET', '/api/extensions/101/targets');
    expect(r.json()).toEqual({
      forwards: { presentCallerId: 'caller', ownNumbersOnly: false },
      extensions: [
        { number: '100', name: 'Secrétariat' },
        { number: '102', name: 'Bruno Petit' },
      ],
      system: [{ number: '800', name: 'Accueil', kind: 'ring-group' }],
    });
  });

  it('the tester says what a call will do, as renvoi simulate decides', async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/simulate', {
      from: '+33 4 91 00 00 00',
      at: '2026-11-25T10:30',
      status: 'available',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      to: '101',
      from: '+33491000000',
      exception: 2,
      action: { type: 'mobile', bounce: true },
      plan: [
        { do: 'announce', prompt: 'locating', extension: '101' },
        { do: 'dial', number: '+33611223344', presentation: 'anonymous', timeout: 20 },
        { do: 'announce', prompt: 'unavailable' },
        { do: 'voicemail', mailbox: '101' },
      ],
      sentence:
        'Exception 3 : l’appelant entend « Veuillez patienter pendant que nous localisons 101 », votre mobile sonne en numéro privé pendant 20 s, puis la messagerie vocale du 101.',
    });
    expect(r.json().trace.at(-1)).toMatchObject({ code: 'exception-matched', exception: 2 });
    const bad = await as(h.app, alice)('POST', '/api/extensions/101/simulate?lang=en', {
      from: '0600000000',
      at: 'tomorrow',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe(
      'Date and time: "tomorrow" is not a date and time (for example 2026-11-25T10:30).',
    );
  });

  it('lists the calls with the decision that routed each', async () => {
    const directory = await loadDirectory(h.db);
    const decision = route(
      { to: '101', from: { kind: 'external', e164: '+33600000000', digits: '0600000000' } },
      directory,
      new Date('2026-11-25T09:30:00Z'),
    );
    const history = storeHistory(h.db);
    const startedAt = Date.parse('2026-11-25T09:30:00Z');
    void history.recordStart({
      id: 'call-1',
      startedAt,
      source: 'trunk',
      caller: { kind: 'external', e164: '+33600000000', digits: '0600000000' },
      callerName: null,
      decision,
    });
    await history.recordEnd('call-1', startedAt + 5000, {
      outcome: 'answered',
      status: 200,
      answeredBy: null,
    });
    const r = await as(h.app, alice)('GET', '/api/extensions/101/calls?limit=10');
    expect(r.statusCode).toBe(200);
    expect(r.json().calls).toEqual([
      expect.objectContaining({
        id: 'call-1',
        caller: '+33600000000',
        callerDisplay: '06 00 00 00 00',
        callee: '101',
        startedAt: '2026-11-25T09:30:00.000Z',
        endedAt: '2026-11-25T09:30:05.000Z',
        outcome: 'answered',
        exception: 0,
        sentence:
          'Exception 1 : le 04 42 93 06 98 sonne avec le numéro de l’appelant, sans limite de durée (sa propre messagerie prend l’appel s’il ne répond pas).',
      }),
    ]);
    expect((await as(h.app, bruno)('GET', '/api/extensions/101/calls')).statusCode).toBe(200);
    const bob = await login(h.app, '100', 'change-me-100');
    expect((await as(h.app, bob)('GET', '/api/extensions/101/calls')).statusCode).toBe(403);
  });

  it('voicemail: list newest first, stream, mark read, delete; greeting upload', async () => {
    const repository = new VoicemailRepository(h.db, h.dataDir);
    const ids: string[] = [];
    for (const caller of ['0600000001', '0600000002']) {
      const message = await repository.startMessage({
        mailbox: '101',
        callerNumber: caller,
        callerName: null,
      });
      mkdirSync(join(h.dataDir, 'voicemail', '101'), { recursive: true });
      writeFileSync(message.path, encodeWav(new Int16Array(8000)));
      await repository.finishMessage(message.id, 1000);
      ids.push(message.id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const list = await as(h.app, alice)('GET', '/api/extensions/101/voicemail');
    expect(list.json().messages.map((m: { caller: string }) => m.caller)).toEqual([
      '0600000002',
      '0600000001',
    ]);
    expect(list.json().messages[0]).toMatchObject({ durationMs: 1000, read: false });
    const [first = '', second = ''] = ids;
    const audio = await as(h.app, alice)('GET', `/api/extensions/101/voicemail/${first}/audio`);
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(
      (await as(h.app, bruno)('GET', `/api/extensions/100/voicemail/${first}/audio`)).statusCode,
    ).toBe(404);
    const read = await as(h.app, alice)('PATCH', `/api/extensions/101/voicemail/${first}`, {
      read: true,
    });
    expect(read.json()).toMatchObject({ id: first, read: true });
    expect((await repository.get(first))?.state).toBe('saved');
    expect(
      (await as(h.app, alice)('DELETE', `/api/extensions/101/voicemail/${second}`)).statusCode,
    ).toBe(204);
    expect(await repository.get(second)).toBeUndefined();

    // Another mailbox's message is not found there, even for an admin.
    // A 16 kHz greeting is converted to 8 kHz.
    const wav16k = encodeWav(new Int16Array(16000), 16000);
    const up = await h.app.inject({
      method: 'PUT',
      url: '/api/extensions/101/greeting',
      headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, 'content-type': 'audio/wav' },
      payload: wav16k,
    });
    expect(up.statusCode).toBe(204);
    const greeting = await repository.greeting('101');
    expect(greeting).not.toBeNull();
    const notWav = await h.app.inject({
      method: 'PUT',
      url: '/api/extensions/101/greeting?lang=en',
      headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, 'content-type': 'audio/wav' },
      payload: Buffer.from('not a wav file at all'),
    });
    expect(notWav.statusCode).toBe(400);
    expect(notWav.json().message).toMatch(/^This file is not a readable WAV/);
    expect((await as(h.app, alice)('DELETE', '/api/extensions/101/greeting')).statusCode).toBe(204);
    expect(await repository.greeting('101')).toBeNull();
  });

  it('admin endpoints: 403 for a user, export, check, all-or-nothing import', async () => {
    const user = await as(h.app, alice)('GET', '/api/admin/directory');
    expect(user.statusCode).toBe(403);
    expect(user.json()).toEqual({
      error: 'forbidden',
      message: 'Cette page est réservée aux administrateurs.',
    });
    expect((await as(h.app, alice)('PUT', '/api/admin/directory', {})).statusCode).toBe(403);
    const yaml = await as(h.app, bruno)('GET', '/api/admin/directory?format=yaml');
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(yaml.body).toContain('callerId: 06* 07*');
    const json = (await as(h.app, bruno)('GET', '/api/admin/directory')).json();
    expect(json.extensions).toHaveLength(3);
    const check = await as(h.app, bruno)('GET', '/api/admin/check');
    expect(check.json()).toEqual({ ok: true, findings: [] });

    const before = JSON.stringify(json);
    const broken = structuredClone(json);
    broken.extensions[1].exceptions[0].callerId = '06*a';
    broken.extensions[0].number = 'abc';
    const refused = await as(h.app, bruno)('PUT', '/api/admin/directory?lang=en', broken);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().problems.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(['extensions[1].exceptions[0].callerId', 'extensions[0].number']),
    );
    expect(JSON.stringify((await as(h.app, bruno)('GET', '/api/admin/directory')).json())).toBe(
      before,
    );
    const put = await h.app.inject({
      method: 'PUT',
      url: '/api/admin/directory',
      headers: {
        cookie: bruno.cookie,
        'x-csrf-token': bruno.csrf,
        'content-type': 'application/yaml',
      },
      payload: yaml.body.replace('Alice Martin', 'Alice Durand'),
    });
    expect(put.json()).toEqual({ ok: true });
    expect((await loadDirectory(h.db)).extensions.get('101')?.name).toBe('Alice Durand');
    const badYaml = await h.app.inject({
      method: 'PUT',
      url: '/api/admin/directory',
      headers: {
        cookie: bruno.cookie,
        'x-csrf-token': bruno.csrf,
        'content-type': 'application/yaml',
      },
      payload: 'extensions: [',
    });
    expect(badYaml.statusCode).toBe(400);
    expect(badYaml.json().message).toMatch(/^Le document n’est ni du JSON ni du YAML lisible/);
  });

  it('serves the OpenAPI document and its viewer without a session', async () => {
    const doc = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/session',
        '/api/extensions/{ext}/exceptions',
        '/api/extensions/{ext}/exceptions-order',
        '/api/caller-id/parse',
        '/api/extensions/{ext}/simulate',
        '/api/extensions/{ext}/voicemail',
        '/api/admin/directory',
      ]),
    );
    const ui = await h.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    const unknown = await h.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(unknown.statusCode).toBe(401);
  });
});
