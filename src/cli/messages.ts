/**
 * Messages the command prints stay readable whatever was typed or pasted: values that run past a few
 * hundred characters are cut, with their length said.
 */

const LONGEST_RUN = 200;
const LONGEST_MESSAGE = 4000;

/** A value as shown in a message: at most 200 characters, then its length. */
export function shortValue(value: string): string {
  return value.length > LONGEST_RUN ? `${value.slice(0, LONGEST_RUN)}… (${value.length} characters)` : value;
}

/**
 * Cuts what a message echoes: quoted strings and unbroken runs longer than 200 characters (a path or a
 * value pasted by mistake), then the whole message past 4,000 characters.
 */
export function shortenMessage(text: string): string {
  // A cut quoted string keeps fewer characters than a run may have, so the next step leaves it alone.
  const keep = LONGEST_RUN - 10;
  const cut = text
    .replace(/"(?:[^"\\\n]|\\.){201,}"/g, (quoted) => `${quoted.slice(0, keep + 1)}…" (${quoted.length - 2} characters)`)
    .replace(/'(?:[^'\\\n]|\\.){201,}'/g, (quoted) => `${quoted.slice(0, keep + 1)}…' (${quoted.length - 2} characters)`)
    .replace(new RegExp(`\\S{${LONGEST_RUN + 1},}`, 'g'), (run) => shortValue(run))
    .replace(new RegExp(`[ \\t]{${LONGEST_RUN + 1},}`, 'g'), (run) => ` (${run.length} blanks) `);
  return cut.length > LONGEST_MESSAGE ? `${cut.slice(0, LONGEST_MESSAGE)}… (message cut at ${LONGEST_MESSAGE} of ${cut.length} characters)` : cut;
}
