import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logging.js";

function capture(pretty: boolean) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  return { logger: createLogger({ level: "info", pretty, destination: stream }), lines };
}

describe("the service's logger", () => {
  it("writes JSON lines with the module of a child logger", () => {
    const { logger, lines } = capture(false);
    logger.child({ module: "ingest" }).info({ batch: 3 }, "stored");
    const line = JSON.parse(lines[0] ?? "{}");
    expect(line).toMatchObject({ module: "ingest", msg: "stored", batch: 3, service: "envmon" });
  });

  it("never writes a secret, at the top level or one level down", () => {
    const { logger, lines } = capture(false);
    logger.info(
      {
        password: "hunter2",
        config: {
          JWT_SECRET: "s3cret-jwt",
          INFLUX_TOKEN: "influx-token",
          DATABASE_URL: "postgres://envmon:pg-pa55@db/envmon",
          SMTP_URL: "smtp://mail:smtp-pa55@relay",
          REDIS_URL: "redis://:redis-pa55@redis:6379",
          DEVICE_SECRET_KEY: "device-key-0123456789",
          METRICS_TOKEN: "metrics-token-0123456789",
          HTTP_PORT: 8080,
        },
        device: { secret: "device-secret" },
        req: { headers: { authorization: "Bearer abc.def" } },
      },
      "starting",
    );
    const text = lines.join("\n");
    const secrets = ["hunter2", "s3cret-jwt", "influx-token", "device-secret", "abc.def"];
    secrets.push("pg-pa55", "smtp-pa55", "redis-pa55", "device-key-0123456789", "metrics-token-0123456789");
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("8080");
    expect(text).toContain("[redacted]");
  });

  it("writes readable lines for a terminal, with the module in front", () => {
    const { logger, lines } = capture(true);
    logger.child({ module: "broker" }).warn({ token: "t0ps3cret" }, "client refused");
    const text = lines.join("\n");
    expect(text).toContain("[broker] client refused");
    expect(text).not.toContain("t0ps3cret");
    expect(() => JSON.parse(lines[0] ?? "")).toThrow();
  });
});
