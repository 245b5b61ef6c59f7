/** The `devices` CLI as a user runs it, against a temporary DATA_DIR. */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "../auth/store/audit-log.js";
import { createDeviceCredentials } from "../devices/credentials/device-credentials.js";
import { DEVICE_SECRET_KEY_FILE, deviceSecretKeyFrom } from "../devices/credentials/secret-key.js";
import { systemClock } from "../kernel/clock.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { openServiceMetadata } from "../service/metadata.js";
import { runCli } from "../test/support/run-cli.js";

const SCRIPT = fileURLToPath(new URL("./devices.ts", import.meta.url));

// DEVICE_SECRET_KEY empty (unset): the CLI uses DATA_DIR's key file, as the service does.
const devices = (dataDir: string, ...args: string[]) =>
  runCli(SCRIPT, args, { env: { DATA_DIR: dataDir, DEVICE_SECRET_KEY: "" } });

/** The verdict on a device secret, checked as the service on the same DATA_DIR (its key file) checks it. */
const verdictOf = (dataDir: string, deviceId: string, secret: string) =>
  inDatabase(dataDir, (db) =>
    createDeviceCredentials(db, systemClock, {
      secretKey: deviceSecretKeyFrom({ DATA_DIR: dataDir, DEVICE_SECRET_KEY: undefined }),
    }).verify(deviceId, secret),
  );

/** Opens the database the CLI wrote, checks something, closes it again. */
async function inDatabase<T>(
  dataDir: string,
  check: (db: Awaited<ReturnType<typeof openServiceMetadata>>) => Promise<T>,
) {
  const db = await openServiceMetadata(openSqliteDatabase(dataDir));
  try {
    return await check(db);
  } finally {
    await db.destroy();
  }
}

const ADD = [
  "add",
  "--id",
  "tn-air-501",
  "--name",
  "Trạm không khí Gia Lộc",
  "--kind",
  "air",
  "--area",
  "gia-loc",
  "--area-name",
  "Phường Gia Lộc",
  "--lat",
  "11.09",
  "--lon",
  "106.27",
  "--metrics",
  "pm25,pm10",
  "--calibration",
  "pm25:-0.5:1.02",
];

describe("devices CLI", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "envmon-devices-cli-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("adds a device and prints its secret once; list shows it; the secret is the one stored", async () => {
    const added = await devices(dataDir, ...ADD, "--json");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const { id, secret } = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(id).toBe("tn-air-501");
    expect(await verdictOf(dataDir, id, secret)).toBe("ok");
    expect((await stat(join(dataDir, DEVICE_SECRET_KEY_FILE))).mode & 0o777).toBe(0o600);

    const listed = await devices(dataDir, "list");
    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.trim().split("\n");
    expect(header).toMatch(/^id\s+lifecycle\s+status\s+kind\s+area\s+metrics\s+name$/);
    expect(row).toMatch(
      /^tn-air-501\s+hoạt động\/active\s+unknown\s+air\s+gia-loc\s+pm25,pm10\s+Trạm không khí Gia Lộc$/,
    );
    expect(listed.stdout).not.toContain(secret);

    const json = JSON.parse((await devices(dataDir, "list", "--json")).stdout) as { devices: unknown[] };
    expect(json.devices).toEqual([
      expect.objectContaining({
        id,
        lifecycle: "active",
        calibration: { pm25: { offset: -0.5, scale: 1.02 } },
      }),
    ]);
    const audit = await inDatabase(dataDir, (db) => createAuditLog(db, systemClock).query({}));
    expect(audit).toEqual([
      expect.objectContaining({
        action: "device.create",
        target: `device:${id}`,
        source: "cli",
        actor: expect.stringMatching(/^cli:/),
      }),
    ]);
  });

  it("refuses the same id again, and bad flags with exit code 2 naming the flag", async () => {
    const again = await devices(dataDir, ...ADD);
    expect(again).toMatchObject({ code: 1, stderr: "devices: device 'tn-air-501' is already registered\n" });
    const bad = await devices(
      dataDir,
      "add",
      "--id",
      "tn-air-502",
      "--name",
      "x",
      "--kind",
      "volcano",
      "--area",
      "gia-loc",
      "--lat",
      "11",
      "--lon",
      "106",
      "--metrics",
      "pm25",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^devices: --kind: kind must be one of air, /);
    const unknownFlag = await devices(dataDir, "list", "--colour");
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/unknown flag '--colour'/);
  });

  it("hashes under DEVICE_SECRET_KEY when it is set, and refuses a bad one with exit code 2 without echoing it", async () => {
    const keyed = await mkdtemp(join(tmpdir(), "envmon-devices-cli-key-"));
    try {
      const key = "cli-test-device-secret-key-0123456789-abc";
      const run = (value: string, ...args: string[]) =>
        runCli(SCRIPT, args, { env: { DATA_DIR: keyed, DEVICE_SECRET_KEY: value } });
      const bad = await run("short key", ...ADD);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("DEVICE_SECRET_KEY: DEVICE_SECRET_KEY must be at least 32 characters");
      expect(bad.stderr).not.toContain("short key");

      const added = await run(key, ...ADD, "--json");
      expect(added).toMatchObject({ code: 0, stderr: "" });
      const { secret } = JSON.parse(added.stdout) as { secret: string };
      const verdict = (secretKey: string) =>
        inDatabase(keyed, (db) =>
          createDeviceCredentials(db, systemClock, { secretKey }).verify("tn-air-501", secret),
        );
      expect(await verdict(key)).toBe("ok");
      // No key file was made: the configured key is the key.
      await expect(stat(join(keyed, DEVICE_SECRET_KEY_FILE))).rejects.toThrow(/ENOENT/);
      expect(await verdict(deviceSecretKeyFrom({ DATA_DIR: keyed, DEVICE_SECRET_KEY: undefined }))).toBe(
        "wrong",
      );
    } finally {
      await rm(keyed, { recursive: true, force: true });
    }
  });

  it("updates, rotates the secret, and decommissions", async () => {
    const updated = await devices(
      dataDir,
      "update",
      "--id",
      "tn-air-501",
      "--lifecycle",
      "maintenance",
      "--clear-calibration",
      "--json",
    );
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ lifecycle: "maintenance", calibration: null });

    const rotated = await devices(dataDir, "rotate-secret", "--id", "tn-air-501");
    expect(rotated.code).toBe(0);
    const first = /shown once\): (\S+)/.exec(rotated.stdout)?.[1] as string;
    expect(await verdictOf(dataDir, "tn-air-501", first)).toBe("ok");
    // As the README writes it: the id as the first argument.
    const again = await devices(dataDir, "rotate-secret", "tn-air-501");
    expect(again).toMatchObject({ code: 0, stderr: "" });
    const secret = /shown once\): (\S+)/.exec(again.stdout)?.[1] as string;
    expect(await verdictOf(dataDir, "tn-air-501", first)).toBe("wrong");
    expect(await verdictOf(dataDir, "tn-air-501", secret)).toBe("ok");
    const renamed = await devices(dataDir, "update", "tn-air-501", "--name", "Trạm Gia Lộc", "--json");
    expect(renamed.code).toBe(0);
    expect(JSON.parse(renamed.stdout)).toMatchObject({ id: "tn-air-501", name: "Trạm Gia Lộc" });

    const retired = await devices(dataDir, "decommission", "tn-air-501");
    expect(retired.code).toBe(0);
    expect(await verdictOf(dataDir, "tn-air-501", secret)).toBe("unknown");
    expect((await devices(dataDir, "decommission", "--id", "nobody")).stderr).toBe(
      "devices: no device 'nobody'\n",
    );
  });

  it("takes the device id as --id or as the first argument, once, and refuses it missing or twice (exit 2)", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["rotate-secret"],
        /^devices: --id is required: npm run devices -- rotate-secret <id> \(or --id <id>\)$/m,
      ],
      [["decommission", "--json"], /^devices: --id is required: npm run devices -- decommission <id>/m],
      [
        ["rotate-secret", "tn-air-501", "--id", "tn-air-502"],
        /--id 'tn-air-502' and the argument 'tn-air-501' name different devices/,
      ],
      [["rotate-secret", "tn-air-501", "tn-air-502"], /unexpected argument 'tn-air-502'/],
      [["list", "tn-air-501"], /unexpected argument 'tn-air-501'/],
    ];
    for (const [args, message] of cases) {
      const result = await devices(dataDir, ...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
    }
    const help = await devices(dataDir, "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("rotate-secret <id>");
  });

  it("reads the settings it uses with the service's schema, and is not stopped by one it does not use", async () => {
    // A setting the CLI does not use, invalid for the service, does not stop it.
    const listed = await runCli(SCRIPT, ["list", "--json", "--data-dir", dataDir], {
      env: { DATA_DIR: "", DEVICE_SECRET_KEY: "", HTTP_PORT: "not a port" },
    });
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect((JSON.parse(listed.stdout) as { devices: unknown[] }).devices.length).toBeGreaterThan(0);
  });

  it("imports a CSV, registering the good rows and reporting the bad ones by line", async () => {
    const file = join(dataDir, "stations.csv");
    await writeFile(
      file,
      [
        "id,name,kind,area,area_name,lat,lon,metrics",
        "tn-ns-601,Tiếng ồn Gia Lộc,noise,gia-loc,,11.1,106.3,noise",
        "tn-ns-602,Bad kind,siren,gia-loc,,11.1,106.3,noise",
      ].join("\n"),
    );
    const imported = await devices(dataDir, "import", file, "--json");
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.stdout) as { created: Array<{ id: string }>; errors: unknown[] };
    expect(report.created.map((c) => c.id)).toEqual(["tn-ns-601"]);
    expect(report.errors).toEqual([
      {
        row: 3,
        message: expect.stringMatching(/^kind: kind must be one of/),
        messageVi: expect.stringMatching(/^loại trạm: .+\(kind must be one of/),
      },
    ]);
    const missing = await devices(dataDir, "import", join(dataDir, "missing.csv"));
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot read .*missing\.csv: ENOENT/),
    });
  });
});
