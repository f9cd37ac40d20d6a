import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Whether poppler's pdftotext is installed (CI installs it; on a developer's machine a test that needs it is skipped). */
export const pdftotextAvailable = spawnSync('pdftotext', ['-v']).error === undefined;

/** The text of each page of a PDF, by poppler's pdftotext (installed with chromium by .ci/run). */
export function pdfPages(pdf: Buffer): string[] {
  const directory = mkdtempSync(path.join(tmpdir(), 'pdf-'));
  try {
    const file = path.join(directory, 'document.pdf');
    writeFileSync(file, pdf);
    // Pages are separated by form feeds.
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').slice(0, -1);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
