/**
 * Problem paths ("extensions[1].exceptions[0].callerId") to and from segments. Keys that are not
 * plain names (a DID "04 42 00 00 00", a key with a dot) are written as JSON strings in brackets so
 * that the path can be read back to find the place in a YAML document.
 */

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][\w-]*$/;

export function at(path: string, key: PathSegment): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/**
 * The segments of a path written by `at` (or by a module joining names with dots). Never throws:
 * what cannot be read ends the path, and the caller then points at the nearest known ancestor.
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i += 1;
    } else if (c === '[') {
      const close = findClose(path, i);
      if (close < 0) break;
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) {
        segments.push(Number(inner));
      } else {
        try {
          segments.push(String(JSON.parse(inner)));
        } catch {
          break;
        }
      }
      i = close + 1;
    } else {
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end += 1;
      segments.push(path.slice(i, end));
      i = end;
    }
  }
  return segments;
}

/** The `]` closing the bracket at `open`, skipping a JSON string's escaped characters. */
function findClose(path: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < path.length; i += 1) {
    const c = path[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === ']') {
      return i;
    }
  }
  return -1;
}
