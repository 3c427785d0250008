export * from './types.js';
export * from './keys.js';
export * from './requests.js';
export * from './invite-client.js';
export * from './non-invite-client.js';
export * from './invite-server.js';
export * from './non-invite-server.js';
export * from './layer.js';
