import fastifyCors from "@fastify/cors";
import fastifyHelmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

export interface BrowserSecurityOptions {
  /** Origins allowed to call the API from other sites (config CORS_ORIGINS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Served over HTTPS: browsers are then told to keep using it (HSTS). */
  readonly https: boolean;
}

/**
 * Security headers for every answer, sized for the bundled dashboard: scripts and styles from this
 * origin only (styles may also be set inline by the map and chart libraries), images from here or
 * data: URLs, fetch and WebSocket to this origin ('self' covers ws:/wss: of the same host), no
 * framing. CORS is closed unless CORS_ORIGINS lists origins; tokens travel in the Authorization
 * header, never in cookies, so credentials are not allowed cross-origin.
 */
export async function registerBrowserSecurity(app: FastifyInstance, options: BrowserSecurityOptions) {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", "blob:"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The same as frame-ancestors 'none', for browsers that only know the older header.
    frameguard: { action: "deny" },
    hsts: options.https ? { maxAge: 180 * 86_400, includeSubDomains: false } : false,
    // Residents' pages may link here; the address bar of an operator screen should not leak.
    referrerPolicy: { policy: "same-origin" },
  });
  await app.register(fastifyCors, {
    origin: options.corsOrigins.length > 0 ? [...options.corsOrigins] : false,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type"],
    exposedHeaders: ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
    credentials: false,
    maxAge: 600,
  });
}
