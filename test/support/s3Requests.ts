// What the backup program's S3 client would send, without sending it: a middleware at the end of the
// SDK's stack records each request's host and signature and stops it there.
import { S3Client } from "@aws-sdk/client-s3";

export interface S3Request {
    readonly host: string;
    readonly authorization: string;
}

/** The error every recorded request ends with. */
export const STOPPED = "stopped before leaving this machine";

/** Records the host and signature of each request the client would send, and sends none. */
export function recordRequests(client: S3Client): S3Request[] {
    const requests: S3Request[] = [];
    client.middlewareStack.add(
        () => (args: any) => {
            requests.push({ host: args.request.hostname, authorization: String(args.request.headers.authorization ?? "") });
            return Promise.reject(new Error(STOPPED));
        },
        { step: "finalizeRequest", priority: "low", name: "recordRequests" },
    );
    return requests;
}
