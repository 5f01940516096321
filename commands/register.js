// `node -r ./commands/register.js <file>.ts`: runs the project's TypeScript as its compiled
// JavaScript (build.js), as `sophia` does; the npm scripts of the commands start this way.
"use strict";
require("./build").register();
