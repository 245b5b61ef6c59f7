/** The devices feature as the rest of the service uses it. */
export { devicesApi } from "./api/devices-api.js";
export { createDeviceCredentials, type DeviceCredentials } from "./credentials/device-credentials.js";
export { deviceSecretKeyFrom } from "./credentials/secret-key.js";
export { type AdminActor, createDeviceAdministration, type DeviceSecrets } from "./device-administration.js";
export { admitReadings, type IngestPolicy } from "./model/calibration.js";
export type { DeviceProfile, FloodLevels } from "./model/device.js";
export {
  type DeviceLifecycle,
  devicePatchSchema,
  EDITABLE_LIFECYCLES,
  newDeviceSchema,
} from "./model/device-admin.js";
export { CellValueError, calibrationCell, DeviceCsvError, decimal } from "./model/device-csv.js";
export { deviceMigrations } from "./store/device-migrations.js";
export {
  createDeviceRegistry,
  type DeviceRecord,
  type DeviceRegistry,
  DeviceRegistryError,
  type StatusChange,
} from "./store/device-registry.js";
export type { DeviceTables } from "./store/device-schema.js";
