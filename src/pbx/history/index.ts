export * from './call-history.js';
