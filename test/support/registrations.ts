// What a registration asks of the engine beside its inputs, which the plan's recorder leaves out:
// the provider that creates the resource (and so which cluster or account it lands in), how long
// the engine waits for it, and whether a replacement deletes it first.
import { installMonitor, RecordingMonitor, urnOf } from "../../commands/plan/recorder";
import { monitor, settled } from "./setup";

type Request = Parameters<RecordingMonitor["registerResource"]>[0];
type Callback = Parameters<RecordingMonitor["registerResource"]>[1];

interface CustomTimeouts {
    readonly create: string;
    readonly update: string;
    readonly delete: string;
}

interface TimeoutsMessage {
    getCreate(): string;
    getUpdate(): string;
    getDelete(): string;
}

/** A recording monitor that also keeps each resource's provider reference, custom timeouts and delete-before-replace. */
export class RegistrationRecorder extends RecordingMonitor {
    /** The provider reference (`<provider URN>::<id>`) of each resource, by URN; "" when the engine would use its default provider. */
    readonly providers = new Map<string, string>();
    /** Custom timeouts by URN, for the resources that ask for any (each a Go duration, "" when not set). */
    readonly customTimeouts = new Map<string, CustomTimeouts>();
    /** Whether the engine deletes the resource before it creates its replacement, by URN. */
    readonly deleteBeforeReplace = new Map<string, boolean>();

    override async registerResource(req: Request, callback: Callback): Promise<void> {
        const urn = urnOf(req.getParent() || null, req.getType(), req.getName());
        this.providers.set(urn, req.getProvider());
        const timeouts = (req as Request & { getCustomtimeouts(): TimeoutsMessage | undefined }).getCustomtimeouts();
        if (timeouts) this.customTimeouts.set(urn, { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() });
        this.deleteBeforeReplace.set(urn, (req as Request & { getDeletebeforereplace(): boolean }).getDeletebeforereplace());
        return super.registerResource(req, callback);
    }

    /** The URN of the provider that creates `urn`, or undefined for the engine's default provider. */
    providerOf(urn: string): string | undefined {
        const reference = this.providers.get(urn);
        if (reference === undefined) throw new Error(`${urn} was not registered`);
        return reference === "" ? undefined : reference.slice(0, reference.lastIndexOf("::"));
    }
}

/**
 * Runs `register` with a recorder of its own as the mock monitor and returns it once every
 * registration has reached it; the shared monitor is back in place afterwards, even when `register`
 * throws.
 */
export async function registered(register: () => void): Promise<RegistrationRecorder> {
    // Earlier work's registrations reach the monitor they were made under first.
    await settled();
    const recorder = new RegistrationRecorder();
    installMonitor(recorder, "sophia", "test");
    try {
        register();
    } finally {
        await settled();
        installMonitor(monitor, "sophia", "test");
    }
    return recorder;
}
