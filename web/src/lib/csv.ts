//! A small RFC 4180 CSV reader for the import preview (the server stays the judge of validity).

export interface CsvTable {
  header: string[];
  /** Each row with the file line it starts on (the header is line 1). */
  rows: { line: number; cells: string[] }[];
}

export function parseCsv(text: string): CsvTable {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let i = 0;
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: startLine, cells });
    cells = [];
    cell = '';
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      i++;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\r' && src[i + 1] === '\n') {
      // handled by the \n on the next step
    } else if (c === '\n') {
      endRecord();
      line++;
      startLine = line;
    } else {
      cell += c;
    }
    i++;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  const [head, ...rows] = records;
  return { header: head ? head.cells.map((h) => h.trim()) : [], rows };
}

/** How many distinct matches the rows describe (rows sharing the `match` column are one). */
export function countMatches(table: CsvTable): number {
  const col = table.header.indexOf('match');
  if (col < 0) return 0;
  return new Set(table.rows.map((r) => r.cells[col])).size;
}
