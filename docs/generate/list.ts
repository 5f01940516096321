import * as path from "path";
import { loadCatalog } from "../../catalog";
import { POLICY_DOC, renderPolicyDoc } from "../../policies/docs";
import type { PlanFile } from "../../commands/plan/planFile";
import { renderAlertReference, renderIncidentClasses } from "./alerts";
import { renderArchitecture } from "./architecture";
import { renderScannerFindings } from "./scannerFindings";
import { renderServiceReference } from "./services";
import { ROOT, stackSettings } from "./stacks";

/** Each generated document: its path under the repository and how to render it. */
export const GENERATED_DOCS: readonly { file: string; render: (plans: readonly PlanFile[]) => string }[] = [
    { file: "docs/99-reference/services.md", render: () => renderServiceReference(loadCatalog(), stackSettings()) },
    { file: "docs/06-troubleshooting/alerts.md", render: () => renderAlertReference() },
    { file: "docs/05-operations/incident-classes.md", render: () => renderIncidentClasses() },
    { file: path.relative(ROOT, POLICY_DOC), render: () => renderPolicyDoc() },
    { file: "docs/03-architecture/diagram.md", render: (plans) => renderArchitecture(plans) },
    { file: "docs/07-security/scanner-findings.md", render: () => renderScannerFindings() },
];
