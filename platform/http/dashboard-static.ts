import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

/** Serves the built dashboard (npm run build) at /; says how to build it when it is missing. */
export const dashboardStatic: FastifyPluginAsync<{ readonly root: string }> = async (app, { root }) => {
  if (!existsSync(join(root, "index.html"))) {
    app.log.warn({ root }, "dashboard is not built; run `npm run build`");
    app.get("/", async (_request, reply) =>
      reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "Bảng điều khiển chưa được build. Chạy `npm run build`.\nDashboard not built: run `npm run build`.\n",
        ),
    );
    return;
  }
  await app.register(fastifyStatic, { root, prefix: "/", index: ["index.html"] });
};
