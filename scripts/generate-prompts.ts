/**
 * Regenerates every bundled prompt from its text (src/i18n/catalog/prompts.ts): espeak-ng speaks
 * it, sox turns it into 8 kHz 16-bit mono WAV, the format the media layer plays. Files that no
 * longer have a text are removed, so the assets are exactly the catalog.
 *
 *   node dist/scripts/generate-prompts.js [--out assets/prompts]
 *
 * Needs Debian's espeak-ng and sox. The output is deterministic (no dither), so running it twice
 * changes no file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Language } from '../src/domain/types.js';
import { promptTexts } from '../src/i18n/catalog/prompts.js';

const LANGUAGES: readonly Language[] = ['fr', 'en'];
/** espeak-ng's voice per language. */
const VOICES: Record<Language, string> = { fr: 'fr', en: 'en' };
/** Words per minute: a little slower than espeak's 175, clearer through G.711. */
const SPEED = '150';

function run(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${command} is not installed (Debian packages espeak-ng and sox)`);
    }
    throw error;
  }
}

function outputDir(argv: readonly string[]): string {
  const at = argv.indexOf('--out');
  if (at < 0) return resolve('assets/prompts');
  const value = argv[at + 1];
  if (value === undefined) throw new Error('--out needs a directory');
  return resolve(value);
}

function generate(out: string): number {
  const work = mkdtempSync(join(tmpdir(), 'renvoi-prompts-'));
  let count = 0;
  try {
    for (const language of LANGUAGES) {
      const dir = join(out, language);
      mkdirSync(dir, { recursive: true });
      const texts = promptTexts(language);
      const wanted = new Set([...texts.keys()].map((name) => `${name}.wav`));
      for (const file of readdirSync(dir)) {
        if (!wanted.has(file)) {
          rmSync(join(dir, file));
        }
      }
      for (const [name, text] of texts) {
        const raw = join(work, `${language}-${name}.wav`);
        run('espeak-ng', ['-v', VOICES[language], '-s', SPEED, '-w', raw, text]);
        run('sox', [
          // No dither: the same text always gives the same bytes.
          '-D',
          raw,
          ...['-r', '8000', '-b', '16', '-c', '1', '-e', 'signed-integer'],
          join(dir, `${name}.wav`),
          // espeak-ng pads each text with ~0.4 s of silence; prompts are chained ("un zéro un"),
          // so the silence is trimmed at both ends and a short fixed pause put back.
          ...['silence', '1', '0.01', '0.3%', 'reverse', 'silence', '1', '0.01', '0.3%', 'reverse'],
          ...['pad', '0.05', '0.15'],
        ]);
        count++;
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return count;
}

const out = outputDir(process.argv.slice(2));
const count = generate(out);
console.log(`${count} prompts written under ${out}`);
