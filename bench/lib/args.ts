/** The value after `--name` on the command line, e.g. `argument('rows')` for `--rows 20000`. */
export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
