/**
 * baresip (Debian's 1.0) as a real softphone for the media tests. It cannot initialise its network
 * on loopback alone, so each test gets a network namespace of its own joined to this one by a veth
 * pair: the PBX listens on the host end, baresip lives on the other. The namespace, the veth and
 * every baresip process are the test's own and are removed when it stops. baresip is driven
 * through its ctrl_tcp module (netstring-framed JSON commands and events); `aufile` plays a WAV as
 * its microphone and `sndfile` records what it hears. Needs root and `ip` (CI runs as root).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/media/wav.js';

let namespaces = 0;

export interface Netns {
  name: string;
  /** The address on our side: where the PBX listens. */
  hostAddress: string;
  /** The address inside the namespace: where baresip listens. */
  peerAddress: string;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A namespace joined to ours by a /30 veth link, addresses unique to this process and call. */
export function createNetns(): Netns {
  namespaces += 1;
  const id = `${process.pid % 10000}${namespaces}`;
  const name = `rv-${id}`;
  const hostIf = `rvh${id}`.slice(0, 15);
  const peerIf = `rvp${id}`.slice(0, 15);
  const subnet = ((process.pid % 200) * 16 + namespaces) % 16384;
  const octet2 = 64 + Math.floor(subnet / 64);
  const octet3 = (subnet % 64) * 4;
  const hostAddress = `10.${octet2}.${octet3}.1`;
  const peerAddress = `10.${octet2}.${octet3}.2`;
  ip('netns', 'add', name);
  try {
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
    ip('link', 'set', peerIf, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${peerAddress}/30`, 'dev', peerIf);
    ip('netns', 'exec', name, 'ip', 'link', 'set', peerIf, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    ip('netns', 'del', name);
    throw error;
  }
  return {
    name,
    hostAddress,
    peerAddress,
    remove() {
      // Deleting the namespace destroys its end of the pair, and with it ours.
      ip('netns', 'del', name);
    },
  };
}

export interface BaresipEvent {
  type: string;
  param?: string;
  peeruri?: string;
  direction?: string;
  [key: string]: unknown;
}

export interface BaresipOptions {
  netns: Netns;
  /** SIP port inside the namespace; several phones may share one namespace. */
  sipPort: number;
  ctrlPort: number;
  user: string;
  password: string;
  pbxPort: number;
  /**
   * WAV played as the microphone (8 kHz mono); two minutes of silence when absent. baresip hangs
   * up when its file ends, so it must outlast the call.
   */
  source?: string;
  answer?: 'auto' | 'manual';
  /** Subscribes to its mailbox's message-waiting (baresip's `mwi` module). */
  mwi?: boolean;
  /** Extensions whose presence it watches (baresip's `contact` and `presence` modules). */
  watch?: string[];
  /**
   * Registers and calls over TLS to `pbxPort` (baresip listens for TLS on `sipPort + 1`),
   * trusting the certificates in `tls.cafile`.
   */
  tls?: { cafile: string };
  /** Prints every SIP message sent and received (`-s`) into `output`. */
  trace?: boolean;
  /**
   * Where the test reaches its control port, when not at `peerAddress` (a phone behind a NAT
   * whose router forwards that port).
   */
  controlAddress?: string;
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  readonly dir: string;
  private process: ChildProcess | null = null;
  private control: Socket | null = null;
  private buffer = '';
  private token = 0;
  private readonly waiting = new Map<string, (response: { ok: boolean; data: string }) => void>();
  private readonly listeners = new Set<() => void>();
  output = '';

  private constructor(private readonly options: BaresipOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'renvoi-baresip-'));
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    const phone = new Baresip(options);
    try {
      await phone.launch();
    } catch (error) {
      phone.stop();
      throw error;
    }
    return phone;
  }

  /**
   * The phone of a test extension: user `ext`, password `secret-of-<ext>` (the interop tests'
   * convention), SIP and control ports of its own in the namespace, so several share one.
   */
  static forExtension(
    netns: Netns,
    pbxPort: number,
    extension: string,
    options: Pick<
      BaresipOptions,
      'source' | 'answer' | 'mwi' | 'tls' | 'watch' | 'trace' | 'controlAddress'
    > = {},
  ): Promise<Baresip> {
    const offset = Number(extension) % 100;
    return Baresip.start({
      netns,
      sipPort: 5000 + 2 * offset,
      ctrlPort: 4400 + offset,
      user: extension,
      password: `secret-of-${extension}`,
      pbxPort,
      ...options,
    });
  }

  private async launch(): Promise<void> {
    const { netns, sipPort, ctrlPort, user, password, pbxPort } = this.options;
    mkdirSync(join(this.dir, 'rec'));
    const source = this.options.source ?? join(this.dir, 'silence.wav');
    if (this.options.source === undefined)
      writeFileSync(source, encodeWav(new Int16Array(8000 * 120)));
    writeFileSync(
      join(this.dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen ${netns.peerAddress}:${sipPort}`,
        `audio_source aufile,${source}`,
        `audio_alert aufile,${source}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module sndfile.so',
        'module account.so',
        'module menu.so',
        'module ctrl_tcp.so',
        ...(this.options.mwi === true ? ['module mwi.so'] : []),
        ...(this.options.watch === undefined ? [] : ['module contact.so', 'module presence.so']),
        `ctrl_tcp_listen ${netns.peerAddress}:${ctrlPort}`,
        `snd_path ${join(this.dir, 'rec')}`,
        ...(this.options.tls === undefined ? [] : [`sip_cafile ${this.options.tls.cafile}`]),
        '',
      ].join('\n'),
    );
    if (this.options.watch !== undefined) {
      writeFileSync(
        join(this.dir, 'contacts'),
        this.options.watch
          .map((n) => `<sip:${n}@${netns.hostAddress}:${pbxPort}>;presence=p2p\n`)
          .join(''),
      );
    }
    const answer = this.options.answer === 'manual' ? 'manual' : 'auto';
    writeFileSync(
      join(this.dir, 'accounts'),
      `<sip:${user}@${netns.hostAddress}:${pbxPort}${this.options.tls === undefined ? '' : ';transport=tls'}>;auth_pass=${password};regint=600;answermode=${answer}\n`,
    );
    const trace = this.options.trace === true ? ['-s'] : [];
    const child = spawn('ip', ['netns', 'exec', netns.name, 'baresip', ...trace, '-f', this.dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString('latin1')));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString('latin1')));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    this.control = await this.connectControl();
    // Registration may finish before the control connection exists, so its event can be missed:
    // ask for the registration state instead.
    const deadline = Date.now() + 5000;
    let info = '';
    while (Date.now() < deadline) {
      info = await this.command('reginfo');
      // eslint-disable-next-line no-control-regex -- baresip colours its answer with ANSI codes
      if (/\bOK\b/.test(info.replace(/\x1b\[[0-9;]*m/g, ''))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`baresip ${user} did not register: ${info}\n${this.output}`);
  }

  private async connectControl(): Promise<Socket> {
    const { netns, ctrlPort } = this.options;
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          const socket = connect(ctrlPort, this.options.controlAddress ?? netns.peerAddress);
          socket.once('connect', () => {
            socket.off('error', reject);
            socket.on('data', (d) => this.receive(d.toString('utf8')));
            socket.on('error', () => undefined);
            resolve(socket);
          });
          socket.once('error', reject);
        });
      } catch (error) {
        if (Date.now() > deadline || this.process?.exitCode !== null) {
          throw new Error(`baresip control port unreachable: ${String(error)}\n${this.output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Netstrings: `<length>:<json>,` (djb's framing, what ctrl_tcp speaks). */
  private receive(text: string): void {
    this.buffer += text;
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.slice(0, colon));
      if (this.buffer.length < colon + 1 + length + 1) return;
      const json = this.buffer.slice(colon + 1, colon + 1 + length);
      this.buffer = this.buffer.slice(colon + 1 + length + 1);
      const message = JSON.parse(json) as Record<string, unknown>;
      if (message.response === true) {
        const done = this.waiting.get(String(message.token));
        this.waiting.delete(String(message.token));
        done?.({ ok: message.ok === true, data: String(message.data ?? '') });
      } else if (message.event === true) {
        this.events.push(message as BaresipEvent);
        for (const listener of [...this.listeners]) listener();
      }
    }
  }

  /** Sends a menu command (dial, accept, hangup, sndcode, ausrc…) and waits for its answer. */
  async command(command: string, params = ''): Promise<string> {
    const control = this.control;
    if (control === null) throw new Error('baresip is not running');
    this.token += 1;
    const token = `t${this.token}`;
    const json = JSON.stringify({ command, params, token });
    const answer = new Promise<{ ok: boolean; data: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip: no answer to ${command}`)), 5000);
      this.waiting.set(token, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
    control.write(`${Buffer.byteLength(json)}:${json},`);
    const response = await answer;
    if (!response.ok) throw new Error(`baresip ${command} ${params}: ${response.data}`);
    return response.data;
  }

  /** Resolves with the first event (already seen or to come) that satisfies `match`. */
  waitFor(match: (event: BaresipEvent) => boolean, timeoutMs: number): Promise<BaresipEvent> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        const found = this.events.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        const types = this.events.map((e) => e.type).join(', ');
        reject(new Error(`baresip: event not seen within ${timeoutMs} ms (saw: ${types})`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** The WAV files sndfile wrote: `-dec` is what the phone heard, `-enc` what it sent. */
  recordings(): string[] {
    return readdirSync(join(this.dir, 'rec'))
      .filter((f) => f.endsWith('.wav'))
      .map((f) => join(this.dir, 'rec', f));
  }

  stop(): void {
    this.control?.destroy();
    this.control = null;
    const child = this.process;
    this.process = null;
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
  }

  remove(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
