import * as crypto from "crypto";
import * as fs from "fs";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { setting, requiredSetting } from "./environment";

/** PutObject's limit; larger dumps would need multipart uploads, far beyond the platform's metadata. */
const MAX_SINGLE_UPLOAD = 5 * 1024 ** 3;

/**
 * The bucket backups go to, reached with the standard AWS settings: AWS_REGION, the access key
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or their _FILE forms) or the default credential chain,
 * and AWS_ENDPOINT_URL_S3 for an S3-compatible store.
 */
export class BackupBucket {
    readonly bucket: string;
    private readonly client: S3Client;

    constructor(env: NodeJS.ProcessEnv = process.env) {
        this.bucket = requiredSetting("BACKUP_BUCKET", env);
        const accessKeyId = setting("AWS_ACCESS_KEY_ID", env);
        const secretAccessKey = setting("AWS_SECRET_ACCESS_KEY", env);
        const endpoint = setting("AWS_ENDPOINT_URL_S3", env);
        this.client = new S3Client({
            region: requiredSetting("AWS_REGION", env),
            credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
            endpoint,
            // S3-compatible stores on a bare host name or address cannot serve bucket subdomains.
            forcePathStyle: endpoint !== undefined,
            // Streamed uploads would otherwise go out aws-chunked with a trailing checksum, which
            // S3-compatible stores often keep verbatim; the manifest's SHA-256 guards integrity instead.
            requestChecksumCalculation: "WHEN_REQUIRED",
        });
    }

    async putFile(key: string, file: string): Promise<number> {
        const bytes = fs.statSync(file).size;
        if (bytes > MAX_SINGLE_UPLOAD) throw new Error(`${file} is ${bytes} bytes, above the 5 GiB single-upload limit`);
        const body = fs.createReadStream(file);
        try {
            await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: bytes }));
        } finally {
            // An upload that failed before reading (no connection) leaves the stream to open later, when the
            // caller may have removed the file: its ENOENT would then be thrown from nowhere.
            body.destroy();
        }
        return bytes;
    }

    /** The file's SHA-256 (hex), recorded in the manifest and checked before a restore uses the file. */
    static async sha256(file: string): Promise<string> {
        const hash = crypto.createHash("sha256");
        for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
        return hash.digest("hex");
    }

    async putText(key: string, text: string): Promise<void> {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: "application/json" }));
    }

    async getText(key: string): Promise<string> {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return response.Body!.transformToString("utf8");
    }

    async getFile(key: string, file: string): Promise<void> {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const body = response.Body as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => {
            const out = fs.createWriteStream(file);
            body.on("error", reject).pipe(out).on("error", reject).on("finish", resolve);
        });
    }

    async listKeys(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!));
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys;
    }

    close(): void {
        this.client.destroy();
    }
}
