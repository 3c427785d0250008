/**
 * The methods the PBX accepts (RFC 3261 §20.5), for OPTIONS and for every 405, which must say them
 * (§21.4.6). REFER and INFO are taken inside a call's dialogs (transfer, DTMF).
 */
export const PBX_ALLOW =
  'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, SUBSCRIBE, INFO, REFER';

/** Option tags the PBX supports (RFC 3261 §20.37): an INVITE with Replaces (RFC 3891 §6.1). */
export const PBX_SUPPORTED = 'replaces';

/** The event packages the PBX notifies (RFC 6665 §8.2.2), for OPTIONS and every 489. */
export const PBX_ALLOW_EVENTS = 'message-summary, dialog, presence';
