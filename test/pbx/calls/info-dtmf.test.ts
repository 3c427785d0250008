import { describe, expect, it } from 'vitest';
import { dtmfOfInfo } from '../../../src/pbx/calls/info-dtmf.js';
import { parseRequest } from './fakes.js';

function info(type: string | null, body: string) {
  return parseRequest(
    [
      'INFO sip:renvoi@192.0.2.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKinfo',
      'Max-Forwards: 70',
      'From: <sip:bob@carrier.test>;tag=atag',
      'To: <sip:100@pbx.test>;tag=ours',
      'Call-ID: info@test',
      'CSeq: 2 INFO',
      ...(type === null ? [] : [`Content-Type: ${type}`]),
    ],
    body,
  );
}

describe('dtmfOfInfo', () => {
  it('reads application/dtmf-relay (any case, Cisco event numbers) and application/dtmf', () => {
    expect(dtmfOfInfo(info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'))).toBe('5');
    expect(dtmfOfInfo(info('Application/DTMF-Relay', 'signal = 11\r\n'))).toBe('#');
    expect(dtmfOfInfo(info('application/dtmf-relay', 'Signal=d\r\n'))).toBe('D');
    expect(dtmfOfInfo(info('application/dtmf; charset=utf-8', '*\r\n'))).toBe('*');
  });

  it('an INFO without DTMF carries none; an unreadable DTMF body is malformed', () => {
    expect(dtmfOfInfo(info(null, ''))).toBeNull();
    expect(dtmfOfInfo(info('application/media_control+xml', '<x/>'))).toBeNull();
    expect(dtmfOfInfo(info('application/dtmf-relay', 'Duration=160\r\n'))).toBe('malformed');
    expect(dtmfOfInfo(info('application/dtmf-relay', 'Signal=16\r\n'))).toBe('malformed');
    expect(dtmfOfInfo(info('application/dtmf', '55'))).toBe('malformed');
  });
});
