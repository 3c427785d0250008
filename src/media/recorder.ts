/**
 * Record what an RTP session receives into a WAV file, as it arrives.
 *
 * Format: 8 kHz 16-bit mono linear PCM, whatever codec the leg negotiated. Every player reads it
 * (µ-law and A-law WAV need a `fact` chunk and are refused by some), the two codecs and a re-INVITE
 * that switches between them end up in one format, the web client can play it as is, and tests can
 * analyse it without a decoder. It costs twice the bytes of G.711: 960 KB a minute.
 *
 * Crash safety: the header is written first with sizes of zero, samples are appended with
 * positional writes in arrival order, and the two header sizes are rewritten every second and on
 * close. A recording whose process was killed is therefore a file whose header lags by at most a
 * second of audio, and `repairWav(path)` (wav.ts) sets the sizes from the file length on restart.
 * A write that fails (a full disk) ends the recording at once with reason `failed`: the file is
 * cut back to the audio written whole before it and its header says so (both need no new
 * blocks), so what the caller said until then is a valid message, never a torn one.
 *
 * Time is kept from RTP timestamps: a gap in the timestamps (lost packets, silence suppression,
 * comfort noise) is written as silence, so the file lasts as long as the caller spoke. The
 * recording ends on `stop()`, after `silenceMs` without a frame above the energy threshold (packets
 * or not), at `maxMs`, on a stop digit, or when the session closes.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { SAMPLE_RATE, decodeG711 } from './g711.js';
import type { G711Codec } from './g711.js';
import type { RtpPacket } from './rtp-packet.js';
import type { RtpSession } from './rtp-session.js';
import type { DtmfDigit } from './telephone-event.js';
import { rms } from './tone-analysis.js';
import { WAV_HEADER_BYTES, wavHeader, wavSizeFields } from './wav.js';

export interface RecordOptions {
  /** Longest recording; default 180 000 (3 minutes, design §5). */
  readonly maxMs?: number;
  /** End after this long without voice; undefined never ends on silence. */
  readonly silenceMs?: number;
  /** RMS below which a frame is silence; default 300 (about -40 dBFS). */
  readonly silenceThreshold?: number;
  /** Digits that end the recording, e.g. '#'. */
  readonly stopDigits?: string;
  /** How often the header sizes are rewritten; default 1000. */
  readonly headerUpdateMs?: number;
}

export interface RecordingResult {
  readonly reason: 'stopped' | 'silence' | 'max-duration' | 'dtmf' | 'closed' | 'failed';
  readonly digit?: DtmfDigit;
  /** For `failed`: why the audio could not be written. */
  readonly error?: unknown;
  readonly path: string;
  /** Length of the audio in the file. */
  readonly durationMs: number;
}

/** The longest timestamp gap filled with silence; beyond it the stream is taken to have restarted. */
const MAX_GAP_SAMPLES = 10 * SAMPLE_RATE;

const nowMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

export class Recording {
  /**
   * Resolves once the file is complete and closed (reason `failed` after a write error, the file
   * valid up to it); rejects only when even that could not be done.
   */
  readonly done: Promise<RecordingResult>;
  private settle!: (result: RecordingResult) => void;
  private fail!: (error: unknown) => void;
  private samples = 0;
  private readonly maxSamples: number;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  /** Bytes of audio known to be on disk: the end of the last write that succeeded. */
  private writtenBytes = 0;
  private expected: { ssrc: number; timestamp: number } | undefined;
  private lastVoiceMs = nowMs();
  private readonly timers: NodeJS.Timeout[] = [];
  private silenceTimer: NodeJS.Timeout | undefined;
  private ended = false;

  private readonly onAudio = (packet: RtpPacket, codec: G711Codec): void =>
    this.append(packet, codec);
  private readonly onDtmf = (digit: DtmfDigit): void => {
    if (this.options.stopDigits?.includes(digit)) this.finish('dtmf', digit);
  };
  private readonly onClose = (): void => this.finish('closed');

  private constructor(
    private readonly session: RtpSession,
    private readonly file: FileHandle,
    readonly path: string,
    private readonly options: RecordOptions,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.maxSamples = Math.round(((options.maxMs ?? 180_000) * SAMPLE_RATE) / 1000);
    session.on('audio', this.onAudio);
    session.on('dtmf', this.onDtmf);
    session.on('close', this.onClose);
    const headerTimer = setInterval(() => this.queueHeaderUpdate(), options.headerUpdateMs ?? 1000);
    this.timers.push(headerTimer);
    this.timers.push(setTimeout(() => this.finish('max-duration'), options.maxMs ?? 180_000));
    this.armSilence(options.silenceMs);
  }

  /** Create the file (header first) and start recording what `session` receives. */
  static async start(
    session: RtpSession,
    path: string,
    options: RecordOptions = {},
  ): Promise<Recording> {
    const file = await open(path, 'w');
    try {
      await file.write(wavHeader(0), 0, WAV_HEADER_BYTES, 0);
    } catch (err) {
      await file.close();
      throw err;
    }
    const recording = new Recording(session, file, path, options);
    if (session.closed) recording.finish('closed');
    return recording;
  }

  get durationMs(): number {
    return Math.round((this.samples * 1000) / SAMPLE_RATE);
  }

  stop(): void {
    this.finish('stopped');
  }

  private append(packet: RtpPacket, codec: G711Codec): void {
    if (this.ended) return;
    const pcm = decodeG711(codec, packet.payload);
    let gap = 0;
    if (this.expected && this.expected.ssrc === packet.ssrc) {
      const delta = (packet.timestamp - this.expected.timestamp) | 0;
      // A late packet (delta < 0) the reorder buffer gave up on is dropped rather than misplaced.
      if (delta < 0) return;
      if (delta <= MAX_GAP_SAMPLES) gap = delta;
    }
    this.expected = { ssrc: packet.ssrc, timestamp: (packet.timestamp + pcm.length) >>> 0 };
    if (rms(pcm) >= (this.options.silenceThreshold ?? 300)) this.lastVoiceMs = nowMs();
    const room = this.maxSamples - this.samples;
    const silence = Math.min(gap, room);
    const audio = pcm.subarray(0, Math.min(pcm.length, room - silence));
    if (silence > 0) this.write(Buffer.alloc(silence * 2));
    if (audio.length > 0) this.write(Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength));
    if (this.samples >= this.maxSamples) this.finish('max-duration');
  }

  private write(bytes: Buffer): void {
    const position = WAV_HEADER_BYTES + this.samples * 2;
    this.samples += bytes.length / 2;
    this.writes = this.writes.then(async () => {
      if (this.writeError !== undefined) return;
      // A short write (the disk filled in the middle) is a failure like ENOSPC.
      const { bytesWritten } = await this.file.write(bytes, 0, bytes.length, position);
      if (bytesWritten < bytes.length)
        throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
      this.writtenBytes = position + bytes.length - WAV_HEADER_BYTES;
    });
    this.writes.catch((err: unknown) => this.writeFailed(err));
  }

  private writeFailed(err: unknown): void {
    if (this.writeError !== undefined) return;
    this.writeError = err;
    this.finish('failed');
  }

  /** Sizes of the bytes queued so far: the update is queued after them, so it never runs ahead. */
  private queueHeaderUpdate(): void {
    const dataBytes = this.samples * 2;
    this.writes = this.writes.then(async () => {
      if (this.writeError !== undefined) return;
      await this.writeSizes(dataBytes);
    });
    this.writes.catch((err: unknown) => this.writeFailed(err));
  }

  private async writeSizes(dataBytes: number): Promise<void> {
    for (const field of wavSizeFields(dataBytes)) {
      await this.file.write(field.bytes, 0, field.bytes.length, field.offset);
    }
  }

  /** After a failed write: the file ends with the last whole sample written, and says so. */
  private async cutBack(): Promise<void> {
    const bytes = this.writtenBytes - (this.writtenBytes % 2);
    this.samples = bytes / 2;
    await this.file.truncate(WAV_HEADER_BYTES + bytes);
    await this.writeSizes(bytes);
  }

  private armSilence(silenceMs: number | undefined): void {
    if (silenceMs === undefined) return;
    const wait = Math.max(0, this.lastVoiceMs + silenceMs - nowMs());
    this.silenceTimer = setTimeout(() => {
      if (this.ended) return;
      if (nowMs() - this.lastVoiceMs >= silenceMs) this.finish('silence');
      else this.armSilence(silenceMs);
    }, wait);
  }

  private finish(reason: RecordingResult['reason'], digit?: DtmfDigit): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.session.off('audio', this.onAudio);
    this.session.off('dtmf', this.onDtmf);
    this.session.off('close', this.onClose);
    this.queueHeaderUpdate();
    const settled = this.writes.catch(() => undefined);
    void settled
      .then(() => (this.writeError === undefined ? undefined : this.cutBack()))
      .then(() => this.file.close())
      .then(
        () =>
          this.settle({
            reason: this.writeError === undefined ? reason : 'failed',
            path: this.path,
            durationMs: this.durationMs,
            ...(digit === undefined ? {} : { digit }),
            ...(this.writeError === undefined ? {} : { error: this.writeError }),
          }),
        (err: unknown) => {
          void this.file.close().catch(() => undefined);
          this.fail(err);
        },
      );
  }
}
