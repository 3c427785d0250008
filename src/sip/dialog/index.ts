export * from './dialog.js';
export * from './dialog-set.js';
