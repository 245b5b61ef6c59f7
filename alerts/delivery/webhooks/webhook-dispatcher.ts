import type { Logger } from "pino";
import type { Clock } from "../../../kernel/clock.js";
import { type OutboundGuard, TargetRefusedError } from "../../../platform/http/outbound-guard.js";
import type { AlertEvent } from "../../model/alert-event.js";
import type { DeliveryRecord, WebhookRepository, WebhookTarget } from "../../store/webhook-repository.js";
import type { AlertTransitionSource } from "./alert-transition-source.js";
import { responseExcerpt } from "./response-excerpt.js";
import { type RetryPolicy, retryAfterMs, retryDelayMs } from "./retry-delay.js";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookBody } from "./signature.js";
import { createTokenBucket, type TokenBucket, type TokenBucketLimits } from "./token-bucket.js";

/**
 * Delivers alert transitions to webhooks, never silently dropping one:
 * - each stored transition is queued as a delivery row for every webhook whose audience receives
 *   it (operators: all; public: opened/escalated/cleared/resolved of public alerts) BEFORE any
 *   request is made; at start, rows still pending are resumed and transitions stored while no
 *   dispatcher ran (a crash between the two writes) are queued;
 * - the body is the alert event as JSON (the Socket.IO `alert` payload; operator name and comment
 *   blanked for public webhooks), signed `X-Signature-256: sha256=<hex HMAC-SHA256 of the body>`
 *   with the webhook's secret, with `X-Event-Id: <transition id>` so receivers drop repeats;
 * - a 2xx answer delivers; anything else (or no answer within the timeout) is retried with
 *   exponential backoff (Retry-After honoured), and after `maxAttempts` the delivery is dead;
 * - requests go through the outbound guard: each one judges every address the URL's host resolves
 *   to at that moment and connects only to those (no internal target, even after DNS rebinding),
 *   redirects are not followed, and of a failed answer only a short sanitised excerpt is kept;
 * - one request at a time per webhook, at most `rateLimit` per webhook (token bucket): a burst of
 *   alerts waits its turn instead of flooding the recipient (alert fatigue), nothing is dropped.
 */
export interface WebhookDispatcher {
  start(): Promise<void>;
  /** Stops sending; requests in flight are abandoned and their rows resume at the next start. */
  stop(): Promise<void>;
  /** Look at the queue now (after a webhook was added or re-enabled). */
  poke(): void;
  /**
   * Resolves once the queue has been looked at and every request started meanwhile has been
   * answered and recorded: what is left waits for a retry time or a rate-limit token.
   */
  settle(): Promise<void>;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WebhookDispatcherOptions {
  /** Attempts before a delivery is dead (default 8). */
  readonly maxAttempts?: number;
  /** Default: first retry after 5–10 s, doubling, at most 30 min apart (8 attempts span 10–21 min). */
  readonly retry?: RetryPolicy;
  /** A request without an answer after this long failed (default 10 s). */
  readonly timeoutMs?: number;
  /** Per webhook (default: bursts of 10, then 10 a minute). */
  readonly rateLimit?: TokenBucketLimits;
}

export type WebhookStore = Pick<
  WebhookRepository,
  | "target"
  | "enqueue"
  | "catchUp"
  | "backlog"
  | "nextDue"
  | "markDelivered"
  | "markFailed"
  | "markDead"
  | "claim"
>;

export interface WebhookDispatcherDeps {
  readonly webhooks: WebhookStore;
  readonly transitions: AlertTransitionSource;
  /** Makes the requests, refusing targets the address policy does not allow (WEBHOOK_ALLOWED_HOSTS). */
  readonly outbound: Pick<OutboundGuard, "request">;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers?: Timers;
  /** In [0, 1), for the backoff jitter. */
  readonly random?: () => number;
  /**
   * In a cluster: the lease the dispatcher works under. Each attempt is claimed with its fencing
   * token first, so a node that wakes from a pause after another took over sends nothing. (A pause
   * between the claim and the request itself cannot be fenced: receivers drop repeats by
   * X-Event-Id.)
   */
  readonly fence?: { readonly lease: string; token(): number | undefined };
}

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 30 * 60_000 };
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RATE_LIMIT: TokenBucketLimits = { capacity: 10, refillPerMinute: 10 };
const USER_AGENT = "envmon-webhooks/1";
/** Bytes of an answer read: enough for the excerpt kept with a failed delivery, and no more. */
const ANSWER_BYTES_READ = 1024;
/** After an unexpected error (the database busy…), look again this much later. */
const RECOVERY_DELAY_MS = 5_000;

type PostOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly retryAfterMs?: number; readonly abandoned?: true };

/** The delivery body: residents' webhooks do not learn which operator acted or what they wrote. */
export function webhookPayload(event: AlertEvent, target: Pick<WebhookTarget, "audience">): AlertEvent {
  return target.audience === "public" ? { ...event, actor: null, comment: null } : event;
}

export function createWebhookDispatcher(
  options: WebhookDispatcherOptions,
  deps: WebhookDispatcherDeps,
): WebhookDispatcher {
  const { webhooks, transitions, outbound, clock, logger } = deps;
  const timers = deps.timers ?? systemTimers;
  const random = deps.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retry = options.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError("maxAttempts must be ≥ 1");

  const buckets = new Map<number, TokenBucket>();
  const busy = new Set<number>();
  /** Webhooks whose last attempt could not be recorded: left alone for a while, not retried in a loop. */
  const pausedUntil = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  const requests = new Set<AbortController>();
  let wake: { at: number; handle: unknown } | undefined;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  let running = false;
  let unsubscribe: (() => void) | undefined;

  const bucketOf = (webhookId: number, now: number) => {
    let bucket = buckets.get(webhookId);
    if (!bucket) {
      bucket = createTokenBucket(rateLimit, now);
      buckets.set(webhookId, bucket);
    }
    return bucket;
  };

  function wakeAt(at: number): void {
    if (!running || (wake && wake.at <= at)) return;
    if (wake) timers.clearTimeout(wake.handle);
    const handle = timers.setTimeout(
      () => {
        wake = undefined;
        void pump();
      },
      Math.max(0, at - clock.now()),
    );
    wake = { at, handle };
  }

  /** One look at the queue; a call during a look makes that look go round once more. */
  function pump(): Promise<void> {
    if (!running) return Promise.resolve();
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          await lookAtQueue();
        } while (pumpAgain && running);
      } catch (err) {
        logger.error({ err }, "reading the delivery queue failed");
        wakeAt(clock.now() + RECOVERY_DELAY_MS);
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  }

  async function lookAtQueue(): Promise<void> {
    const now = clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const { webhookId, nextAttemptAt } of await webhooks.backlog()) {
      if (!running) return;
      if (busy.has(webhookId)) continue; // its answer pumps again
      const due = Math.max(nextAttemptAt, pausedUntil.get(webhookId) ?? 0);
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      const bucket = bucketOf(webhookId, now);
      const wait = bucket.msUntilToken(now);
      if (wait > 0) {
        next = Math.min(next, now + wait);
        continue;
      }
      const delivery = await webhooks.nextDue(webhookId, now);
      if (!delivery || busy.has(webhookId) || !running) continue;
      bucket.tryTake(now);
      send(delivery);
    }
    if (next !== Number.POSITIVE_INFINITY) wakeAt(next);
  }

  function send(delivery: DeliveryRecord): void {
    busy.add(delivery.webhookId);
    const task = attempt(delivery)
      .catch((err) => {
        logger.error({ err, delivery: delivery.id }, "recording a delivery failed");
        pausedUntil.set(delivery.webhookId, clock.now() + RECOVERY_DELAY_MS);
      })
      .finally(() => {
        busy.delete(delivery.webhookId);
        inFlight.delete(task);
        void pump();
      });
    inFlight.add(task);
  }

  async function attempt(delivery: DeliveryRecord): Promise<void> {
    const target = await webhooks.target(delivery.webhookId);
    if (!target?.enabled) return; // deleted or disabled meanwhile
    const attempts = delivery.attempts + 1;
    const event = await transitions.transition(delivery.transitionId);
    if (!event) {
      await webhooks.markDead(delivery.id, attempts, `transition ${delivery.transitionId} no longer exists`);
      return;
    }
    if (!running) return;
    if (deps.fence) {
      const token = deps.fence.token();
      if (
        token === undefined ||
        !(await webhooks.claim(delivery.id, delivery.attempts, deps.fence.lease, token))
      ) {
        // Not ours (any more): look again later rather than at once; the lease's change stops
        // this dispatcher meanwhile.
        logger.info({ delivery: delivery.id }, "not sending: another node holds the webhook work now");
        pausedUntil.set(delivery.webhookId, clock.now() + RECOVERY_DELAY_MS);
        return;
      }
    }
    const body = JSON.stringify(webhookPayload(event, target));
    const outcome = await post(target.url, body, {
      "content-type": "application/json; charset=utf-8",
      "user-agent": USER_AGENT,
      [SIGNATURE_HEADER]: signWebhookBody(target.secret, body),
      [EVENT_ID_HEADER]: String(event.id),
      "x-webhook-id": String(target.id),
      "x-delivery-attempt": String(attempts),
    });
    if (!outcome.ok && outcome.abandoned) return; // stopping: the row stays as it was
    const now = clock.now();
    if (outcome.ok) {
      await webhooks.markDelivered(delivery.id, attempts, now);
      logger.debug({ webhook: target.id, event: event.id, attempts }, "webhook delivered");
      return;
    }
    if (attempts >= maxAttempts) {
      await webhooks.markDead(delivery.id, attempts, outcome.error);
      logger.warn(
        { webhook: target.id, event: event.id, attempts, error: outcome.error },
        "webhook delivery dead: giving up",
      );
      return;
    }
    const backoff = retryDelayMs(attempts, retry, random);
    const delay = Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, retry.maxDelayMs));
    await webhooks.markFailed(delivery.id, attempts, outcome.error, now + delay);
    logger.info(
      { webhook: target.id, event: event.id, attempts, retryInMs: delay, error: outcome.error },
      "webhook delivery failed; will retry",
    );
  }

  async function post(url: string, body: string, headers: Record<string, string>): Promise<PostOutcome> {
    const controller = new AbortController();
    requests.add(controller);
    let timedOut = false;
    const timer = timers.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      // Redirects are not followed: a signed POST must reach the address the admin registered.
      const response = await outbound.request(url, {
        method: "POST",
        headers,
        body,
        signal: controller.signal,
        maxBodyBytes: ANSWER_BYTES_READ,
      });
      const { status } = response;
      if (status >= 200 && status < 300) return { ok: true };
      const retryAfterHeader = response.headers["retry-after"];
      const retryAfter = retryAfterMs(
        typeof retryAfterHeader === "string" ? retryAfterHeader : null,
        clock.now(),
      );
      const excerpt =
        status >= 300 && status < 400 ? "redirect not followed" : responseExcerpt(response.bodyStart);
      return {
        ok: false,
        error: `HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      };
    } catch (err) {
      if (!running && !timedOut) return { ok: false, error: "stopped", abandoned: true };
      if (timedOut) return { ok: false, error: `no answer within ${timeoutMs} ms` };
      if (err instanceof TargetRefusedError) return { ok: false, error: `refused: ${err.message}` };
      // The code only (ECONNREFUSED, ENOTFOUND…): messages may carry addresses and ports.
      const failure = err as { code?: unknown; errors?: { code?: unknown }[]; message?: string };
      const code = failure.code ?? failure.errors?.[0]?.code;
      return { ok: false, error: typeof code === "string" ? code : responseExcerpt(String(failure.message)) };
    } finally {
      timers.clearTimeout(timer);
      requests.delete(controller);
    }
  }

  /** Transitions being queued: settle() waits for them too (a slower database takes longer to queue). */
  const queueing = new Set<Promise<void>>();
  const onTransition = (event: AlertEvent) => {
    if (!running) return;
    const queued: Promise<void> = webhooks
      .enqueue(event.id)
      .then((queued) => {
        if (queued > 0) void pump();
      })
      .catch((err) => {
        // The next start's catch-up queues it.
        logger.error({ err, event: event.id }, "queueing a transition failed");
      })
      .finally(() => queueing.delete(queued));
    queueing.add(queued);
  };

  return {
    async start() {
      if (running) return;
      running = true;
      // Listen first, then catch up: a transition stored in between is queued twice, harmlessly.
      unsubscribe = transitions.onTransition(onTransition);
      const queued = await webhooks.catchUp();
      if (queued > 0) logger.info({ queued }, "queued transitions missed while stopped");
      await pump();
    },

    async stop() {
      if (!running) return;
      running = false;
      unsubscribe?.();
      if (wake) timers.clearTimeout(wake.handle);
      wake = undefined;
      for (const controller of requests) controller.abort();
      await Promise.allSettled([...inFlight]);
    },

    poke() {
      void pump();
    },

    async settle() {
      for (;;) {
        await Promise.allSettled([...queueing]);
        await pump();
        if ((inFlight.size === 0 && queueing.size === 0) || !running) return;
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
