/**
 * Errors the API answers with: `{ error, message, problems? }`, the message in the caller's
 * language (contract "Language"). Handlers throw an ApiError; the error handler words it.
 */
import type { Language, Problem } from '../domain/types.js';
import { problemMessage, say } from './messages.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** A catalog code and its parameters, worded once the language is known. */
    readonly messageCode: string,
    readonly params: Record<string, string | number> = {},
    readonly problems: Problem[] = [],
  ) {
    super(code);
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  problems?: { path: string; message: string }[];
}

/** 400 with every problem; the message is the only problem's, or how many there are. */
export function invalid(problems: Problem[]): ApiError {
  return new ApiError(400, 'invalid', 'api.invalid', { count: problems.length }, problems);
}

export function errorBody(lang: Language, error: ApiError): ErrorBody {
  const problems = error.problems.map((p) => ({ path: p.path, message: problemMessage(lang, p) }));
  const [only] = problems;
  const body: ErrorBody = {
    error: error.code,
    message:
      problems.length === 1 && only !== undefined
        ? only.message
        : say(lang, error.messageCode, error.params),
  };
  if (problems.length > 0) body.problems = problems;
  return body;
}
