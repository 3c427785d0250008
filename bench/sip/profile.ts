/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), for the SIP benchmark report.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
}

export interface HotFunction {
  name: string;
  where: string;
  /** Share of the samples where the process was busy (idle left out). */
  selfPercent: number;
}

export interface ProfileSummary {
  top: HotFunction[];
  /** Busy time by part: the store, the SIP stack, the PBX, the domain, Node's own, GC. */
  parts: { part: string; percent: number }[];
}

function partOf(name: string, path: string): string {
  if (name === '(garbage collector)') return 'garbage collector';
  if (path.includes('node_modules/kysely') || path.includes('node_modules/better-sqlite3'))
    return 'SQLite (kysely + better-sqlite3)';
  if (path.includes('node_modules/')) return 'other dependencies';
  if (path.includes('/src/store/')) return 'store (Renvoi)';
  if (path.includes('/src/sip/')) return 'SIP stack (src/sip)';
  if (path.includes('/src/pbx/')) return 'PBX (src/pbx)';
  if (path.includes('/src/domain/')) return 'routing (src/domain)';
  if (path.startsWith('node:')) return 'Node.js core (dgram, crypto, timers…)';
  return 'native, program and other';
}

export function summariseProfile(file: string, root: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byFunction = new Map<string, { name: string; where: string; hits: number }>();
  const parts = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const hits = node.hitCount ?? 0;
    if (functionName === '(idle)') continue;
    busy += hits;
    const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const where = path === '' ? '' : `${path}:${lineNumber + 1}`;
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
    const part = partOf(name, url);
    parts.set(part, (parts.get(part) ?? 0) + hits);
  }
  const pct = (hits: number) => (busy === 0 ? 0 : (100 * hits) / busy);
  return {
    top: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, count)
      .map((e) => ({ name: e.name, where: e.where, selfPercent: pct(e.hits) })),
    parts: [...parts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([part, hits]) => ({ part, percent: pct(hits) })),
  };
}
