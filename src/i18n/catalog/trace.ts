import type { Catalog } from './catalog.js';

export const trace: Catalog = {
  fr: {},
  en: {},
};
