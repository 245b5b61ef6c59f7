/**
 * Shared command-line parsing for the simulator tools: node:util parseArgs for the syntax, zod for
 * the meaning, and one clear sentence per bad flag.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

export type FlagOutcome<T> =
  | { readonly kind: "run"; readonly options: T }
  | { readonly kind: "help" }
  | { readonly kind: "invalid"; readonly errors: readonly string[] };

export type FlagDefinitions = Readonly<Record<string, { readonly type: "string" | "boolean" }>>;

/** `--help` / `-h` anywhere before a `--` terminator wins over everything else. */
function asksForHelp(argv: readonly string[]): boolean {
  for (const token of argv) {
    if (token === "--") return false;
    if (token === "--help" || token === "-h") return true;
  }
  return false;
}

export function parseFlags<T>(
  argv: readonly string[],
  definitions: FlagDefinitions,
  schema: z.ZodType<T>,
): FlagOutcome<T> {
  if (asksForHelp(argv)) return { kind: "help" };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: definitions,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { kind: "invalid", errors: [describeSyntaxError(error)] };
  }
  const result = schema.safeParse(values);
  if (result.success) return { kind: "run", options: result.data };
  return {
    kind: "invalid",
    errors: result.error.issues.map((issue) =>
      issue.message.startsWith("--") ? issue.message : `--${issue.path.join(".")}: ${issue.message}`,
    ),
  };
}

/** Turns parseArgs' exceptions into sentences that name the flag and say what to do. */
function describeSyntaxError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const quoted = /'([^']*)'/.exec(text)?.[1] ?? "";
  const flag = quoted.split(" ")[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag '${flag}' (run with --help to see the flags)`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument '${flag}': every setting is a --flag (run with --help)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(text)) return `${flag} is a switch and takes no value`;
      if (/ambiguous/.test(text))
        return `${flag} needs a value; write values that start with '-' as ${flag}=<value>`;
      return `${flag} needs a value`;
    default:
      return text;
  }
}

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface NumberFlagSpec {
  /** What the number means, shown in error messages. */
  readonly meaning: string;
  readonly defaultValue: number;
  readonly integer?: boolean;
  /** Strictly greater than zero. */
  readonly positive?: boolean;
  readonly min?: number;
  readonly max?: number;
}

function numberKind(spec: NumberFlagSpec): string {
  const noun = spec.integer ? "whole number" : "number";
  if (spec.positive) return `a positive ${noun}`;
  if (spec.min === 0) return `zero or a positive ${noun}`;
  if (spec.min !== undefined) return `a ${noun} of at least ${spec.min}`;
  return `a ${noun}`;
}

/** A numeric string flag, e.g. `numberFlag("--rate", { meaning: "readings per second", positive: true, … })`. */
export function numberFlag(flag: string, spec: NumberFlagSpec) {
  return z
    .string()
    .optional()
    .transform((raw, context): number => {
      if (raw === undefined) return spec.defaultValue;
      const value = Number(raw.trim());
      const fitsKind =
        DECIMAL_NUMBER.test(raw.trim()) &&
        Number.isFinite(value) &&
        (!spec.integer || Number.isInteger(value)) &&
        (!spec.positive || value > 0) &&
        (spec.min === undefined || value >= spec.min);
      if (!fitsKind) {
        context.addIssue({
          code: "custom",
          message: `${flag} must be ${numberKind(spec)} (${spec.meaning}), got '${raw}'`,
        });
        return z.NEVER;
      }
      if (spec.max !== undefined && value > spec.max) {
        context.addIssue({
          code: "custom",
          message: `${flag} must be at most ${spec.max} (${spec.meaning}), got '${raw}'`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** A string flag restricted to a few literal choices. */
export function choiceFlag<const C extends readonly [string, ...string[]]>(
  flag: string,
  choices: C,
  meaning: string,
  defaultValue: C[number],
) {
  return z
    .string()
    .optional()
    .transform((raw, context): C[number] => {
      if (raw === undefined) return defaultValue;
      if ((choices as readonly string[]).includes(raw)) return raw as C[number];
      context.addIssue({
        code: "custom",
        message: `${flag} must be one of ${choices.join(", ")} (${meaning}), got '${raw}'`,
      });
      return z.NEVER;
    });
}

const MQTT_PROTOCOLS = new Set(["mqtt:", "mqtts:", "tcp:", "tls:", "ws:", "wss:"]);

/** The broker address, e.g. mqtt://localhost:1883 or ws://localhost:8080/mqtt. */
export function brokerUrlFlag(flag: string, defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw, context): string => {
      if (raw === undefined) return defaultValue;
      let url: URL | null = null;
      try {
        url = new URL(raw);
      } catch {
        url = null;
      }
      if (!url || !MQTT_PROTOCOLS.has(url.protocol) || url.hostname === "") {
        context.addIssue({
          code: "custom",
          message: `${flag} must be a broker URL such as mqtt://localhost:1883 or ws://localhost:8080/mqtt, got '${raw}'`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

export const switchFlag = () => z.boolean().optional().default(false);

/** What a command does with its parsed flags: help text (exit 0), errors (exit 2) or its run. */
export function dispatchFlags<T>(
  outcome: FlagOutcome<T>,
  command: { readonly name: string; readonly script: string; readonly help: string },
  run: (options: T) => Promise<number>,
): Promise<number> {
  switch (outcome.kind) {
    case "help":
      process.stdout.write(command.help);
      return Promise.resolve(0);
    case "invalid":
      for (const error of outcome.errors) process.stderr.write(`${command.name}: ${error}\n`);
      process.stderr.write(`Xem / see: npx tsx ${command.script} --help\n`);
      return Promise.resolve(2);
    case "run":
      return run(outcome.options);
  }
}
