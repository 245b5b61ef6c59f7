/** Flags of `simulators/cli.ts` (the demo fleet simulator). */
import { z } from "zod";
import {
  brokerUrlFlag,
  choiceFlag,
  type FlagOutcome,
  numberFlag,
  parseFlags,
  switchFlag,
} from "./flag-parsing.js";

export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SimulatorCliOptions {
  readonly brokerUrl: string;
  readonly devices: number;
  /** Readings per second per device. */
  readonly rate: number;
  /** Seconds to run; 0 = until Ctrl-C. */
  readonly durationS: number;
  readonly seed: number;
  readonly faults: boolean;
  readonly logLevel: LogLevel;
  /** A demo-fleet-credentials.json: each device connects with its secret (username = device id). */
  readonly credentialsFile?: string;
}

export const SIMULATOR_HELP = `Mô phỏng trạm quan trắc môi trường tỉnh Tây Ninh qua MQTT
Simulates the Tây Ninh environmental monitoring stations over MQTT

Cách dùng / Usage:
  npx tsx simulators/cli.ts [flags]
  npm run simulate -- [flags]

Tham số / Flags:
  --broker <url>      Địa chỉ broker MQTT / MQTT broker URL            (mặc định/default mqtt://localhost:1883)
  --devices <n>       Số trạm; trên 24 trạm sẽ nhân bản đội trạm mẫu    (mặc định/default 24)
                      Number of stations; beyond 24 the demo fleet is cloned
  --rate <r>          Số bản tin mỗi giây của mỗi trạm                  (mặc định/default 1)
                      Readings per second per device
  --duration <s>      Thời gian chạy (giây), 0 = đến khi nhấn Ctrl-C     (mặc định/default 0)
                      How long to run in seconds, 0 = until Ctrl-C
  --seed <n>          Hạt giống ngẫu nhiên / random seed                (mặc định/default 42)
  --no-faults         Tắt lỗi cảm biến giả lập (mất bản tin, kẹt giá trị, gai nhiễu, gửi bù)
                      Turn off simulated sensor faults (gaps, stuck values, spikes, backlog uploads)
  --credentials <file>
                      Tệp mật khẩu của đội trạm mẫu (DATA_DIR/demo-fleet-credentials.json,
                      dịch vụ ghi lại mỗi lần khởi động chế độ demo); trạm không có mật khẩu bị bỏ qua
                      Secrets of the demo fleet, written by the service on every demo start;
                      devices without a secret in the file are left out
  --log-level <lvl>   silent | error | warn | info | debug              (mặc định/default warn)
                      debug ghi lại các bản tin bị dịch vụ từ chối / debug logs readings the service rejected
  -h, --help          Hiển thị trợ giúp này / show this help

Ví dụ / Example:
  npx tsx simulators/cli.ts --broker mqtt://localhost:1883 --devices 24 --rate 1 --duration 60 --seed 42
  npm run simulate -- --credentials data/demo-fleet-credentials.json --duration 60
`;

const FLAGS = {
  broker: { type: "string" },
  devices: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
  "no-faults": { type: "boolean" },
  "log-level": { type: "string" },
  credentials: { type: "string" },
} as const;

const simulatorFlagsSchema = z
  .object({
    broker: brokerUrlFlag("--broker", "mqtt://localhost:1883"),
    devices: numberFlag("--devices", {
      meaning: "number of simulated stations",
      defaultValue: 24,
      integer: true,
      positive: true,
      max: 100_000,
    }),
    rate: numberFlag("--rate", {
      meaning: "readings per second per device",
      defaultValue: 1,
      positive: true,
      max: 1000,
    }),
    duration: numberFlag("--duration", {
      meaning: "seconds to run, 0 = until Ctrl-C",
      defaultValue: 0,
      min: 0,
    }),
    seed: numberFlag("--seed", {
      meaning: "random seed",
      defaultValue: 42,
      integer: true,
      min: 0,
      max: 4_294_967_295,
    }),
    "no-faults": switchFlag(),
    "log-level": choiceFlag("--log-level", LOG_LEVELS, "how much to log on stderr", "warn"),
    credentials: z.string().min(1, "--credentials needs the path of a credentials file").optional(),
  })
  .transform(
    (flags): SimulatorCliOptions => ({
      brokerUrl: flags.broker,
      devices: flags.devices,
      rate: flags.rate,
      durationS: flags.duration,
      seed: flags.seed,
      faults: !flags["no-faults"],
      logLevel: flags["log-level"],
      ...(flags.credentials === undefined ? {} : { credentialsFile: flags.credentials }),
    }),
  );

export function parseSimulatorFlags(argv: readonly string[]): FlagOutcome<SimulatorCliOptions> {
  return parseFlags(argv, FLAGS, simulatorFlagsSchema);
}
