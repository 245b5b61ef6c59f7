/**
 * The warning network at work in one process: stored warning events delivered to screens
 * (Socket.IO /ops and /public) and to e-mail subscribers (a stored outbox, retried), and the
 * clock that expires published warnings at their expiry time (each expiry audited). It runs
 * where the API runs.
 */
import type { Logger } from "pino";
import type { Server as SocketServer } from "socket.io";
import type { Clock } from "../kernel/clock.js";
import type { AuditRecorder } from "../platform/http/access.js";
import {
  createMailDispatcher,
  type MailDispatcher,
  type MailDispatcherSettings,
  type MailTransport,
} from "./delivery/mail-dispatcher.js";
import { createWarningGateway } from "./delivery/warning-gateway.js";
import type { AgencyRepository } from "./store/agency-repository.js";
import type { MailRepository } from "./store/mail-repository.js";
import type { WarningService } from "./warning-service.js";

/** How often published warnings past their expiry are expired. */
export const EXPIRY_TICK_MS = 15_000;

export interface WarningNetworkDeps {
  readonly io: SocketServer;
  readonly warnings: WarningService;
  readonly agencies: Pick<AgencyRepository, "get">;
  readonly audit: AuditRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Defaults to EXPIRY_TICK_MS. */
  readonly expiryTickMs?: number;
  /** E-mail to subscribers, when an SMTP relay is configured. */
  readonly mail?: {
    readonly settings: MailDispatcherSettings;
    readonly repository: MailRepository;
    readonly transport: MailTransport;
    readonly communeNames: () => Promise<ReadonlyMap<string, string>>;
  };
}

export interface WarningNetwork {
  /** Expires what is due now (the timer does it every tick). */
  expireDue(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWarningNetwork(deps: WarningNetworkDeps): Promise<WarningNetwork> {
  const { warnings, audit, logger } = deps;
  const gateway = createWarningGateway({ io: deps.io, warnings, agencies: deps.agencies, logger });
  const mailer: MailDispatcher | undefined = deps.mail
    ? createMailDispatcher(deps.mail.settings, {
        mail: deps.mail.repository,
        warnings,
        agencies: deps.agencies,
        communeNames: deps.mail.communeNames,
        transport: deps.mail.transport,
        clock: deps.clock,
        logger,
      })
    : undefined;

  let running: Promise<void> = Promise.resolve();
  const expireDue = () => {
    running = running.then(async () => {
      try {
        for (const event of await warnings.expireDue()) {
          await audit.record({
            actor: event.actor,
            source: null,
            action: "warning.expire",
            target: `warning:${event.warningId}`,
            before: { state: "published" },
            after: { state: "expired", eventId: event.id },
          });
        }
      } catch (err) {
        logger.error({ err }, "expiring warnings failed; retried on the next tick");
      }
    });
    return running;
  };
  await expireDue();
  const timer = setInterval(() => void expireDue(), deps.expiryTickMs ?? EXPIRY_TICK_MS);
  timer.unref();

  return {
    expireDue,
    async stop() {
      clearInterval(timer);
      await running;
      gateway.close();
      await mailer?.stop();
    },
  };
}
