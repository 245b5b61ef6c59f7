/** Test support: the server key of device secret hashes in tests that build the credentials store themselves. */
export const TEST_DEVICE_SECRET_KEY = "test-device-secret-key-0123456789-abcdef";
