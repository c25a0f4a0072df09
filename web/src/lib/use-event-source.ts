//! Subscribes to a Server-Sent Events stream while a component is mounted; the browser's
//! EventSource reconnects by itself after a drop.
import { useEffect, useRef, useState } from 'react';

export type StreamState = 'connecting' | 'open' | 'closed';

export function useEventSource(
  url: string | null,
  event: string,
  onMessage: (data: unknown) => void,
): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onMessage);
  useEffect(() => {
    handler.current = onMessage;
  });
  useEffect(() => {
    if (!url || typeof EventSource === 'undefined') return;
    const es = new EventSource(url);
    const listener = (e: MessageEvent<string>) => {
      try {
        handler.current(JSON.parse(e.data));
      } catch {
        // A malformed event is skipped; the next one may be fine.
      }
    };
    es.addEventListener(event, listener as EventListener);
    es.onopen = () => setState('open');
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    return () => {
      es.removeEventListener(event, listener as EventListener);
      es.close();
    };
  }, [url, event]);
  return url ? state : 'closed';
}
