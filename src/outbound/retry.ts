/** Pure: the retry schedule of outbound deliveries (webhooks, notification channels). */
/** Seconds to wait before attempt n+1 after n failed attempts, or null when there are no more retries. */
export function nextDelay(schedule: readonly number[], failedAttempts: number): number | null {
  return failedAttempts >= 1 && failedAttempts <= schedule.length ? schedule[failedAttempts - 1]! : null;
}
