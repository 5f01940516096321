import type { PolicyResource } from "../rule";
import { awsProps } from "../shapes";
import { asList, AWS, bucketRule, companionsOf, isLogTarget } from "./buckets";

const algorithms = (configs: PolicyResource[]): string[] =>
    configs.flatMap((c) => asList(awsProps(c).rules).map((r) => String(r?.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "")));

export const requireBucketSseKms = bucketRule(
    {
        id: "require-bucket-sse-kms",
        description:
            "S3 buckets must encrypt by default with SSE-KMS (a customer-managed key); access-log buckets, which S3 cannot deliver to under SSE-KMS, with SSE-S3.",
        rationale: "SSE-KMS puts every read of a backup behind a key policy and in CloudTrail; a leaked bucket credential alone no longer reads the data.",
        remediation:
            "Add an aws.s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault { sseAlgorithm: aws:kms, kmsMasterKeyId: <key arn> } and bucketKeyEnabled.",
        severity: "high",
        topics: ["aws", "s3", "encryption", "backups"],
    },
    (bucket, resources) => {
        const found = algorithms(companionsOf(resources, AWS.encryption, bucket));
        if (isLogTarget(resources, bucket)) {
            if (found.includes("AES256")) return undefined;
            return found.some((a) => a.startsWith("aws:kms"))
                ? "the log bucket encrypts with SSE-KMS, under which S3 cannot deliver access logs: use SSE-S3 (AES256)"
                : "the log bucket has no default encryption";
        }
        return found.some((a) => a === "aws:kms" || a === "aws:kms:dsse")
            ? undefined
            : "the bucket has no default SSE-KMS encryption (BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms)";
    },
);
