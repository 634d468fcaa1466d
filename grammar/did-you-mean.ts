/**
 * "Did you mean" suggestions for misspelt names (rules.sql declarations, configuration keys).
 * Two names are the same modulo case, '_' and '-' (`mqtt_port`, `MQTT-PORT` and `mqttPort` all fold to
 * `mqttport`); otherwise the candidate whose folded spelling is within edit distance 2 wins.
 */

/** `mqtt_port`, `--mqtt-port`, `RULEMQ_MQTT_PORT` minus its prefix → `mqttport`. */
export function foldName(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** The candidate closest to `name` (same folded spelling, or within edit distance 2), or undefined. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const folded = foldName(name);
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const f = foldName(c);
    const d = f === folded ? 0 : editDistance(folded, f, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean \`x\`?` for the closest candidate, else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closestName(name, candidates);
  return best === undefined ? '' : `; did you mean \`${best}\`?`;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length], limit);
}
