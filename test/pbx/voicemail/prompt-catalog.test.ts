import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SPOKEN_NUMBER, promptTexts } from '../../../src/i18n/catalog/prompts.js';
import {
  PromptError,
  promptFiles,
  promptNames,
  sayer,
} from '../../../src/pbx/voicemail/prompt-catalog.js';
import type { PromptRequest } from '../../../src/pbx/voicemail/prompt-catalog.js';
import { bundledPromptsDir, loadPromptSources } from '../../../src/pbx/voicemail/prompt-sources.js';
import { tempDir } from '../../store/helpers.js';

describe('prompt names', () => {
  it('says "locating" then the extension digit by digit', () => {
    expect(promptNames({ prompt: 'locating', extension: '101' })).toEqual([
      'locating',
      'number-1',
      'number-0',
      'number-1',
    ]);
  });

  it('builds the default greeting around the digits', () => {
    expect(promptNames({ prompt: 'greeting', extension: '2040' })).toEqual([
      'greeting-intro',
      'number-2',
      'number-0',
      'number-4',
      'number-0',
      'greeting-outro',
    ]);
  });

  it('says counts as whole numbers, singular and plural', () => {
    expect(promptNames({ prompt: 'newMessages', count: 0 })).toEqual(['no-new-messages']);
    expect(promptNames({ prompt: 'newMessages', count: 1 })).toEqual([
      'you-have',
      'number-1',
      'new-message',
    ]);
    expect(promptNames({ prompt: 'newMessages', count: 71 })).toEqual([
      'you-have',
      'number-71',
      'new-messages',
    ]);
  });

  it('asks the answering person to accept: the caller, or a withheld number, and the extension', () => {
    expect(promptNames({ prompt: 'confirm', caller: '0491', extension: '101' })).toEqual([
      'confirm-call-from',
      'number-0',
      'number-4',
      'number-9',
      'number-1',
      'confirm-for',
      'number-1',
      'number-0',
      'number-1',
      'confirm-press-1',
    ]);
    expect(promptNames({ prompt: 'confirm', caller: null, extension: '22' })).toEqual([
      'confirm-call-from',
      'confirm-private',
      'confirm-for',
      'number-2',
      'number-2',
      'confirm-press-1',
    ]);
  });

  it('says a count above the whole numbers digit by digit', () => {
    expect(promptNames({ prompt: 'newMessages', count: 120 })).toEqual([
      'you-have',
      'number-1',
      'number-2',
      'number-0',
      'new-messages',
    ]);
  });

  it('says a simple prompt as itself', () => {
    expect(promptNames({ prompt: 'goodbye' })).toEqual(['goodbye']);
    expect(promptNames({ prompt: 'unavailable' })).toEqual(['unavailable']);
  });

  it('refuses what it cannot say, naming it', () => {
    expect(() => promptNames({ prompt: 'locating', extension: '10a' })).toThrow(/"10a"/);
    expect(() => promptNames({ prompt: 'digits', digits: '' })).toThrow(PromptError);
    expect(() => promptNames({ prompt: 'newMessages', count: -1 })).toThrow(/-1/);
    expect(() => promptNames({ prompt: 'newMessages', count: 1.5 })).toThrow(PromptError);
  });
});

/** Sample rate, channels and bits of a WAV file's fmt chunk (the generator writes it first). */
function wavFormat(file: string): { rate: number; channels: number; bits: number; format: number } {
  const data = readFileSync(file);
  expect(data.toString('ascii', 0, 4)).toBe('RIFF');
  expect(data.toString('ascii', 8, 12)).toBe('WAVE');
  let at = 12;
  while (at + 8 <= data.length) {
    const id = data.toString('ascii', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      return {
        format: data.readUInt16LE(at + 8),
        channels: data.readUInt16LE(at + 10),
        rate: data.readUInt32LE(at + 12),
        bits: data.readUInt16LE(at + 22),
      };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no fmt chunk`);
}

describe('bundled prompt files', () => {
  const bundled = bundledPromptsDir();

  it.each(['fr', 'en'] as const)('has an 8 kHz 16-bit mono WAV for every %s text', (language) => {
    const names = [...promptTexts(language).keys()];
    expect(names).toHaveLength(24 + MAX_SPOKEN_NUMBER + 1);
    for (const name of names) {
      const file = join(bundled, language, `${name}.wav`);
      expect(existsSync(file), file).toBe(true);
      // format 1 = PCM, or 0xFFFE (extensible) which sox writes for some layouts.
      const format = wavFormat(file);
      expect({ ...format, format: format.format === 0xfffe ? 1 : format.format }).toEqual({
        format: 1,
        rate: 8000,
        channels: 1,
        bits: 16,
      });
    }
  });

  it('gives every request files that exist, in both languages', () => {
    const sources = loadPromptSources('/nonexistent-data-dir');
    const requests: PromptRequest[] = [
      { prompt: 'locating', extension: '0123456789', language: 'fr' },
      { prompt: 'greeting', extension: '101', language: 'en' },
      { prompt: 'newMessages', count: 99, language: 'fr' },
      { prompt: 'message-menu', language: 'en' },
    ];
    for (const request of requests) {
      for (const file of promptFiles(request, sources)) expect(existsSync(file), file).toBe(true);
    }
  });
});

describe('admin overrides', () => {
  it('replaces a bundled prompt with <dataDir>/prompts/<lang>/<name>.wav, in that language only', () => {
    const { dir, remove } = tempDir('prompts-override');
    try {
      mkdirSync(join(dir, 'prompts', 'fr'), { recursive: true });
      writeFileSync(join(dir, 'prompts', 'fr', 'greeting-outro.wav'), 'RIFF');
      writeFileSync(join(dir, 'prompts', 'fr', 'notes.txt'), 'not a prompt');
      const sources = loadPromptSources(dir, '/bundled');
      expect([...sources.overrides]).toEqual(['fr/greeting-outro']);
      expect(promptFiles({ prompt: 'greeting', extension: '7', language: 'fr' }, sources)).toEqual([
        '/bundled/fr/greeting-intro.wav',
        '/bundled/fr/number-7.wav',
        join(dir, 'prompts', 'fr', 'greeting-outro.wav'),
      ]);
      expect(
        promptFiles({ prompt: 'greeting', extension: '7', language: 'en' }, sources).at(-1),
      ).toBe('/bundled/en/greeting-outro.wav');
      expect(sayer('fr', sources)({ prompt: 'greeting-outro' })).toEqual([
        join(dir, 'prompts', 'fr', 'greeting-outro.wav'),
      ]);
    } finally {
      remove();
    }
  });

  it('fails clearly when the package has no prompts', () => {
    expect(() => bundledPromptsDir('/')).toThrow(/no assets\/prompts/);
  });
});
