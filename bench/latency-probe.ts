import { io, type Socket } from "socket.io-client";
import { LIVE_READINGS_EVENT } from "../kernel/api-contract.js";

/**
 * An operator screen: subscribed to everything on /ops, it notes for each `reading` event how long
 * after the reading's timestamp (the load generator stamps the publish time) it arrived.
 */
export async function startLatencyProbe(
  httpUrl: string,
  /** The /ops handshake `auth` (an operator's access token). */
  auth: Record<string, unknown>,
): Promise<{
  latenciesMs(since?: number): number[];
  events(): number;
  close(): void;
}> {
  const socket: Socket = io(`${httpUrl}/ops`, { transports: ["websocket"], auth });
  const latencies: number[] = [];
  const arrivals: number[] = [];
  let events = 0;
  socket.on(LIVE_READINGS_EVENT, (frame: Array<{ ts: string }>) => {
    const now = Date.now();
    for (const event of frame) {
      events++;
      arrivals.push(now);
      latencies.push(now - Date.parse(event.ts));
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect_error", (error) => reject(new Error(`/ops refused the probe: ${error.message}`)));
    socket.emit("subscribe", { all: true }, (answer: { ok: boolean }) =>
      answer.ok ? resolve() : reject(new Error("subscribe refused")),
    );
  });
  return {
    /** Latencies of the events that arrived at or after `since` (epoch ms). */
    latenciesMs: (since = 0) => latencies.filter((_, i) => (arrivals[i] as number) >= since),
    events: () => events,
    close: () => socket.close(),
  };
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
