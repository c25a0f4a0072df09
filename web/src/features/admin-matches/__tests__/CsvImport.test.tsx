import { act, fireEvent, screen } from '@testing-library/react';
import { problem, reply, type Reply } from '@/testing/api';
import type { ImportResult } from '@/lib/api-types';
import { renderWithProviders } from '@/testing/render';
import { uploadCsv } from '../api/matches';
import { CsvImport } from '../components/CsvImport';

/** Stands in for the browser's XMLHttpRequest, which the typed client's upload goes through. */
class FakeXhr {
  static last: FakeXhr | null = null;
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  withCredentials = false;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  sent: Blob | null = null;
  private contentType = '';
  constructor() { FakeXhr.last = this; }
  open(method: string, url: string) { this.method = method; this.url = url; }
  setRequestHeader(name: string, value: string) { this.headers[name.toLowerCase()] = value; }
  send(body: Blob) { this.sent = body; }
  abort() { this.onabort?.(); }
  getAllResponseHeaders() { return `content-type: ${this.contentType}\r\n`; }
  respond(r: Reply) {
    this.status = r.status;
    this.contentType = r.status >= 400 ? 'application/problem+json' : 'application/json';
    this.responseText = JSON.stringify(r.body);
    act(() => this.onload?.());
  }
}

const csv = 'match,played_at,participants,score\nm1,2026-03-01T18:30:00Z,ann,3\nm1,2026-03-01T18:30:00Z,bob,x\n';

describe('CsvImport', () => {
  beforeEach(() => {
    FakeXhr.last = null;
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
  });
  const sent = () => vi.waitFor(() => { if (!FakeXhr.last?.sent) throw new Error('not sent'); return FakeXhr.last; });

  it('previews the file, then marks the rows the server refused', async () => {
    renderWithProviders(<CsvImport slug="chess" />);
    fireEvent.change(screen.getByLabelText('Or paste CSV'), { target: { value: csv } });
    expect(screen.getByText('2 rows, 1 matches')).toBeInTheDocument();
    expect(screen.getAllByRole('row')).toHaveLength(3);
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const xhr = await sent();
    expect(xhr.method).toBe('POST');
    expect(new URL(xhr.url).pathname).toBe('/api/v1/leagues/chess/matches:import');
    expect(xhr.headers['content-type']).toBe('text/csv');
    expect(await xhr.sent!.text()).toBe(csv);
    act(() => xhr.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 }));
    expect(await screen.findByText('50%')).toBeInTheDocument();
    // What the server sends for a bad file (the e2e run checks the real answer has this shape).
    xhr.respond(reply('import_matches', 422, problem(422, 'invalid_csv', 'Invalid CSV file', {
      detail: '1 problem(s) in the file; nothing was imported',
      errors: [{ field: 'score', message: 'not a number', line: 3 }],
    })));
    expect(await screen.findByText(/not a number/)).toBeInTheDocument();
    expect(screen.getAllByRole('row')[2]).toHaveClass('bad');
  });

  it('says what was imported', async () => {
    renderWithProviders(<CsvImport slug="chess" />);
    fireEvent.change(screen.getByLabelText('Or paste CSV'), { target: { value: csv.replace(',x', ',1') } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    (await sent()).respond(reply('import_matches', 201, { imported: 1, already_recorded: 0, match_ids: [7] }));
    expect(await screen.findByText('Imported 1 matches (0 already recorded).')).toBeInTheDocument();
  });

  it('is typed by the import operation: CSV text in, the import result out', () => {
    expectTypeOf(uploadCsv).parameter(1).toEqualTypeOf<string>();
    expectTypeOf(uploadCsv).returns.resolves.toEqualTypeOf<ImportResult>();
  });

  it('refuses a file without the required columns before sending it', () => {
    renderWithProviders(<CsvImport slug="chess" />);
    fireEvent.change(screen.getByLabelText('Or paste CSV'), { target: { value: 'a,b\n1,2\n' } });
    expect(screen.getByRole('alert')).toHaveTextContent('Missing columns: match, played_at, participants, rank|score');
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();
  });
});
