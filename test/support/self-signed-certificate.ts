/**
 * Test support: a self-signed certificate for localhost / 127.0.0.1, made at run time with the
 * `openssl` command (Node can read certificates but not make them).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./command-line-client.js";

export interface SelfSignedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate in PEM, which is also its own CA for clients. */
  readonly cert: string;
  remove(): Promise<void>;
}

export async function createSelfSignedCertificate(): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(join(tmpdir(), "envmon-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const result = await runCommand("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  if (result.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`openssl could not make a certificate: ${result.stderr}`);
  }
  return {
    certFile,
    keyFile,
    cert: await readFile(certFile, "utf8"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
