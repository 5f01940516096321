// A DNS server of the test's own on 127.0.0.1, standing in for Docker's embedded DNS (127.0.0.11) or
// the cluster DNS: it answers the names it is given with their current IPv4 addresses, which the test
// changes as replicas come and go, and every other name with NXDOMAIN.
import * as dgram from "dgram";
import * as dnsPacket from "dns-packet";

const NXDOMAIN = 3;
/**
 * The TTL Docker's embedded DNS gives every answer (libnetwork's resolver, `respTTL`): a resolver
 * that honoured it would keep a replica list ten minutes, so the gateway must set its own `valid=`.
 */
const DOCKER_DNS_TTL_SECONDS = 600;

export interface TestDns {
    readonly port: number;
    /** Sets the addresses a name answers with; an empty list makes it unknown. */
    answer(name: string, addresses: readonly string[]): void;
    /** Never answers questions for `name`, as a DNS server that is down or cut off. */
    silence(name: string): void;
    /** How many questions for `name` were asked. */
    asked(name: string): number;
    close(): Promise<void>;
}

export function startTestDns(): Promise<TestDns> {
    const records = new Map<string, readonly string[]>();
    const questions = new Map<string, number>();
    const silenced = new Set<string>();
    const socket = dgram.createSocket("udp4");
    socket.on("message", (message, peer) => {
        const query = dnsPacket.decode(message);
        const question = query.questions?.[0];
        if (!question) return;
        const name = question.name.toLowerCase();
        questions.set(name, (questions.get(name) ?? 0) + 1);
        if (silenced.has(name)) return;
        const addresses = records.get(name) ?? [];
        const answers: dnsPacket.Answer[] =
            question.type === "A" ? addresses.map((data) => ({ type: "A", class: "IN", name: question.name, ttl: DOCKER_DNS_TTL_SECONDS, data })) : [];
        const reply = dnsPacket.encode({
            id: query.id,
            type: "response",
            // The low four bits are the response code: NXDOMAIN (3) for a name with no replicas, as Docker
            // answers tasks.<service> of a service without tasks.
            flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (addresses.length === 0 ? NXDOMAIN : 0),
            questions: [question],
            answers,
        });
        socket.send(reply, peer.port, peer.address);
    });
    return new Promise((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(0, "127.0.0.1", () =>
            resolve({
                port: socket.address().port,
                answer: (name, addresses) => void records.set(name.toLowerCase(), [...addresses]),
                silence: (name) => void silenced.add(name.toLowerCase()),
                asked: (name) => questions.get(name.toLowerCase()) ?? 0,
                close: () => new Promise((done) => socket.close(() => done())),
            }),
        );
    });
}
