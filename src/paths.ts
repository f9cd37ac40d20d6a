import { existsSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  let directory = start;
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`No package.json above ${start}`);
    directory = parent;
  }
  return directory;
}

/** The repository root, whether we run from src/ (tests) or dist/src/ (npm start). */
export const projectRoot = findProjectRoot(__dirname);
export const viewsDir = path.join(projectRoot, 'views');
export const staticDir = path.join(projectRoot, 'static');
/** The stylesheet and GOV.UK Frontend's script, built by scripts/build-assets.js. */
export const builtStaticDir = path.join(projectRoot, 'dist', 'static');
