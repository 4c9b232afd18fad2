// Pages other than a room: the page's socket with the bell and the badges
// of the user's rooms (live.js).
"use strict";

import { readConfig, startLive } from "./live.js";

startLive(readConfig("parley-page"));
