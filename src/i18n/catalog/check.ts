import type { Catalog } from './catalog.js';

export const check: Catalog = {
  fr: {},
  en: {},
};
