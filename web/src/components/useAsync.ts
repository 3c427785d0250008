import { useCallback, useEffect, useState } from 'react';

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ready'; value: T };

/**
 * Loads once per change of `deps` and on `reload()`; an answer that arrives after a newer request
 * was started is dropped, so a slow answer never overwrites a fresh one.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): [Loaded<T>, () => void, (value: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    load()
      .then((value) => {
        if (live) setLoaded({ state: 'ready', value });
      })
      .catch((error: unknown) => {
        if (live) setLoaded({ state: 'error', error: error as Error });
      });
    return () => {
      live = false;
    };
    // The caller names what the load depends on, as with useEffect.
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const replace = useCallback((value: T) => setLoaded({ state: 'ready', value }), []);
  return [loaded, reload, replace];
}
