import { UNKNOWN } from "../rule";
import { awsProps, record, type PolicyStatement } from "../shapes";
import { asList, AWS, bucketRule, companionsOf, policyDocument } from "./buckets";

/** A statement denying every request made without TLS: Deny, aws:SecureTransport false, any principal. */
export function deniesInsecureTransport(statement: PolicyStatement | undefined): boolean {
    if (statement?.Effect !== "Deny") return false;
    const secure = statement.Condition?.Bool?.["aws:SecureTransport"];
    const principal = statement.Principal;
    const anyone = principal === "*" || asList(record(principal).AWS).includes("*");
    return String(asList(secure)[0]) === "false" && anyone && asList(statement.Action).some((a) => a === "s3:*" || a === "*");
}

export const requireBucketTlsOnlyPolicy = bucketRule(
    {
        id: "require-bucket-tls-only-policy",
        description: "S3 buckets must have a bucket policy denying requests without TLS (aws:SecureTransport false).",
        rationale: "Without it, a misconfigured client can move backups over plain HTTP; the deny makes TLS a property of the bucket, not of each client.",
        remediation: "Add an aws.s3.BucketPolicy with a Deny of s3:* for Principal * when Condition Bool aws:SecureTransport is false.",
        severity: "high",
        topics: ["aws", "s3", "encryption", "backups"],
    },
    (bucket, resources) => {
        const policies = companionsOf(resources, AWS.policy, bucket);
        // A document a preview cannot know yet (built from ARNs) is checked by the update, which knows it.
        const ok = policies.some((p) => awsProps(p).policy === UNKNOWN || asList(policyDocument(awsProps(p).policy)?.Statement).some(deniesInsecureTransport));
        return ok ? undefined : "the bucket has no policy denying requests without TLS";
    },
);
