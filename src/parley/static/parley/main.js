// Pages other than a room: the shell (shell.js), the page's socket with the
// bell and the badges of the user's rooms (live.js), and desktop
// notifications of direct messages and mentions while the tab is hidden
// (notify.js); the sidebar's search (search.js).
"use strict";

import { httpClient, readConfig, startLive } from "./live.js";
import { DesktopAlerts } from "./notify.js";
import { setupSearch } from "./search.js";
import { startShell } from "./shell.js";

startShell();
const page = readConfig("parley-page");
setupSearch(page, httpClient(page.loginUrl));
const { socket } = startLive(page);
const alerts = new DesktopAlerts(page, null, null);
socket.on("frame", (frame) => alerts.frame(frame));
