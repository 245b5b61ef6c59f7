/**
 * Operator accounts in DATA_DIR's database (the same actions as the admin API, audited as
 * "cli:<user>"). Works while the service runs: a disabled account, or one whose password was reset,
 * is refused at its next request, and its open live sockets are closed within seconds.
 *   npm run users -- add lan.nguyen --role operator          (prints a generated password once)
 *   printf '%s\n' "$PASSWORD" | npm run users -- reset-password admin --password-stdin
 *   npm run users -- list
 * DATA_DIR is read with the service's configuration schema (platform/config.ts); --data-dir overrides it.
 * Exit codes: 0 done, 1 refused (unknown user, name taken, last admin), 2 invalid command, flags or setting.
 */
import { userInfo } from "node:os";
import { z } from "zod";
import {
  createAuditLog,
  createUserAccounts,
  passwordSchema,
  roleSchema,
  type UserAccount,
  UserExistsError,
  usernameSchema,
} from "../auth/index.js";
import { systemClock } from "../kernel/clock.js";
import type { Role } from "../platform/http/access.js";
import { generatePassword } from "../platform/password-hash.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { openConfiguredMetadata } from "../service/metadata.js";
import { dispatchFlags, type FlagOutcome, parseFlags, switchFlag } from "../simulators/flag-parsing.js";
import { readCliSettings } from "./cli-settings.js";

const USERS_HELP = `Quản lý tài khoản vận hành trong cơ sở dữ liệu của DATA_DIR
Manages operator accounts in DATA_DIR's database

Cách dùng / Usage:
  npm run users -- <lệnh/command> [tên/username] [flags]

Lệnh / Commands:
  list                              Liệt kê tài khoản / list accounts           [--json]
  add <username> --role <role>      Tạo tài khoản / create an account            [--password-stdin]
  reset-password <username>         Đặt lại mật khẩu / set a new password        [--password-stdin]
  set-role <username> --role <role> Đổi vai trò / change the role
  disable <username>                Khóa tài khoản / disable the account
  enable <username>                 Mở lại tài khoản / enable the account
  unlock <username>                 Gỡ khóa sau nhiều lần đăng nhập sai / clear a lockout

Tham số / Flags:
  --role <role>         viewer | operator | admin
  --password-stdin      Đọc mật khẩu (dòng đầu, ≥ 12 ký tự) từ stdin; không có thì tạo và in ra một lần
                        Read the password (first line, ≥ 12 characters) from stdin; otherwise one is
                        generated and printed once
  --data-dir <dir>      Thư mục dữ liệu / data folder                    (mặc định/default $DATA_DIR or ./data)
  --json                Kết quả dạng JSON / answer as JSON
  -h, --help            Hiển thị trợ giúp này / show this help
`;

const COMMANDS = ["list", "add", "reset-password", "set-role", "disable", "enable", "unlock"] as const;
type Command = (typeof COMMANDS)[number];

type UsersCommand =
  | { readonly command: "list"; readonly dataDir?: string; readonly json: boolean }
  | {
      readonly command: Exclude<Command, "list">;
      readonly dataDir?: string;
      readonly json: boolean;
      readonly username: string;
      readonly role?: Role;
      readonly passwordFromStdin: boolean;
    };

const FLAGS = {
  role: { type: "string" },
  "password-stdin": { type: "boolean" },
  "data-dir": { type: "string" },
  json: { type: "boolean" },
} as const;

/** Which flags each command takes; the others are refused so a typo never goes unnoticed. */
const ALLOWED: Readonly<Record<Command, readonly string[]>> = {
  list: [],
  add: ["role", "password-stdin"],
  "reset-password": ["password-stdin"],
  "set-role": ["role"],
  disable: [],
  enable: [],
  unlock: [],
};

function parseUsersCommand(argv: readonly string[]): FlagOutcome<UsersCommand> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") return { kind: "help" };
  if (!(COMMANDS as readonly string[]).includes(command)) {
    return { kind: "invalid", errors: [`unknown command '${command}'; commands are ${COMMANDS.join(", ")}`] };
  }
  const name = command as Command;
  let username: string | undefined;
  let flags = rest;
  if (name !== "list") {
    const [first, ...others] = rest;
    if (first === "--help" || first === "-h") return { kind: "help" };
    if (first === undefined || first.startsWith("-")) {
      return { kind: "invalid", errors: [`${name} needs the username: npm run users -- ${name} <username>`] };
    }
    const checked = usernameSchema.safeParse(first);
    if (!checked.success)
      return { kind: "invalid", errors: [checked.error.issues[0]?.message ?? "bad username"] };
    username = checked.data;
    flags = others;
  }
  const schema = z
    .object({
      role: roleSchema.optional(),
      "password-stdin": switchFlag(),
      "data-dir": z.string().min(1, "--data-dir needs a folder").optional(),
      json: switchFlag(),
    })
    .superRefine((values, context) => {
      for (const flag of ["role", "password-stdin"] as const) {
        const given = flag === "role" ? values.role !== undefined : values[flag];
        if (given && !ALLOWED[name].includes(flag)) {
          context.addIssue({ code: "custom", message: `--${flag} does not apply to ${name}` });
        }
      }
      if ((name === "add" || name === "set-role") && values.role === undefined) {
        context.addIssue({
          code: "custom",
          message: `--role is required for ${name} (viewer, operator or admin)`,
        });
      }
    })
    .transform((values): UsersCommand => {
      const common = {
        ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }),
        json: values.json,
      };
      if (name === "list") return { command: name, ...common };
      return {
        command: name,
        ...common,
        username: username ?? "",
        ...(values.role === undefined ? {} : { role: values.role }),
        passwordFromStdin: values["password-stdin"],
      };
    });
  return parseFlags(flags, FLAGS, schema);
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

const currentUser = () => {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
};

function accountTable(accounts: readonly UserAccount[], now: number): string {
  const rows = [
    ["username", "role", "state", "created"],
    ...accounts.map((a) => [
      a.username,
      a.role,
      a.disabled
        ? "khóa/disabled"
        : a.lockedUntil !== null && a.lockedUntil > now
          ? `tạm khóa/locked until ${new Date(a.lockedUntil).toISOString()}`
          : "hoạt động/active",
      new Date(a.createdAt).toISOString(),
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function run(options: UsersCommand): Promise<number> {
  const settings = readCliSettings("users", ["DATA_DIR", "DATABASE_URL", "DATABASE_POOL_MAX"]);
  if (settings === undefined) return 2;
  let password: string | undefined;
  let generated = false;
  if (options.command === "add" || options.command === "reset-password") {
    if (options.passwordFromStdin) {
      const checked = passwordSchema.safeParse(await readPasswordFromStdin());
      if (!checked.success) {
        process.stderr.write(`users: ${checked.error.issues[0]?.message ?? "bad password"}\n`);
        return 2;
      }
      password = checked.data;
    } else {
      password = generatePassword();
      generated = true;
    }
  }

  const metadata = await openConfiguredMetadata(settings, () =>
    openSqliteDatabase(options.dataDir ?? settings.DATA_DIR),
  );
  const accounts = createUserAccounts(metadata, systemClock);
  const audit = createAuditLog(metadata, systemClock);
  const actor = `cli:${currentUser()}`;
  const record = (action: string, target: string, before: unknown, after: unknown) =>
    audit.record({ actor, action, target: `user:${target}`, source: "cli", before, after });
  const print = (json: unknown, text: string) =>
    process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : text);
  const refuse = (message: string) => {
    process.stderr.write(`users: ${message}\n`);
    return 1;
  };

  try {
    if (options.command === "list") {
      const list = await accounts.list();
      print({ users: list }, `${accountTable(list, systemClock.now())}\n`);
      return 0;
    }
    const { username } = options;
    const before = await accounts.find(username);
    if (options.command !== "add" && !before) return refuse(`no user '${username}'`);
    const passwordNotice = () =>
      generated ? `Mật khẩu (chỉ hiện một lần) / password (shown once): ${password}\n` : "";
    switch (options.command) {
      case "add": {
        const role = options.role ?? "viewer";
        try {
          await accounts.create({ username, password: password ?? "", role });
        } catch (error) {
          if (error instanceof UserExistsError) return refuse(error.message);
          throw error;
        }
        await record("user.create", username, null, { role, disabled: false });
        print(
          { username, role, ...(generated ? { password } : {}) },
          `Đã tạo / created ${username} (${role})\n${passwordNotice()}`,
        );
        return 0;
      }
      case "reset-password":
        await accounts.setPassword(username, password ?? "");
        await record("user.reset-password", username, null, { generated });
        print(
          { username, ...(generated ? { password } : {}) },
          `Đã đặt lại mật khẩu / password reset for ${username}\n${passwordNotice()}`,
        );
        return 0;
      case "set-role":
      case "disable": {
        const role = options.role;
        const demotes = options.command === "set-role" ? role !== "admin" : true;
        if (before?.role === "admin" && !before.disabled && demotes) {
          const admins = (await accounts.list()).filter((a) => a.role === "admin" && !a.disabled);
          if (admins.length <= 1)
            return refuse(`${username} is the last enabled admin: make another admin first`);
        }
        if (options.command === "set-role" && role !== undefined) {
          await accounts.setRole(username, role);
          await record("user.set-role", username, { role: before?.role }, { role });
          print({ username, role }, `${username}: ${before?.role} → ${role}\n`);
        } else {
          await accounts.setDisabled(username, true);
          await record("user.disable", username, { disabled: before?.disabled }, { disabled: true });
          print({ username, disabled: true }, `Đã khóa / disabled ${username}\n`);
        }
        return 0;
      }
      case "enable":
        await accounts.setDisabled(username, false);
        await record("user.enable", username, { disabled: before?.disabled }, { disabled: false });
        print({ username, disabled: false }, `Đã mở lại / enabled ${username}\n`);
        return 0;
      case "unlock":
        await accounts.unlock(username);
        await record(
          "user.unlock",
          username,
          { lockedUntil: before?.lockedUntil ?? null },
          { lockedUntil: null },
        );
        print({ username }, `Đã gỡ khóa / unlocked ${username}\n`);
        return 0;
    }
  } finally {
    await metadata.destroy();
  }
}

dispatchFlags(
  parseUsersCommand(process.argv.slice(2)),
  { name: "users", script: "scripts/users.ts", help: USERS_HELP },
  run,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`users: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
