/**
 * Device administration on DATA_DIR's database (the same actions as the admin API, audited as
 * "cli:<user>"). Works while the service runs: it sees changes within its cache time (about 5 s).
 *   npm run devices -- list
 *   npm run devices -- add --id tn-air-101 --name "Trạm Hòa Thành" --kind air --area hoa-thanh \
 *       --area-name "Phường Hòa Thành" --lat 11.28 --lon 106.13 --metrics pm25,pm10
 *   npm run devices -- import stations.csv
 *   npm run devices -- rotate-secret tn-air-101          (or --id tn-air-101; the same for update, decommission)
 * DATA_DIR and DEVICE_SECRET_KEY are read with the service's configuration schema (platform/config.ts):
 * secrets are hashed under the service's key, DEVICE_SECRET_KEY when set, else DATA_DIR/device-secret-key.
 * Exit codes: 0 done, 1 refused (unknown device, id taken, bad file, an import with bad rows), 2 invalid
 * flags or an invalid setting (DEVICE_SECRET_KEY…).
 */

import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { z } from "zod";
import { createAuditLog } from "../auth/index.js";
import {
  type AdminActor,
  CellValueError,
  calibrationCell,
  createDeviceAdministration,
  createDeviceCredentials,
  createDeviceRegistry,
  DeviceCsvError,
  type DeviceLifecycle,
  type DeviceRecord,
  DeviceRegistryError,
  decimal,
  devicePatchSchema,
  deviceSecretKeyFrom,
  EDITABLE_LIFECYCLES,
  newDeviceSchema,
} from "../devices/index.js";
import { systemClock } from "../kernel/clock.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { openConfiguredMetadata } from "../service/metadata.js";
import { dispatchFlags, type FlagOutcome, parseFlags, switchFlag } from "../simulators/flag-parsing.js";
import { readCliSettings } from "./cli-settings.js";

const DEVICES_HELP = `Quản lý trạm quan trắc trong cơ sở dữ liệu của DATA_DIR
Manages the monitoring stations in DATA_DIR's database

Cách dùng / Usage:
  npm run devices -- <lệnh/command> [flags]
  npm run devices -- <update|decommission|rotate-secret> <id> [flags]     (= --id <id>)

Lệnh / Commands:
  list                   Liệt kê trạm / list stations            [--area <code>] [--json]
  add                    Đăng ký trạm, in mật khẩu MQTT một lần / register a station, print its MQTT secret once
                         --id --name --kind --area --lat --lon --metrics [--area-name] [--flood-levels] [--calibration]
  update <id>            Sửa trạm / change a station: any of the fields above, [--lifecycle active|maintenance]
                         [--clear-calibration] [--clear-flood-levels]
  decommission <id>      Ngừng hoạt động, thu hồi mật khẩu / decommission and revoke its secret
  rotate-secret <id>     Cấp mật khẩu mới, in một lần / issue a new secret, printed once
  import <file.csv>      Đăng ký hàng loạt từ CSV / register from CSV; bad rows are reported by line

Tham số / Flags:
  --id <id>              Mã trạm / device id (letters, digits, '-', '_'); update, decommission and
                         rotate-secret also take it as their first argument
  --name <text>          Tên trạm / station name
  --kind <kind>          air | weather | noise | water_level | water_quality
  --area <code>          Mã xã/phường (không có cấp huyện) / commune or ward code (no district level)
  --area-name <text>     Tên xã/phường, cần khi mã mới / its name, needed for a new code
  --lat <deg> --lon <deg>
  --metrics <list>       pm25,pm10,temperature (',' or ';')
  --flood-levels <I,II,III>   Mức báo động lũ (m) / flood alarm levels in metres, e.g. 1.2,1.5,1.8
  --calibration <list>   metric:offset:scale;… e.g. pm25:-0.5:1.02 (value' = value × scale + offset)
  --data-dir <dir>       Thư mục dữ liệu / data folder                 (mặc định/default $DATA_DIR or ./data)
  --json                 In JSON / print JSON
  -h, --help             Hiển thị trợ giúp này / show this help

CSV: id,name,kind,area,area_name,lat,lon,metrics,flood_level_i,flood_level_ii,flood_level_iii,calibration

Mật khẩu được băm bằng khóa của dịch vụ / secrets are hashed under the service's key:
  $DEVICE_SECRET_KEY, or <data-dir>/device-secret-key (the same as the service's)
`;

const COMMANDS = ["list", "add", "update", "decommission", "rotate-secret", "import"] as const;
type Command = (typeof COMMANDS)[number];

const COMMON_FLAGS = { "data-dir": { type: "string" }, json: { type: "boolean" } } as const;
const PROFILE_FLAGS = {
  id: { type: "string" },
  name: { type: "string" },
  kind: { type: "string" },
  area: { type: "string" },
  "area-name": { type: "string" },
  lat: { type: "string" },
  lon: { type: "string" },
  metrics: { type: "string" },
  "flood-levels": { type: "string" },
  calibration: { type: "string" },
} as const;

/** Field of the admin schemas → the flag that sets it, for error messages. */
const FLAG_OF: Readonly<Record<string, string>> = {
  areaName: "--area-name",
  floodLevels: "--flood-levels",
};

const common = {
  "data-dir": z.string().min(1, "--data-dir needs a folder").optional(),
  json: switchFlag(),
};

/** A flag value read with one of the CSV cell readers; their errors become the flag's error. */
const cellFlag = <T>(read: (text: string) => T) =>
  z
    .string()
    .optional()
    .transform((raw, context): T | undefined => {
      if (raw === undefined) return undefined;
      try {
        return read(raw);
      } catch (error) {
        if (!(error instanceof CellValueError)) throw error;
        context.addIssue({ code: "custom", message: error.message });
        return z.NEVER;
      }
    });

const profileFlags = {
  id: z.string().optional(),
  name: z.string().optional(),
  kind: z.string().optional(),
  area: z.string().optional(),
  "area-name": z.string().optional(),
  lat: cellFlag((text) => decimal("--lat", text)),
  lon: cellFlag((text) => decimal("--lon", text)),
  metrics: cellFlag((text) =>
    text
      .split(/[,;]/)
      .map((m) => m.trim())
      .filter((m) => m !== ""),
  ),
  "flood-levels": cellFlag((text) => {
    const levels = text.split(",").map((level) => decimal("--flood-levels", level.trim()));
    if (levels.length !== 3)
      throw new CellValueError(
        "--flood-levels needs three numbers: I,II,III",
        "--flood-levels cần ba số: I,II,III",
      );
    const [I, II, III] = levels as [number, number, number];
    return { I, II, III };
  }),
  calibration: cellFlag(calibrationCell),
};

type ProfileFlags = z.infer<z.ZodObject<typeof profileFlags>>;

/** The fields given on the command line, named as the admin schemas name them. */
const profileFields = (flags: ProfileFlags) =>
  Object.fromEntries(
    Object.entries({
      id: flags.id,
      name: flags.name,
      kind: flags.kind,
      area: flags.area,
      areaName: flags["area-name"],
      lat: flags.lat,
      lon: flags.lon,
      metrics: flags.metrics,
      floodLevels: flags["flood-levels"],
      calibration: flags.calibration,
    }).filter(([, value]) => value !== undefined),
  );

const CHANGE_FLAGS =
  "--name, --kind, --area, --area-name, --lat, --lon, --metrics, --flood-levels, --calibration, --lifecycle";

/** Validates with an admin schema, naming flags rather than fields in the messages. */
function asFlags<T>(schema: z.ZodType<T>, input: unknown, context: z.RefinementCtx): T {
  const checked = schema.safeParse(input);
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) {
    const [field, ...rest] = issue.path.map(String);
    const flag = field === undefined ? undefined : (FLAG_OF[field] ?? `--${field}`);
    context.addIssue({
      code: "custom",
      // parseFlags prints messages that start with a flag as they are.
      message: `${flag ?? CHANGE_FLAGS}${rest.length > 0 ? ` (${rest.join(".")})` : ""}: ${issue.message}`,
    });
  }
  return z.NEVER;
}

/** Commands about one device: its id is `--id <id>` or their first argument (`rotate-secret tn-air-101`). */
const ID_COMMANDS: ReadonlySet<Command> = new Set(["update", "decommission", "rotate-secret"]);

/** The device id from `--id` or the first argument (`positional`), checked the same way; given once. */
const deviceIdFlag = (command: Command, positional: string | undefined) =>
  z
    .string()
    .optional()
    .transform((flag, context): string => {
      if (flag !== undefined && positional !== undefined && flag !== positional) {
        context.addIssue({
          code: "custom",
          message: `--id '${flag}' and the argument '${positional}' name different devices: give the id once`,
        });
        return z.NEVER;
      }
      const id = flag ?? positional;
      if (id === undefined || id === "") {
        context.addIssue({
          code: "custom",
          message: `--id is required: npm run devices -- ${command} <id> (or --id <id>)`,
        });
        return z.NEVER;
      }
      return id;
    });

type DevicesCommand =
  | { readonly command: "list"; readonly dataDir?: string; readonly json: boolean; readonly area?: string }
  | {
      readonly command: "add";
      readonly dataDir?: string;
      readonly json: boolean;
      readonly device: z.infer<typeof newDeviceSchema>;
    }
  | {
      readonly command: "update";
      readonly dataDir?: string;
      readonly json: boolean;
      readonly id: string;
      readonly patch: z.infer<typeof devicePatchSchema>;
    }
  | {
      readonly command: "decommission" | "rotate-secret";
      readonly dataDir?: string;
      readonly json: boolean;
      readonly id: string;
    }
  | { readonly command: "import"; readonly dataDir?: string; readonly json: boolean; readonly file: string };

const base = (flags: { "data-dir"?: string | undefined; json: boolean }) => ({
  ...(flags["data-dir"] === undefined ? {} : { dataDir: flags["data-dir"] }),
  json: flags.json,
});

function parseCommand(command: Command, args: readonly string[]): FlagOutcome<DevicesCommand> {
  // `update tn-air-101 --name …`: a first argument that is not a flag is the device id.
  const [first, ...afterFirst] = args;
  const positionalId =
    ID_COMMANDS.has(command) && first !== undefined && !first.startsWith("-") ? first : undefined;
  const argv = positionalId === undefined ? args : afterFirst;
  switch (command) {
    case "list":
      return parseFlags(
        argv,
        { ...COMMON_FLAGS, area: { type: "string" } },
        z.object({ ...common, area: z.string().min(1).optional() }).transform(
          (flags): DevicesCommand => ({
            command,
            ...base(flags),
            ...(flags.area === undefined ? {} : { area: flags.area }),
          }),
        ),
      );
    case "add":
      return parseFlags(
        argv,
        { ...COMMON_FLAGS, ...PROFILE_FLAGS },
        z.object({ ...common, ...profileFlags }).transform(
          (flags, context): DevicesCommand => ({
            command,
            ...base(flags),
            device: asFlags(newDeviceSchema, profileFields(flags), context),
          }),
        ),
      );
    case "update":
      return parseFlags(
        argv,
        {
          ...COMMON_FLAGS,
          ...PROFILE_FLAGS,
          lifecycle: { type: "string" },
          "clear-calibration": { type: "boolean" },
          "clear-flood-levels": { type: "boolean" },
        },
        z
          .object({
            ...common,
            ...profileFlags,
            id: deviceIdFlag(command, positionalId),
            lifecycle: z
              .enum(EDITABLE_LIFECYCLES, {
                error: "--lifecycle must be active or maintenance (decommission is its own command)",
              })
              .optional(),
            "clear-calibration": switchFlag(),
            "clear-flood-levels": switchFlag(),
          })
          .transform((flags, context): DevicesCommand => {
            const { id: _id, ...fields } = profileFields(flags);
            const patch = {
              ...fields,
              ...(flags.lifecycle === undefined ? {} : { lifecycle: flags.lifecycle }),
              ...(flags["clear-calibration"] ? { calibration: null } : {}),
              ...(flags["clear-flood-levels"] ? { floodLevels: null } : {}),
            };
            return {
              command,
              ...base(flags),
              id: flags.id,
              patch: asFlags(devicePatchSchema, patch, context),
            };
          }),
      );
    case "decommission":
    case "rotate-secret":
      return parseFlags(
        argv,
        { ...COMMON_FLAGS, id: { type: "string" } },
        z
          .object({ ...common, id: deviceIdFlag(command, positionalId) })
          .transform((flags): DevicesCommand => ({ command, ...base(flags), id: flags.id })),
      );
    case "import": {
      // The file is the one positional argument: `import stations.csv [flags]`.
      const [file, ...rest] = argv;
      if (file === undefined || file.startsWith("-")) {
        if (rest.includes("--help") || file === "--help" || file === "-h") return { kind: "help" };
        return {
          kind: "invalid",
          errors: ["import needs the CSV file: npm run devices -- import <file.csv>"],
        };
      }
      const outcome = parseFlags(rest, COMMON_FLAGS, z.object(common));
      return outcome.kind === "run"
        ? { kind: "run", options: { command, ...base(outcome.options), file } }
        : outcome;
    }
  }
}

function parseDevicesCommand(argv: readonly string[]): FlagOutcome<DevicesCommand> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") return { kind: "help" };
  if (!(COMMANDS as readonly string[]).includes(command)) {
    return { kind: "invalid", errors: [`unknown command '${command}'; commands are ${COMMANDS.join(", ")}`] };
  }
  return parseCommand(command as Command, rest);
}

// Lifecycle column values are fixed; this keeps the table readable in Vietnamese and English.
const LIFECYCLE_LABEL: Readonly<Record<DeviceLifecycle, string>> = {
  active: "hoạt động/active",
  maintenance: "bảo trì/maintenance",
  decommissioned: "ngừng/decommissioned",
};

function deviceTable(devices: readonly DeviceRecord[]): string {
  const rows = [
    ["id", "lifecycle", "status", "kind", "area", "metrics", "name"],
    ...devices.map((d) => [
      d.id,
      d.registered ? LIFECYCLE_LABEL[d.lifecycle] : "chưa đăng ký/unregistered",
      d.status,
      d.kind ?? "-",
      d.area ?? "-",
      d.metrics.join(",") || "-",
      d.name,
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const secretNotice = (id: string, secret: string) =>
  `Trạm / device ${id}\nMật khẩu MQTT (chỉ hiện một lần) / MQTT secret (shown once): ${secret}\n` +
  `Kết nối với / connect with: username = clientId = ${id}, password = <secret>\n`;

async function run(options: DevicesCommand): Promise<number> {
  const settings = readCliSettings("devices", [
    "DATA_DIR",
    "DEVICE_SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_POOL_MAX",
  ]);
  if (settings === undefined) return 2;
  const dataDir = options.dataDir ?? settings.DATA_DIR;
  let file: string | undefined;
  if (options.command === "import") {
    try {
      file = await readFile(options.file, "utf8");
    } catch (error) {
      process.stderr.write(
        `devices: cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? error}\n`,
      );
      return 1;
    }
  }
  // The service's key: DEVICE_SECRET_KEY, or the key file in the data folder.
  const secretKey = deviceSecretKeyFrom({ DATA_DIR: dataDir, DEVICE_SECRET_KEY: settings.DEVICE_SECRET_KEY });
  const metadata = await openConfiguredMetadata(settings, () => openSqliteDatabase(dataDir));
  const registry = createDeviceRegistry(metadata, systemClock);
  const administration = createDeviceAdministration({
    registry,
    credentials: createDeviceCredentials(metadata, systemClock, { secretKey }),
    audit: createAuditLog(metadata, systemClock),
  });
  const by: AdminActor = { actor: `cli:${currentUser()}`, source: "cli" };
  const print = (json: unknown, text: string) =>
    process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : text);
  try {
    switch (options.command) {
      case "list": {
        const devices = await registry.list(options.area === undefined ? undefined : { area: options.area });
        print({ devices }, `${deviceTable(devices)}\n`);
        return 0;
      }
      case "add": {
        const { id, secret } = await administration.create(options.device, by);
        print({ id, secret }, secretNotice(id, secret));
        return 0;
      }
      case "update": {
        const device = await administration.update(options.id, options.patch, by);
        print(device, `Đã cập nhật / updated ${device.id}\n${deviceTable([device])}\n`);
        return 0;
      }
      case "decommission": {
        const device = await administration.decommission(options.id, by);
        print(
          device,
          `Đã ngừng hoạt động, mật khẩu đã thu hồi / decommissioned, secret revoked: ${device.id}\n`,
        );
        return 0;
      }
      case "rotate-secret": {
        const { id, secret } = await administration.rotateSecret(options.id, by);
        print({ id, secret }, secretNotice(id, secret));
        return 0;
      }
      case "import": {
        const report = await administration.importCsv(file ?? "", by);
        print(
          report,
          [
            `Đã đăng ký / registered ${report.created.length}, lỗi / errors ${report.errors.length}`,
            ...report.created.map(({ id, secret }) => `${id}  ${secret}`),
            ...report.errors.map(
              ({ row, message, messageVi }) => `dòng/line ${row}: ${messageVi} / ${message}`,
            ),
            report.created.length > 0 ? "Mật khẩu chỉ hiện một lần / the secrets are shown only once" : "",
          ]
            .filter((line) => line !== "")
            .join("\n")
            .concat("\n"),
        );
        return report.errors.length > 0 ? 1 : 0;
      }
    }
  } catch (error) {
    if (error instanceof DeviceRegistryError || error instanceof DeviceCsvError) {
      process.stderr.write(`devices: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await metadata.destroy();
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

dispatchFlags(
  parseDevicesCommand(process.argv.slice(2)),
  { name: "devices", script: "scripts/devices.ts", help: DEVICES_HELP },
  run,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`devices: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
