/** CSV pieces shared by every CSV the service writes (RFC 4180, CRLF line ends). Pure. */

/** Excel reads a UTF-8 file as UTF-8 (µg/m³, Vietnamese names) only when it starts with a byte-order mark. */
export const UTF8_BOM = "\uFEFF";

/**
 * A field quoted when it holds a comma, quote, CR or LF. A text that a spreadsheet would run as a
 * formula (a leading = + - @, tab or CR that is not a number) is kept as text behind a quote.
 */
export function csvField(value: string): string {
  const formulaLike = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value);
  if (/[",\r\n]/.test(value) || formulaLike)
    return `"${(formulaLike ? "'" : "") + value.replace(/"/g, '""')}"`;
  return value;
}
