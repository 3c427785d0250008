import type { Language } from '../../domain/types.js';

/** Messages of one area, the same codes in each language; `{name}` is a parameter. */
export type Catalog = Record<Language, Record<string, string>>;
