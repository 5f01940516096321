import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { formatPath, Problem, zodProblems } from "../../stacks/problems";

/** The reviewed list of accepted Trivy findings, in Trivy's own .trivyignore.yaml format (`trivy --ignorefile`). */
export const TRIVY_IGNORE_FILE = path.resolve(__dirname, "..", "..", "images", "trivyignore.yaml");

/** The longest an acceptance may run before it is reviewed again. */
export const MAX_ACCEPTANCE_DAYS = 180;

const entry = z.strictObject({
    id: z.string().regex(/^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|AVD-[A-Z0-9]+-\d{4}|DS\d{3})$/, "expected a CVE, GHSA or Trivy check id"),
    statement: z.string().min(30, "say why the finding is accepted (at least 30 characters)"),
    expired_at: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected the date the acceptance ends, YYYY-MM-DD"),
    paths: z.array(z.string()).optional(),
    purls: z.array(z.string()).optional(),
});

const ignoreFileSchema = z.strictObject({
    vulnerabilities: z.array(entry).nullish(),
    misconfigurations: z.array(entry).nullish(),
    secrets: z.array(entry).nullish(),
    licenses: z.array(entry).nullish(),
});

export type AcceptedFinding = z.infer<typeof entry>;

/** Every problem of the accepted list: its shape, and entries past their expiry or accepted for too long. */
export function trivyIgnoreProblems(text: string, today: Date, source = "trivyignore.yaml"): Problem[] {
    const data: unknown = YAML.parse(text) ?? {};
    const parsed = ignoreFileSchema.safeParse(data);
    if (!parsed.success) return zodProblems(parsed.error.issues, (p) => `${source} ${formatPath(p) || "(root)"}`);
    const day = today.toISOString().slice(0, 10);
    const horizon = new Date(today.getTime() + MAX_ACCEPTANCE_DAYS * 86_400_000).toISOString().slice(0, 10);
    return Object.entries(parsed.data).flatMap(([kind, entries]) =>
        (entries ?? []).flatMap((e, i) => {
            const where = `${source} ${kind}[${i}] (${e.id})`;
            if (e.expired_at <= day) return [{ where, message: `expired on ${e.expired_at}: fix the finding or review it again and set a new expired_at` }];
            if (e.expired_at > horizon)
                return [
                    { where, message: `expires ${e.expired_at}, more than ${MAX_ACCEPTANCE_DAYS} days ahead: accept for at most ${MAX_ACCEPTANCE_DAYS} days` },
                ];
            return [];
        }),
    );
}

export const readTrivyIgnore = (file = TRIVY_IGNORE_FILE): string => fs.readFileSync(file, "utf8");
