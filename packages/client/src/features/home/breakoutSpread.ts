/**
 * "Spread at random into N rooms", an editing aid of the breakout plan editor: it runs in the
 * browser and only proposes; nothing is saved until the organiser presses Save.
 */

/**
 * The rooms a spread into `n` rooms uses: the first `n` of the plan's rooms, completed with
 * names from `label(1)`, `label(2)`… that are not taken yet (whatever their case). Returns the
 * plan's rooms followed by those added, and how many were added.
 */
export function roomsForSpread(existing: readonly string[], n: number, label: (k: number) => string): { rooms: string[]; added: number } {
  const rooms = [...existing];
  const taken = new Set(existing.map((r) => r.trim().toLowerCase()));
  let k = 1;
  while (rooms.length < n) {
    const name = label(k++);
    if (taken.has(name.toLowerCase())) continue;
    taken.add(name.toLowerCase());
    rooms.push(name);
  }
  return { rooms, added: rooms.length - existing.length };
}

/**
 * Puts `count` people into `n` rooms in random order, evenly: room sizes differ by one at most.
 * Returns, for each person, the index of their room (0 to n-1).
 */
export function spreadEvenly(count: number, n: number, random: () => number = Math.random): number[] {
  if (n < 1) throw new RangeError('at least one room');
  const order = Array.from({ length: count }, (_, i) => i);
  // Fisher–Yates.
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const rooms: number[] = new Array<number>(count).fill(0);
  order.forEach((person, position) => {
    rooms[person] = position % n;
  });
  return rooms;
}
