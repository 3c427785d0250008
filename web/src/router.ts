import { useEffect, useState } from 'react';

/**
 * Pages live in the URL's hash (#/exceptions), so the PBX serves one index.html for every page
 * and a reload or a bookmark opens the same page.
 */
export function currentRoute(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash.startsWith('/') ? hash : '/exceptions';
}

export function navigate(route: string): void {
  window.location.hash = route;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
