import { catalogues, makeI18n, translate } from '.';

describe('catalogues', () => {
  it('every language has exactly the English keys, none empty', () => {
    const keys = Object.keys(catalogues.en).sort();
    for (const [name, cat] of Object.entries(catalogues)) {
      expect(Object.keys(cat).sort(), name).toEqual(keys);
      for (const [k, v] of Object.entries(cat)) expect(v.trim(), `${name} ${k}`).not.toBe('');
    }
  });

  it('keeps the same placeholders in every language', () => {
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const [k, v] of Object.entries(catalogues.en)) {
      expect(vars(catalogues['pt-BR'][k as keyof typeof catalogues.en]), k).toBe(vars(v));
    }
  });

  it('fills placeholders and formats numbers for the locale', () => {
    expect(translate('en', 'pager.page', { n: 3 })).toBe('Page 3');
    expect(makeI18n('pt-BR').number(1234567.5)).toBe('1.234.567,5');
    expect(makeI18n('en').number(1234567.5)).toBe('1,234,567.5');
  });
});
