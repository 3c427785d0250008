import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, api, setCsrfToken, setUnauthorizedListener } from './api/client.js';
import type { Session } from './api/types.js';

type SessionState =
  | { state: 'checking' }
  | { state: 'signed-out' }
  | { state: 'offline' }
  | { state: 'signed-in'; session: Session };

interface SessionApi {
  current: SessionState;
  login: (extension: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [current, setCurrent] = useState<SessionState>({ state: 'checking' });
  const [attempt, setAttempt] = useState(0);

  const signedIn = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    setCurrent({ state: 'signed-in', session });
  }, []);

  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setCurrent({ state: 'signed-out' });
  }, []);

  useEffect(() => {
    setUnauthorizedListener(signedOut);
  }, [signedOut]);

  useEffect(() => {
    let live = true;
    api<Session>('/api/session', { ignoreUnauthorized: true })
      .then((session) => {
        if (live) signedIn(session);
      })
      .catch((error: unknown) => {
        if (!live) return;
        if (error instanceof ApiError) signedOut();
        else setCurrent({ state: 'offline' });
      });
    return () => {
      live = false;
    };
  }, [attempt, signedIn, signedOut]);

  const login = useCallback(
    async (extension: string, password: string) => {
      const session = await api<Session>('/api/session', {
        method: 'POST',
        json: { extension, password },
        ignoreUnauthorized: true,
      });
      signedIn(session);
    },
    [signedIn],
  );

  const logout = useCallback(async () => {
    try {
      await api<undefined>('/api/session', { method: 'DELETE', ignoreUnauthorized: true });
    } finally {
      signedOut();
    }
  }, [signedOut]);

  const retry = useCallback(() => {
    setCurrent({ state: 'checking' });
    setAttempt((n) => n + 1);
  }, []);

  return (
    <SessionContext.Provider value={{ current, login, logout, retry }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSessionApi(): SessionApi {
  const context = useContext(SessionContext);
  if (context === null) throw new Error('useSessionApi outside SessionProvider');
  return context;
}

/** The signed-in session; only for pages shown after login. */
export function useSession(): Session {
  const { current } = useSessionApi();
  if (current.state !== 'signed-in') throw new Error('useSession while signed out');
  return current.session;
}
