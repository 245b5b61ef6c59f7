import { describe, expect, it } from "vitest";
import { DEMO_FACILITIES } from "../demo-facility.js";
import { facilitiesFileSchema, limitsInForce } from "./facilities.js";
import { judgeStationFile } from "./file-judgement.js";

const AT = Date.UTC(2023, 4, 9, 8, 40, 0);
const NOW = AT + 60_000;
const facilities = facilitiesFileSchema.parse(DEMO_FACILITIES);
const file = (name: string, lines: string[], topFolder: string | null = null) => ({
  name,
  folders: topFolder === null ? [] : [topFolder],
  text: `${lines.join("\r\n")}\r\n`,
});

describe("judging a station file", () => {
  it("maps symbols and units to the catalogue and keeps each status as the quality flag", () => {
    const judged = judgeStationFile(
      file("TNI_DETMP_NT01_20230509154000.txt", [
        "COD\t31.53\tmg/L\t20230509154000\t00",
        "pH\t7.1\t\t20230509154000\t00",
        "Flow_IN\t0.00\tm3/h\t20230509154000\t02",
        "Flow_OUT\t0.01\tm3/s\t20230509154000\t00",
        "Temp\t31\toC\t20230509154000\t01",
        "NH4+\t0.8\tmg/l\t20230509154000\t03",
      ]),
      facilities,
      NOW,
    );
    expect(judged.outcome).toBe("accepted");
    if (judged.outcome === "rejected") return;
    expect(judged.resolved.station.deviceId).toBe("tn-ww-001");
    expect(judged.values.map((v) => [v.metric, v.value, v.status])).toEqual([
      ["cod", 31.53, "measuring"],
      ["ph", 7.1, "measuring"],
      ["flow_in", 0, "error"],
      ["flow_out", 36, "measuring"],
      ["temperature", 31, "calibrating"],
      ["nh4", 0.8, "maintenance"],
    ]);
  });

  it("stores the good lines of a file with bad ones, and says why each bad one was refused", () => {
    const judged = judgeStationFile(
      file("TNI_DETMP_NT01_20230509154000.txt", [
        "COD\t31.53\tmg/L\t20230509154000\t00",
        "Color\t20\tPt-Co\t20230509154000\t00",
        "TSS\t12\tg/m3\t20230509154000\t00",
        "COD\t99999\tmg/L\t20230509154500\t00",
        "COD\t99999\tmg/L\t20230509155000\t02",
      ]),
      facilities,
      NOW + 3600_000,
    );
    expect(judged.outcome).toBe("partial");
    if (judged.outcome === "rejected") return;
    expect(judged.values.map((v) => [v.line, v.metric, v.status])).toEqual([
      [1, "cod", "measuring"],
      [5, "cod", "error"],
    ]);
    expect(judged.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "unknown_parameter"],
      [3, "unit_mismatch"],
      [4, "out_of_range"],
    ]);
  });

  it("finds the station of an older name by its upload folder, or the facility's only station", () => {
    const older = judgeStationFile(
      file("DETMP20230509154000.txt", ["SO2\t120\tmg/Nm3\t20230509154000\t00"], "KT01"),
      facilities,
      NOW,
    );
    expect(older.outcome === "accepted" && older.resolved.station.deviceId).toBe("tn-stack-001");
    const noFolder = judgeStationFile(
      file("DETMP20230509154000.txt", ["SO2\t1\tmg/Nm3\t20230509154000\t00"]),
      facilities,
      NOW,
    );
    expect(noFolder.outcome).toBe("rejected");
  });

  it("rejects a file with a bad name, of another province or facility, or without one good line", () => {
    const reasons = [
      file("report.txt", ["COD\t1\tmg/L\t20230509154000\t00"]),
      file("HCM_DETMP_NT01_20230509154000.txt", ["COD\t1\tmg/L\t20230509154000\t00"]),
      file("TNI_OTHER_NT01_20230509154000.txt", ["COD\t1\tmg/L\t20230509154000\t00"]),
      file("TNI_DETMP_NT01_20230509154000.txt", ["this is not a station file", "\u0000\u0001\u0002"]),
    ].map((f) => {
      const judged = judgeStationFile(f, facilities, NOW);
      return judged.outcome === "rejected" ? judged.reason : judged.outcome;
    });
    expect(reasons[0]).toMatch(/^tên tệp không đúng mẫu/);
    expect(reasons[1]).toMatch(/tỉnh khác \(HCM\)/);
    expect(reasons[2]).toMatch(/không có trạm nào đã đăng ký cho OTHER\/NT01/);
    expect(reasons[3]).toMatch(/^không có dòng số liệu hợp lệ/);
  });
});

describe("facilities with their own FTP account", () => {
  const withAccount = facilitiesFileSchema.parse({
    ...DEMO_FACILITIES,
    facilities: [{ ...DEMO_FACILITIES.facilities[0], ftpAccount: "detmp" }],
  });
  const lines = ["COD\t31\tmg/L\t20230509154000\t00"];
  const judge = (folders: string[], name = "TNI_DETMP_NT01_20230509154000.txt") =>
    judgeStationFile({ name, folders, text: `${lines.join("\r\n")}\r\n` }, withAccount, NOW);

  it("takes a facility's files only from its account's folder", () => {
    expect(judge(["detmp", "NT01", "2023", "05", "09"]).outcome).toBe("accepted");
    expect(judge(["DETMP"]).outcome).toBe("accepted");
    const elsewhere = judge(["otherco", "NT01"]);
    expect(elsewhere.outcome === "rejected" && elsewhere.reason).toMatch(/không được gửi từ tài khoản FTP/);
    expect(judge([]).outcome).toBe("rejected");
  });

  it("finds an older name's station in the folder under the account", () => {
    const older = judge(["detmp", "KT01"], "DETMP20230509154000.txt");
    // The KT01 station maps COD to nothing: the line is refused, but the file is KT01's.
    expect(older.outcome).toBe("rejected");
    expect(older.resolved?.station.deviceId).toBe("tn-stack-001");
  });
});

describe("facilities file", () => {
  it("takes the limits in force on a day, the latest permit first", () => {
    const station = facilities.facilities[0]?.stations[0];
    if (!station) throw new Error("demo station missing");
    const renewed = {
      ...station,
      limits: [
        ...station.limits,
        {
          metric: "cod" as const,
          max: 50,
          permit: "02/GPMT",
          validFrom: "2026-01-01",
          validTo: "2026-12-31",
        },
      ],
    };
    const cod = (at: number) => limitsInForce(renewed, at).find((l) => l.metric === "cod")?.max;
    expect(cod(Date.parse("2025-06-01T00:00:00+07:00"))).toBe(75);
    expect(cod(Date.parse("2026-06-01T00:00:00+07:00"))).toBe(50);
    expect(cod(Date.parse("2026-12-31T23:59:59+07:00"))).toBe(50);
    expect(cod(Date.parse("2027-01-01T00:00:00+07:00"))).toBe(75);
    expect(cod(Date.parse("2024-12-31T23:59:59+07:00"))).toBeUndefined();
  });

  it("refuses a facilities file with clear reasons", () => {
    const bad = facilitiesFileSchema.safeParse({
      province: "TNI",
      facilities: [
        { ...DEMO_FACILITIES.facilities[0], taxCode: "12ab" },
        {
          ...DEMO_FACILITIES.facilities[0],
          stations: [{ ...DEMO_FACILITIES.facilities[0]?.stations[0], kind: "air" }],
        },
      ],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => i.message).join("\n");
    expect(messages).toMatch(/taxCode: 10 digits/);
    expect(messages).toMatch(/kind is wastewater or stack_emission/);
  });
});
