// The package version, read once from package.json.
import { readFileSync } from 'node:fs';

// From src/runner/ (run through tsx) the package root is two levels up; from the bundle in dist/, one.
export const VERSION: string = (() => {
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8'));
      if (pkg.name === 'ifqueue') return pkg.version ?? '0.0.0';
    } catch {}
  }
  return '0.0.0';
})();
