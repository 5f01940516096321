// Loaded into supergateway's process (node --require): supergateway listens with app.listen(port),
// on every interface, and has no option for an address. The bridge in front of it is the only
// door the platform opens (its port serves health and metrics and counts every MCP request), so
// the inner port listens on the loopback address only and nothing else in the network reaches it.
"use strict";
const net = require("net");

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
    if (typeof args[0] === "number" && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
    return listen.apply(this, args);
};
