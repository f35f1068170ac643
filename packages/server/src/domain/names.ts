/**
 * A person's name as people recognise it, for matching only (never shown): lower case, accents
 * and other combining marks removed, runs of white space made one space, trimmed. "  Élodie
 * DURAND " and "elodie durand" are the same person.
 */
export function normaliseName(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Someone on a list the organiser wrote: a name, and an email when known. */
export interface NamedPerson {
  name: string;
  email: string | null;
}

/**
 * Recognises people of an edited list in the previous one: by email (whatever its case) first,
 * then by name (normaliseName) among those not recognised yet, in list order. Each previous
 * person is recognised at most once. Returns, for each of `next`, who they were in `previous`.
 */
export function matchPeople<P extends NamedPerson>(previous: readonly P[], next: readonly NamedPerson[]): (P | undefined)[] {
  const found: (P | undefined)[] = next.map(() => undefined);
  const taken = new Set<number>();
  const byEmail = new Map<string, number>();
  previous.forEach((p, i) => {
    const key = p.email?.toLowerCase();
    if (key && !byEmail.has(key)) byEmail.set(key, i);
  });
  next.forEach((person, j) => {
    const i = person.email ? byEmail.get(person.email.toLowerCase()) : undefined;
    if (i !== undefined && !taken.has(i)) {
      taken.add(i);
      found[j] = previous[i];
    }
  });
  const byName = new Map<string, number[]>();
  previous.forEach((p, i) => {
    if (taken.has(i)) return;
    const key = normaliseName(p.name);
    byName.set(key, [...(byName.get(key) ?? []), i]);
  });
  next.forEach((person, j) => {
    if (found[j]) return;
    const i = byName.get(normaliseName(person.name))?.shift();
    if (i !== undefined) found[j] = previous[i];
  });
  return found;
}
