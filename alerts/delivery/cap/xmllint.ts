import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The OASIS CAP 1.2 schema shipped with the service, so checks run from a plain clone. */
export const CAP_XSD_PATH = fileURLToPath(new URL("./cap-v1.2.xsd", import.meta.url));

export interface XmllintResult {
  readonly ok: boolean;
  /** xmllint's own report (stderr), e.g. "message.xml validates" or the schema errors. */
  readonly report: string;
}

/**
 * Runs `xmllint --noout [--schema xsd] file` (Debian package libxml2-utils) on a document:
 * well-formedness alone without a schema. Rejects when xmllint itself is missing.
 */
export async function xmllint(xml: string, schema?: string): Promise<XmllintResult> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-xmllint-"));
  const file = join(dir, "message.xml");
  try {
    await writeFile(file, xml, "utf8");
    const args = schema === undefined ? ["--noout", file] : ["--noout", "--schema", schema, file];
    return await new Promise<XmllintResult>((resolve, reject) => {
      execFile("xmllint", args, (error, _stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(new Error("xmllint is not installed (apt-get install libxml2-utils)"));
          return;
        }
        resolve({ ok: error === null, report: stderr.replaceAll(file, "message.xml").trim() });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
