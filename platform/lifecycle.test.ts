import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createStopSequence } from "./lifecycle.js";

const logger = pino({ level: "silent" });

describe("a stop sequence", () => {
  it("stops the newest part first, runs every step even when one fails, and only once", async () => {
    const order: string[] = [];
    const sequence = createStopSequence(logger);
    sequence.add("database", () => order.push("database"));
    sequence.add("broker", async () => {
      order.push("broker");
      throw new Error("broker would not close");
    });
    sequence.add("http", async () => order.push("http"));
    await Promise.all([sequence.stop(), sequence.stop()]);
    await sequence.stop();
    expect(order).toEqual(["http", "broker", "database"]);
  });

  it("refuses a step added while stopping", async () => {
    const sequence = createStopSequence(logger);
    const stopped = sequence.stop();
    expect(() => sequence.add("late", () => {})).toThrow(/already stopping/);
    await stopped;
  });
});
