// Entry of the write worker: lets a plain Node worker thread load the TypeScript module,
// whether the parent runs under tsx, Vitest or anything else.
import { register } from "tsx/esm/api";

register();
await import("./sqlite-write-worker.ts");
