// Pages other than a room: the shell (shell.js), and the page's socket with
// the bell and the badges of the user's rooms (live.js).
"use strict";

import { readConfig, startLive } from "./live.js";
import { startShell } from "./shell.js";

startShell();
startLive(readConfig("parley-page"));
