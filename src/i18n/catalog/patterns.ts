import type { Catalog } from './catalog.js';

export const patterns: Catalog = {
  fr: {},
  en: {},
};
