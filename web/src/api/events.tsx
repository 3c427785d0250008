import { createContext, useContext, useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import type { LiveEvent } from './types.js';

type Listener = (event: LiveEvent) => void;

const EventsContext = createContext<Set<Listener> | null>(null);

/** Reconnection waits grow to this bound, so a PBX restart is followed within half a minute. */
const MAX_RETRY_MS = 30_000;

function isLiveEvent(value: unknown): value is LiveEvent {
  return typeof value === 'object' && value !== null && 'type' in value;
}

/** One WebSocket to /api/events for the whole signed-in page; pages listen through useLiveEvent. */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>()).current;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let timer: number | undefined;
    let wait = 1000;
    let stopped = false;

    const connect = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/events`);
      socket.onopen = () => {
        wait = 1000;
      };
      socket.onmessage = (message) => {
        let event: unknown;
        try {
          event = JSON.parse(String(message.data));
        } catch {
          return;
        }
        if (isLiveEvent(event)) for (const listener of listeners) listener(event);
      };
      socket.onclose = () => {
        if (stopped) return;
        timer = window.setTimeout(connect, wait);
        wait = Math.min(wait * 2, MAX_RETRY_MS);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      // Closing a socket still connecting makes the browser log an error: close it once open.
      if (socket?.readyState === WebSocket.CONNECTING) {
        const pending = socket;
        pending.onopen = () => pending.close();
        pending.onmessage = null;
      } else {
        socket?.close();
      }
    };
  }, [listeners]);

  return <EventsContext.Provider value={listeners}>{children}</EventsContext.Provider>;
}

export function useLiveEvent(listener: Listener): void {
  const listeners = useContext(EventsContext);
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => {
    if (listeners === null) return;
    const forward: Listener = (event) => latest.current(event);
    listeners.add(forward);
    return () => {
      listeners.delete(forward);
    };
  }, [listeners]);
}
