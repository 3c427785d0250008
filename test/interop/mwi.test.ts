/**
 * Message waiting against SIPp: a phone subscribes with digest and sees the lamp go on when a
 * message is left and off when it is deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MwiService } from '../../src/pbx/voicemail/mwi.js';
import type { VoicemailRepository } from '../../src/store/voicemail-repository.js';
import { eventually, freePort, sippUas, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
};

describe('MWI with SIPp', () => {
  let t: TestPbx;
  let mwi: MwiService;
  let repo: VoicemailRepository;

  beforeAll(async () => {
    t = await startTestPbx(DIRECTORY);
    repo = t.pbx.voicemail;
    mwi = t.pbx.mwi;
  });
  afterAll(async () => {
    await t.remove();
  });

  it('sends Messages-Waiting: yes after a message is left and no after it is deleted', async () => {
    const service = mwi;
    const answered = () => service.size === 1 && service.notifying === 0;
    const phone = sippUas('mwi-subscribe.xml', await freePort(), [
      `127.0.0.1:${t.port}`,
      '-s',
      '101',
      '-au',
      '101',
      '-ap',
      'secret-of-101',
      '-auth_uri',
      `101@127.0.0.1:${t.port}`,
    ]);
    await eventually(answered, 'the subscription and its first NOTIFY answered', 10_000);

    const message = await repo.startMessage({
      mailbox: '101',
      callerNumber: '+33612345678',
      callerName: null,
    });
    await repo.finishMessage(message.id, 4000);
    await service.mailboxChanged('101');
    await eventually(answered, 'the NOTIFY for the new message answered', 10_000);

    await repo.delete(message.id);
    await service.mailboxChanged('101');

    const result = await phone.done;
    expect(result.code, result.stdout + result.stderr + result.messages).toBe(0);
    expect(service.size).toBe(0);
    expect(result.messages).toMatch(/Messages-Waiting: yes/);
  });
});
