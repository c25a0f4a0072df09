import { useCallback, useState } from 'react';

/** Keeps the cursors seen so far so a cursor-paginated list can also go back. */
export function useCursorPager() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const page = stack.length - 1;
  const cursor = stack[page];
  const next = useCallback((c: string | null | undefined) => {
    if (c) setStack((s) => [...s, c]);
  }, []);
  const prev = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const reset = useCallback(() => setStack([undefined]), []);
  return { page, cursor, next, prev, reset };
}
