/**
 * Addressing fixtures: a fixture is a compiled module that runs as a task
 * (a worker thread) and lives beside the suite that spawns it, in
 * test/<suite>/fixtures/; a few shared ones live here in test/support/.
 */

/**
 * URL of the compiled fixture at `path`, relative to test/ and without the
 * extension: fixture('abi/fixtures/ring-peer') is dist/test/abi/fixtures/ring-peer.js.
 */
export function fixture(path: string): URL {
  return new URL(`../${path}.js`, import.meta.url);
}
