import { fireEvent, render, screen } from '@testing-library/react';
import { save } from './storage';
import { ThemeProvider, useTheme, type ThemeChoice } from './theme';

function Picker() {
  const { setTheme } = useTheme();
  return (['system', 'light', 'dark'] as ThemeChoice[]).map((t) => (
    <button key={t} type="button" onClick={() => setTheme(t)}>{t}</button>
  ));
}

describe('ThemeProvider', () => {
  afterEach(() => {
    delete document.documentElement.dataset.theme;
  });

  it('applies the saved theme when the app starts', () => {
    save('podium.theme', 'dark');
    render(<ThemeProvider><Picker /></ThemeProvider>);
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('applies and saves a picked theme; "system" removes the override', () => {
    render(<ThemeProvider><Picker /></ThemeProvider>);
    expect(document.documentElement.dataset.theme).toBeUndefined();
    fireEvent.click(screen.getByRole('button', { name: 'light' }));
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('podium.theme')).toBe('"light"');
    fireEvent.click(screen.getByRole('button', { name: 'system' }));
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
