/**
 * Which prompt files say what (pure): a request such as `{ prompt: 'locating', extension: '101',
 * language: 'fr' }` becomes the ordered WAV files to play, « Veuillez patienter pendant que nous
 * localisons » + « un » + « zéro » + « un ».
 *
 * Admin override: a file `<dataDir>/prompts/<language>/<name>.wav` replaces the bundled
 * `assets/prompts/<language>/<name>.wav` of the same name (for instance a recorded
 * `prompts/fr/greeting-outro.wav`). `PromptSources.overrides` says which exist
 * (prompt-sources.ts reads the directory).
 */
import { join } from 'node:path';
import type { Language } from '../../domain/types.js';
import { MAX_SPOKEN_NUMBER } from '../../i18n/catalog/prompts.js';
import type { FixedPrompt, PromptName } from '../../i18n/catalog/prompts.js';

/** A prompt said as its one file (`locating` needs the extension after it). */
export type SimplePrompt = Exclude<FixedPrompt, 'locating'>;

/** What to say, in whichever language. */
export type PromptSpec =
  | { prompt: 'locating'; extension: string }
  /** The default voicemail greeting of an extension. */
  | { prompt: 'greeting'; extension: string }
  /** "You have 3 new messages" or "You have no new messages". */
  | { prompt: 'newMessages'; count: number }
  | { prompt: 'digits'; digits: string }
  /** Answer confirmation: who calls (digits, or null when withheld), for which extension. */
  | { prompt: 'confirm'; caller: string | null; extension: string }
  | { prompt: SimplePrompt };

export type PromptRequest = PromptSpec & { language: Language };

/** Prompt files for a spec in one caller's language: what the voicemail machines are given. */
export type Say = (spec: PromptSpec) => string[];

export interface PromptSources {
  /** `assets/prompts` of the installed package. */
  bundledDir: string;
  /** `<dataDir>/prompts`. */
  overrideDir: string;
  /** `<language>/<name>` of every override file present. */
  overrides: ReadonlySet<string>;
}

export class PromptError extends Error {
  override readonly name = 'PromptError';
}

function digitNames(digits: string): PromptName[] {
  if (!/^[0-9]+$/.test(digits)) {
    throw new PromptError(`cannot say "${digits}": only the digits 0 to 9 can be spoken`);
  }
  return [...digits].map((d): PromptName => `number-${Number(d)}`);
}

function countNames(count: number): PromptName[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new PromptError(`cannot say the count ${count}: it must be a whole number from 0`);
  }
  // Above the numbers recorded whole, a count is rare enough that digit by digit will do.
  return count <= MAX_SPOKEN_NUMBER ? [`number-${count}`] : digitNames(String(count));
}

/** The prompt files, by name, that say a request, in order. */
export function promptNames(request: PromptSpec): PromptName[] {
  switch (request.prompt) {
    case 'locating':
      return ['locating', ...digitNames(request.extension)];
    case 'greeting':
      return ['greeting-intro', ...digitNames(request.extension), 'greeting-outro'];
    case 'newMessages':
      if (request.count === 0) return ['no-new-messages'];
      return [
        'you-have',
        ...countNames(request.count),
        request.count === 1 ? 'new-message' : 'new-messages',
      ];
    case 'digits':
      return digitNames(request.digits);
    case 'confirm':
      return [
        'confirm-call-from',
        ...(request.caller === null ? ['confirm-private' as const] : digitNames(request.caller)),
        'confirm-for',
        ...digitNames(request.extension),
        'confirm-press-1',
      ];
    default:
      return [request.prompt];
  }
}

/** The WAV file of one prompt: the admin's recording when there is one, else the bundled file. */
export function promptFile(name: PromptName, language: Language, sources: PromptSources): string {
  const relative = join(language, `${name}.wav`);
  return sources.overrides.has(`${language}/${name}`)
    ? join(sources.overrideDir, relative)
    : join(sources.bundledDir, relative);
}

/** The WAV files that say a request, in order. */
export function promptFiles(request: PromptRequest, sources: PromptSources): string[] {
  return promptNames(request).map((name) => promptFile(name, request.language, sources));
}

/** `promptFiles` bound to one language and one set of sources. */
export function sayer(language: Language, sources: PromptSources): Say {
  return (spec) => promptFiles({ ...spec, language }, sources);
}
