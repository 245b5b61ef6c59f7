import { describe, expect, it } from "vitest";
import { parseStationFile, parseStationFileName, parseVietnamTime } from "./station-file.js";

// 2023-05-09 15:40:00 in Vietnam is 08:40:00 UTC.
const AT = Date.UTC(2023, 4, 9, 8, 40, 0);
const LATER = AT + 3600_000;

describe("station file names", () => {
  it("reads <Province>_<Facility>_<Station>_<yyyyMMddHHmmss>.txt in Vietnam time", () => {
    expect(parseStationFileName("TNI_CTYABC_NT01_20230509154000.txt")).toEqual({
      province: "TNI",
      facility: "CTYABC",
      station: "NT01",
      at: AT,
    });
    expect(parseStationFileName("tni_ctyabc_nt01_20230509154000.TXT")?.station).toBe("nt01");
  });

  it("reads the older <Facility><yyyyMMddHHmmss>.txt", () => {
    expect(parseStationFileName("CTYABC20230509154000.txt")).toEqual({
      province: null,
      facility: "CTYABC",
      station: null,
      at: AT,
    });
  });

  it("refuses other names and impossible times", () => {
    for (const name of [
      "readme.txt",
      "TNI_CTYABC_NT01_2023050915400.txt",
      "TNI_CTYABC_NT01_20230509154000.csv",
      "TNI_CTYABC_NT01_20230231154000.txt",
      "TNI_CTYABC_NT01_20231509154000.txt",
      "../TNI_CTYABC_NT01_20230509154000.txt",
      "CTYABC19990509154000.txt",
    ]) {
      expect(parseStationFileName(name), name).toBeUndefined();
    }
    expect(parseVietnamTime("20230509246000")).toBeUndefined();
  });
});

describe("station file contents", () => {
  it("reads TAB-separated lines with CRLF or LF, an empty unit and each status", () => {
    const text = [
      "COD\t31.53\tmg/L\t20230509154000\t00",
      "pH\t7.12\t\t20230509154000\t00",
      "Flow_IN\t0.00\tm3/h\t20230509154000\t02",
      "TSS\t12,5\tmg/L\t20230509154000\t01",
      "NH4+\t1.2\tmg/L\t20230509154000\t03",
    ].join("\r\n");
    const parsed = parseStationFile(`${text}\r\n`, LATER);
    expect(parsed.problems).toEqual([]);
    expect(parsed.lines).toEqual([
      { line: 1, symbol: "COD", value: 31.53, unit: "mg/L", ts: AT, status: "measuring" },
      { line: 2, symbol: "pH", value: 7.12, unit: "", ts: AT, status: "measuring" },
      { line: 3, symbol: "Flow_IN", value: 0, unit: "m3/h", ts: AT, status: "error" },
      { line: 4, symbol: "TSS", value: 12.5, unit: "mg/L", ts: AT, status: "calibrating" },
      { line: 5, symbol: "NH4+", value: 1.2, unit: "mg/L", ts: AT, status: "maintenance" },
    ]);
    expect(parseStationFile(text.replaceAll("\r\n", "\n"), LATER).lines).toHaveLength(5);
  });

  it("reports each bad line with a Vietnamese-first reason and keeps the good ones", () => {
    const text = [
      "\uFEFFCOD\t31.53\tmg/L\t20230509154000\t00",
      "COD 31.53 mg/L 20230509154000 00",
      "TSS\tabc\tmg/L\t20230509154000\t00",
      "TSS\t1e3\tmg/L\t20230509154000\t00",
      "TSS\t12\tmg/L\t20230509256000\t00",
      "TSS\t12\tmg/L\t20230509174000\t00",
      "TSS\t12\tmg/L\t20230509154000\t07",
      "COD\t30\tmg/L\t20230509154000\t00",
      "=cmd|' /C calc'!A0\t1\t\t20230509154000\t00",
      "",
      "pH\t7\t\t20230509154000\t00\t\t",
    ].join("\r\n");
    const parsed = parseStationFile(text, LATER);
    expect(parsed.lines.map((l) => [l.line, l.symbol])).toEqual([
      [1, "COD"],
      [11, "pH"],
    ]);
    expect(parsed.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "wrong_field_count"],
      [3, "invalid_value"],
      [4, "invalid_value"],
      [5, "invalid_time"],
      [6, "future_time"],
      [7, "unknown_status"],
      [8, "duplicate_line"],
      [9, "invalid_symbol"],
    ]);
    expect(parsed.problems[0]?.message).toMatch(
      /^dòng phải có 5 trường .* · a line has 5 TAB-separated fields, got 1$/,
    );
  });

  it("survives garbage without throwing", () => {
    const garbage = String.fromCharCode(...Array.from({ length: 4000 }, (_, i) => (i * 7919) % 65_536));
    const parsed = parseStationFile(garbage, LATER);
    expect(parsed.lines).toEqual([]);
    expect(parsed.problems.length).toBeGreaterThan(0);
    expect(parseStationFile("", LATER)).toEqual({ lines: [], problems: [] });
  });
});
