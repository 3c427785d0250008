export * from './types.js';
export * from './uri.js';
export * from './headers.js';
export * from './parser.js';
export * from './serializer.js';
export * from './validate.js';
export * from './reply.js';
export { quote, percentDecode } from './syntax.js';
export * from './replaces.js';
