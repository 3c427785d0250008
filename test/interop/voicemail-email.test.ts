/**
 * Issue 13 §7 on a live call: a real `renvoi start` takes a message from SIPp and mails it, with
 * the caller's audio attached, through a real SMTP server on loopback; a message left while the
 * relay is down is mailed after the PBX restarts, once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/data-dir.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { toneRatio } from '../../src/media/tone-analysis.js';
import { sayer } from '../../src/pbx/voicemail/prompt-catalog.js';
import { loadPromptSources } from '../../src/pbx/voicemail/prompt-sources.js';
import { wavDurationMs } from '../../src/store/voicemail-repository.js';
import { ensureBuilt, startRenvoi } from '../e2e/harness.js';
import type { RunningRenvoi } from '../e2e/harness.js';
import { SmtpSink } from '../pbx/voicemail/smtp-sink.js';
import { sippWith } from './harness.js';

const TONE_440 = join(import.meta.dirname, 'fixtures', 'voice-tone-440.wav');
/** Apart from the other voice tests' ranges, so files running side by side do not collide. */
const RTP_PORTS = { RENVOI_RTP_PORTS: '31200-31399' };

const directory = (smtpPort: number) => `
outsideCalls: { allow: true }
extensions:
  - number: '101'
    name: Alice Martin
    password: 'secret-of-101'
    email: alice@example.com
smtp: { host: 127.0.0.1, port: ${smtpPort}, security: none, from: renvoi@example.com }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('voicemail by e-mail on a live call', () => {
  let pbx: RunningRenvoi | undefined;
  let sink: SmtpSink;
  beforeAll(async () => {
    await ensureBuilt();
    sink = new SmtpSink();
    await sink.listen();
  }, 120_000);
  afterAll(async () => {
    await pbx?.stop();
    await sink.close();
  });

  /** SIPp waits out the greeting and the beep, then streams 3 s of 440 Hz and hangs up. */
  const leaveMessage = async (running: RunningRenvoi, from: string) => {
    const say = sayer('fr', loadPromptSources(running.dataDir));
    const greetingMs =
      say({ prompt: 'greeting', extension: '101' }).reduce(
        (sum, file) => sum + (wavDurationMs(file) ?? 0),
        0,
      ) + 400;
    const result = await sippWith(
      { port: running.sipPort },
      'voice-deposit.xml',
      ['-s', '101', '-key', 'caller', from, '-d', String(greetingMs + 600)],
      { files: [TONE_440], timeoutS: 30 },
    );
    expect(result.code).toBe(0);
  };

  it(
    'mails the message with its audio, the caller and why, in French',
    { timeout: 90_000 },
    async () => {
      pbx = await startRenvoi(directory(sink.port), { env: RTP_PORTS });
      await leaveMessage(pbx, '0491000000');
      const [mail] = await sink.waitFor(1, 20_000);
      expect(mail?.to).toMatchObject({ text: 'alice@example.com' });
      // SIPp's From names the caller "Caller".
      expect(mail?.subject).toMatch(
        /^Nouveau message vocal de Caller \(04 91 00 00 00\) \(\d s\)$/,
      );
      expect(mail?.text).toContain('Bonjour Alice Martin,');
      expect(mail?.text).toContain(
        'Pourquoi ce message est arrivé dans votre messagerie : Aucune exception ne s’applique',
      );
      expect(mail?.text).toContain('la messagerie vocale du 101');
      const [attachment] = mail?.attachments ?? [];
      expect(attachment?.contentType).toBe('audio/wav');
      const samples = decodeWavTo8kMono(attachment?.content ?? Buffer.alloc(0));
      expect(samples.length / 8).toBeGreaterThan(2000);
      expect(toneRatio(samples.subarray(800), 440)).toBeGreaterThan(0.8);
    },
  );

  it(
    'mails after a restart a message left while the relay was down, once',
    { timeout: 120_000 },
    async () => {
      if (pbx === undefined) throw new Error('the first test starts the PBX');
      const running = pbx;
      const port = sink.port;
      await sink.close();
      await leaveMessage(running, '0491000001');

      // The queue tried and failed: the mail waits in the store.
      const db = await openStore(running.dataDir);
      let id: string | undefined;
      try {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const row = await db
            .selectFrom('voicemail_mail as m')
            .innerJoin('voicemail_message as v', 'v.id', 'm.message_id')
            .select(['m.message_id', 'm.attempts', 'm.state', 'm.last_error'])
            .where('v.caller_number', '=', '+33491000001')
            .executeTakeFirst();
          if (row !== undefined && row.attempts >= 1) {
            expect(row.state).toBe('pending');
            expect(row.last_error).toMatch(/ECONNREFUSED/);
            id = row.message_id;
            break;
          }
          if (Date.now() > deadline) throw new Error('the queue never tried the mail');
          await sleep(100);
        }
      } finally {
        await db.destroy();
      }

      await running.halt();
      await sink.listen(port);
      pbx = await startRenvoi('', { dataDir: running.dataDir, env: RTP_PORTS });
      const mails = await sink.waitFor(2, 20_000);
      expect(mails[1]?.messageId).toBe(`<${id}@renvoi.voicemail>`);
      expect(mails[1]?.subject).toMatch(/^Nouveau message vocal de Caller \(04 91 00 00 01\)/);
      // Several seconds more: nothing comes twice.
      await sleep(3000);
      expect(sink.received).toHaveLength(2);
    },
  );
});
