/**
 * Writing benchmark figures into bench/RESULTS.md: each benchmark owns one `## ` section (or one
 * `### ` sub-section of a section) and replaces only that.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** bench/RESULTS.md. */
export const RESULTS_PATH = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

/** The first line of a section: its heading. */
function headingOf(section: string): string {
  const end = section.indexOf('\n');
  return (end < 0 ? section : section.slice(0, end)).trimEnd();
}

/**
 * Replaces the `## ` section that starts with the first line of `section` (up to the next `## `
 * heading), or appends it when the page has no such section yet.
 */
export function writeResultsSection(section: string, path: string = RESULTS_PATH): void {
  const heading = headingOf(section);
  const body = `${section.trimEnd()}\n`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const start = current.indexOf(heading);
  let next: string;
  if (start < 0) next = `${current.trimEnd()}\n\n${body}`;
  else {
    const end = current.indexOf('\n## ', start + heading.length);
    next = current.slice(0, start) + body + (end < 0 ? '' : `\n${current.slice(end + 1)}`);
  }
  writeFileSync(path, next);
}

/**
 * Replaces the `### ` sub-section that starts with the first line of `subsection` inside the
 * section `sectionHeading` (up to the next `## ` or `### ` heading), or appends it at the end of
 * that section, after what others wrote there. Throws when the section does not exist.
 */
export function writeResultsSubsection(
  sectionHeading: string,
  subsection: string,
  path: string = RESULTS_PATH,
): void {
  const page = readFileSync(path, 'utf8');
  const heading = headingOf(subsection);
  const body = `${subsection.trimEnd()}\n`;
  const sectionStart = page.indexOf(sectionHeading);
  if (sectionStart < 0) throw new Error(`${sectionHeading} not found in ${path}`);
  const bodyStart = sectionStart + sectionHeading.length;
  const next = page.slice(bodyStart).search(/\n## /);
  const sectionEnd = next < 0 ? page.length : bodyStart + next + 1;
  const section = page.slice(bodyStart, sectionEnd);
  const own = section.indexOf(heading);
  let updated: string;
  if (own >= 0) {
    const ownEnd = section.slice(own + 1).search(/\n#{2,3} /);
    const rest = ownEnd < 0 ? '' : section.slice(own + 1 + ownEnd + 1);
    updated =
      page.slice(0, bodyStart) +
      section.slice(0, own) +
      body +
      (rest ? `\n${rest}` : '\n') +
      page.slice(sectionEnd);
  } else {
    updated = `${page.slice(0, bodyStart)}${section.trimEnd()}\n\n${body}\n${page.slice(sectionEnd)}`;
  }
  writeFileSync(path, updated);
}
