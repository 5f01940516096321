// What the deploy job does after `npm run verify`: a pure decision, so every case is table-tested and
// the workflow only carries it out (docs/04-deployment/ci-cd.md).

/** How verify ended: its exit code 0, 1, or anything else (it could not judge the stack). */
export type VerifyOutcome = "passed" | "failed" | "unusable";

export interface RollbackInputs {
    readonly verify: VerifyOutcome;
    /** The commit this run deployed. */
    readonly commit: string;
    /** The stack's last verified commit (its sophia:verified-commit tag), when it has one. */
    readonly verifiedCommit?: string;
    /** This run is the re-deployment of verifiedCommit after a failed verification. */
    readonly rollingBack: boolean;
}

export type RollbackDecision =
    /** Verified: record the commit in the stack tag; the job succeeds. */
    | { readonly action: "tag-verified"; readonly commit: string }
    /** Re-deploy the last verified commit, then verify again. */
    | { readonly action: "roll-back"; readonly to: string; readonly notify: Notice }
    /** Stop: fail the job and tell people. */
    | { readonly action: "fail"; readonly notify: Notice };

export interface Notice {
    readonly alert: string;
    readonly severity: "critical" | "high";
    readonly summary: string;
}

const short = (sha: string): string => sha.slice(0, 12);

export function decideRollback(inputs: RollbackInputs): RollbackDecision {
    const { verify, commit, verifiedCommit, rollingBack } = inputs;
    if (rollingBack) {
        const of = `the rollback to ${short(commit)}`;
        if (verify === "passed")
            return {
                action: "fail",
                notify: {
                    alert: "DeployRolledBack",
                    severity: "critical",
                    summary: `a deployment failed verification; ${of} verified, the failed commit is not live`,
                },
            };
        return {
            action: "fail",
            notify: {
                alert: "RollbackFailed",
                severity: "critical",
                summary: `${of} ${verify === "failed" ? "failed verification too" : "could not be verified"}: the stack needs a person now`,
            },
        };
    }
    if (verify === "passed") return { action: "tag-verified", commit };
    if (verify === "unusable")
        // Verify could not judge the stack (bad configuration, tunnel): rolling back blind could make things worse.
        return {
            action: "fail",
            notify: { alert: "DeployVerificationBroken", severity: "high", summary: `verification of ${short(commit)} could not run; nothing was rolled back` },
        };
    if (!verifiedCommit)
        return {
            action: "fail",
            notify: {
                alert: "DeployVerificationFailed",
                severity: "critical",
                summary: `${short(commit)} failed verification and the stack has no verified commit to roll back to`,
            },
        };
    if (verifiedCommit === commit)
        // The verified code itself fails now: the cause is outside this commit, re-deploying it changes nothing.
        return {
            action: "fail",
            notify: {
                alert: "DeployVerificationFailed",
                severity: "critical",
                summary: `${short(commit)}, verified before, fails verification now: not a code change, nothing to roll back to`,
            },
        };
    return {
        action: "roll-back",
        to: verifiedCommit,
        notify: {
            alert: "DeployVerificationFailed",
            severity: "critical",
            summary: `${short(commit)} failed verification; rolling back to ${short(verifiedCommit)}`,
        },
    };
}

/** The verify command's exit code as an outcome. */
export const verifyOutcome = (exitCode: number): VerifyOutcome => (exitCode === 0 ? "passed" : exitCode === 1 ? "failed" : "unusable");

/** The decision as GitHub step outputs (name=value lines for $GITHUB_OUTPUT). */
export function stepOutputs(decision: RollbackDecision): Record<string, string> {
    return {
        action: decision.action,
        "rollback-to": decision.action === "roll-back" ? decision.to : "",
        "tag-commit": decision.action === "tag-verified" ? decision.commit : "",
        alert: decision.action === "tag-verified" ? "" : decision.notify.alert,
        severity: decision.action === "tag-verified" ? "" : decision.notify.severity,
        summary: decision.action === "tag-verified" ? "" : decision.notify.summary,
    };
}
