/**
 * RFC 7339 (SIP overload control): a client that supports it puts `oc` in the Via it adds; the
 * server then answers, in the top Via of every response to it, how much of its traffic the
 * client should drop before sending: `oc` (a percentage, the default "loss" algorithm, §5.5),
 * `oc-algo`, `oc-validity` (ms; 0 when the server is not overloaded) and `oc-seq` (rising with
 * every change, §4). A proxy in front of the PBX (design §7) can so shed load before it reaches it.
 * Responses to clients that did not ask are left alone.
 */
import { getTopVia } from '../message/index.js';
import type { SipResponse } from '../message/index.js';
import { replaceTopVia } from '../transport/via.js';

const OC_PARAM = /;\s*oc\b/i;

/** How long a reduction holds if the PBX says nothing new: a few of its 250 ms samples. */
export const OC_VALIDITY_MS = 2000;

/**
 * Writes the reduction `shedRatio` (0–1) into the response's top Via if it carries `oc`; `seq`
 * is when that ratio was set, in ms since the epoch.
 */
export function stampOverloadControl(response: SipResponse, shedRatio: number, seq: number): void {
  // Cheap test first: nearly every response goes to a client that did not ask.
  if (!OC_PARAM.test(response.headers.get('Via') ?? '')) return;
  const via = getTopVia(response);
  if (via === null || !via.params.has('oc')) return;
  const percent = Math.round(shedRatio * 100);
  via.params.set('oc', String(percent));
  via.params.set('oc-algo', '"loss"');
  via.params.set('oc-validity', String(percent === 0 ? 0 : OC_VALIDITY_MS));
  // 1*12DIGIT "." 1*5DIGIT: seconds and milliseconds.
  via.params.set('oc-seq', (seq / 1000).toFixed(3));
  replaceTopVia(response.headers, via);
}
