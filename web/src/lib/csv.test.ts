import { countMatches, parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads the header and rows with their file lines', () => {
    const t = parseCsv('match,played_at,participants,score\nm1,2026-03-01T18:30:00Z,ann,3\nm1,2026-03-01T18:30:00Z,bob,1\n');
    expect(t.header).toEqual(['match', 'played_at', 'participants', 'score']);
    expect(t.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(t.rows[1]!.cells).toEqual(['m1', '2026-03-01T18:30:00Z', 'bob', '1']);
    expect(countMatches(t)).toBe(1);
  });

  it('handles quotes, escaped quotes, commas and newlines inside fields, and CRLF', () => {
    const t = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",z\r\nlast,1');
    expect(t.rows[0]!.cells).toEqual(['x, y', 'say "hi"']);
    expect(t.rows[1]!.cells).toEqual(['multi\nline', 'z']);
    expect(t.rows[2]).toEqual({ line: 5, cells: ['last', '1'] });
  });

  it('skips blank lines and a byte-order mark', () => {
    const t = parseCsv('\uFEFFmatch\n\nm1\n');
    expect(t.header).toEqual(['match']);
    expect(t.rows).toEqual([{ line: 3, cells: ['m1'] }]);
  });
});
