/**
 * The demo fleet of Tây Ninh province (which since 1 July 2025 also covers former Long An).
 * `area` is a slug of the commune/ward name after the 2025 reorganisation, not an official code.
 * Coordinates are plausible station sites, not surveyed positions.
 */

import type { DeviceProfile, FloodLevels } from "../devices/index.js";
import type { MetricKey } from "../kernel/catalogue.js";
import type { SimulatedDevice } from "./device-stream.js";
import {
  type AirSignalParameters,
  defaultSignalParameters,
  type NoiseSignalParameters,
  type StationSignalParameters,
  type WaterLevelSignalParameters,
  type WaterQualitySignalParameters,
  type WeatherSignalParameters,
} from "./signals.js";

const AIR_METRICS: readonly MetricKey[] = [
  "pm25",
  "pm10",
  "o3",
  "no2",
  "so2",
  "co",
  "temperature",
  "humidity",
];
const WATER_LEVEL_METRICS: readonly MetricKey[] = ["water_level", "rainfall"];
const WATER_QUALITY_METRICS: readonly MetricKey[] = [
  "ph",
  "do",
  "turbidity",
  "conductivity",
  "cod",
  "bod5",
  "nh4",
  "no3",
  "po4",
  "coliform",
  "temperature",
];
const NOISE_METRICS: readonly MetricKey[] = ["noise"];
const WEATHER_METRICS: readonly MetricKey[] = ["temperature", "humidity", "pressure", "rainfall"];

interface Site {
  readonly id: string;
  readonly name: string;
  readonly area: string;
  readonly areaName: string;
  readonly lat: number;
  readonly lon: number;
}

const AREAS = {
  "tan-ninh": "Phường Tân Ninh",
  "tan-an": "Phường Tân An",
  "hoa-thanh": "Phường Hòa Thành",
  "an-tinh": "Phường An Tịnh",
  "gia-loc": "Phường Gia Lộc",
  "go-dau": "Phường Gò Dầu",
  "trang-bang": "Phường Trảng Bàng",
  "kien-tuong": "Phường Kiến Tường",
  "duc-hoa": "Xã Đức Hòa",
  "ben-luc": "Xã Bến Lức",
  "duong-minh-chau": "Xã Dương Minh Châu",
} as const;

type AreaSlug = keyof typeof AREAS;

function site(id: string, name: string, area: AreaSlug, lat: number, lon: number): Site {
  return { id, name, area, areaName: AREAS[area], lat, lon };
}

function air(where: Site, tuning: Partial<AirSignalParameters>): SimulatedDevice {
  const signal = { ...defaultSignalParameters("air"), ...tuning };
  return { profile: { ...where, kind: "air", metrics: [...AIR_METRICS] }, signal };
}

function waterLevel(
  where: Site,
  floodLevels: FloodLevels,
  tuning: Partial<WaterLevelSignalParameters>,
): SimulatedDevice {
  const signal = { ...defaultSignalParameters("water_level"), ...tuning };
  return {
    profile: { ...where, kind: "water_level", metrics: [...WATER_LEVEL_METRICS], floodLevels },
    signal,
  };
}

function waterQuality(where: Site, tuning: Partial<WaterQualitySignalParameters>): SimulatedDevice {
  const signal = { ...defaultSignalParameters("water_quality"), ...tuning };
  return { profile: { ...where, kind: "water_quality", metrics: [...WATER_QUALITY_METRICS] }, signal };
}

function noise(where: Site, tuning: Partial<NoiseSignalParameters>): SimulatedDevice {
  const signal = { ...defaultSignalParameters("noise"), ...tuning };
  return { profile: { ...where, kind: "noise", metrics: [...NOISE_METRICS] }, signal };
}

function weather(where: Site, tuning: Partial<WeatherSignalParameters>): SimulatedDevice {
  const signal = { ...defaultSignalParameters("weather"), ...tuning };
  return { profile: { ...where, kind: "weather", metrics: [...WEATHER_METRICS] }, signal };
}

/** The built-in fleet: profiles with their signal parameters. */
export const TAY_NINH_SIMULATED_FLEET: readonly SimulatedDevice[] = [
  // Air quality: residential wards.
  air(site("tn-air-001", "Quan trắc không khí Tân Ninh (trung tâm)", "tan-ninh", 11.31, 106.098), {
    pm25Background: 12,
    trafficLoad: 0.7,
  }),
  air(
    site("tn-air-002", "Quan trắc không khí Tân An (trung tâm hành chính tỉnh)", "tan-an", 10.536, 106.413),
    {
      pm25Background: 14,
      trafficLoad: 0.85,
    },
  ),
  air(site("tn-air-003", "Quan trắc không khí Hòa Thành", "hoa-thanh", 11.275, 106.126), {
    pm25Background: 11,
    trafficLoad: 0.55,
  }),
  // Air quality: industrial parks, with occasional plumes.
  air(site("tn-air-004", "Quan trắc không khí KCN Trảng Bàng", "an-tinh", 11.056, 106.348), {
    pm25Background: 16,
    trafficLoad: 0.6,
    industrialLoad: 1,
    plumeEpisodesPerHour: 0.3,
  }),
  air(site("tn-air-005", "Quan trắc không khí KCN Phước Đông", "gia-loc", 11.118, 106.302), {
    pm25Background: 15,
    trafficLoad: 0.5,
    industrialLoad: 1,
    plumeEpisodesPerHour: 0.35,
  }),
  air(site("tn-air-006", "Quan trắc không khí khu công nghiệp Đức Hòa", "duc-hoa", 10.858, 106.428), {
    pm25Background: 17,
    trafficLoad: 0.7,
    industrialLoad: 0.9,
    plumeEpisodesPerHour: 0.25,
  }),
  air(site("tn-air-007", "Quan trắc không khí khu công nghiệp Bến Lức", "ben-luc", 10.64, 106.49), {
    pm25Background: 17,
    trafficLoad: 0.8,
    industrialLoad: 0.8,
    plumeEpisodesPerHour: 0.25,
  }),
  // Air quality: busy highway junction.
  air(site("tn-air-008", "Quan trắc không khí nút giao QL22 Gò Dầu", "go-dau", 11.087, 106.263), {
    pm25Background: 14,
    trafficLoad: 1,
  }),

  // Water level: the reservoir and flood-prone reaches of the Vàm Cỏ rivers.
  // Flood alarm levels I/II/III are DEMO VALUES placed relative to the simulated levels (rivers: level I
  // in most flood episodes of the rainy season, II in the larger ones, III practically never), NOT the
  // alarm levels the province has set for these stations.
  waterLevel(
    site("tn-wl-001", "Mực nước hồ Dầu Tiếng (bờ Dương Minh Châu)", "duong-minh-chau", 11.34, 106.27),
    // The reservoir rises slowly: only the top of its seasonal high (mid-November) touches level I.
    { I: 23.9, II: 24.2, III: 24.5 },
    {
      baseLevel: 22.6,
      tidalAmplitude: 0,
      seasonalAmplitude: 1.2,
      seasonalPeakDay: 320,
      rainResponse: 0.004,
      catchmentMinutes: 120,
      channelMinutes: 720,
      floodEpisodesPerHour: 0.05,
    },
  ),
  waterLevel(
    site("tn-wl-002", "Mực nước sông Vàm Cỏ Đông tại Gò Dầu", "go-dau", 11.083, 106.27),
    { I: 1.6, II: 1.9, III: 2.4 },
    {
      baseLevel: 0.5,
      tidalAmplitude: 0.7,
      rainResponse: 0.06,
      floodEpisodesPerHour: 0.3,
    },
  ),
  waterLevel(
    site("tn-wl-003", "Mực nước sông Vàm Cỏ Tây tại Tân An", "tan-an", 10.533, 106.418),
    { I: 1.6, II: 1.9, III: 2.4 },
    {
      baseLevel: 0.3,
      tidalAmplitude: 1,
      seasonalAmplitude: 0.35,
      rainResponse: 0.05,
      floodEpisodesPerHour: 0.3,
    },
  ),
  waterLevel(
    site("tn-wl-004", "Mực nước sông Vàm Cỏ Tây tại Kiến Tường", "kien-tuong", 10.776, 105.93),
    // Upstream, where the seasonal flood of the Đồng Tháp Mười plain lifts the river through October.
    { I: 2.7, II: 3.1, III: 3.5 },
    {
      baseLevel: 1.4,
      tidalAmplitude: 0.25,
      seasonalAmplitude: 0.9,
      seasonalPeakDay: 285,
      rainResponse: 0.05,
      catchmentMinutes: 30,
      channelMinutes: 90,
      floodEpisodesPerHour: 0.25,
    },
  ),

  // Water quality.
  waterQuality(site("tn-wq-001", "Chất lượng nước hồ Dầu Tiếng", "duong-minh-chau", 11.338, 106.276), {
    pollutionIndex: 0.1,
    basePh: 7.1,
  }),
  waterQuality(site("tn-wq-002", "Chất lượng nước sông Vàm Cỏ Đông tại Gò Dầu", "go-dau", 11.08, 106.272), {
    pollutionIndex: 0.45,
    basePh: 6.6,
    dischargeEpisodesPerHour: 0.3,
  }),
  waterQuality(
    site("tn-wq-003", "Chất lượng nước kênh Đông (thủy lợi Dầu Tiếng)", "trang-bang", 11.03, 106.37),
    {
      pollutionIndex: 0.25,
      basePh: 7,
    },
  ),
  waterQuality(site("tn-wq-004", "Chất lượng nước sông Vàm Cỏ Tây tại Tân An", "tan-an", 10.53, 106.423), {
    pollutionIndex: 0.6,
    basePh: 6.5,
    salinityInfluence: 0.7,
    dischargeEpisodesPerHour: 0.2,
  }),

  // Noise.
  noise(site("tn-noise-001", "Tiếng ồn trung tâm Tân Ninh", "tan-ninh", 11.305, 106.1), {
    quietLevel: 47,
    trafficRise: 20,
  }),
  noise(site("tn-noise-002", "Tiếng ồn Quốc lộ 1 tại Tân An", "tan-an", 10.542, 106.405), {
    quietLevel: 50,
    trafficRise: 22,
  }),
  noise(site("tn-noise-003", "Tiếng ồn Quốc lộ 22 tại Trảng Bàng", "trang-bang", 11.033, 106.36), {
    quietLevel: 50,
    trafficRise: 20,
    industrialRise: 3,
  }),
  noise(site("tn-noise-004", "Tiếng ồn KCN Phước Đông", "gia-loc", 11.121, 106.297), {
    quietLevel: 52,
    trafficRise: 8,
    industrialRise: 12,
  }),

  // Weather.
  weather(site("tn-met-001", "Khí tượng Tân Ninh", "tan-ninh", 11.314, 106.092), {
    meanTemperature: 27.8,
    temperatureAmplitude: 4.8,
    basePressure: 1008.5,
  }),
  weather(site("tn-met-002", "Khí tượng Tân An", "tan-an", 10.54, 106.4), {
    meanTemperature: 27.6,
    temperatureAmplitude: 4.2,
    basePressure: 1009,
  }),
  weather(site("tn-met-003", "Khí tượng hồ Dầu Tiếng", "duong-minh-chau", 11.355, 106.23), {
    meanTemperature: 27.3,
    temperatureAmplitude: 4,
    basePressure: 1008.7,
  }),
  weather(site("tn-met-004", "Khí tượng Kiến Tường", "kien-tuong", 10.78, 105.925), {
    meanTemperature: 27.5,
    temperatureAmplitude: 4.5,
    basePressure: 1009.2,
  }),
];

/** Registry profiles of the built-in fleet. */
export const TAY_NINH_FLEET: readonly DeviceProfile[] = TAY_NINH_SIMULATED_FLEET.map(
  (device) => device.profile,
);

/** Signal parameters of the built-in fleet, by device id. */
export const TAY_NINH_SIGNAL_PARAMETERS: ReadonlyMap<string, StationSignalParameters> = new Map(
  TAY_NINH_SIMULATED_FLEET.map((device) => [device.profile.id, device.signal]),
);
