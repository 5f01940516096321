#!/usr/bin/env node
// The project's TypeScript as compiled JavaScript, for the commands: `npm run build` compiles every
// source file into build/ (same paths, .js), and register() makes each `require` of a .ts module run
// its compiled file, compiling it first when it is missing or its source has changed since. A
// command then starts without loading TypeScript or transpiling anything. The module keeps its
// source's name and folder (__filename, __dirname), so paths next to a source resolve as before.
// Types are checked by `npm run typecheck`; this compiles with SWC, as ts-node does for the tests.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const BUILD_DIR = path.join(ROOT, "build");
/** The folders whose TypeScript `npm run build` compiles (tsconfig.json's include, tests aside). */
const SOURCE_ROOTS = ["index.ts", "catalog", "components", "stacks", "commands", "esc", "clusters", "policies", "images", "docs", "test/bench"];
const SKIPPED_FOLDERS = new Set(["node_modules", "dist"]);

/** SWC options equal to what ts-node derives from tsconfig.json (ES2022, CommonJS, esModuleInterop). */
function swcOptions(filename) {
    return {
        filename,
        swcrc: false,
        sourceMaps: "inline",
        module: { type: "commonjs", noInterop: false, strictMode: true, ignoreDynamic: false },
        jsc: {
            parser: { syntax: "typescript", tsx: false, decorators: false, dynamicImport: true },
            target: "es2022",
            keepClassNames: true,
            transform: { legacyDecorator: true, useDefineForClassFields: true },
        },
    };
}

/** Where the compiled file of `source` lives: build/ mirrors the tree. */
function compiledPath(source) {
    return path.join(BUILD_DIR, path.relative(ROOT, source)).replace(/\.ts$/, ".js");
}

/**
 * The last line of a compiled file names its source's hash, so any change (not only a newer mtime)
 * rebuilds it. Last, so that the source map's line numbers stay those of the code above it.
 */
function stamp(text) {
    return `\n// source sha1 ${crypto.createHash("sha1").update(text).digest("hex")}\n`;
}

/** Compiles `source` (its text given) into its compiled file, written whole or not at all, and returns the code. */
function compile(source, text) {
    const { transformSync } = require("@swc/core");
    const code = transformSync(text, swcOptions(source)).code + stamp(text);
    // Only the project's own sources are kept in build/; anything else is compiled for this process alone.
    if (path.relative(ROOT, source).startsWith("..")) return code;
    const target = compiledPath(source);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, target);
    return code;
}

/** The compiled code of `source`: its compiled file when it was made from this text, else a fresh compile. */
function compiledCode(source) {
    const text = fs.readFileSync(source, "utf8");
    let compiled;
    try {
        compiled = fs.readFileSync(compiledPath(source), "utf8");
    } catch {
        return compile(source, text);
    }
    return compiled.endsWith(stamp(text)) ? compiled : compile(source, text);
}

/**
 * From now on, requiring a .ts file of the project runs its compiled JavaScript. Stack traces point
 * into the TypeScript sources when SOPHIA_DEBUG=1 asks for traces: mapping them costs every start
 * the parsing of each module's source map, and without it a command prints no trace.
 */
function register() {
    if (process.env.SOPHIA_DEBUG === "1") process.setSourceMapsEnabled(true);
    require.extensions[".ts"] = (module, filename) => module._compile(compiledCode(filename), filename);
}

/** Every TypeScript source of the project under `SOURCE_ROOTS`, declaration files aside. */
function sources() {
    const found = [];
    const visit = (entry) => {
        const stat = fs.statSync(entry);
        if (stat.isDirectory()) {
            for (const name of fs.readdirSync(entry).sort()) if (!SKIPPED_FOLDERS.has(name)) visit(path.join(entry, name));
        } else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) found.push(entry);
    };
    for (const root of SOURCE_ROOTS) visit(path.join(ROOT, root));
    return found;
}

/** Compiles every source whose compiled file is missing or stale; returns how many were compiled and how many were current. */
function buildAll() {
    let compiled = 0;
    const all = sources();
    for (const source of all) {
        const text = fs.readFileSync(source, "utf8");
        let current = false;
        try {
            current = fs.readFileSync(compiledPath(source), "utf8").endsWith(stamp(text));
        } catch {
            // Missing: compiled below.
        }
        if (!current) {
            compile(source, text);
            compiled++;
        }
    }
    return { compiled, current: all.length - compiled };
}

module.exports = { register, buildAll, compiledPath, BUILD_DIR };

if (require.main === module) {
    const { compiled, current } = buildAll();
    process.stdout.write(`build: ${compiled} file(s) compiled into build/, ${current} already current\n`);
}
