/**
 * Aedes and nothing of the project around it (in-memory persistence, every client accepted): the
 * floor the project's memory per idle connection is compared with in the peers suite. Bench only;
 * listens on loopback at the port given as its only argument and prints "listening".
 */
import { createServer } from "node:net";
import { Aedes } from "aedes";
import { z } from "zod";

const port = z.coerce
  .number({ error: "the port must be a number" })
  .int()
  .min(1, "the port must be 1–65535")
  .max(65_535, "the port must be 1–65535")
  .parse(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, "127.0.0.1", () => process.stdout.write("listening\n"));
process.once("SIGTERM", () => {
  server.close();
  broker.close(() => process.exit(0));
});
