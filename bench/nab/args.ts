/** Minimal `--name value` / `--flag` command-line parsing for the NAB scripts. */
export function parseArguments(argv: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (!argument.startsWith('--')) throw new Error(`unexpected argument "${argument}"`);
    const equals = argument.indexOf('=');
    if (equals > 0) {
      values.set(argument.slice(2, equals), argument.slice(equals + 1));
      continue;
    }
    const next = argv[index + 1];
    if (next !== undefined && !next.startsWith('--')) {
      values.set(argument.slice(2), next);
      index++;
    } else {
      values.set(argument.slice(2), 'true');
    }
  }
  return values;
}

/** Splits a comma-separated list, dropping empty items. */
export function listArgument(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * The values of options a script cannot run without; when one is missing, prints `usage` and sets
 * exit code 2 instead, and returns `undefined`.
 */
export function requiredArguments<Name extends string>(
  args: ReadonlyMap<string, string>,
  names: readonly Name[],
  usage: string,
): Record<Name, string> | undefined {
  const values = {} as Record<Name, string>;
  for (const name of names) {
    const value = args.get(name);
    if (!value) {
      console.error(usage);
      process.exitCode = 2;
      return undefined;
    }
    values[name] = value;
  }
  return values;
}
