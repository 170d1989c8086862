/** Delay before retry `attempt` (1-based): 1 s, 2 s, 4 s ... capped at 60 s, scaled by `baseMs`. */
export function backoffMs(attempt: number, baseMs = 1000): number {
  return Math.min(60 * baseMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
