/** A strict RFC 4180 reader for the tests: CRLF record ends, quoted fields with "" escapes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    }
    const end = text.slice(i).search(/,|\r\n/);
    if (end < 0) throw new Error('record without CRLF');
    field += text.slice(i, i + end);
    i += end;
    record.push(field);
    field = '';
    if (text[i] === ',') i++;
    else {
      records.push(record);
      record = [];
      i += 2;
    }
  }
  return records;
}
