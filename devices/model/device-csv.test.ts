import { describe, expect, it } from "vitest";
import { DeviceCsvError, MAX_CSV_ROWS, parseDeviceCsv } from "./device-csv.js";

const HEADER =
  "id,name,kind,area,area_name,lat,lon,metrics,flood_level_i,flood_level_ii,flood_level_iii,calibration";

describe("device CSV", () => {
  it("reads good rows and reports each bad row with its line and reason", () => {
    const text = [
      `\ufeff${HEADER}`,
      "tn-air-101,Trạm không khí Hòa Thành,air,hoa-thanh,Phường Hòa Thành,11.28,106.13,pm25;pm10,,,,pm25:-0.5:1.02",
      "tn-air-102,Bad latitude,air,hoa-thanh,,11;28,106.13,pm25,,,,",
      "",
      '"la-wl-103","Mực nước Bến Lức, cầu mới",water_level,ben-luc,Xã Bến Lức,10.64,106.49,water_level;rainfall,1.2,1.5,1.8,',
      "tn-air-104,Unknown metric,air,hoa-thanh,,11.2,106.1,pm25;pm26,,,,",
      "tn-air-101,Duplicate,air,hoa-thanh,,11.2,106.1,pm25,,,,",
      "tn-air-105,Half flood levels,water_level,ben-luc,,10.6,106.4,water_level,1.2,,1.8,",
      "bad id!,Bad id,air,hoa-thanh,,11.2,106.1,pm25,,,,",
      "tn-air-106,Short row,air",
      "tn-air-107,Bad calibration,air,hoa-thanh,,11.2,106.1,pm25,,,,pm25:1",
      "tn-air-108,Calibrates what it lacks,air,hoa-thanh,,11.2,106.1,pm25,,,,noise:0:1",
      "tn-air-109,Prototype,air,hoa-thanh,,11.2,106.1,pm25,,,,__proto__:0:1;pm25:0:1",
    ].join("\r\n");
    const { devices, errors } = parseDeviceCsv(text);
    expect(devices).toEqual([
      {
        row: 2,
        device: {
          id: "tn-air-101",
          name: "Trạm không khí Hòa Thành",
          kind: "air",
          area: "hoa-thanh",
          areaName: "Phường Hòa Thành",
          lat: 11.28,
          lon: 106.13,
          metrics: ["pm25", "pm10"],
          calibration: { pm25: { offset: -0.5, scale: 1.02 } },
        },
      },
      {
        row: 5,
        device: {
          id: "la-wl-103",
          name: "Mực nước Bến Lức, cầu mới",
          kind: "water_level",
          area: "ben-luc",
          areaName: "Xã Bến Lức",
          lat: 10.64,
          lon: 106.49,
          metrics: ["water_level", "rainfall"],
          floodLevels: { I: 1.2, II: 1.5, III: 1.8 },
        },
      },
    ]);
    expect(errors.map(({ row, messageVi }) => [row, messageVi])).toEqual([
      [3, "vĩ độ: '11;28' không phải là số (dùng dấu '.' cho phần thập phân)"],
      [6, expect.stringMatching(/^thông số\.1: không thuộc các giá trị cho phép \(metrics are pm25, /)],
      [7, "mã trạm 'tn-air-101' đã có ở dòng 2 của tệp này"],
      [8, "mức báo động lũ: ghi đủ cả ba cột (flood_level_i, _ii, _iii) hoặc để trống cả ba"],
      [9, expect.stringMatching(/^mã trạm: .+ \(device id: letters, digits/)],
      [10, "3 ô; dòng tiêu đề có 12 cột"],
      [11, "hiệu chuẩn: 'pm25:1' không có dạng thông_số:độ_lệch:hệ_số"],
      [12, expect.stringMatching(/^hiệu chuẩn: không hợp lệ \(calibration of noise/)],
      [13, "hiệu chuẩn: không có thông số '__proto__'"],
    ]);
    expect(errors.map(({ row, message }) => ({ row, message }))).toEqual([
      { row: 3, message: "lat: '11;28' is not a number (use '.' for decimals)" },
      { row: 6, message: expect.stringMatching(/^metrics\.1: metrics are pm25, /) },
      { row: 7, message: "id 'tn-air-101' is already on line 2 of this file" },
      { row: 8, message: "flood levels: give all three (flood_level_i, _ii, _iii) or none" },
      { row: 9, message: "id: device id: letters, digits, '-' or '_', at most 64" },
      { row: 10, message: "3 cells; the header has 12 columns" },
      { row: 11, message: "calibration: 'pm25:1' is not metric:offset:scale" },
      {
        row: 12,
        message: "calibration: calibration of noise, which the device does not measure (metrics: pm25)",
      },
      { row: 13, message: "calibration: unknown metric '__proto__'" },
    ]);
  });

  it("takes the required columns alone, in any order and case", () => {
    const { devices, errors } = parseDeviceCsv(
      "METRICS,Lon,lat,area,kind,name,id\nnoise,106.1,11.3,tan-ninh,noise,Ồn,n-1\n",
    );
    expect(errors).toEqual([]);
    expect(devices).toEqual([
      {
        row: 2,
        device: {
          id: "n-1",
          name: "Ồn",
          kind: "noise",
          area: "tan-ninh",
          lat: 11.3,
          lon: 106.1,
          metrics: ["noise"],
        },
      },
    ]);
  });

  it("refuses a file it cannot use as a whole, saying why", () => {
    const refusal = (text: string) => {
      try {
        parseDeviceCsv(text);
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(DeviceCsvError);
        return (error as Error).message;
      }
    };
    expect(refusal("")).toMatch(/^the file is empty/);
    expect(refusal("id,name,kind,area,lat,lon\n")).toBe("the header lacks the column metrics");
    expect(refusal("id,name,kind,area,lat,lon,metrics,district\n")).toMatch(
      /^unknown column 'district'; columns are/,
    );
    expect(refusal("id,name,kind,area,lat,lon,metrics,id\n")).toBe("the header repeats the column id");
    expect(refusal("id,name,kind,area,lat,lon,metrics\n")).toBe("the file has a header but no rows");
    expect(refusal('id,name,kind,area,lat,lon,metrics\n"a,b\n')).toMatch(
      /^not readable as CSV: Quote Not Closed/,
    );
    const tooMany = `id,name,kind,area,lat,lon,metrics\n${"x,y,air,a,1,1,pm25\n".repeat(MAX_CSV_ROWS + 1)}`;
    expect(refusal(tooMany)).toBe(`${MAX_CSV_ROWS + 1} rows; at most ${MAX_CSV_ROWS} per import`);
  });
});
