import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { startServiceProcess } from "./support/service-process.js";

describe("start-up when a port is taken (e.g. a system Mosquitto on 1883)", () => {
  it("exits with 1 and names the setting to change", async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "0.0.0.0", resolve));
    try {
      await expect(
        startServiceProcess({ env: { MQTT_PORT: String(port), BIND_HOST: "0.0.0.0" } }),
      ).rejects.toThrow(
        new RegExp(`service exited with 1[\\s\\S]*Port ${port} is already in use \\(MQTT_PORT\\)`),
      );
    } finally {
      squatter.close();
    }
  });
});
