/**
 * The SIP extensions the PBX supports (RFC 3261 §19.2, §20.37): said in `Supported` on its
 * INVITEs, 2xx and OPTIONS, and honoured in a request's `Require`. `replaces`: an INVITE with
 * Replaces (RFC 3891 §6.1), taken by calls/transfer/joining.ts.
 */
export const PBX_SUPPORTED = 'replaces';
