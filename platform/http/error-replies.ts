/**
 * How a server answers errors, in the API's shape `{"error": "<code>", "message": "<text>"}` with
 * the codes and statuses of the catalogue (kernel/errors.ts). One place: the error handler, the
 * not-found handler and the handler of errors raised before routing all answer through
 * `errorAnswer` and `sendError`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import {
  ERROR_CATALOGUE,
  type ErrorBody,
  genericErrorCode,
  isServiceError,
  ServiceError,
} from "../../kernel/errors.js";

export interface ErrorAnswer {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

/** A status Fastify or a plugin put on an error it raised (FastifyError.statusCode), if any. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : undefined;
}

const INTERNAL: ErrorBody = { error: "internal_error", message: ERROR_CATALOGUE.internal_error.message };

/**
 * What the API answers for an error a request ran into:
 * - a ServiceError: its code's status, code and message (and details, headers);
 * - a failed schema validation: 400 bad_request naming the parameter and the problem;
 * - an error Fastify or a plugin raised with a 4xx statusCode (JSON that does not parse, a body
 *   too large, an unsupported media type): that status, with the catalogue's general code for it
 *   (bad_request when it has none) and the error's message;
 * - anything else: 500 internal_error (or the 5xx the error carries), never the error's message.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (isServiceError(error)) return { status: error.statusCode, body: error.body, headers: error.headers };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const detail = error.validation
      .map(
        (v) =>
          `${v.instancePath.replace(/^\//, "").replace(/\//g, ".") || error.validationContext}: ${v.message}`,
      )
      .join("; ");
    const message = `${error.validationContext} ${detail}`;
    return { status: 400, body: { error: "bad_request", message }, headers: {} };
  }
  const status = statusOf(error);
  if (status !== undefined && status < 500) {
    const code = genericErrorCode(status);
    const message = error instanceof Error ? error.message : ERROR_CATALOGUE[code].message;
    return { status, body: { error: code, message }, headers: {} };
  }
  return { status: status ?? 500, body: INTERNAL, headers: {} };
}

function send(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/**
 * Answers a refusal from code that replies itself (`return sendError(reply, new ServiceError(…))`)
 * rather than throwing it to the error handler: the same answer either way.
 */
export const sendError = (reply: FastifyReply, error: ServiceError): FastifyReply =>
  send(reply, errorAnswer(error));

/** The error handler and the not-found handler of a server (every server of the service has them). */
export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const answer = errorAnswer(error);
    if (answer.status >= 500) request.log.error({ err: error }, "request failed");
    return send(reply, answer);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ServiceError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL that is not valid
 * percent-encoding…) are the client's, 400 bad_request unless they carry another 4xx.
 */
export function frameworkErrorReply(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = statusOf(error);
  send(reply, {
    status: status !== undefined && status < 500 ? status : 400,
    body: { error: "bad_request", message: error.message },
    headers: {},
  });
}
