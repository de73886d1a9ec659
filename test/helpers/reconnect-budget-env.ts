/** Runs `body` with TANDEM_RECONNECT_BUDGET_MS set to `ms`, restoring the environment after. */
export async function withReconnectBudget<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const before = process.env.TANDEM_RECONNECT_BUDGET_MS;
  process.env.TANDEM_RECONNECT_BUDGET_MS = String(ms);
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.TANDEM_RECONNECT_BUDGET_MS;
    else process.env.TANDEM_RECONNECT_BUDGET_MS = before;
  }
}
