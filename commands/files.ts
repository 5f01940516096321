// Writing a command's outputs so that a failed run changes nothing: every file is written beside its
// final place and renamed into it, so a reader sees the old file or the new one, never a part of one.
import * as fs from "fs";
import * as path from "path";

/** Writes `file` whole or not at all: a temporary file in the same folder, then a rename over it. */
export function writeFileAtomic(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    try {
        fs.writeFileSync(temporary, content);
        fs.renameSync(temporary, file);
    } catch (error) {
        fs.rmSync(temporary, { force: true });
        throw error;
    }
}

/**
 * Replaces the folder `dir` with exactly `files` (relative path → content). They are written into a
 * new folder beside it first; only when all are written does it take the old folder's place, so an
 * error while writing leaves the previous folder as it was.
 */
export function replaceDirectory(dir: string, files: ReadonlyMap<string, string>): void {
    const parent = path.dirname(dir);
    fs.mkdirSync(parent, { recursive: true });
    const staged = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.new-`));
    const previous = `${staged}.previous`;
    try {
        for (const [relative, content] of files) {
            const file = path.join(staged, relative);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, content);
        }
        if (fs.existsSync(dir)) fs.renameSync(dir, previous);
        fs.renameSync(staged, dir);
    } catch (error) {
        if (!fs.existsSync(dir) && fs.existsSync(previous)) fs.renameSync(previous, dir);
        fs.rmSync(staged, { recursive: true, force: true });
        throw error;
    } finally {
        fs.rmSync(previous, { recursive: true, force: true });
    }
}
