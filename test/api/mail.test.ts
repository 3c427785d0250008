/** The e-mail of voicemail through the API: each user's address, and the admin's failures. */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { VoicemailRepository } from '../../src/store/voicemail-repository.js';
import { VoicemailMailRepository } from '../../src/store/voicemail-mail-repository.js';
import type { MailRequest } from '../../src/store/voicemail-mail-repository.js';
import { encodeWav } from '../../src/media/wav.js';
import { as, guideDocument, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

const RELAY_PASSWORD = 'relay-password-5512';

describe('voicemail by e-mail (API)', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  beforeAll(async () => {
    const doc = guideDocument();
    doc.smtp = {
      host: 'smtp.example.net',
      username: 'pbx',
      password: RELAY_PASSWORD,
      from: 'renvoi@example.net',
    };
    h = await startHarness(doc);
    alice = await login(h.app, '101', 'change-me-101');
    bruno = await login(h.app, '102', 'change-me-102');
  });
  afterAll(async () => h.close());

  it('lets a user set their own address, naming a bad one beside its field in French', async () => {
    const bad = await as(h.app, alice)('PUT', '/api/extensions/101/profile?lang=fr', {
      email: 'alice@exemple',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems).toEqual([
      {
        path: 'email',
        message: expect.stringContaining(
          '« alice@exemple » n’est pas une adresse e-mail',
        ) as string,
      },
    ]);
    expect((await loadDirectory(h.db)).extensions.get('101')?.email).toBeNull();

    const good = await as(h.app, alice)('PUT', '/api/extensions/101/profile', {
      email: 'alice.martin@example.com',
      deleteAfterEmail: true,
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({
      email: 'alice.martin@example.com',
      deleteAfterEmail: true,
    });
    const stored = (await loadDirectory(h.db)).extensions.get('101');
    expect(stored).toMatchObject({ email: 'alice.martin@example.com', deleteAfterEmail: true });
  });

  it('refuses to delete messages that would never be sent', async () => {
    const cleared = await as(h.app, alice)('PUT', '/api/extensions/101/profile?lang=en', {
      email: null,
    });
    expect(cleared.statusCode).toBe(400);
    expect(cleared.json().problems[0]).toMatchObject({ path: 'deleteAfterEmail' });
    const both = await as(h.app, alice)('PUT', '/api/extensions/101/profile', {
      email: '',
      deleteAfterEmail: false,
    });
    expect(both.json()).toMatchObject({ email: null, deleteAfterEmail: false });
  });

  it("lets an admin set anyone's address, and no user another's", async () => {
    const byAdmin = await as(h.app, bruno)('PUT', '/api/extensions/101/profile', {
      email: 'alice@example.com',
    });
    expect(byAdmin.json().email).toBe('alice@example.com');
    const byUser = await as(h.app, alice)('PUT', '/api/extensions/102/profile', {
      email: 'bruno@example.com',
    });
    expect(byUser.statusCode).toBe(403);
  });

  it('exports the relay with its password sealed, never in clear', async () => {
    const exported = await as(h.app, bruno)('GET', '/api/admin/directory');
    expect(exported.body).not.toContain(RELAY_PASSWORD);
    expect(exported.json().smtp).toMatchObject({
      host: 'smtp.example.net',
      username: 'pbx',
      passwordSealed: expect.stringMatching(/^\$aes256gcm\$/) as string,
    });
  });

  it('never serves back in clear a relay password the admin just typed', async () => {
    const doc = (await as(h.app, bruno)('GET', '/api/admin/directory')).json();
    doc.smtp = { ...doc.smtp, password: 'typed-just-now-9931' };
    delete doc.smtp.passwordSealed;
    const put = await as(h.app, bruno)('PUT', '/api/admin/directory', doc);
    expect(put.statusCode).toBe(200);
    const again = await as(h.app, bruno)('GET', '/api/admin/directory');
    expect(again.body).not.toContain('typed-just-now-9931');
    expect(again.json().smtp.passwordSealed).toMatch(/^\$aes256gcm\$/);
  });

  it('shows the admin the mails that failed, in their language, and retries one on demand', async () => {
    const voicemail = new VoicemailRepository(h.db, h.dataDir);
    const mails = new VoicemailMailRepository(h.db);
    const request: MailRequest = {
      recipient: 'alice@example.com',
      language: 'fr',
      deleteAfter: false,
      decision: null,
    };
    const ids: string[] = [];
    for (const error of ['mail.error.no-smtp', '550 5.1.1 No such user here']) {
      const message = await voicemail.startMessage({
        mailbox: '101',
        callerNumber: '+33612345678',
        callerName: null,
        mail: request,
      });
      writeFileSync(message.path, encodeWav(new Int16Array(8000)));
      await voicemail.finishMessage(message.id, 1000);
      await mails.markFailed(
        message.id,
        error,
        error.startsWith('550') ? null : Date.now() + 60_000,
      );
      ids.push(message.id);
    }
    const [pending = '', refused = ''] = ids;

    const fr = await as(h.app, bruno)('GET', '/api/admin/mail?lang=fr');
    expect(fr.statusCode).toBe(200);
    expect(fr.json().smtp).toEqual({ host: 'smtp.example.net', port: 587, security: 'starttls' });
    expect(fr.json().failures).toEqual([
      expect.objectContaining({
        id: pending,
        mailbox: '101',
        recipient: 'alice@example.com',
        state: 'pending',
        attempts: 1,
        error: 'aucun serveur SMTP n’est configuré (Paramètres > E-mail)',
      }),
      expect.objectContaining({
        id: refused,
        state: 'failed',
        nextAttemptAt: null,
        error: '550 5.1.1 No such user here',
      }),
    ]);
    const en = await as(h.app, bruno)('GET', '/api/admin/mail?lang=en');
    expect(en.json().failures[0].error).toBe('no SMTP server is configured (Settings > E-mail)');
    expect((await as(h.app, alice)('GET', '/api/admin/mail')).statusCode).toBe(403);

    const events: unknown[] = [];
    const stop = h.context.events.subscribe((event) => events.push(event));
    const retry = await as(h.app, bruno)('POST', `/api/admin/mail/${refused}/retry`);
    stop();
    expect(retry.statusCode).toBe(204);
    expect(events).toEqual([{ type: 'mail' }]);
    expect((await mails.get(refused))?.state).toBe('pending');
    expect((await as(h.app, bruno)('POST', '/api/admin/mail/nope/retry')).statusCode).toBe(404);
    expect((await as(h.app, alice)('POST', `/api/admin/mail/${pending}/retry`)).statusCode).toBe(
      403,
    );
  });
});
