import type { Catalog } from './catalog.js';

export const directory: Catalog = {
  fr: {},
  en: {},
};
