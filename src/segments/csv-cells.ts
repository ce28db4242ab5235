/** CSV output cells: RFC 4180 quoting, and spreadsheet formula injection defused (OWASP "CSV injection"). */

const FORMULA_START = /^[=+\-@\t\r]/;
/** A phone number such as +84901234567: a leading + that no spreadsheet reads as a formula worth defusing. */
const PHONE = /^\+?[0-9]+$/;

/** One cell: a leading = + - @ tab or CR gets a ' (except a bare phone number), then quoted if it needs to be. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && FORMULA_START.test(s) && !PHONE.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated (RFC 4180). */
export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[]): string =>
  `${cells.map(csvCell).join(",")}\r\n`;
