/**
 * aedes-persistence's own abstract test suite (the contract every Aedes persistence must keep),
 * run with node:test against the project's IndexedMemoryPersistence. Started by
 * broker/indexed-memory-persistence.contract.test.ts; run it alone with
 * `node --import tsx --test test/support/aedes-persistence-suite.ts`.
 */
import { createRequire } from "node:module";
import { test } from "node:test";
import { IndexedMemoryPersistence } from "../../broker/indexed-memory-persistence.js";

const require = createRequire(import.meta.url);
const abstractPersistence = require("aedes-persistence/abstract.js") as (options: {
  test: typeof test;
  persistence: () => object;
  testAsync: boolean;
}) => void;

abstractPersistence({ test, persistence: () => new IndexedMemoryPersistence(), testAsync: true });
