/** Shared by the routes that edit one extension: finding it, and placing its problems. */
import type { Directory, Extension } from '../../domain/types.js';
import type { DirectoryDocument, ExtensionDocument } from '../../domain/document.js';
import type { Problem } from '../../domain/types.js';
import { at } from '../../domain/problem-path.js';
import { checkMobileAvailable } from '../../domain/validate.js';
import { ApiError } from '../errors.js';
import { relativeTo } from '../directory-access.js';
import type { Relocate } from '../directory-access.js';
import { periodsProblem } from '../views.js';

export function extensionOf(directory: Directory, number: string): Extension {
  const ext = directory.extensions.get(number);
  if (ext === undefined) {
    throw new ApiError(404, 'not-found', 'api.no-extension', { extension: number });
  }
  return ext;
}

/** The extension's entry in the document and its path ("extensions[2]"). */
export function extensionDocument(
  doc: DirectoryDocument,
  number: string,
): { entry: ExtensionDocument; path: string } {
  const index = (doc.extensions ?? []).findIndex((e) => String(e.number) === number);
  const entry = doc.extensions?.[index];
  if (entry === undefined) {
    throw new ApiError(404, 'not-found', 'api.no-extension', { extension: number });
  }
  return { entry, path: at('extensions', index) };
}

/**
 * Problems of the extension shown relative to it ("mobile"), and those of exception `index`
 * relative to the exception ("callerId", "action.target"), as the form names its fields.
 */
export function inExtension(number: string, index?: number): Relocate {
  return (problem, doc) => {
    const { path } = extensionDocument(doc, number);
    const prefixes = index === undefined ? [path] : [at(at(path, 'exceptions'), index), path];
    return periodsProblem(relativeTo(...prefixes)(problem));
  };
}

export function noException(index: number): ApiError {
  return new ApiError(404, 'not-found', 'api.no-exception', { number: index });
}

/**
 * An action being saved (not one already stored) that sends calls to the mobile of an extension
 * without one: refused, while a stored one is only reported broken (design §4). `path` is the
 * action's path in the document.
 */
export function mobileRefused(
  current: Directory,
  number: string,
  action: unknown,
  path: string,
): Problem[] {
  const ext = current.extensions.get(number);
  const type =
    typeof action === 'object' && action !== null ? (action as { type?: unknown }).type : null;
  if (ext === undefined || typeof type !== 'string') return [];
  return checkMobileAvailable(ext, { type }, path);
}
