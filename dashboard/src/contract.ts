/** The service's HTTP and Socket.IO contract, shared with the API: payloads are checked on arrival. */
export {
  type CatalogueMetric,
  catalogueResponseSchema as catalogueSchema,
  type Device,
  type DeviceStatus,
  devicesResponseSchema,
  type LatestResponse,
  type LiveReading,
  latestResponseSchema,
  liveReadingSchema,
  type ReadingsResponse,
  readingsResponseSchema,
  subscribeAckSchema,
} from "../../api/contract.js";
