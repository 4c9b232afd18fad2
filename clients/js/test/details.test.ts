import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { nextPage } from "../src/index.js";

describe("nextPage", () => {
  test("reads the rel=next target of a Link header", () => {
    assert.equal(
      nextPage('</api/rooms/a/members?after=0%3Aann>; rel="next"'),
      "/api/rooms/a/members?after=0%3Aann",
    );
    assert.equal(nextPage('</first>; rel="prev", </second>; rel="next last"'), "/second");
  });

  test("is null without a next page", () => {
    assert.equal(nextPage(null), null);
    assert.equal(nextPage(""), null);
    assert.equal(nextPage('</first>; rel="prev"'), null);
  });
});
