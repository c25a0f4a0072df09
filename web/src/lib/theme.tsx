//! Light and dark themes: follows the system until the visitor picks one, then remembers it.
import { createContext, useCallback, useContext, useLayoutEffect, useState, type ReactNode } from 'react';
import { load, save } from './storage';

export type ThemeChoice = 'system' | 'light' | 'dark';

interface ThemeState {
  theme: ThemeChoice;
  setTheme: (t: ThemeChoice) => void;
}

const ThemeContext = createContext<ThemeState>({ theme: 'system', setTheme: () => {} });

function apply(t: ThemeChoice) {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [theme, setState] = useState<ThemeChoice>(() => load<ThemeChoice>('podium.theme', 'system'));
  // The document follows the state, the saved choice included (index.html applies it even
  // earlier, before the first paint).
  useLayoutEffect(() => apply(theme), [theme]);
  const setTheme = useCallback((t: ThemeChoice) => {
    save('podium.theme', t);
    setState(t);
  }, []);
  return <ThemeContext.Provider value={{ theme, setTheme }}>{children}</ThemeContext.Provider>;
}

export const useTheme = () => useContext(ThemeContext);
