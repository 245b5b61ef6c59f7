/**
 * A hand-drawn, deliberately coarse sketch of Tây Ninh province as merged with former Long An
 * on 1 July 2025, for orientation on a map without tiles. Not survey data: the UI says so.
 * Points are [lat, lon].
 */

export type LatLon = readonly [number, number];

export const PROVINCE_OUTLINE: readonly LatLon[] = [
  [11.8, 106.12],
  [11.77, 106.3],
  [11.62, 106.43],
  [11.45, 106.44],
  [11.3, 106.45],
  [11.15, 106.45],
  [11.03, 106.5],
  [10.9, 106.5],
  [10.76, 106.55],
  [10.62, 106.66],
  [10.5, 106.77],
  [10.4, 106.8],
  [10.36, 106.66],
  [10.37, 106.45],
  [10.43, 106.25],
  [10.47, 106.05],
  [10.55, 105.88],
  [10.68, 105.82],
  [10.83, 105.8],
  [10.95, 105.86],
  [11.0, 105.97],
  [11.1, 106.06],
  [11.2, 106.02],
  [11.32, 105.95],
  [11.45, 105.88],
  [11.58, 105.85],
  [11.7, 105.93],
];

/** Dầu Tiếng reservoir, elongated north–south on the eastern edge of the former Tây Ninh. */
export const DAU_TIENG_RESERVOIR: readonly LatLon[] = [
  [11.53, 106.3],
  [11.5, 106.37],
  [11.42, 106.41],
  [11.33, 106.39],
  [11.26, 106.35],
  [11.25, 106.3],
  [11.3, 106.26],
  [11.38, 106.24],
  [11.47, 106.25],
];

/** Vàm Cỏ Đông river from the Cambodian border south-east towards its confluence with the Vàm Cỏ Tây. */
export const VAM_CO_DONG_RIVER: readonly LatLon[] = [
  [11.62, 105.96],
  [11.48, 106.02],
  [11.35, 106.06],
  [11.24, 106.12],
  [11.16, 106.2],
  [11.08, 106.27],
  [10.98, 106.32],
  [10.88, 106.37],
  [10.77, 106.44],
  [10.68, 106.49],
  [10.58, 106.55],
  [10.52, 106.62],
  [10.46, 106.72],
];
