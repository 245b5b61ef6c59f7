import { describe, expect, it } from "vitest";
import { parseXferlogLine } from "./xferlog-completions.js";

describe("xferlog lines", () => {
  it("reads a completed incoming transfer's file name and size", () => {
    expect(
      parseXferlogLine(
        "Sun Dec  6 09:45:27 2026 1 127.0.0.1 30 /srv/inbox/NT01/2023/05/09/TNI_X_NT01_20230509154000.txt b _ i a <no_password> ftp 0 * c",
      ),
    ).toEqual({ name: "TNI_X_NT01_20230509154000.txt", bytes: 30 });
    expect(
      parseXferlogLine("Sun Dec  6 09:45:27 2026 1 10.0.0.5 9 /a b.txt b _ i r ctyabc ftp 0 * c"),
    ).toEqual({
      name: "a b.txt",
      bytes: 9,
    });
  });

  it("ignores incomplete and outgoing transfers and other lines", () => {
    expect(
      parseXferlogLine("Sun Dec  6 09:45:27 2026 1 127.0.0.1 30 /a.txt b _ i a x ftp 0 * i"),
    ).toBeUndefined();
    expect(
      parseXferlogLine("Sun Dec  6 09:45:27 2026 1 127.0.0.1 30 /a.txt b _ o a x ftp 0 * c"),
    ).toBeUndefined();
    expect(parseXferlogLine("CONNECT: Client 127.0.0.1")).toBeUndefined();
    expect(parseXferlogLine("")).toBeUndefined();
  });
});
