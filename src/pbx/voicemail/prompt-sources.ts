/**
 * Where prompt files are found on disk: the bundled `assets/prompts` of the package, and the
 * admin's overrides under `<dataDir>/prompts/<language>/` (see prompt-catalog.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Language } from '../../domain/types.js';
import type { PromptSources } from './prompt-catalog.js';

const LANGUAGES: readonly Language[] = ['fr', 'en'];

/**
 * `assets/prompts` of this package, found from this module's folder upwards: the module runs
 * from src/ under Vitest and from dist/src/ once built, at different depths.
 */
export function bundledPromptsDir(from: string = import.meta.dirname): string {
  let dir = from;
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, 'assets', 'prompts');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`no assets/prompts folder above ${from}: the package is incomplete`);
}

/**
 * Reads which override files the admin has put in `<dataDir>/prompts`. Read again to pick up a
 * file added while the PBX runs.
 */
export function loadPromptSources(
  dataDir: string,
  bundledDir = bundledPromptsDir(),
): PromptSources {
  const overrideDir = join(dataDir, 'prompts');
  const overrides = new Set<string>();
  for (const language of LANGUAGES) {
    const dir = join(overrideDir, language);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.wav')) overrides.add(`${language}/${file.slice(0, -'.wav'.length)}`);
    }
  }
  return { bundledDir, overrideDir, overrides };
}
