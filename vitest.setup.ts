import { beforeEach, expect } from 'vitest';

// Every test must make at least one assertion: a test that returns early or whose checks
// sit in a callback that never runs fails instead of passing silently.
beforeEach(() => {
  expect.hasAssertions();
});
