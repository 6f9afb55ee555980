/**
 * Sets `key` in a map used as a bounded cache: at `max` entries the oldest one (first inserted,
 * Map keeps insertion order) goes first. Callers delete a key they replace, so that it moves to
 * the back.
 */
export function setEvictingOldest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
