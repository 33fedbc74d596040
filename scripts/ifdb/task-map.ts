// Writes the legacy function table (src/legacy/command-map.ts, the one the bridge uses) into IFDB's
// drop-in, integrations/ifdb/taskqueue.py, between its generated-table markers: one source of truth.
// `npm run gen:ifdb-task-map` rewrites it; test/integrations/ifdb-task-map.test.ts fails when it drifts.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LEGACY_FUNCTIONS, LEGACY_ON_FAIL } from '../../src/legacy/command-map.ts';

export const DROP_IN_PATH = fileURLToPath(new URL('../../integrations/ifdb/taskqueue.py', import.meta.url));
const BEGIN = '# --- BEGIN GENERATED TABLE';
const END = '# --- END GENERATED TABLE';

/** The table as the Python module embeds it. */
export function renderTable(): string {
  const json = JSON.stringify({ functions: LEGACY_FUNCTIONS, onFail: LEGACY_ON_FAIL }, null, 2);
  if (json.includes('"""') || json.includes('\\')) throw new Error('the table cannot be embedded in a raw Python string');
  return `_TABLE = json.loads(r"""\n${json}\n""")\n`;
}

/** The drop-in's source with its generated table replaced by the current one. */
export function withCurrentTable(source: string): string {
  const begin = source.indexOf(BEGIN);
  const end = source.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${DROP_IN_PATH}: the generated-table markers are missing`);
  const afterBegin = source.indexOf('\n', begin) + 1;
  return source.slice(0, afterBegin) + renderTable() + source.slice(end);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const source = readFileSync(DROP_IN_PATH, 'utf8');
  const updated = withCurrentTable(source);
  if (updated === source) console.log(`${DROP_IN_PATH}: up to date`);
  else {
    writeFileSync(DROP_IN_PATH, updated);
    console.log(`${DROP_IN_PATH}: table rewritten`);
  }
}
