import { describe, expect, it } from "vitest";
import { createListenerSet } from "./listeners.js";

describe("a listener set", () => {
  it("calls every listener in the order they were added, with the event", () => {
    const heard: string[] = [];
    const set = createListenerSet<[number]>("test", () => {});
    set.add((n) => heard.push(`a${n}`));
    set.add((n) => heard.push(`b${n}`));
    set.emit(1);
    expect(heard).toEqual(["a1", "b1"]);
  });

  it("reports a throwing or rejecting listener and still calls the others", async () => {
    const errors: Array<[string, unknown]> = [];
    const set = createListenerSet<[]>("alerts", (channel, error) => errors.push([channel, error]));
    const heard: string[] = [];
    set.add(() => {
      throw new Error("sync");
    });
    set.add(() => Promise.reject(new Error("async")));
    set.add(() => heard.push("third"));
    expect(() => set.emit()).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(["third"]);
    expect(errors.map(([channel, error]) => `${channel}:${(error as Error).message}`)).toEqual([
      "alerts:sync",
      "alerts:async",
    ]);
  });

  it("survives an error handler that throws", () => {
    const set = createListenerSet<[]>("x", () => {
      throw new Error("handler");
    });
    set.add(() => {
      throw new Error("listener");
    });
    expect(() => set.emit()).not.toThrow();
  });

  it("stops calling a listener once unsubscribed", () => {
    const set = createListenerSet<[]>("x", () => {});
    let calls = 0;
    const off = set.add(() => calls++);
    set.emit();
    off();
    set.emit();
    expect(calls).toBe(1);
    expect(set.size).toBe(0);
  });
});
