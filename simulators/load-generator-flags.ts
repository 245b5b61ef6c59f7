/** Flags of `simulators/load-generator.ts` (benchmark load). */
import { z } from "zod";
import { brokerUrlFlag, choiceFlag, type FlagOutcome, numberFlag, parseFlags } from "./flag-parsing.js";

/** Printed on stderr when every connection is up and the paced load starts (a bench times from it). */
export const SENDING_MARKER = "[loadgen] sending";

/** Air-station metrics in the order `--metrics n` takes them. */
export const LOAD_METRICS = ["pm25", "pm10", "o3", "no2", "so2", "co", "temperature", "humidity"] as const;

export interface LoadGeneratorOptions {
  readonly brokerUrl: string;
  /** Offered load: readings per second over all connections; 0 connects and holds the connections idle. */
  readonly rate: number;
  readonly durationS: number;
  /** With a credentials file: one per device, the same as `devices`. */
  readonly connections: number;
  readonly devices: number;
  /**
   * A credentials file (simulators/fleet-credentials-file.ts format, {devices: {id: secret}}): the
   * first `devices` of its devices each connect with their own secret (client id = username =
   * device id), as a broker that checks who publishes requires. Without it, `devices` made-up ids
   * share `connections` anonymous connections.
   */
  readonly credentialsFile?: string;
  readonly metrics: number;
  readonly qos: 0 | 1;
  /** Readings per message; above 1 a message is a JSON array. */
  readonly batch: number;
  /** Unacknowledged messages allowed per connection before it pauses. */
  readonly maxInFlight: number;
  readonly seed: number;
}

export const LOAD_GENERATOR_HELP = `Máy tạo tải MQTT cho đo hiệu năng / MQTT load generator for benchmarks

Cách dùng / Usage:
  npx tsx simulators/load-generator.ts --broker mqtt://localhost:1883 --rate 2000 --duration 30 \\
      --connections 20 --devices 1000 --metrics 6 [--qos 1] [--batch 1]
  npx tsx simulators/load-generator.ts --credentials bench-devices.json --devices 500 --rate 5000 …

Tham số / Flags:
  --broker <url>        Địa chỉ broker / broker URL                           (mặc định/default mqtt://localhost:1883)
  --rate <r>            Tổng số bản tin mỗi giây / total readings per second   (mặc định/default 1000)
                        0: chỉ kết nối rồi giữ kết nối không gửi trong --duration giây
                        0: connect every device, then hold the connections idle for --duration s
  --duration <s>        Thời gian tạo tải (giây) / seconds of load             (mặc định/default 10)
  --connections <n>     Số kết nối MQTT / MQTT connections                    (mặc định/default 10)
  --devices <n>         Số mã thiết bị chia đều trên các kết nối               (mặc định/default 100)
                        Device ids spread over the connections
  --credentials <file>  Tệp mật khẩu thiết bị {"devices": {"mã": "mật khẩu"}} (như demo-fleet-credentials.json):
                        mỗi thiết bị (--devices thiết bị đầu tiên của tệp) một kết nối riêng, đăng nhập
                        bằng mã và mật khẩu của nó; không dùng cùng --connections
                        Device secrets (the demo-fleet-credentials.json format): each of the first
                        --devices devices of the file gets its own connection and logs in with its
                        id and secret, as a broker that checks devices requires; not with --connections
  --metrics <n>         Số chỉ số không khí mỗi bản tin, 1–${LOAD_METRICS.length} / air metrics per reading (mặc định/default 6)
  --qos <0|1>           Mức QoS / MQTT QoS                                    (mặc định/default 1)
  --batch <n>           Số bản tin trong một thông điệp (mảng JSON khi > 1)    (mặc định/default 1)
                        Readings per MQTT message (a JSON array when > 1)
  --max-inflight <n>    Số thông điệp chưa xác nhận tối đa mỗi kết nối          (mặc định/default 100)
                        Unacknowledged messages allowed per connection
  --seed <n>            Hạt giống ngẫu nhiên / random seed                     (mặc định/default 1)
  -h, --help            Hiển thị trợ giúp này / show this help

Kết quả / Output: một dòng JSON trên stdout / one JSON line on stdout:
  { offeredRate, durationS, sent, acked, errors, achievedRate, ackedRate, startedAt, endedAt }
Tiến độ in ra stderr / progress goes to stderr.
`;

const FLAGS = {
  broker: { type: "string" },
  rate: { type: "string" },
  duration: { type: "string" },
  connections: { type: "string" },
  devices: { type: "string" },
  metrics: { type: "string" },
  qos: { type: "string" },
  batch: { type: "string" },
  "max-inflight": { type: "string" },
  seed: { type: "string" },
  credentials: { type: "string" },
} as const;

const loadGeneratorFlagsSchema = z
  .object({
    broker: brokerUrlFlag("--broker", "mqtt://localhost:1883"),
    rate: numberFlag("--rate", {
      meaning: "total readings per second",
      defaultValue: 1000,
      min: 0,
      max: 1_000_000,
    }),
    duration: numberFlag("--duration", {
      meaning: "seconds of load",
      defaultValue: 10,
      positive: true,
      max: 86_400,
    }),
    connections: numberFlag("--connections", {
      meaning: "MQTT connections",
      defaultValue: 10,
      integer: true,
      positive: true,
      max: 10_000,
    }),
    devices: numberFlag("--devices", {
      meaning: "device ids spread over the connections",
      defaultValue: 100,
      integer: true,
      positive: true,
      max: 1_000_000,
    }),
    metrics: numberFlag("--metrics", {
      meaning: `air metrics per reading, at most ${LOAD_METRICS.length}`,
      defaultValue: 6,
      integer: true,
      positive: true,
      max: LOAD_METRICS.length,
    }),
    qos: choiceFlag("--qos", ["0", "1"], "MQTT quality of service", "1"),
    batch: numberFlag("--batch", {
      meaning: "readings per MQTT message",
      defaultValue: 1,
      integer: true,
      positive: true,
      max: 1000,
    }),
    "max-inflight": numberFlag("--max-inflight", {
      meaning: "unacknowledged messages per connection",
      defaultValue: 100,
      integer: true,
      positive: true,
      max: 65_535,
    }),
    seed: numberFlag("--seed", {
      meaning: "random seed",
      defaultValue: 1,
      integer: true,
      min: 0,
      max: 4_294_967_295,
    }),
    credentials: z.string().min(1, "--credentials needs the path of a credentials file").optional(),
  })
  .superRefine((flags, context) => {
    if (flags.credentials === undefined && flags.connections > flags.devices) {
      context.addIssue({
        code: "custom",
        message: `--connections (${flags.connections}) cannot exceed --devices (${flags.devices}): every connection carries at least one device`,
      });
    }
  })
  .transform(
    (flags): LoadGeneratorOptions => ({
      brokerUrl: flags.broker,
      rate: flags.rate,
      durationS: flags.duration,
      connections: flags.credentials === undefined ? flags.connections : flags.devices,
      devices: flags.devices,
      ...(flags.credentials === undefined ? {} : { credentialsFile: flags.credentials }),
      metrics: flags.metrics,
      qos: flags.qos === "0" ? 0 : 1,
      batch: flags.batch,
      maxInFlight: flags["max-inflight"],
      seed: flags.seed,
    }),
  );

/** With credentials every device has its own connection: a connection count would contradict it. */
const flagsWithOneConnectionPerDevice = z.preprocess((raw, context) => {
  const given = raw as { credentials?: unknown; connections?: unknown };
  if (given.credentials !== undefined && given.connections !== undefined) {
    context.addIssue({
      code: "custom",
      message: "--connections cannot be used with --credentials: each device has its own connection",
    });
  }
  return raw;
}, loadGeneratorFlagsSchema);

export function parseLoadGeneratorFlags(argv: readonly string[]): FlagOutcome<LoadGeneratorOptions> {
  return parseFlags(argv, FLAGS, flagsWithOneConnectionPerDevice);
}
