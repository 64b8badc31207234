// Integration and browser suites boot the real application (migrations, demo seed with argon2 hashes, Redis
// connections) in their hooks. On this 2-core machine that alone can pass Jest's 5 s default when anything
// else runs, and a hook timeout then fails a whole suite for no fault of the code: 60 s is the budget.
jest.setTimeout(60_000);
