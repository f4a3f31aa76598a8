/** Character classes and small text helpers shared by the detectors. */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
export const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
/** Characters that continue a token: letters, digits, `_` and `-`. */
export const isTokenChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 45;
export const isB64Char = (c: number): boolean => isAlnum(c) || c === 43 || c === 47;
export const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * The character code at `i`, or -1 outside the text, for reads that may fall past either end: V8
 * answers an out-of-range `charCodeAt` (NaN) by deoptimising the function, which is then compiled
 * again. Only where -1 compares as NaN does: equal to no character, in no range of characters.
 */
export const codeAt = (text: string, i: number): number =>
  i >= 0 && i < text.length ? text.charCodeAt(i) : -1;

export const lowerEquals = (text: string, at: number, lower: string): boolean => {
  if (at < 0) return false;
  for (let i = 0; i < lower.length; i++)
    if ((text.charCodeAt(at + i) | 32) !== lower.charCodeAt(i)) return false;
  return true;
};

export function decodeBase64(s: string): string | undefined {
  try {
    return Buffer.from(s, 'base64').toString('latin1');
  } catch {
    return undefined;
  }
}

export function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

export function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) n++;
  return n;
}
