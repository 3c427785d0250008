export * from './dialog.js';
export * from './dialog-set.js';
export * from './session-dialog.js';
export * from './dialog-snapshot.js';
