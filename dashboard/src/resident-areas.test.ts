import { describe, expect, it } from "vitest";
import { areasOf } from "./resident-areas.js";

describe("resident area choices", () => {
  it("lists each area once, by Vietnamese name, leaving out stations without an area", () => {
    const stations = [
      { area: "tan-ninh", areaName: "Phường Tân Ninh" },
      { area: "an-tinh", areaName: "Phường An Tịnh" },
      { area: null, areaName: null },
      { area: "tan-ninh", areaName: "Phường Tân Ninh" },
      { area: "duc-hoa", areaName: "Xã Đức Hòa" },
      { area: "no-name", areaName: null },
    ];
    expect(areasOf(stations, "vi")).toEqual([
      { code: "no-name", name: "no-name" },
      { code: "an-tinh", name: "Phường An Tịnh" },
      { code: "tan-ninh", name: "Phường Tân Ninh" },
      { code: "duc-hoa", name: "Xã Đức Hòa" },
    ]);
    expect(areasOf([], "en")).toEqual([]);
  });
});
