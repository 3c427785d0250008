/**
 * The little of the DOM that the tests' in-page functions (page.evaluate) use. The project's
 * tsconfig is for Node and has no DOM library; each test file declares `document` with these
 * types in its own scope, so nothing browser-only leaks into the server's type checking.
 */
export interface BrowserElement {
  tagName: string;
  textContent: string | null;
  disabled?: boolean;
  labels?: ArrayLike<BrowserElement> | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  getClientRects(): ArrayLike<unknown>;
  querySelectorAll(selectors: string): Iterable<BrowserElement>;
}

export interface BrowserAudio extends BrowserElement {
  duration: number;
  play(): Promise<void>;
}

export interface BrowserDocument {
  activeElement: BrowserElement | null;
  body: BrowserElement;
  getElementById(id: string): BrowserElement | null;
}
