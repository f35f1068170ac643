import crypto from 'node:crypto';

const LETTERS = 'abcdefghijkmnopqrstuvwxyz'; // no "l": it reads like "1" and "I" when dictated

/**
 * A meeting id people can read out and type: "abc-defg-hjk" (10 letters, about 46 bits).
 * It is also the capability to join, so it comes from the CSPRNG.
 */
export function newMeetingId(): string {
  const pick = (n: number) => Array.from({ length: n }, () => LETTERS[crypto.randomInt(LETTERS.length)]).join('');
  return `${pick(3)}-${pick(4)}-${pick(3)}`;
}

export const MEETING_ID_PATTERN = /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/;
