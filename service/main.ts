import { readFileSync } from "node:fs";
import { demoLoginLine } from "../auth/index.js";
import { systemClock } from "../kernel/clock.js";
import { ConfigError, parseConfig } from "../platform/config.js";
import { createLogger } from "../platform/logging.js";
import { InfluxConnectionError } from "../readings/index.js";
import { startService } from "./create-service.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const logger = createLogger({ level: config.LOG_LEVEL });

const service = await startService(config, { logger, clock: systemClock, version }).catch((err: unknown) => {
  logger.fatal({ err }, "could not start");
  const { code, port } = (err ?? {}) as { code?: string; port?: number };
  if (code === "EADDRINUSE") {
    const setting =
      port === config.MQTT_PORT ? "MQTT_PORT" : port === config.METRICS_PORT ? "METRICS_PORT" : "HTTP_PORT";
    process.stderr.write(
      `\nCổng ${port} đang được dùng / Port ${port} is already in use (${setting}): another broker or ` +
        `service listens there. Stop it or choose another port, e.g. ${setting}=${(port ?? 0) + 10000} npm start\n`,
    );
  }
  if (err instanceof InfluxConnectionError || err instanceof ConfigError)
    process.stderr.write(`\n${err.message}\n`);
  process.exit(1);
});

const parts = [...config.PARTS].join(", ");
logger.info(
  { httpPort: service.httpPort, mqttPort: service.mqttPort, parts, demo: config.DEMO },
  "service started",
);
if (service.httpPort !== undefined) {
  process.stdout.write(
    `\nBảng điều khiển / Dashboard: http://localhost:${service.httpPort}/   ·   API docs: http://localhost:${service.httpPort}/docs\n` +
      (service.mqttPort === undefined ? "" : `MQTT: mqtt://localhost:${service.mqttPort}   ·   `) +
      `Demo fleet: ${config.DEMO && service.mqttPort !== undefined ? "on (DEMO=0 to turn off)" : "off"}\n\n`,
  );
  const admin = service.firstAdmin;
  process.stdout.write(
    admin.created && admin.generatedPassword !== undefined
      ? `${demoLoginLine(admin.username, admin.generatedPassword)}\n  (chỉ hiện một lần / shown once; đổi bằng / change with: npm run users -- reset-password admin)\n\n`
      : admin.created
        ? `${demoLoginLine(admin.username, "<BOOTSTRAP_ADMIN_PASSWORD>")}\n\n`
        : "Đăng nhập bằng tài khoản đã có / log in with an existing account (npm run users -- list)\n\n",
  );
}

// Ctrl-C reaches every process of the terminal's group, and npm also relays it to us, so one key
// press can arrive as two signals: only a second signal a moment later means "stop waiting".
const REPEATED_SIGNAL_MS = 2000;
let firstSignalAt: number | undefined;
const shutdown = (signal: NodeJS.Signals) => {
  if (firstSignalAt !== undefined) {
    if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
    logger.warn({ signal }, "second signal: exiting without waiting for the flush");
    process.exit(1);
  }
  firstSignalAt = Date.now();
  logger.info({ signal }, "shutting down: draining and flushing");
  const deadline = setTimeout(() => {
    logger.error("shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting");
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  service.stop().then(
    () => {
      logger.info("stopped cleanly");
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
