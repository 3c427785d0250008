/**
 * Writes a message to bytes (RFC 3261 §7): one header line per stored field, canonical names, and
 * a Content-Length computed from the body, whatever the message's own Content-Length says
 * (RFC 3261 §18.3: it must be correct on streams, and a wrong one on UDP truncates the body).
 */
import type { SipMessage } from './types.js';

export function serializeMessage(m: SipMessage): Buffer {
  const lines: string[] =
    m.kind === 'request'
      ? [`${m.method} ${m.uri} ${m.version}`]
      : [`${m.version} ${m.status} ${m.reason}`];
  for (const { name, value } of m.headers) {
    if (name === 'Content-Length') continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${m.body.length}`, '', '');
  const head = lines.join('\r\n');
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + m.body.length);
  out.write(head, 0, 'utf8');
  m.body.copy(out, headLength);
  return out;
}
