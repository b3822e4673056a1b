import { Writable } from 'node:stream';

export interface CapturedLines {
  /** Pass as a logger's destination (pino `createLogger({ destination })`). */
  destination: Writable;
  /** Every non-empty line written so far. */
  lines(): string[];
}

/** A stream that keeps what is written to it, line by line, so a test can assert on log lines. */
export function captureLines(): CapturedLines {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.length > 0),
      );
      done();
    },
  });
  return { destination, lines: () => lines };
}
