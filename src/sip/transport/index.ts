export * from './types.js';
export * from './via.js';
export * from './connection.js';
export * from './udp.js';
export * from './tcp.js';
export * from './ws.js';
export * from './layer.js';
