/**
 * The simulated facility of the demo (DEMO=1): a textile dyeing plant in the Trảng Bàng industrial
 * zone with a wastewater station and a stack station. Its name says it is simulated; its limits
 * are those of QCVN 40:2011/BTNMT column A (wastewater) and QCVN 19:2009/BTNMT column B (stack,
 * Kp = Kv = 1), as a permit would set them.
 */
import type { FacilitiesFile } from "./model/facilities.js";

export const DEMO_PROVINCE = "TNI";
export const DEMO_FACILITY_CODE = "DETMP";

export const DEMO_FACILITIES: FacilitiesFile = {
  province: DEMO_PROVINCE,
  facilities: [
    {
      code: DEMO_FACILITY_CODE,
      name: "Công ty Dệt nhuộm Minh Phát (mô phỏng)",
      taxCode: "0000000001",
      industrialZone: "Khu công nghiệp Trảng Bàng",
      area: "trang-bang",
      areaName: "Phường Trảng Bàng",
      stations: [
        {
          code: "NT01",
          deviceId: "tn-ww-001",
          name: "Nước thải sau xử lý · Dệt nhuộm Minh Phát (mô phỏng)",
          kind: "wastewater",
          lat: 11.0312,
          lon: 106.3721,
          parameters: {},
          limits: [
            { metric: "cod", max: 75, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "tss", max: 50, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "nh4", max: 5, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "ph", min: 6, max: 9, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
          ],
          intervalMinutes: 5,
        },
        {
          code: "KT01",
          deviceId: "tn-stack-001",
          name: "Khí thải lò hơi · Dệt nhuộm Minh Phát (mô phỏng)",
          kind: "stack_emission",
          lat: 11.0318,
          lon: 106.3727,
          parameters: {},
          limits: [
            { metric: "stack_dust", max: 200, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "stack_so2", max: 500, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "stack_nox", max: 850, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
            { metric: "stack_co", max: 1000, permit: "01/GPMT-MP (mô phỏng)", validFrom: "2025-01-01" },
          ],
          intervalMinutes: 5,
        },
      ],
    },
  ],
};
