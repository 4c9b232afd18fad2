// Pages other than a room: the shell (shell.js), the page's socket with the
// bell and the badges of the user's rooms (live.js), and desktop
// notifications of direct messages and mentions while the tab is hidden
// (notify.js).
"use strict";

import { readConfig, startLive } from "./live.js";
import { DesktopAlerts } from "./notify.js";
import { startShell } from "./shell.js";

startShell();
const page = readConfig("parley-page");
const { socket } = startLive(page);
const alerts = new DesktopAlerts(page, null, null);
socket.on("frame", (frame) => alerts.frame(frame));
