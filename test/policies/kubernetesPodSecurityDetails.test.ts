// The finer points of the Pod Security rules: which values the restricted profile allows, where a
// setting sits (pod or container), the exact findings a reviewer reads, and list entries left empty.
import { expect } from "chai";
import { disallowHostPath } from "../../policies/kubernetes/disallowHostPath";
import { disallowHostPorts } from "../../policies/kubernetes/disallowHostPorts";
import { disallowProbeHosts } from "../../policies/kubernetes/disallowProbeHosts";
import { disallowProcMount } from "../../policies/kubernetes/disallowProcMount";
import { restrictAppArmorProfile } from "../../policies/kubernetes/restrictAppArmorProfile";
import { restrictSeLinuxOptions } from "../../policies/kubernetes/restrictSeLinuxOptions";
import { restrictSysctls } from "../../policies/kubernetes/restrictSysctls";
import { list, record } from "../../policies/shapes";
import { checkResource, compliantPodSpec, workload } from "./fixtures";

type Obj = Record<string, any>;

/** A compliant Deployment whose pod `change` adjusts; `annotations` go on the pod template. */
function deployment(change: (pod: Obj) => void, annotations?: Obj) {
    const pod = compliantPodSpec();
    change(pod);
    const r = workload("kubernetes:apps/v1:Deployment", pod);
    if (annotations) r.props.spec.template.metadata.annotations = annotations;
    return r;
}
const container = (pod: Obj): Obj => pod.containers[0];

describe(restrictAppArmorProfile.id, () => {
    it("allows a Localhost profile on a container", () => {
        expect(
            checkResource(
                restrictAppArmorProfile,
                deployment((p) => (container(p).securityContext.appArmorProfile = { type: "Localhost" })),
            ),
        ).to.deep.equal([]);
    });

    it("finds an Unconfined profile set on the pod itself", () => {
        const r = deployment((p) => (p.securityContext.appArmorProfile = { type: "Unconfined" }));
        expect(checkResource(restrictAppArmorProfile, r)).to.deep.equal(["the pod sets AppArmor profile Unconfined"]);
    });

    it("allows the legacy annotations for the runtime default and for a local profile", () => {
        const annotations = {
            "container.apparmor.security.beta.kubernetes.io/web": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/sidecar": "localhost/sophia-web",
        };
        expect(
            checkResource(
                restrictAppArmorProfile,
                deployment(() => undefined, annotations),
            ),
        ).to.deep.equal([]);
    });

    it("reads only the AppArmor annotations, not the pod's other ones", () => {
        const annotations = { "prometheus.io/scrape": "true", "sophia.ai/profile": "unconfined" };
        expect(
            checkResource(
                restrictAppArmorProfile,
                deployment(() => undefined, annotations),
            ),
        ).to.deep.equal([]);
    });

    it("names the annotation that disables AppArmor and the profile it sets", () => {
        const annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined", "prometheus.io/scrape": "true" };
        expect(
            checkResource(
                restrictAppArmorProfile,
                deployment(() => undefined, annotations),
            ),
        ).to.deep.equal(["annotation container.apparmor.security.beta.kubernetes.io/web sets AppArmor profile unconfined"]);
    });

    it("does not take a profile that merely ends in localhost/ for a local one", () => {
        const annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined-localhost/" };
        expect(
            checkResource(
                restrictAppArmorProfile,
                deployment(() => undefined, annotations),
            ),
        ).to.have.length(1);
    });
});

describe(restrictSeLinuxOptions.id, () => {
    it("allows seLinuxOptions that set only a level, or an empty type (both leave the runtime's type)", () => {
        expect(
            checkResource(
                restrictSeLinuxOptions,
                deployment((p) => (p.securityContext.seLinuxOptions = { level: "s0:c123,c456" })),
            ),
        ).to.deep.equal([]);
        expect(
            checkResource(
                restrictSeLinuxOptions,
                deployment((p) => (container(p).securityContext.seLinuxOptions = { type: "", level: "s0" })),
            ),
        ).to.deep.equal([]);
    });

    it("says whether the pod or a container overrides the SELinux user", () => {
        const r = deployment((p) => {
            p.securityContext.seLinuxOptions = { user: "system_u" };
            container(p).securityContext.seLinuxOptions = { type: "spc_t" };
        });
        expect(checkResource(restrictSeLinuxOptions, r)).to.deep.equal(["the pod sets SELinux user system_u", 'container "web" sets SELinux type spc_t']);
    });
});

describe("Pod Security rules on details", () => {
    it("disallow-proc-mount passes a container without securityContext (the Default /proc mount)", () => {
        const r = deployment((p) => delete container(p).securityContext);
        expect(checkResource(disallowProcMount, r)).to.deep.equal([]);
    });

    it("disallow-probe-hosts passes a probe or handler whose host is null, like an unset one", () => {
        const r = deployment((p) => {
            container(p).readinessProbe.httpGet.host = null;
            container(p).livenessProbe = { tcpSocket: { port: 8080, host: null } };
            container(p).startupProbe = null;
            container(p).lifecycle = { preStop: null };
        });
        expect(checkResource(disallowProbeHosts, r)).to.deep.equal([]);
    });

    it("a list entry left empty (null) neither breaks the host rules nor hides the entries after it", () => {
        const withVolume = deployment((p) => p.volumes.push(null, { name: "etc", hostPath: { path: "/etc" } }));
        expect(checkResource(disallowHostPath, withVolume)).to.deep.equal(['volume "etc" mounts host path /etc']);
        const withPort = deployment((p) => container(p).ports.push(null, { containerPort: 9090, hostPort: 9090 }));
        expect(checkResource(disallowHostPorts, withPort)).to.deep.equal(['container "web" binds host port 9090']);
    });

    it("restrict-sysctls counts an empty sysctl entry as not safe, and still names the unsafe ones", () => {
        const r = deployment((p) => (p.securityContext.sysctls = [null, { name: "kernel.msgmax", value: "65536" }]));
        const messages = checkResource(restrictSysctls, r);
        expect(messages).to.have.length(2);
        expect(messages[1]).to.equal("the pod sets unsafe sysctl kernel.msgmax");
    });
});

describe("nested input values as the rules read them (policies/shapes.ts)", () => {
    it("read null and other non-objects as an empty record", () => {
        for (const value of [null, undefined, "x", 3]) expect(record(value), String(value)).to.deep.equal({});
        expect(record({ host: "a" })).to.deep.equal({ host: "a" });
    });

    it("read anything but an array as an empty list", () => {
        for (const value of [null, undefined, "x", { 0: "a" }]) expect(list(value), JSON.stringify(value)).to.deep.equal([]);
        expect(list(["a"])).to.deep.equal(["a"]);
    });
});
