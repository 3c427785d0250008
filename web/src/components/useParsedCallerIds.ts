import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { ParsedCallerId } from '../api/types.js';

/**
 * How the server understands each caller-ID text of the list, for its chips. Answers are kept per
 * text and language, so reordering or toggling asks nothing again.
 */
const cache = new Map<string, ParsedCallerId>();

export function useParsedCallerIds(
  texts: readonly string[],
  language: string,
): ReadonlyMap<string, ParsedCallerId> {
  const [, setVersion] = useState(0);
  const key = texts.join('\u0000');

  useEffect(() => {
    let live = true;
    const missing = [...new Set(texts)].filter((text) => !cache.has(`${language}:${text}`));
    if (missing.length === 0) return;
    Promise.all(
      missing.map(async (text) => {
        const parsed = await api<ParsedCallerId>('/api/caller-id/parse', {
          method: 'POST',
          json: { text },
        });
        cache.set(`${language}:${text}`, parsed);
      }),
    )
      .catch(() => {
        // Chips are a help: without them the list shows the text as typed.
      })
      .finally(() => {
        if (live) setVersion((n) => n + 1);
      });
    return () => {
      live = false;
    };
    // `key` stands for `texts`, whose identity changes on every render.
  }, [key, language]);

  const found = new Map<string, ParsedCallerId>();
  for (const text of texts) {
    const parsed = cache.get(`${language}:${text}`);
    if (parsed !== undefined) found.set(text, parsed);
  }
  return found;
}
