/**
 * Schema validation errors (ajv's) as problems naming the field and what is wrong, worded by the
 * API catalog in the caller's language.
 */
import type { Problem } from '../domain/types.js';

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** "/exceptions/0/action" → "exceptions[0].action" */
function pathOf(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === '' ? segment : `.${segment}`;
  }
  return path;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function problemOf(error: SchemaError): Problem {
  const path = pathOf(error.instancePath);
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return {
        path: join(path, String(p.missingProperty)),
        code: 'api.validation.required',
        params: {},
      };
    case 'additionalProperties':
      return {
        path: join(path, String(p.additionalProperty)),
        code: 'api.validation.unknown-field',
        params: { key: String(p.additionalProperty) },
      };
    case 'type': {
      const type = String(p.type).split(',')[0] ?? 'string';
      return { path, code: `api.validation.type.${type}`, params: {} };
    }
    case 'enum':
      return {
        path,
        code: 'api.validation.enum',
        params: { allowed: (p.allowedValues as unknown[]).map(String).join(', ') },
      };
    case 'const':
      return { path, code: 'api.validation.enum', params: { allowed: String(p.allowedValue) } };
    case 'minimum':
    case 'maximum':
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
      return { path, code: 'api.validation.range', params: {} };
    case 'anyOf':
      return /(^|\.)action$|forwarding\./.test(path)
        ? { path, code: 'api.validation.action', params: {} }
        : { path, code: 'api.validation.format', params: {} };
    default:
      return { path, code: 'api.validation.format', params: {} };
  }
}

/** One problem per field: the first error found there (a union's branches say the same thing). */
export function validationProblems(errors: readonly SchemaError[]): Problem[] {
  const byPath = new Map<string, Problem>();
  for (const error of errors) {
    const problem = problemOf(error);
    if (!byPath.has(problem.path)) byPath.set(problem.path, problem);
  }
  return [...byPath.values()];
}
