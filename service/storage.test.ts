import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, startPostgresServer } from "../test/support/postgres-server.js";
import { openStorage } from "./storage.js";

describe("storage: where the metadata lives", () => {
  let server: PostgresServer;
  let dataDir: string;
  beforeAll(async () => {
    server = await startPostgresServer();
    dataDir = await mkdtemp(join(tmpdir(), "envmon-storage-"));
  });
  afterAll(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps it in PostgreSQL when DATABASE_URL is set, and in the embedded file otherwise", async () => {
    const url = await server.createDatabase();
    const clustered = await openStorage(dataDir, { DATABASE_URL: url, DATABASE_POOL_MAX: 2 });
    await clustered.metadata
      .insertInto("areas")
      .values({ code: "p-tan-ninh", name: "Phường Tân Ninh" })
      .execute();
    // The embedded file holds no metadata tables: the devices table lives in PostgreSQL.
    const embeddedTables = clustered.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'areas'")
      .all();
    expect(embeddedTables).toEqual([]);
    await clustered.close();

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT name FROM areas");
    await client.end();
    expect(rows).toEqual([{ name: "Phường Tân Ninh" }]);

    const embedded = await openStorage(dataDir, { DATABASE_URL: undefined, DATABASE_POOL_MAX: 2 });
    expect(await embedded.metadata.selectFrom("areas").selectAll().execute()).toEqual([]);
    await embedded.close();
  });

  it("refuses to start when PostgreSQL cannot be reached, naming the cause", async () => {
    const port = server.port;
    await expect(
      openStorage(dataDir, {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/no_such_db`,
        DATABASE_POOL_MAX: 1,
      }),
    ).rejects.toThrow(/no_such_db/);
  });
});
