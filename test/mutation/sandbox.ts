// Loaded first in a mutation run: Stryker's sandbox links the root node_modules but not the policy
// pack's own, which the policy tests and the stack plans load. Link it from the checkout the sandbox
// was made from (the real path of the linked root node_modules says where that is).
import * as fs from "fs";
import * as path from "path";

const sandbox = path.resolve(__dirname, "..", "..");
const checkout = path.dirname(fs.realpathSync(path.join(sandbox, "node_modules")));
if (checkout !== sandbox) {
    const link = path.join(sandbox, "policies", "node_modules");
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(checkout, "policies", "node_modules"), link, "dir");
}

// The Python test servers' virtualenv (pip installs it once per checkout, not once per sandbox).
process.env.SOPHIA_MCP_PYTHON_VENV ??= path.join(checkout, ".cache", "mcp-python-venv");
