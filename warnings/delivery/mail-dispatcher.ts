import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { Clock } from "../../kernel/clock.js";
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "../../kernel/time.js";
import type { Agency } from "../model/agency.js";
import { emailText } from "../model/channel-texts.js";
import type { WarningEvent } from "../model/warning-lifecycle.js";
import type { MailRepository, NewMail } from "../store/mail-repository.js";
import type { WarningService } from "../warning-service.js";

/**
 * E-mail to residents who confirmed their address: each public warning event (published, updated,
 * cancelled) becomes one stored mail per subscriber following one of its communes, written in the
 * same transaction that moves the fan-out's cursor past the event, so a crash neither loses nor
 * repeats one. Stored mails go to the SMTP relay; a mail is marked sent only when the relay
 * accepted it, and retried with growing waits otherwise. No address gets more than
 * `maxPerRecipientPerHour` mails an hour: the rest wait their turn.
 */

export interface MailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface MailTransport {
  /** Resolves once the relay accepted the message. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Nodemailer over SMTP (config SMTP_URL): STARTTLS when offered, smtps:// for implicit TLS. */
export function createSmtpTransport(url: string): MailTransport {
  const transport = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ ...message, headers: { ...message.headers } });
    },
    close: () => transport.close(),
  };
}

export interface MailDispatcherSettings {
  readonly from: string;
  readonly maxPerRecipientPerHour: number;
  /** How often due mails are looked for (retries, rate-limited mails, confirmations). */
  readonly tickMs?: number;
}

export interface MailDispatcherDeps {
  readonly mail: MailRepository;
  readonly warnings: Pick<WarningService, "onEvent" | "eventsAfter">;
  readonly agencies: { get(id: number): Promise<Agency | undefined> };
  /** Commune names by code (the device registry). */
  readonly communeNames: () => Promise<ReadonlyMap<string, string>>;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly logger: Pick<Logger, "warn" | "error">;
}

export interface MailDispatcher {
  /** Fans out new events and sends what is due; resolves when this pass is done. */
  run(): Promise<void>;
  stop(): Promise<void>;
}

const MAILED_KINDS = new Set(["published", "updated", "cancelled"]);
/** Waits before the 2nd, 3rd… try; after the last one the mail is given up (state failed). */
const RETRY_DELAYS_MS = [30 * SECOND_MS, 2 * MINUTE_MS, 10 * MINUTE_MS, 30 * MINUTE_MS, HOUR_MS, 2 * HOUR_MS];
const SEND_BATCH = 50;
const FAN_OUT_BATCH = 200;
const DEFAULT_TICK_MS = 2 * SECOND_MS;

export function createMailDispatcher(
  settings: MailDispatcherSettings,
  deps: MailDispatcherDeps,
): MailDispatcher {
  const { mail, clock, logger } = deps;

  async function mailsOf(event: WarningEvent): Promise<NewMail[]> {
    if (!MAILED_KINDS.has(event.kind)) return [];
    const subscribers = await mail.confirmedFollowing(event.warning.communes);
    if (subscribers.length === 0) return [];
    const agency = await deps.agencies.get(event.warning.agencyId);
    const names = await deps.communeNames();
    return subscribers.map((subscriber) => {
      const followed = event.warning.communes.filter((c) => subscriber.communes.includes(c));
      const unsubscribe = `${subscriber.baseUrl}/mail/unsubscribe?token=${subscriber.token}`;
      const { subject, text } = emailText(
        event.kind,
        event.warning,
        agency?.name.vi ?? "",
        followed.map((c) => names.get(c) ?? c),
        unsubscribe,
      );
      return {
        eventId: event.id,
        subscriberId: subscriber.id,
        recipient: subscriber.email,
        subject,
        body: text,
      };
    });
  }

  async function fanOut(): Promise<void> {
    for (;;) {
      const events = await deps.warnings.eventsAfter(
        await mail.lastFannedOut(),
        { publicOnly: true },
        FAN_OUT_BATCH,
      );
      for (const event of events) await mail.storeFanOut(event.id, await mailsOf(event), clock.now());
      if (events.length < FAN_OUT_BATCH) return;
    }
  }

  async function sendDue(): Promise<void> {
    const now = clock.now();
    for (const due of await mail.due(now, SEND_BATCH)) {
      if ((await mail.sentSince(due.recipient, now - HOUR_MS)) >= settings.maxPerRecipientPerHour) {
        await mail.postpone(due.id, now + 5 * MINUTE_MS);
        continue;
      }
      const headers: Record<string, string> = {};
      const link = /https?:\/\/\S+\/mail\/unsubscribe\?token=\S+/.exec(due.body)?.[0];
      if (link) {
        headers["List-Unsubscribe"] = `<${link}>`;
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
      }
      try {
        await deps.transport.send({
          from: settings.from,
          to: due.recipient,
          subject: due.subject,
          text: due.body,
          headers,
        });
        await mail.markSent(due.id, clock.now());
      } catch (err) {
        const delay = RETRY_DELAYS_MS[due.attempts];
        const message = err instanceof Error ? err.message : String(err);
        // The address is the resident's: the log names the mail, not the recipient.
        logger.warn(
          { mailId: due.id, attempt: due.attempts + 1, err: message },
          "e-mail not accepted by the relay",
        );
        await mail.markRetry(due.id, message, delay === undefined ? null : clock.now() + delay);
      }
    }
  }

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await fanOut();
        await sendDue();
      } catch (err) {
        logger.error({ err }, "e-mail pass failed; retried on the next tick");
      }
    });
    return running;
  };

  const stopHearing = deps.warnings.onEvent(() => void run());
  const timer = setInterval(() => void run(), settings.tickMs ?? DEFAULT_TICK_MS);
  timer.unref();
  void run();

  return {
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopHearing();
      await running;
      deps.transport.close();
    },
  };
}
