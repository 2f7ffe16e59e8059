// @ts-check
/**
 * Prettier, set to the code's existing style: single quotes, semicolons, trailing commas,
 * 2 spaces, parentheses around every arrow parameter (the last four are Prettier's defaults).
 *
 * printWidth 160: the code was written to long lines (658 lines over 140 characters, 324 over 160,
 * before Prettier). Measured on the tree at af0efcc, TypeScript files changed by the first
 * `prettier --write` (of 228):
 *   printWidth 120: 177 files, +5839 -1260 lines    printWidth 150: 135 files, +2665 -654
 *   printWidth 130: 164 files, +4591 -1008          printWidth 160: 130 files, +2145 -601
 *   printWidth 140: 154 files, +3548 -809
 * 160 churns least and ends the "lines over 160 characters" for code; what stays longer
 * are strings, template literals and comments, which Prettier does not break.
 *
 * @type {import('prettier').Config}
 */
export default {
  printWidth: 160,
  singleQuote: true,
};
