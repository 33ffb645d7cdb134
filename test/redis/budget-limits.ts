/** The budget of test/redis/budget.test.ts and its child processes: small caps, a short window. */
export const budgetLimits = { account: 6, ip: 4, windowMs: 300, jitterMs: 10 }
