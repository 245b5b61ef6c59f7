import type { Socket } from "socket.io-client";
import {
  LIVE_READINGS_EVENT,
  type LiveAqi,
  type LiveReading,
  liveAqiSchema,
  liveReadingsFrameSchema,
  subscribeAckSchema,
} from "./contract.js";

export type FeedState = "connecting" | "connected" | "disconnected" | "rejected";

export interface LiveFeedOptions {
  /** A socket for the "/ops" namespace, not yet connected (created with autoConnect: false). */
  socket: Socket;
  onReading(reading: LiveReading): void;
  /** A station's AQI for an hour or a day that has just closed or was recomputed. */
  onAqi(aqi: LiveAqi): void;
  onStateChange(state: FeedState): void;
  /** Called after every successful subscription, so the caller can load what it may have missed. */
  onSubscribed(): void;
  /** Where malformed events are reported; they are dropped, never shown. */
  onInvalidEvent(message: string): void;
}

export interface LiveFeed {
  close(): void;
}

/** Subscribes to every station's readings and indices on connect and on each reconnect. */
export function startLiveFeed(options: LiveFeedOptions): LiveFeed {
  const { socket } = options;

  socket.on("connect", () => {
    socket.emit("subscribe", { all: true }, (answer: unknown) => {
      const ack = subscribeAckSchema.safeParse(answer);
      if (!ack.success || !ack.data.ok) {
        options.onInvalidEvent(`subscription refused: ${JSON.stringify(answer)}`);
        options.onStateChange("rejected");
        return;
      }
      options.onStateChange("connected");
      options.onSubscribed();
    });
  });
  socket.on("disconnect", () => options.onStateChange("disconnected"));
  socket.on("connect_error", () => options.onStateChange("disconnected"));
  socket.io.on("reconnect_attempt", () => options.onStateChange("connecting"));
  socket.on(LIVE_READINGS_EVENT, (payload: unknown) => {
    const frame = liveReadingsFrameSchema.safeParse(payload);
    if (frame.success) for (const reading of frame.data) options.onReading(reading);
    else options.onInvalidEvent(`malformed readings frame: ${frame.error.message}`);
  });
  socket.on("aqi", (payload: unknown) => {
    const aqi = liveAqiSchema.safeParse(payload);
    if (aqi.success) options.onAqi(aqi.data);
    else options.onInvalidEvent(`malformed aqi event: ${aqi.error.message}`);
  });

  options.onStateChange("connecting");
  socket.connect();
  return { close: () => socket.close() };
}
