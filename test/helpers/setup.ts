// Loaded before every test file (see package.json "test"). Each test file drops its database with
// DROP DATABASE … WITH (FORCE) when it ends; an idle pooled connection a test forgot to close then
// receives "terminating connection due to administrator command", and an unhandled pool 'error'
// event would fail the file after its tests passed. Pools made by tests get a listener that ignores
// it (queries on such a connection still reject, so no test can pass because of this).
import pg from 'pg';

const OriginalPool = pg.Pool;
class TestPool extends OriginalPool {
  constructor(...args: ConstructorParameters<typeof OriginalPool>) {
    super(...args);
    this.on('error', () => {});
  }
}
(pg as { Pool: typeof OriginalPool }).Pool = TestPool;
