/** Helpers shared by the tests that run the fpt command line (unit tests and e2e). */

/**
 * `fpt <command> --name value ...`, in the order given: `fptArgs('sweep', { preset: 'table19', steps: 3 })`
 * is `['sweep', '--preset', 'table19', '--steps', '3']`.
 */
export function fptArgs(command: string, options: Record<string, string | number>): string[] {
  return [command, ...Object.entries(options).flatMap(([name, value]) => [`--${name}`, String(value)])];
}
